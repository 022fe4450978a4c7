import { GUIDED_PARAMS, PARAMS, paramSpec, type ParamSpec } from './params';
import { constraintConflict } from '../constraints/conflicts';
import { structuredAsGuided, structuredOutputsProblems } from '../server/structured';
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
  const so = r.structured_outputs;
  if (isObject(so) && isObject(so.json))
    out.push({ param: 'structured_outputs.json', schema: so.json });
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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function checkNumberRange(spec: ParamSpec, v: unknown, out: ApiError[]): void {
  const k = spec.kind;
  if (k.type !== 'number' && k.type !== 'integer') return;
  if (v === null && k.nullable) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    out.push(err(spec.name, `${spec.name} must be a number, got ${typeName(v)}.`));
    return;
  }
  if (k.type === 'integer' && !Number.isInteger(v)) {
    out.push(err(spec.name, `${spec.name} must be an integer, got ${v}.`));
    return;
  }
  if (k.type === 'integer' && k.int64) {
    // Exact: 2**63 - 1 is no JavaScript number, and 2**63 (what it rounds to) is out of range.
    const big = BigInt(v);
    const lo = BigInt(k.min) > INT64_MIN ? BigInt(k.min) : INT64_MIN;
    if (big < lo || big > INT64_MAX)
      out.push(
        err(
          spec.name,
          `${spec.name} must be between ${lo} and ${INT64_MAX}, got ${big}` +
            (big === INT64_MAX + 1n
              ? ' (integers this large lose precision in JavaScript: 9223372036854775807 is read as 9223372036854775808).'
              : '.'),
        ),
      );
    return;
  }
  const max = k.max;
  const exclusive = k.type === 'number' && k.exclusiveMin === true;
  if ((exclusive ? v <= k.min : v < k.min) || (max !== undefined && v > max)) {
    const low = exclusive ? `greater than ${k.min}` : `at least ${k.min}`;
    const range =
      max === undefined
        ? low
        : exclusive
          ? `greater than ${k.min} and at most ${max}`
          : `between ${k.min} and ${max}`;
    out.push(err(spec.name, `${spec.name} must be ${range}, got ${v}.`));
  }
}

function checkJsonArrayItems(spec: ParamSpec, v: unknown[], out: ApiError[]): void {
  const k = spec.kind;
  if (k.type !== 'json') return;
  v.forEach((item, i) => {
    const p = `${spec.name}[${i}]`;
    if (k.items === 'tokenId' && !(Number.isInteger(item) && (item as number) >= 0))
      out.push(
        err(
          spec.name,
          `${p} must be a token id (an integer of at least 0), got ${JSON.stringify(item) ?? typeName(item)}.`,
        ),
      );
    if (k.items === 'object' && !isObject(item))
      out.push(err(p, `${p} must be an object, got ${typeName(item)}.`));
    if (k.stringValues && isObject(item))
      for (const [key, value] of Object.entries(item))
        if (typeof value !== 'string')
          out.push(err(`${p}.${key}`, `${p}.${key} must be a string, got ${typeName(value)}.`));
  });
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
    if (k.minItems !== undefined && v.length < k.minItems)
      out.push(
        err(
          spec.name,
          `${spec.name} must not be an empty array: give at least ${k.minItems} item or leave it out.`,
        ),
      );
    checkJsonArrayItems(spec, v, out);
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
      else if (k.minLength !== undefined && v.length < k.minLength)
        out.push(err(spec.name, `${spec.name} must have at least ${k.minLength} character.`));
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
  // vLLM has no constraint to apply without one (OpenAI's schema field is optional).
  if (js.schema === undefined || js.schema === null)
    out.push(
      err(
        `${p}.json_schema.schema`,
        `${p}.json_schema.schema is required: a json_schema response format needs the schema the output must follow.`,
      ),
    );
  else if (!isObject(js.schema))
    out.push(
      err(`${p}.json_schema.schema`, `${p}.json_schema.schema must be a JSON schema object.`),
    );
  if (js.strict !== undefined && js.strict !== null && typeof js.strict !== 'boolean')
    out.push(err(`${p}.json_schema.strict`, `${p}.json_schema.strict must be true or false.`));
  if (js.description !== undefined && typeof js.description !== 'string')
    out.push(err(`${p}.json_schema.description`, `${p}.json_schema.description must be a string.`));
}

const errorsFor = (out: readonly ApiError[], param: string): boolean =>
  out.some((e) => e.param === param || e.param?.startsWith(`${param}.`) === true);

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
  // vLLM and OpenAI both refuse it, "auto" included.
  if (tc !== undefined && tc !== null && tc !== 'none' && tools.length === 0)
    out.push(err('tool_choice', 'tool_choice other than "none" requires tools.'));
  const maxTokens = r.max_completion_tokens ?? r.max_tokens;
  if (typeof r.min_tokens === 'number' && typeof maxTokens === 'number' && r.min_tokens > maxTokens)
    out.push(
      err(
        'min_tokens',
        `min_tokens must be less than or equal to the max tokens (${maxTokens}), got ${r.min_tokens}.`,
      ),
    );
  if (
    r.stream === true &&
    typeof r.prompt_logprobs === 'number' &&
    (r.prompt_logprobs > 0 || r.prompt_logprobs === -1)
  )
    out.push(err('prompt_logprobs', 'prompt_logprobs are not available when stream is true.'));
  if (r.structured_outputs !== undefined && r.structured_outputs !== null) {
    for (const problem of structuredOutputsProblems(r.structured_outputs))
      out.push(err(problem.param, problem.message));
    const spelled = GUIDED_PARAMS.concat(paramSpec('guided_whitespace_pattern')!).filter(
      (p) => r[p.name] !== undefined && r[p.name] !== null,
    );
    const rfType = isObject(r.response_format) ? r.response_format.type : undefined;
    if (rfType === 'json_object' || rfType === 'json_schema')
      out.push(
        err(
          'structured_outputs',
          `structured_outputs and a response_format of type ${rfType} are two constraints: use one of them.`,
        ),
      );
    if (spelled.length > 0)
      out.push(
        err(
          'structured_outputs',
          `structured_outputs and ${spelled[0]!.name} are two forms of one constraint: use one of them.`,
        ),
      );
  }
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
  // structured_outputs follows the rules of the guided_* fields it stands for (when it is
  // not already refused above for standing beside them).
  const structuredAlone = !errorsFor(out, 'structured_outputs');
  const conflict = constraintConflict(structuredAlone ? structuredAsGuided(r).request : r);
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
