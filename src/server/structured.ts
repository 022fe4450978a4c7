/**
 * A current vLLM's `structured_outputs` object and the spec's guided_* fields are two
 * spellings of one constraint. The mapping between them is the fact table's renames for the
 * 'vllm' target, read backwards, so no second list of names exists. The tab compiles
 * constraints from the guided_* form; `structuredAsGuided` rewrites a request into it.
 */
import { PARAM_NAMES, type ParamName } from '../request/params';
import type { RequestDraft } from '../request/types';
import { FACTS } from './facts';

/** structured_outputs key -> the spec field it stands for (json -> guided_json, ...). */
export const STRUCTURED_TO_GUIDED: Readonly<Record<string, ParamName>> = Object.fromEntries(
  PARAM_NAMES.flatMap((name) => {
    const send = FACTS[name].vllm.send;
    return send.as === 'renamed' && send.path.startsWith('structured_outputs.')
      ? [[send.path.slice('structured_outputs.'.length), name] as const]
      : [];
  }),
);

/** The keys that each select a constraint; vLLM takes exactly one of them. */
export const STRUCTURED_CONSTRAINT_KEYS = [
  'json',
  'regex',
  'choice',
  'grammar',
  'json_object',
  'structural_tag',
] as const;

/** Options beside the constraint (vLLM's StructuredOutputsParams). */
const STRUCTURED_OPTION_KEYS = [
  'whitespace_pattern',
  'disable_any_whitespace',
  'disable_additional_properties',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const present = (v: unknown): boolean => v !== undefined && v !== null;

export interface StructuredProblem {
  param: string;
  message: string;
}

/** vLLM's rules on the object itself: known keys, value types, exactly one constraint. */
export function structuredOutputsProblems(so: unknown): StructuredProblem[] {
  const p = 'structured_outputs';
  if (!isObject(so)) return [{ param: p, message: `${p} must be an object.` }];
  const out: StructuredProblem[] = [];
  const known: readonly string[] = [...STRUCTURED_CONSTRAINT_KEYS, ...STRUCTURED_OPTION_KEYS];
  for (const [k, v] of Object.entries(so)) {
    const at = `${p}.${k}`;
    if (!known.includes(k)) {
      out.push({
        param: at,
        message: `${at} is not a structured_outputs field (known: ${known.join(', ')}).`,
      });
      continue;
    }
    if (!present(v)) continue;
    const bad =
      k === 'json'
        ? !isObject(v) && typeof v !== 'string'
        : k === 'choice'
          ? !Array.isArray(v) || v.length === 0 || !v.every((c) => typeof c === 'string')
          : ['json_object', 'disable_any_whitespace', 'disable_additional_properties'].includes(k)
            ? typeof v !== 'boolean'
            : typeof v !== 'string';
    if (bad) out.push({ param: at, message: `${at} has the wrong type (${describe(k)}).` });
  }
  const count = STRUCTURED_CONSTRAINT_KEYS.filter((k) => present(so[k])).length;
  if (count > 1)
    out.push({
      param: p,
      message: `You can only use one kind of structured outputs constraint, but several are set: ${STRUCTURED_CONSTRAINT_KEYS.filter((k) => present(so[k])).join(', ')}.`,
    });
  if (count === 0)
    out.push({
      param: p,
      message: `You must use one kind of structured outputs constraint (${STRUCTURED_CONSTRAINT_KEYS.join(', ')}), but none is set.`,
    });
  return out;
}

function describe(key: string): string {
  if (key === 'json') return 'a JSON schema object or its JSON text';
  if (key === 'choice') return 'a non-empty list of strings';
  if (['json_object', 'disable_any_whitespace', 'disable_additional_properties'].includes(key))
    return 'true or false';
  return 'a string';
}

/**
 * The request with structured_outputs written as the spec's fields (json -> guided_json,
 * json_object -> response_format json_object, ...). Keys with no such field (structural_tag,
 * disable_*) are returned in `unsupported` when set to something that constrains.
 */
export function structuredAsGuided(req: RequestDraft): {
  request: RequestDraft;
  unsupported: string[];
} {
  const so = req.structured_outputs;
  if (!isObject(so)) return { request: req, unsupported: [] };
  const request: RequestDraft = { ...req };
  delete request.structured_outputs;
  const unsupported: string[] = [];
  for (const [k, v] of Object.entries(so)) {
    if (!present(v) || v === false) continue;
    const guided = Object.hasOwn(STRUCTURED_TO_GUIDED, k) ? STRUCTURED_TO_GUIDED[k] : undefined;
    if (guided !== undefined) request[guided] = v;
    else if (k === 'json_object') request.response_format = { type: 'json_object' };
    else unsupported.push(`structured_outputs.${k}`);
  }
  return { request, unsupported };
}
