import { PARAMS, paramSpec, type ParamSpec } from './params';
import { constraintConflict } from '../constraints/conflicts';
import type { ApiError, ChatRequest } from './types';

export type ValidationResult =
  { ok: true; request: ChatRequest } | { ok: false; errors: ApiError[] };

/** Checks that need another library (Jinja parsing) are injected so this module stays small. */
export interface ValidatorHooks {
  checkTemplate?: (template: string) => string | null;
  /** A GBNF grammar's syntax problem, or null. */
  checkGrammar?: (grammar: string) => string | null;
  /** A JSON schema's problem (not a valid schema), or null. */
  checkSchema?: (schema: unknown) => string | null;
}

/** The JSON schemas a request carries, with the parameter path each sits at. */
function schemasOf(r: Record<string, unknown>): { param: string; schema: unknown }[] {
  const out: { param: string; schema: unknown }[] = [];
  const rf = r.response_format;
  if (
    isObject(rf) &&
    rf.type === 'json_schema' &&
    isObject(rf.json_schema) &&
    rf.json_schema.schema !== undefined
  )
    out.push({ param: 'response_format.json_schema.schema', schema: rf.json_schema.schema });
  if (isObject(r.guided_json)) out.push({ param: 'guided_json', schema: r.guided_json });
  else if (typeof r.guided_json === 'string') {
    try {
      out.push({ param: 'guided_json', schema: JSON.parse(r.guided_json) });
    } catch {
      // reported by the guided_json rule
    }
  }
  if (Array.isArray(r.tools))
    r.tools.forEach((t, i) => {
      if (isObject(t) && isObject(t.function) && isObject(t.function.parameters))
        out.push({ param: `tools[${i}].function.parameters`, schema: t.function.parameters });
    });
  return out;
}

export const MESSAGE_ROLES = [
  'system',
  'developer',
  'user',
  'assistant',
  'tool',
  'function',
] as const;

function err(param: string | null, message: string): ApiError {
  return { message, type: 'invalid_request_error', param, code: null };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function checkMessage(m: unknown, i: number, out: ApiError[]): void {
  const p = `messages[${i}]`;
  if (!isObject(m)) {
    out.push(err(p, `${p} must be an object, got ${typeName(m)}.`));
    return;
  }
  const role = m.role;
  if (typeof role !== 'string' || !(MESSAGE_ROLES as readonly string[]).includes(role)) {
    out.push(err(`${p}.role`, `${p}.role must be one of ${MESSAGE_ROLES.join(', ')}.`));
    return;
  }
  const content = m.content;
  const contentOk =
    typeof content === 'string' ||
    (Array.isArray(content) &&
      content.every((part) => isObject(part) && typeof part.type === 'string')) ||
    ((content === null || content === undefined) &&
      role === 'assistant' &&
      m.tool_calls !== undefined &&
      m.tool_calls !== null);
  if (!contentOk) {
    out.push(err(`${p}.content`, `${p}.content must be a string or an array of content parts.`));
  }
  if (role === 'tool' && (typeof m.tool_call_id !== 'string' || m.tool_call_id === '')) {
    out.push(err(`${p}.tool_call_id`, `${p}.tool_call_id is required for tool messages.`));
  }
  if (m.tool_calls !== undefined) {
    if (role !== 'assistant' || !Array.isArray(m.tool_calls)) {
      out.push(err(`${p}.tool_calls`, `${p}.tool_calls must be an array on an assistant message.`));
    } else {
      m.tool_calls.forEach((tc, j) => {
        const q = `${p}.tool_calls[${j}]`;
        if (
          !isObject(tc) ||
          typeof tc.id !== 'string' ||
          tc.type !== 'function' ||
          !isObject(tc.function) ||
          typeof tc.function.name !== 'string' ||
          typeof tc.function.arguments !== 'string'
        ) {
          out.push(
            err(q, `${q} must be {id, type: "function", function: {name, arguments: string}}.`),
          );
        }
      });
    }
  }
}

function checkTool(t: unknown, i: number, out: ApiError[]): void {
  const p = `tools[${i}]`;
  if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) {
    out.push(err(p, `${p} must be {type: "function", function: {name, parameters}}.`));
    return;
  }
  const name = t.function.name;
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    out.push(
      err(
        `${p}.function.name`,
        `${p}.function.name must be 1-64 letters, digits, underscores or dashes.`,
      ),
    );
  }
  const params = t.function.parameters;
  if (params !== undefined && !isObject(params)) {
    out.push(
      err(`${p}.function.parameters`, `${p}.function.parameters must be a JSON schema object.`),
    );
  }
}

function checkNumberRange(spec: ParamSpec, v: unknown, out: ApiError[]): void {
  const k = spec.kind;
  if (k.type !== 'number' && k.type !== 'integer') return;
  if (v === null && k.type === 'integer' && k.nullable) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    out.push(err(spec.name, `${spec.name} must be a number, got ${typeName(v)}.`));
    return;
  }
  if (k.type === 'integer' && !Number.isInteger(v)) {
    out.push(err(spec.name, `${spec.name} must be an integer, got ${v}.`));
    return;
  }
  const max = k.max;
  if (v < k.min || (max !== undefined && v > max)) {
    const range = max === undefined ? `at least ${k.min}` : `between ${k.min} and ${max}`;
    out.push(err(spec.name, `${spec.name} must be ${range}, got ${v}.`));
  }
}

function checkJsonValue(spec: ParamSpec, v: unknown, out: ApiError[]): void {
  const k = spec.kind;
  if (k.type !== 'json') return;
  if (k.shape === 'array') {
    if (!Array.isArray(v)) {
      out.push(err(spec.name, `${spec.name} must be an array, got ${typeName(v)}.`));
      return;
    }
    if (k.maxItems !== undefined && v.length > k.maxItems) {
      out.push(
        err(spec.name, `${spec.name} may have at most ${k.maxItems} items, got ${v.length}.`),
      );
    }
    return;
  }
  if (k.shape === 'object') {
    if (!isObject(v))
      out.push(err(spec.name, `${spec.name} must be an object, got ${typeName(v)}.`));
    return;
  }
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v);
      if (!isObject(parsed)) out.push(err(spec.name, `${spec.name} must be a JSON schema object.`));
    } catch (e) {
      out.push(err(spec.name, `${spec.name} is not valid JSON: ${(e as Error).message}`));
    }
  } else if (!isObject(v)) {
    out.push(err(spec.name, `${spec.name} must be a JSON schema (object or JSON string).`));
  }
}

function checkParam(spec: ParamSpec, v: unknown, out: ApiError[]): void {
  const k = spec.kind;
  switch (k.type) {
    case 'model':
      if (typeof v !== 'string' || v.trim() === '')
        out.push(err('model', 'model must be a non-empty string.'));
      return;
    case 'messages':
      if (!Array.isArray(v) || v.length === 0) {
        out.push(err('messages', 'messages must be a non-empty array.'));
        return;
      }
      v.forEach((m, i) => checkMessage(m, i, out));
      return;
    case 'number':
    case 'integer':
      checkNumberRange(spec, v, out);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(err(spec.name, `${spec.name} must be true or false.`));
      return;
    case 'string':
      if (typeof v !== 'string') out.push(err(spec.name, `${spec.name} must be a string.`));
      else if (k.maxLength !== undefined && v.length > k.maxLength)
        out.push(err(spec.name, `${spec.name} may be at most ${k.maxLength} characters.`));
      return;
    case 'enum':
      if (typeof v !== 'string' || !k.options.includes(v))
        out.push(err(spec.name, `${spec.name} must be one of ${k.options.join(', ')}.`));
      return;
    case 'stringList': {
      const list = typeof v === 'string' && k.allowSingleString ? [v] : v;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
        out.push(err(spec.name, `${spec.name} must be a list of strings.`));
        return;
      }
      if (k.maxItems !== undefined && list.length > k.maxItems)
        out.push(
          err(
            spec.name,
            `${spec.name} may have at most ${k.maxItems} entries, got ${list.length}.`,
          ),
        );
      if (k.minItems !== undefined && list.length < k.minItems)
        out.push(err(spec.name, `${spec.name} needs at least ${k.minItems} entry.`));
      if (list.some((s) => s === ''))
        out.push(err(spec.name, `${spec.name} entries may not be empty.`));
      return;
    }
    case 'logitBias':
      if (!isObject(v)) {
        out.push(err(spec.name, `${spec.name} must be an object of token id to bias.`));
        return;
      }
      for (const [key, bias] of Object.entries(v)) {
        if (!/^(0|[1-9][0-9]*)$/.test(key)) {
          out.push(err(spec.name, `${spec.name} keys must be integer token ids, got "${key}".`));
        } else if (
          typeof bias !== 'number' ||
          !Number.isFinite(bias) ||
          bias < -100 ||
          bias > 100
        ) {
          out.push(err(spec.name, `${spec.name}[${key}] must be a number between -100 and 100.`));
        }
      }
      return;
    case 'json':
      checkJsonValue(spec, v, out);
      if (spec.name === 'tools' && Array.isArray(v)) v.forEach((t, i) => checkTool(t, i, out));
      return;
    case 'responseFormat':
      checkResponseFormat(v, out);
      return;
    case 'toolChoice':
      if (v === 'none' || v === 'auto' || v === 'required') return;
      if (
        isObject(v) &&
        v.type === 'function' &&
        isObject(v.function) &&
        typeof v.function.name === 'string'
      )
        return;
      out.push(
        err(
          spec.name,
          'tool_choice must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}.',
        ),
      );
      return;
    case 'streamOptions':
      if (!isObject(v) || (v.include_usage !== undefined && typeof v.include_usage !== 'boolean'))
        out.push(err(spec.name, 'stream_options must be an object like {"include_usage": true}.'));
      return;
  }
}

function checkResponseFormat(v: unknown, out: ApiError[]): void {
  const p = 'response_format';
  if (!isObject(v) || typeof v.type !== 'string') {
    out.push(err(p, `${p} must be an object with a type.`));
    return;
  }
  if (v.type === 'text' || v.type === 'json_object') return;
  if (v.type !== 'json_schema') {
    out.push(
      err(`${p}.type`, `${p}.type must be text, json_object or json_schema, got "${v.type}".`),
    );
    return;
  }
  const js = v.json_schema;
  if (!isObject(js)) {
    out.push(err(`${p}.json_schema`, `${p}.json_schema is required when type is json_schema.`));
    return;
  }
  if (typeof js.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(js.name))
    out.push(
      err(`${p}.json_schema.name`, `${p}.json_schema.name must be 1-64 letters, digits, _ or -.`),
    );
  if (js.schema !== undefined && !isObject(js.schema))
    out.push(
      err(`${p}.json_schema.schema`, `${p}.json_schema.schema must be a JSON schema object.`),
    );
  if (js.strict !== undefined && js.strict !== null && typeof js.strict !== 'boolean')
    out.push(err(`${p}.json_schema.strict`, `${p}.json_schema.strict must be true or false.`));
  if (js.description !== undefined && typeof js.description !== 'string')
    out.push(err(`${p}.json_schema.description`, `${p}.json_schema.description must be a string.`));
}

function checkCrossField(r: Record<string, unknown>, out: ApiError[]): void {
  if (
    r.top_logprobs !== undefined &&
    r.top_logprobs !== null &&
    r.top_logprobs !== 0 &&
    r.logprobs !== true
  )
    out.push(err('top_logprobs', 'top_logprobs requires logprobs to be true.'));
  if (r.stream_options !== undefined && r.stream_options !== null && r.stream !== true)
    out.push(err('stream_options', 'stream_options is only allowed when stream is true.'));
  if (r.continue_final_message === true && r.add_generation_prompt !== false)
    out.push(
      err(
        'continue_final_message',
        'continue_final_message and add_generation_prompt cannot both be true (set add_generation_prompt to false).',
      ),
    );
  if (r.continue_final_message === true && Array.isArray(r.messages)) {
    const last: unknown = r.messages[r.messages.length - 1];
    if (isObject(last) && last.role !== 'assistant' && last.role !== 'user')
      out.push(
        err('continue_final_message', 'continue_final_message needs a final message to continue.'),
      );
  }
  const tc = r.tool_choice;
  const tools = Array.isArray(r.tools) ? r.tools : [];
  if (tc !== undefined && tc !== null && tc !== 'none' && tc !== 'auto' && tools.length === 0)
    out.push(err('tool_choice', 'tool_choice other than "none" or "auto" requires tools.'));
  if (isObject(tc) && isObject(tc.function)) {
    const name = tc.function.name;
    const found = tools.some(
      (t) => isObject(t) && isObject(t.function) && t.function.name === name,
    );
    if (!found)
      out.push(
        err('tool_choice', `tool_choice names function "${String(name)}", which is not in tools.`),
      );
  }
  const conflict = constraintConflict(r);
  if (conflict) out.push(err(conflict.param, conflict.message));
  if (typeof r.guided_regex === 'string') {
    try {
      new RegExp(r.guided_regex, 'u');
    } catch (e) {
      out.push(err('guided_regex', `guided_regex does not compile: ${(e as Error).message}`));
    }
  }
  if (typeof r.guided_whitespace_pattern === 'string') {
    try {
      new RegExp(r.guided_whitespace_pattern, 'u');
    } catch (e) {
      out.push(
        err(
          'guided_whitespace_pattern',
          `guided_whitespace_pattern does not compile: ${(e as Error).message}`,
        ),
      );
    }
  }
  if (typeof r.guided_grammar === 'string' && r.guided_grammar.trim() === '')
    out.push(err('guided_grammar', 'guided_grammar may not be empty.'));
}

/**
 * Turns any value into a valid request or OpenAI-style errors, one per problem, each
 * naming the parameter it concerns. Never throws.
 */
export function validateRequest(input: unknown, hooks: ValidatorHooks = {}): ValidationResult {
  const out: ApiError[] = [];
  try {
    if (!isObject(input))
      return { ok: false, errors: [err(null, 'The request must be a JSON object.')] };
    for (const spec of PARAMS as readonly ParamSpec[]) {
      const v = input[spec.name];
      if (v === undefined) {
        if (spec.required) out.push(err(spec.name, `${spec.name} is required.`));
        continue;
      }
      if (v === null && !spec.required) continue;
      checkParam(spec, v, out);
    }
    for (const key of Object.keys(input)) {
      if (!paramSpec(key)) out.push(err(key, `Unknown parameter: ${key}.`));
    }
    checkCrossField(input, out);
    if (typeof input.chat_template === 'string' && hooks.checkTemplate) {
      const problem = hooks.checkTemplate(input.chat_template);
      if (problem)
        out.push(err('chat_template', `chat_template is not a valid Jinja template: ${problem}`));
    }
    if (
      typeof input.guided_grammar === 'string' &&
      input.guided_grammar.trim() !== '' &&
      hooks.checkGrammar
    ) {
      const problem = hooks.checkGrammar(input.guided_grammar);
      if (problem)
        out.push(err('guided_grammar', `guided_grammar is not a valid grammar: ${problem}`));
    }
    if (hooks.checkSchema) {
      for (const { param, schema } of schemasOf(input)) {
        const problem = hooks.checkSchema(schema);
        if (problem) out.push(err(param, `${param} is not a valid JSON schema: ${problem}`));
      }
    }
  } catch (e) {
    out.push(err(null, `Could not validate the request: ${(e as Error).message}`));
  }
  return out.length === 0
    ? { ok: true, request: input as unknown as ChatRequest }
    : { ok: false, errors: out };
}

/**
 * The top-level parameter an error belongs to (messages[2].content -> messages). An error
 * about an unknown field keeps that field's name (top_p2 is not top_p).
 */
export function errorParamRoot(e: ApiError): string | null {
  if (e.param === null) return null;
  const head = /^[^.[]*/.exec(e.param)![0];
  return paramSpec(head) ? head : e.param;
}

/** The single error object a server would answer with. */
export function toErrorResponse(errors: readonly ApiError[]): { error: ApiError } {
  return { error: errors[0] ?? err(null, 'Invalid request.') };
}
