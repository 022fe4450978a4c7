/**
 * fast-check arbitraries for the server tests: random request drafts built from the
 * parameter table (a value of each field's kind, with values that trigger the fact
 * table's value rules mixed in) and strings that stress the code readers.
 */
import fc from 'fast-check';
import { PARAMS, type ParamSpec } from '../request/params';
import type { RequestDraft } from '../request/types';

/** Strings with quotes, escapes, comment and code markers, and any code point. */
export const trickyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    "it's",
    'say "hi"',
    'back\\slash',
    'line\nbreak\r\n',
    '${x} `tick`',
    '# not a comment',
    '// nor this /* */',
    "create({a: 1}, b='c')",
    '\u2028\u2029\u0000\u001f',
    '\ud83d\ude00 \ud800',
    '__proto__',
    '\\u0041\\x41',
  ),
);

const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  trickyString,
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

const strictSchema = fc
  .dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.constantFrom('string', 'integer', 'boolean'), {
    minKeys: 1,
    maxKeys: 3,
    noNullPrototype: true,
  })
  .map((props) => ({
    type: 'object',
    properties: Object.fromEntries(Object.entries(props).map(([k, t]) => [k, { type: t }])),
    required: Object.keys(props),
    additionalProperties: false,
  }));

const looseSchema = fc.constantFrom(
  { type: 'object', properties: { a: { type: 'string' } } },
  { type: 'array', items: { type: 'number' } },
  {
    type: 'object',
    properties: { a: { allOf: [{ type: 'string' }] } },
    required: ['a'],
    additionalProperties: false,
  },
);

const tool = fc.record({
  type: fc.constant('function'),
  function: fc.record({
    name: fc.stringMatching(/^[a-z_]{1,8}$/),
    parameters: fc.constant({ type: 'object', properties: {} }),
  }),
});

/** A value of the field's kind; some fields get values that exercise the fact table's rules. */
export function valueFor(spec: ParamSpec): fc.Arbitrary<unknown> {
  switch (spec.name) {
    case 'messages':
      return fc.array(
        fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: trickyString }),
        { minLength: 1, maxLength: 3 },
      );
    case 'tools':
      return fc.array(tool, { maxLength: 2 });
    case 'documents':
      return fc.array(
        fc.oneof(
          fc.record({ title: trickyString, text: trickyString }),
          fc.record({ title: trickyString, rank: fc.integer() }),
        ),
        { maxLength: 2 },
      );
    case 'guided_json':
      return fc.oneof(
        strictSchema,
        looseSchema,
        strictSchema.map((s) => JSON.stringify(s)),
        trickyString,
      );
    case 'chat_template_kwargs':
      return fc.oneof(
        fc.dictionary(trickyString, jsonValue, { maxKeys: 3, noNullPrototype: true }),
        fc.record({ enable_thinking: fc.boolean(), chat_template: trickyString }),
      );
    case 'seed':
      return fc.oneof(fc.constant(-1), fc.integer({ min: -1e9, max: 1e9 }), fc.constant(null));
    case 'top_p':
      return fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }));
    case 'temperature':
      return fc.oneof(fc.constantFrom(0, 0.005), fc.double({ min: 0, max: 2, noNaN: true }));
  }
  const kind = spec.kind;
  switch (kind.type) {
    case 'model':
    case 'string':
      return trickyString;
    case 'messages':
      return fc.constant([]);
    case 'number':
      return fc.double({ min: kind.min, max: kind.max, noNaN: true });
    case 'integer': {
      const int = fc.integer({ min: Math.max(kind.min, -1e6), max: kind.max ?? 1e6 });
      return kind.nullable === true ? fc.oneof(int, fc.constant(null)) : int;
    }
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...kind.options);
    case 'stringList': {
      const list = fc.array(trickyString, { maxLength: kind.maxItems ?? 4 });
      return kind.allowSingleString === true ? fc.oneof(list, trickyString) : list;
    }
    case 'logitBias':
      return fc.dictionary(
        fc.integer({ min: 0, max: 100000 }).map(String),
        fc.integer({ min: -150, max: 150 }),
        { maxKeys: 3, noNullPrototype: true },
      );
    case 'json':
      return kind.shape === 'array'
        ? fc.array(jsonValue, { maxLength: 2 })
        : fc.dictionary(trickyString, jsonValue, { maxKeys: 3, noNullPrototype: true });
    case 'responseFormat':
      return fc.oneof(
        fc.constant({ type: 'text' }),
        fc.constant({ type: 'json_object' }),
        strictSchema.map((schema) => ({
          type: 'json_schema',
          json_schema: { name: 'fmt', schema, strict: true },
        })),
      );
    case 'toolChoice':
      return fc.oneof(
        fc.constantFrom('none', 'auto', 'required'),
        fc.constant({ type: 'function', function: { name: 'f' } }),
      );
    case 'streamOptions':
      return fc.record({ include_usage: fc.boolean() });
  }
}

/** A draft with a random subset of the table's fields (and sometimes a field it does not know). */
export const draftArbitrary: fc.Arbitrary<RequestDraft> = fc
  .record(
    Object.fromEntries(PARAMS.map((spec) => [spec.name, valueFor(spec)])) as Record<
      string,
      fc.Arbitrary<unknown>
    >,
    { requiredKeys: [] },
  )
  .map((d) => d as RequestDraft);
