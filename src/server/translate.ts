/**
 * Translation of a request draft into the body one target accepts, with the compatibility
 * report. Everything parameter-specific comes from the fact table in ./facts.ts; this
 * module interprets it (predicates, effects, sends) and holds the two named transforms.
 */
import { PARAMS, isParamName } from '../request/params';
import type { RequestDraft } from '../request/types';
import {
  CHECKS,
  factFor,
  type Pred,
  type ReportLine,
  type Target,
  type TransformName,
} from './facts';

export interface TranslateOptions {
  /** OpenAI's response_format.json_schema.name, needed to send guided_json to OpenAI. */
  jsonSchemaName?: string;
  /**
   * Keep in the body what a rule refuses (a `refused` line with a removal): the body a
   * server gets when the report's advice is ignored. The live server suite sends it to
   * prove each refusal; the app never sets it.
   */
  keepRefused?: boolean;
}

export interface Translation {
  /** The JSON body for the target: fields in the parameter table's order. */
  body: Record<string, unknown>;
  report: ReportLine[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

export function evalPred(pred: Pred, draft: RequestDraft): boolean {
  if ('set' in pred) return draft[pred.set] !== undefined;
  if ('eq' in pred) {
    const v = draft[pred.eq[0]];
    return v !== undefined && jsonEqual(v, pred.eq[1]);
  }
  if ('gt' in pred) {
    const v = draft[pred.gt[0]];
    return typeof v === 'number' && v > pred.gt[1];
  }
  if ('lt' in pred) {
    const v = draft[pred.lt[0]];
    return typeof v === 'number' && v < pred.lt[1];
  }
  if ('between' in pred) {
    const [name, lo, hi] = pred.between;
    const v = draft[name];
    return typeof v === 'number' && v > lo && v < hi;
  }
  if ('all' in pred) return pred.all.every((p) => evalPred(p, draft));
  if ('any' in pred) return pred.any.some((p) => evalPred(p, draft));
  if ('not' in pred) return !evalPred(pred.not, draft);
  return CHECKS[pred.check](draft);
}

/** Keeps report lines on one line and short. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function short(v: unknown, max = 40): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 1)}\u2026` : s;
}

// ---------------------------------------------------------------- OpenAI strict schemas

/** Keywords that OpenAI's strict mode does not take. */
const STRICT_UNSUPPORTED = [
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'dependentRequired',
  'dependentSchemas',
  'patternProperties',
];

/**
 * Why OpenAI's strict mode (the only mode in which OpenAI enforces a schema) cannot take
 * this schema; empty when it can.
 */
export function strictSchemaProblems(schema: unknown): string[] {
  const out: string[] = [];
  if (!isObject(schema) || schema.type !== 'object') {
    out.push('the root must be {"type": "object"}');
    if (!isObject(schema)) return out;
  }
  walkSchema(schema, '', out);
  return out;
}

function walkSchema(node: unknown, path: string, out: string[]): void {
  const at = path === '' ? 'the root' : path.slice(1);
  if (!isObject(node)) {
    if (typeof node === 'boolean') out.push(`${at} is a boolean schema`);
    return;
  }
  for (const kw of STRICT_UNSUPPORTED) if (kw in node) out.push(`${at} uses ${kw}`);
  const props = isObject(node.properties) ? node.properties : undefined;
  const isObjectSchema =
    node.type === 'object' ||
    (Array.isArray(node.type) && node.type.includes('object')) ||
    props !== undefined;
  if (isObjectSchema) {
    if (node.additionalProperties !== false) out.push(`${at} needs additionalProperties: false`);
    const required: unknown[] = Array.isArray(node.required) ? node.required : [];
    const missing = Object.keys(props ?? {}).filter((k) => !required.includes(k));
    if (missing.length > 0)
      out.push(`${at} must list every property in required (missing: ${missing.join(', ')})`);
  }
  for (const [k, v] of Object.entries(props ?? {})) walkSchema(v, `${path}.properties.${k}`, out);
  if (Array.isArray(node.items))
    node.items.forEach((v, i) => walkSchema(v, `${path}.items[${i}]`, out));
  else if (node.items !== undefined) walkSchema(node.items, `${path}.items`, out);
  for (const kw of ['anyOf', 'prefixItems'] as const) {
    const list = node[kw];
    if (Array.isArray(list)) list.forEach((v, i) => walkSchema(v, `${path}.${kw}[${i}]`, out));
  }
  for (const kw of ['$defs', 'definitions'] as const) {
    const defs = node[kw];
    if (isObject(defs))
      for (const [k, v] of Object.entries(defs)) walkSchema(v, `${path}.${kw}.${k}`, out);
  }
}

// ---------------------------------------------------------------- named transforms

const SCHEMA_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function clampLogitBias(value: unknown): { value: unknown; detail: string } {
  if (!isObject(value)) return { value, detail: '' };
  const out: Record<string, unknown> = {};
  const changed: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'number' && Math.abs(v) > 100) {
      const c = Math.max(-100, Math.min(100, v));
      out[k] = c;
      changed.push(`${short(k, 12)}: ${v} \u2192 ${c}`);
    } else out[k] = v;
  }
  const detail =
    changed.length > 3
      ? `${changed.slice(0, 3).join(', ')} and ${changed.length - 3} more`
      : changed.join(', ');
  return { value: out, detail };
}

const VALUE_TRANSFORMS: Record<
  Exclude<TransformName, 'guidedJsonToResponseFormat'>,
  (value: unknown) => { value: unknown; detail: string }
> = { clampLogitBias };

type Conversion =
  | { ok: true; value: unknown; message: string; extra: ReportLine[] }
  | { ok: false; message: string };

function guidedJsonToResponseFormat(
  value: unknown,
  draft: RequestDraft,
  opts: TranslateOptions,
): Conversion {
  const rf = draft.response_format;
  const rfIsText = isObject(rf) && rf.type === 'text';
  if (rf !== undefined && !rfIsText) {
    const type = isObject(rf) ? short(rf.type) : short(rf);
    return {
      ok: false,
      message: `OpenAI takes one response_format and the request already sets one (type ${type}); left out`,
    };
  }
  let schema: unknown = value;
  if (typeof value === 'string') {
    try {
      schema = JSON.parse(value);
    } catch {
      schema = undefined;
    }
  }
  if (!isObject(schema)) {
    return {
      ok: false,
      message: 'guided_json is not a JSON schema object, so OpenAI cannot take it; left out',
    };
  }
  const name = opts.jsonSchemaName?.trim() ?? '';
  if (name === '') {
    return {
      ok: false,
      message:
        'OpenAI needs a name for the schema (response_format.json_schema.name): give one to send guided_json as a json_schema; left out',
    };
  }
  if (!SCHEMA_NAME.test(name)) {
    return {
      ok: false,
      message: `the schema name ${short(name)} is not 1-64 letters, digits, _ or - as OpenAI requires; left out`,
    };
  }
  const problems = strictSchemaProblems(schema);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return {
      ok: false,
      message: `OpenAI enforces a schema only with strict: true, which cannot take this one: ${problems[0]}${more}; left out`,
    };
  }
  return {
    ok: true,
    value: { type: 'json_schema', json_schema: { name, schema, strict: true } },
    message: `sent as response_format json_schema ${JSON.stringify(name)} with strict: true`,
    extra: rfIsText
      ? [
          {
            param: 'response_format',
            action: 'changed',
            message: 'replaced by the json_schema made from guided_json',
          },
        ]
      : [],
  };
}

const CONVERSIONS: Record<
  Extract<TransformName, 'guidedJsonToResponseFormat'>,
  (value: unknown, draft: RequestDraft, opts: TranslateOptions) => Conversion
> = { guidedJsonToResponseFormat };

// ---------------------------------------------------------------- translation

const ORDER = new Map<string, number>(PARAMS.map((p, i) => [p.name, i]));

interface Placement {
  order: number;
  seq: number;
  path: string[];
  value: unknown;
}

function setPath(body: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = body;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (isObject(next)) node = next;
    else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  });
}

/** Translates a draft into `target`'s body and lists what the target does differently. */
export function translateRequest(
  draft: RequestDraft,
  target: Target,
  opts: TranslateOptions = {},
): Translation {
  const report: ReportLine[] = [];
  const placements: Placement[] = [];
  const push = (line: ReportLine) => report.push({ ...line, message: oneLine(line.message) });
  const place = (path: string, value: unknown, fallbackOrder: number) => {
    const parts = path.split('.');
    const order = ORDER.get(parts[0] ?? '') ?? fallbackOrder;
    placements.push({ order, seq: placements.length, path: parts, value });
  };

  for (const [key, value] of Object.entries(draft)) {
    if (value !== undefined && !isParamName(key))
      push({ param: key, action: 'dropped', message: 'not a parameter of the spec; left out' });
  }

  const added: Record<string, unknown> = {};
  for (const spec of PARAMS) {
    const name = spec.name;
    let value = draft[name];
    if (value === undefined) continue;
    const fact = factFor(name, target);
    const order = ORDER.get(name) ?? 0;
    let removed = false;
    for (const rule of fact.rules ?? []) {
      if (rule.when !== undefined && !evalPred(rule.when, draft)) continue;
      let detail = '';
      const effect = rule.effect;
      if (effect !== undefined) {
        if ('transform' in effect) {
          const r = VALUE_TRANSFORMS[effect.transform](value);
          value = r.value;
          detail = r.detail;
        } else if ('replace' in effect) value = effect.replace;
        else if ('add' in effect) {
          for (const [k, v] of Object.entries(effect.add)) if (draft[k] === undefined) added[k] = v;
        } else removed = opts.keepRefused !== true;
      }
      push({
        param: name,
        action: rule.action,
        message: rule.message.replace('{detail}', detail),
        ...(rule.flag !== undefined ? { flag: rule.flag } : {}),
        ...(rule.serverSays !== undefined ? { serverSays: rule.serverSays } : {}),
      });
      if (removed) break;
    }
    if (removed) continue;
    const send = fact.send;
    switch (send.as) {
      case 'as-is':
        place(name, value, order);
        break;
      case 'renamed':
        place(send.path, value, order);
        push({ param: name, action: 'renamed', message: `sent as ${send.path}: ${send.reason}` });
        break;
      case 'dropped':
        push({ param: name, action: 'dropped', message: `${send.reason}; left out` });
        break;
      case 'refused':
        push({ param: name, action: 'refused', message: `${send.reason}; left out` });
        break;
      case 'converted': {
        const c = CONVERSIONS[send.via](value, draft, opts);
        if (c.ok) {
          place(send.path, c.value, order);
          push({ param: name, action: 'renamed', message: c.message });
          c.extra.forEach(push);
        } else push({ param: name, action: 'refused', message: c.message });
        break;
      }
    }
  }
  for (const [k, v] of Object.entries(added)) place(k, v, Number.MAX_SAFE_INTEGER);

  placements.sort((a, b) => a.order - b.order || a.seq - b.seq);
  const body: Record<string, unknown> = {};
  for (const p of placements) setPath(body, p.path, structuredClone(p.value));
  return { body, report };
}

/** The server flags a report asks for, each once. */
export function serverFlags(report: readonly ReportLine[]): string[] {
  return [...new Set(report.flatMap((l) => (l.flag !== undefined ? [l.flag] : [])))];
}
