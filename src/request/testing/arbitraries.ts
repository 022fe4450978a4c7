/**
 * fast-check generators for chat-completion requests, shared by the request tests and by
 * anyone else who needs random requests (store, form, engine tests).
 *
 * Valid values are derived from each parameter's `kind` in the table; the few rules that a
 * kind cannot express (a regex must compile, a grammar may not be blank, cross-field rules)
 * are applied on top, so a generated "valid" request is one the validator must accept.
 */
import fc from 'fast-check';
import { PARAMS, GUIDED_PARAMS, isParamName, type ParamSpec } from '../params';
import type { RequestDraft } from '../types';

/* ------------------------------------------------------------------ arbitrary JSON */

/** Any JSON value (what JSON.parse can return). */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** A JSON object whose keys are mostly real parameter names, with values of any JSON type. */
export const requestShapedJson: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PARAMS.map((p) => p.name)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 12 },
);

/** Anything a caller could hand the validator: JSON, JS values, request-shaped objects. */
export const anyInput: fc.Arbitrary<unknown> = fc.oneof(
  anyJsonValue,
  requestShapedJson,
  fc.anything({ maxDepth: 3 }),
);

/* ------------------------------------------------------------------ building blocks */

const identifier = fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/);
/** Printable text including non-ASCII, quotes, backslashes and newlines. */
const text = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', "it's", 'say "hi"', 'back\\slash', 'line\nbreak', '$HOME `x`', '日本語 🎉'),
);
const nonBlankText = text.filter((s) => s.trim() !== '');
const smallJsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 4,
  noNullPrototype: true,
});
const jsonSchema: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({ type: 'object', properties: {} }),
  fc.record(
    {
      type: fc.constant('object'),
      properties: fc.dictionary(
        identifier,
        fc.record({ type: fc.constantFrom('string', 'number', 'integer', 'boolean') }),
        { maxKeys: 3, noNullPrototype: true },
      ),
      required: fc.array(identifier, { maxLength: 2 }),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('string'), maxLength: fc.nat(100) }),
);

/* ------------------------------------------------------------------ messages and tools */

const contentParts = fc.array(fc.record({ type: fc.constant('text'), text }), {
  minLength: 1,
  maxLength: 2,
});
const content = fc.oneof(text, contentParts);

const toolCall = fc.record({
  id: identifier,
  type: fc.constant('function' as const),
  function: fc.record({ name: identifier, arguments: fc.json({ maxDepth: 1 }) }),
});

export const validMessage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer', 'user'), content }),
  fc.record({ role: fc.constant('assistant'), content: text }),
  fc.record({
    role: fc.constant('assistant'),
    content: fc.constant(null),
    tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ role: fc.constant('tool'), content: text, tool_call_id: identifier }),
);

/** A conversation that ends with a user or assistant text message (continuable). */
export const validMessages: fc.Arbitrary<Record<string, unknown>[]> = fc
  .tuple(
    fc.array(validMessage, { maxLength: 3 }),
    fc.record({ role: fc.constantFrom('user', 'assistant'), content: text }),
  )
  .map(([head, last]) => [...head, last]);

export const validTool: fc.Arbitrary<Record<string, unknown>> = fc.record({
  type: fc.constant('function'),
  function: fc.record(
    { name: identifier, description: text, parameters: jsonSchema, strict: fc.boolean() },
    { requiredKeys: ['name'] },
  ),
});

/** `count` tools named f0..f(count-1): valid, used for the 128-tool limit. */
export function namedTools(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'function',
    function: { name: `f${i}`, parameters: { type: 'object', properties: {} } },
  }));
}

/* ------------------------------------------------------------------ valid values per kind */

/** Regexes that compile (also in Python's `re` and xgrammar's dialect). */
const validRegex = fc.oneof(
  fc.constantFrom('', '[A-Z][a-z]+', '\\d{3}-\\d{4}', '(yes|no)', '[ \\t\\n]*', '.*', '\\{.*\\}'),
  fc.stringMatching(/^[a-z0-9]{1,10}$/),
);

/** A value the validator accepts for `spec` when no other field is involved. */
export function validValue(spec: ParamSpec): fc.Arbitrary<unknown> {
  const k = spec.kind;
  switch (spec.name) {
    case 'guided_regex':
    case 'guided_whitespace_pattern':
      return validRegex;
    case 'guided_grammar':
      return fc.oneof(fc.constantFrom('root ::= "yes" | "no"', 'root ::= [a-z]+'), nonBlankText);
    case 'tools':
      return fc.array(validTool, { minLength: 1, maxLength: 3 });
    case 'structured_outputs':
      return fc.oneof(
        fc.record({ choice: fc.array(nonBlankText, { minLength: 1, maxLength: 3 }) }),
        fc.record({ regex: validRegex }),
        fc.record({ json: jsonSchema }),
        fc.constant({ json_object: true }),
      );
    case 'documents':
      return fc.array(
        fc.record({ title: text, text }, { requiredKeys: ['text'], noNullPrototype: true }),
        { maxLength: 3 },
      );
    case 'guided_json':
      return fc.oneof(
        jsonSchema,
        jsonSchema.map((s) => JSON.stringify(s)),
      );
  }
  switch (k.type) {
    case 'model':
      return fc.oneof(fc.constantFrom('Qwen3-0.6B', 'gpt-4o-mini'), nonBlankText);
    case 'messages':
      return validMessages;
    case 'number': {
      const num = fc.double({
        min: k.min,
        max: k.max ?? 1e6,
        noNaN: true,
        minExcluded: k.exclusiveMin === true,
      });
      return k.nullable ? fc.oneof(num, fc.constant(null)) : num;
    }
    case 'integer': {
      // fast-check draws safe integers only; a wider range (seed: int64) is clamped to them.
      const int = fc.integer({
        min: Math.max(k.min, Number.MIN_SAFE_INTEGER),
        max: Math.min(k.max ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      });
      return k.nullable ? fc.oneof(int, fc.constant(null)) : int;
    }
    case 'boolean':
      return fc.boolean();
    case 'string':
      return text.filter(
        (s) => s.length >= (k.minLength ?? 0) && s.length <= (k.maxLength ?? Infinity),
      );
    case 'enum':
      return fc.constantFrom(...k.options);
    case 'stringList': {
      const list = fc.array(
        text.filter((s) => s !== ''),
        {
          minLength: k.minItems ?? 0,
          maxLength: k.maxItems ?? 5,
        },
      );
      return k.allowSingleString
        ? fc.oneof(
            list,
            text.filter((s) => s !== ''),
          )
        : list;
    }
    case 'logitBias':
      return fc.dictionary(
        fc.nat(200_000).map(String),
        fc.double({ min: -100, max: 100, noNaN: true }),
        {
          maxKeys: 4,
          noNullPrototype: true,
        },
      );
    case 'json':
      if (k.shape === 'array' && k.items === 'tokenId')
        return fc.array(fc.nat(1000), { minLength: k.minItems ?? 0, maxLength: 4 });
      if (k.shape === 'array') return fc.array(smallJsonObject, { maxLength: k.maxItems ?? 3 });
      if (k.shape === 'object') return smallJsonObject;
      return fc.oneof(
        smallJsonObject,
        smallJsonObject.map((o) => JSON.stringify(o)),
      );
    case 'responseFormat':
      return fc.oneof(
        fc.constant({ type: 'text' }),
        fc.constant({ type: 'json_object' }),
        fc.record({
          type: fc.constant('json_schema'),
          json_schema: fc.record(
            { name: identifier, description: text, schema: jsonSchema, strict: fc.boolean() },
            { requiredKeys: ['name', 'schema'] },
          ),
        }),
      );
    case 'toolChoice':
      // Only the value that needs no tools; validRequest picks tool-dependent ones.
      return fc.constantFrom('none');
    case 'streamOptions':
      return fc.record({ include_usage: fc.boolean() }, { requiredKeys: [] });
  }
}

/* ------------------------------------------------------------------ valid requests */

interface CrossFieldPicks {
  /** Which kind of guided decoding survives when several were drawn. */
  guided: number;
  /** Turn tool_choice into "required" or a named function (by index) when tools exist. */
  toolChoice: 'keep' | 'required' | number;
}

/** Makes a request with independently drawn fields satisfy the cross-field rules. */
function satisfyCrossFieldRules(r: RequestDraft, picks: CrossFieldPicks): RequestDraft {
  const out = { ...r };
  const given = (name: string) => out[name] !== undefined && out[name] !== null;
  if (given('top_logprobs')) out.logprobs = true;
  if (given('stream_options')) out.stream = true;
  if (out.continue_final_message === true) out.add_generation_prompt = false;
  const maxTokens = out.max_completion_tokens ?? out.max_tokens;
  if (typeof out.min_tokens === 'number' && typeof maxTokens === 'number')
    out.min_tokens = Math.min(out.min_tokens, maxTokens);
  if (out.stream === true) delete out.prompt_logprobs;
  // structured_outputs is another spelling of guided decoding: keep it only on its own.
  const rfConstrains = ['json_object', 'json_schema'].includes(
    String((out.response_format as { type?: unknown } | null | undefined)?.type),
  );
  if (
    GUIDED_PARAMS.some((p) => given(p.name)) ||
    given('guided_whitespace_pattern') ||
    rfConstrains
  )
    delete out.structured_outputs;
  const guided = GUIDED_PARAMS.filter((p) => given(p.name));
  guided.forEach((p, i) => {
    if (i !== picks.guided % guided.length) delete out[p.name];
  });
  // A JSON response_format is a kind of guided decoding too (vLLM): one kind per request.
  const rfType = (out.response_format as { type?: unknown } | null | undefined)?.type;
  const jsonFormat = rfType === 'json_object' || rfType === 'json_schema';
  if (jsonFormat && GUIDED_PARAMS.some((p) => given(p.name))) delete out.response_format;
  const tools = Array.isArray(out.tools) ? (out.tools as Record<string, unknown>[]) : [];
  const anyGuided =
    GUIDED_PARAMS.some((p) => given(p.name)) ||
    given('response_format') ||
    given('structured_outputs');
  // A forced tool call excludes guided decoding (vLLM); keep it only where no constraint is set.
  if (given('tool_choice') && tools.length > 0 && picks.toolChoice !== 'keep' && !anyGuided) {
    if (picks.toolChoice === 'required') out.tool_choice = 'required';
    else {
      const fn = tools[picks.toolChoice % tools.length]!.function as { name: string };
      out.tool_choice = { type: 'function', function: { name: fn.name } };
    }
  }
  const tc = out.tool_choice;
  const forced = tc === 'required' || (typeof tc === 'object' && tc !== null);
  if (
    forced &&
    (GUIDED_PARAMS.some((p) => given(p.name)) || jsonFormat || given('structured_outputs'))
  )
    out.tool_choice = 'auto';
  return out;
}

const OPTIONAL = (PARAMS as readonly ParamSpec[]).filter((p) => !p.required);

/** Every parameter with a valid value; optional ones are now and then null ("not set"). */
const allFields = fc.record(
  Object.fromEntries(
    (PARAMS as readonly ParamSpec[]).map((p) => [
      p.name,
      p.required
        ? validValue(p)
        : fc.oneof(
            { weight: 15, arbitrary: validValue(p) },
            { weight: 1, arbitrary: fc.constant(null) },
          ),
    ]),
  ) as Record<string, fc.Arbitrary<unknown>>,
  { noNullPrototype: true },
);

/**
 * A request that every rule accepts: model and messages always, any subset of the other
 * parameters (from none to all) with valid values, companions added where a rule needs one.
 */
export const validRequest: fc.Arbitrary<RequestDraft> = fc
  .tuple(
    allFields,
    fc.subarray(OPTIONAL.map((p) => p.name)),
    fc.record({
      guided: fc.nat(3),
      toolChoice: fc.oneof(fc.constantFrom('keep' as const, 'required' as const), fc.nat(10)),
    }),
  )
  .map(([all, keep, picks]) => {
    const r: RequestDraft = { model: all.model, messages: all.messages };
    for (const name of keep) r[name] = all[name];
    return satisfyCrossFieldRules(r, picks);
  });

/* ------------------------------------------------------------------ invalid values */

const notBoolean = fc.constantFrom('true', 0, 1, 'yes', [], {});
const notString = fc.constantFrom(0, 1.5, true, false, [], ['a'], {});

/**
 * A value of `spec` that is wrong on its own, whatever the other fields are (a type or
 * range violation, never null: null means "not set").
 */
export function invalidValue(spec: ParamSpec): fc.Arbitrary<unknown> {
  const k = spec.kind;
  switch (spec.name) {
    case 'guided_regex':
    case 'guided_whitespace_pattern':
      return fc.oneof(notString, fc.constantFrom('(', '[a-', '(?<n>a)(?<n>b)', 'a{2,1}', '\\'));
    case 'guided_grammar':
      return fc.oneof(notString, fc.constantFrom('', '   ', '\n\t'));
    case 'tools':
      return fc.oneof(
        fc.constantFrom('tools', 5, {}, true),
        fc.constant(namedTools(129)),
        fc.constantFrom(
          [{ type: 'function' }],
          [{ type: 'retrieval', function: { name: 'f' } }],
          [{ type: 'function', function: { name: 'has space' } }],
          [{ type: 'function', function: { name: 'f', parameters: 'x' } }],
          ['f'],
        ),
      );
  }
  switch (k.type) {
    case 'model':
      return fc.constantFrom('', '   ', 5, null, true, ['m'], {});
    case 'messages':
      return fc.constantFrom(
        [],
        'hello',
        null,
        {},
        [{ role: 'robot', content: 'x' }],
        [{ role: 'user' }],
        [{ role: 'user', content: 5 }],
        [{ role: 'tool', content: 'x' }],
        [{ role: 'user', content: 'x', tool_calls: [] }],
        [{ role: 'assistant', content: null, tool_calls: [{ id: 'a' }] }],
        ['user: hi'],
      );
    case 'number':
      return fc.oneof(
        fc.double({ max: k.min, maxExcluded: true }).filter((v) => v < k.min),
        ...(k.max === undefined
          ? []
          : [fc.double({ min: k.max, minExcluded: true }).filter((v) => v > k.max!)]),
        fc.constantFrom(
          NaN,
          String(k.min),
          true,
          [],
          {},
          ...(k.exclusiveMin === true ? [k.min] : []),
        ),
      );
    case 'integer': {
      const below = fc.double({ max: k.min, maxExcluded: true }).filter((v) => v < k.min);
      const above =
        k.max === undefined
          ? []
          : [
              Number.isSafeInteger(k.max + 1)
                ? fc.integer({ min: k.max + 1 })
                : // int64: 2**63 itself is out of range (2**63 - 1 is no JavaScript number).
                  fc.constantFrom(k.max * 2, ...(k.int64 ? [2 ** 63] : [])),
            ];
      // A fraction inside the range (k.min + 0.5 would round to an integer near 2^53).
      const fraction = Math.max(k.min, -1000) + 0.5;
      return fc.oneof(
        below,
        ...above,
        fc.constantFrom(fraction, NaN, Infinity, String(k.min), true, []),
      );
    }
    case 'boolean':
      return notBoolean;
    case 'string':
      return notString;
    case 'enum':
      return fc.oneof(
        notString,
        fc.string().filter((s) => !k.options.includes(s)),
      );
    case 'stringList': {
      const options: fc.Arbitrary<unknown>[] = [
        fc.constantFrom(5, true, {}, [1], ['a', 2], ['a', ''], ['']),
      ];
      if (k.maxItems !== undefined)
        options.push(
          fc.array(fc.constantFrom('a', 'b'), {
            minLength: k.maxItems + 1,
            maxLength: k.maxItems + 3,
          }),
        );
      if (k.minItems !== undefined && k.minItems > 0) options.push(fc.constant([]));
      if (!k.allowSingleString) options.push(fc.constant('a'));
      return fc.oneof(...options);
    }
    case 'logitBias':
      return fc.oneof(
        fc.constantFrom([], 'x', 5, true),
        fc.constantFrom('-1', 'abc', '1.5', '01', ' 1', '').map((key) => ({ [key]: 1 })),
        fc
          .oneof(
            fc.double({ min: 100, minExcluded: true }),
            fc.double({ max: -100, maxExcluded: true }),
            fc.constantFrom('1', NaN, null, true),
          )
          .map((bias) => ({ 50256: bias })),
      );
    case 'json':
      if (k.shape === 'array') {
        const tooMany =
          k.maxItems === undefined ? [] : [fc.constant(Array.from({ length: k.maxItems + 1 }))];
        return fc.oneof(fc.constantFrom({}, 'x', 1, true), ...tooMany);
      }
      if (k.shape === 'object') return fc.constantFrom([], 'x', 1, true);
      return fc.constantFrom([], 1, true, '{', 'not json', '[1]', '"schema"', '');
    case 'responseFormat':
      return fc.constantFrom(
        'json',
        5,
        {},
        { type: 'xml' },
        { type: 'json_schema' },
        { type: 'json_schema', json_schema: { name: 'has space' } },
        { type: 'json_schema', json_schema: { schema: {} } },
        { type: 'json_schema', json_schema: { name: 'a', schema: 5 } },
        { type: 'json_schema', json_schema: { name: 'a', strict: 'yes' } },
      );
    case 'toolChoice':
      return fc.constantFrom(
        'always',
        5,
        true,
        {},
        { type: 'function' },
        { type: 'function', function: { name: 'no such tool' } },
        { type: 'function', function: 'f' },
      );
    case 'streamOptions':
      return fc.constantFrom('yes', 1, [], { include_usage: 'yes' });
  }
}

/* ------------------------------------------------------------------ mutations */

/** One change that breaks exactly one rule, and the parameters an error may name for it. */
export interface Mutation {
  readonly label: string;
  readonly blame: readonly string[];
  apply(r: RequestDraft): RequestDraft;
}

function patchMutation(
  label: string,
  blame: string,
  patch: RequestDraft,
  remove: string[] = [],
): Mutation {
  return {
    label,
    blame: [blame],
    apply(r) {
      const out = { ...r, ...patch };
      for (const k of remove) delete out[k];
      return out;
    },
  };
}

/** Sets one parameter to a value that is invalid on its own. */
export function invalidValueMutation(spec: ParamSpec): fc.Arbitrary<Mutation> {
  return invalidValue(spec).map((v) =>
    patchMutation(`${spec.name} = ${safeShow(v)}`, spec.name, { [spec.name]: v }),
  );
}

/** An unknown top-level key (never a table name, nor a table name with a path after it). */
const unknownKey = fc
  .oneof(
    fc.constantFrom('top_a', 'temp', 'Temperature', 'max-tokens', 'top_p2', 'guided', 'x'),
    fc.string({ minLength: 1, maxLength: 10 }),
  )
  .filter((k) => !isParamName(k) && !isParamName(/^[^.[]*/.exec(k)![0]));

/** Mutations that break a rule involving two fields, or add an unknown field. */
export const crossFieldMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 20 }), fc.constantFrom(false, undefined, null))
    .map(([n, lp]) =>
      patchMutation(
        `top_logprobs ${n} with logprobs ${String(lp)}`,
        'top_logprobs',
        lp === undefined ? { top_logprobs: n } : { top_logprobs: n, logprobs: lp },
        lp === undefined ? ['logprobs'] : [],
      ),
    ),
  fc
    .constantFrom(false, undefined, null)
    .map((s) =>
      patchMutation(
        `stream_options with stream ${String(s)}`,
        'stream_options',
        s === undefined
          ? { stream_options: { include_usage: true } }
          : { stream_options: { include_usage: true }, stream: s },
        s === undefined ? ['stream'] : [],
      ),
    ),
  fc.constantFrom<unknown[] | undefined>(undefined, []).chain((tools) =>
    fc
      .constantFrom<unknown>('auto', 'required', {
        type: 'function',
        function: { name: 'f0' },
      })
      .map((tc) => {
        const m = patchMutation(
          `tool_choice ${safeShow(tc)} with tools ${safeShow(tools)}`,
          'tool_choice',
          tools === undefined ? { tool_choice: tc } : { tool_choice: tc, tools },
          tools === undefined ? ['tools'] : [],
        );
        // An empty tools array is refused on its own too.
        return tools === undefined ? m : { ...m, blame: ['tool_choice', 'tools'] };
      }),
  ),
  fc.nat(127).map((i) =>
    patchMutation(`tool_choice names a function missing from tools (f${i + 1000})`, 'tool_choice', {
      tools: namedTools(3),
      tool_choice: { type: 'function', function: { name: `f${i + 1000}` } },
    }),
  ),
  fc
    .constantFrom(true, undefined, null)
    .map((agp) =>
      patchMutation(
        `continue_final_message with add_generation_prompt ${String(agp)}`,
        'continue_final_message',
        agp === undefined
          ? { continue_final_message: true }
          : { continue_final_message: true, add_generation_prompt: agp },
        agp === undefined ? ['add_generation_prompt'] : [],
      ),
    ),
  fc
    .uniqueArray(fc.constantFrom(...GUIDED_PARAMS), {
      minLength: 2,
      maxLength: GUIDED_PARAMS.length,
    })
    .chain((specs) =>
      fc.tuple(...specs.map((s) => validValue(s))).map((values): Mutation => ({
        label: `guided decoding of several kinds: ${specs.map((s) => s.name).join(', ')}`,
        blame: specs.map((s) => s.name),
        apply(r) {
          const out = { ...r };
          for (const g of GUIDED_PARAMS) delete out[g.name];
          delete out.structured_outputs;
          specs.forEach((s, i) => (out[s.name] = values[i]));
          return out;
        },
      })),
    ),
  fc
    .tuple(unknownKey, fc.jsonValue({ maxDepth: 1 }))
    .map(([key, v]) => patchMutation(`unknown field ${JSON.stringify(key)}`, key, { [key]: v })),
  fc.constant(patchMutation('model missing', 'model', {}, ['model'])),
  fc.constant(patchMutation('messages missing', 'messages', {}, ['messages'])),
);

/** Any single-rule mutation: a bad value for any parameter, or a cross-field violation. */
export const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PARAMS).chain((p) => invalidValueMutation(p)) },
  { weight: 2, arbitrary: crossFieldMutation },
);

function safeShow(v: unknown): string {
  if (Array.isArray(v) && v.length > 4) return `[${v.length} items]`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
