/**
 * Import of a request in any form the export writes: JSON, curl, Python (the openai
 * client's `chat.completions.create(...)` with `extra_body`) and JavaScript
 * (`client.chat.completions.create({...})`). A current vLLM's `structured_outputs` is
 * mapped back to the spec's guided_* fields; what has no field in the form is kept in
 * `unknown` and said in `notes`.
 */
import { ImportError, importRequest } from '../request/import';
import { isParamName, PARAM_NAMES, type ParamName } from '../request/params';
import { STRUCTURED_TO_GUIDED } from './structured';
import { LLAMA_SERVER_FACTS } from './facts';
import type { RequestDraft } from '../request/types';
import {
  LiteralError,
  parseJsObject,
  parsePythonKwargs,
  parsePythonLiteral,
  putKey,
  skipSpace,
} from './literals';
import { jsonEqual } from './translate';

export { ImportError };

export type CodeForm = 'json' | 'curl' | 'python' | 'javascript';

export interface BodyImport {
  draft: RequestDraft;
  /** Fields with no place in the form, kept so that nothing is lost. */
  unknown: Record<string, unknown>;
  /** One line each: what could not be mapped, and what was mapped differently. */
  notes: string[];
}

export interface CodeImport extends BodyImport {
  form: CodeForm;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export { STRUCTURED_TO_GUIDED };

/**
 * llama-server's own top-level fields (json_schema, grammar) and the spec fields they came
 * from: the llama-server renames of the fact table, read backwards.
 */
export const LLAMA_SERVER_TO_GUIDED: Readonly<Record<string, ParamName>> = Object.fromEntries(
  PARAM_NAMES.flatMap((name) => {
    const send = LLAMA_SERVER_FACTS[name]?.send;
    return send?.as === 'renamed' && !isParamName(send.path) ? [[send.path, name] as const] : [];
  }),
);

/** Maps a request body (any target's) back to the form's fields. */
export function fromServerBody(body: Record<string, unknown>): BodyImport {
  const draft: RequestDraft = {};
  const unknown: Record<string, unknown> = {};
  const notes: string[] = [];
  let structured: unknown;
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) continue;
    if (k === 'structured_outputs') structured = v;
    else if (isParamName(k)) putKey(draft, k, v);
    else if (
      Object.hasOwn(LLAMA_SERVER_TO_GUIDED, k) &&
      draft[LLAMA_SERVER_TO_GUIDED[k]!] === undefined
    )
      putKey(draft, LLAMA_SERVER_TO_GUIDED[k]!, v);
    else {
      putKey(unknown, k, v);
      notes.push(`${k} is not a parameter of the spec; kept aside`);
    }
  }
  if (structured === undefined || structured === null) return { draft, unknown, notes };
  if (!isObject(structured)) {
    putKey(unknown, 'structured_outputs', structured);
    notes.push('structured_outputs is not an object; kept aside');
    return { draft, unknown, notes };
  }
  const entries = Object.entries(structured).filter(([, v]) => v !== null && v !== undefined);
  const mapsToSpec =
    entries.length > 0 &&
    entries.every(
      ([k, v]) =>
        Object.hasOwn(STRUCTURED_TO_GUIDED, k) ||
        (k === 'json_object' && v === true && draft.response_format === undefined),
    );
  if (!mapsToSpec) {
    // Options the spec's fields cannot say (structural_tag, disable_*): keep the object as it is.
    putKey(draft, 'structured_outputs', structured);
    return { draft, unknown, notes };
  }
  for (const [k, v] of Object.entries(structured)) {
    if (v === null || v === undefined) continue;
    const guided = Object.hasOwn(STRUCTURED_TO_GUIDED, k) ? STRUCTURED_TO_GUIDED[k] : undefined;
    if (guided !== undefined) {
      const before = draft[guided];
      if (before !== undefined && !jsonEqual(before, v)) {
        putKey(unknown, guided, before);
        notes.push(
          `both ${guided} and structured_outputs.${k} are set; the structured_outputs one is used (a current vLLM ignores ${guided}), the other is kept aside`,
        );
      }
      putKey(draft, guided, v);
    } else if (k === 'json_object' && v === true && draft.response_format === undefined) {
      draft.response_format = { type: 'json_object' };
      notes.push('structured_outputs.json_object became response_format {"type": "json_object"}');
    }
  }
  return { draft, unknown, notes };
}

/** Body fields from the Python client's keyword arguments (extra_body merged last, as the client does). */
function pythonBody(entries: [string, unknown][], notes: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  let extra: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (k === 'extra_body') {
      if (isObject(v)) extra = v;
      else if (v !== null) notes.push('extra_body is not a dict; left out');
    } else if (['extra_headers', 'extra_query', 'timeout'].includes(k)) {
      notes.push(`${k} is not part of the request body; left out`);
    } else putKey(body, k, v);
  }
  for (const [k, v] of Object.entries(extra)) {
    if (Object.hasOwn(body, k)) notes.push(`extra_body.${k} replaces the keyword argument ${k}`);
    putKey(body, k, v);
  }
  return body;
}

function literalError(e: unknown): never {
  if (e instanceof LiteralError) throw new ImportError(`Could not read the code: ${e.message}.`);
  throw e;
}

function importObjectText(text: string): {
  body: Record<string, unknown>;
  notes: string[];
  form: CodeForm;
} {
  try {
    const value: unknown = JSON.parse(text);
    if (!isObject(value)) throw new ImportError('A request must be a JSON object.');
    return { body: value, notes: [], form: 'json' };
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const jsonError = (e as Error).message;
    let js: ReturnType<typeof parseJsObject> | undefined;
    try {
      js = parseJsObject(text, 0);
      if (skipSpace(text, js.end, 'js') < text.length) js = undefined;
    } catch {
      js = undefined;
    }
    if (js !== undefined && js.notes.length === 0)
      return { body: Object.fromEntries(js.entries), notes: [], form: 'javascript' };
    try {
      const py = parsePythonLiteral(text);
      if (isObject(py)) return { body: py, notes: [], form: 'python' };
    } catch {
      // not a Python dict either
    }
    if (js !== undefined)
      return { body: Object.fromEntries(js.entries), notes: js.notes, form: 'javascript' };
    throw new ImportError(`Not valid JSON: ${jsonError}`);
  }
}

/** Reads a request from JSON, curl, Python or JavaScript code. Throws ImportError. */
export function importCode(text: string): CodeImport {
  const trimmed = text.trim();
  if (trimmed === '') throw new ImportError('Nothing to import.');

  if (/^curl\s/.test(trimmed)) {
    const { draft, unknown } = importRequest(trimmed);
    return { ...fromServerBody({ ...draft, ...unknown }), form: 'curl' };
  }

  const call = /\.create\s*\(/.exec(trimmed);
  if (call === null) {
    if (!trimmed.startsWith('{'))
      throw new ImportError(
        'Paste a request JSON, a curl command, or Python / JavaScript code that calls chat.completions.create(...).',
      );
    const { body, notes, form } = importObjectText(trimmed);
    const mapped = fromServerBody(body);
    return { ...mapped, notes: [...notes, ...mapped.notes], form };
  }

  const open = call.index + call[0].length;
  const first = skipSpace(trimmed, open, 'js');
  try {
    if (trimmed.charAt(first) === '{') {
      const parsed = parseJsObject(trimmed, first);
      const notes = [...parsed.notes];
      if (trimmed.charAt(skipSpace(trimmed, parsed.end, 'js')) === ',')
        notes.push(
          'the second argument of create() holds request options, not body fields; left out',
        );
      const mapped = fromServerBody(Object.fromEntries(parsed.entries));
      return { ...mapped, notes: [...notes, ...mapped.notes], form: 'javascript' };
    }
    const parsed = parsePythonKwargs(trimmed, open);
    const notes = [...parsed.notes];
    const mapped = fromServerBody(pythonBody(parsed.entries, notes));
    return { ...mapped, notes: [...notes, ...mapped.notes], form: 'python' };
  } catch (e) {
    return literalError(e);
  }
}
