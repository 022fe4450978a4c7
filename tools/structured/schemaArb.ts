/**
 * A fast-check generator of JSON schemas with the keyword mix of the corpus (corpus.ts): nested
 * objects with required and closed properties, enums and consts, nullable type lists, anyOf /
 * oneOf, $ref into $defs, string lengths (some above llama.cpp's 2000-repetition limit),
 * patterns, formats, integer and number bounds, arrays with items, tuples and counts.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const NAMES = ['id', 'name', 'type', 'value', 'items', 'url', 'created_at', 'x-y', 'a b', 'é'];

const stringSchema: fc.Arbitrary<Schema> = fc.oneof(
  fc.constant({ type: 'string' }),
  fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3000 }))
    .map(([min, extra]) => ({ type: 'string', minLength: min, maxLength: min + extra })),
  fc
    .constantFrom('^[a-z]+$', '^[A-Z]{2,3}-\\d{1,4}$', '^(?:foo|bar)_[0-9]+$', '\\.json$')
    .map((pattern) => ({ type: 'string', pattern })),
  fc
    .constantFrom('date-time', 'date', 'email', 'uri', 'uuid', 'ipv4', 'hostname', 'color')
    .map((format) => ({ type: 'string', format })),
);

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  { weight: 3, arbitrary: stringSchema },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.option(fc.integer({ min: -100, max: 100 })), fc.option(fc.nat(1000)))
      .map(([min, span]) => ({
        type: 'integer',
        ...(min !== null ? { minimum: min } : {}),
        ...(min !== null && span !== null ? { maximum: min + span } : {}),
      })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'number', minimum: 0 }) },
  { weight: 1, arbitrary: fc.constant({ type: 'boolean' }) },
  { weight: 1, arbitrary: fc.constant({ type: ['string', 'null'] }) },
  {
    weight: 1,
    arbitrary: fc
      .uniqueArray(fc.constantFrom('a', 'b', 'on', 'off', 'auto'), { minLength: 1, maxLength: 4 })
      .map((e) => ({ enum: e })),
  },
  { weight: 1, arbitrary: fc.constantFrom({ const: 'v1' }, { const: 3 }, { $ref: '#/$defs/tag' }) },
);

export const schemaArb: fc.Arbitrary<Schema> = fc
  .letrec<{ node: Schema; object: Schema; array: Schema }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('object'),
      tie('array'),
      fc
        .tuple(
          fc.constantFrom('anyOf', 'oneOf'),
          fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
        )
        .map(([k, list]) => ({ [k]: list })),
    ),
    object: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie('node'), fc.boolean()), {
        minLength: 0,
        maxLength: 4,
        selector: ([n]) => n,
      })
      .chain((props) =>
        fc.boolean().map((closed) => ({
          type: 'object',
          properties: Object.fromEntries(props.map(([n, s]) => [n, s])),
          required: props.filter(([, , r]) => r).map(([n]) => n),
          ...(closed ? { additionalProperties: false } : {}),
        })),
      ),
    array: fc.oneof(
      fc.tuple(tie('node'), fc.nat(2), fc.option(fc.nat(3))).map(([items, min, extra]) => ({
        type: 'array',
        items,
        ...(min > 0 ? { minItems: min } : {}),
        ...(extra !== null ? { maxItems: min + extra } : {}),
      })),
      fc
        .array(tie('node'), { minLength: 1, maxLength: 2 })
        .map((items) => ({ type: 'array', items, additionalItems: false })),
    ),
  }))
  .object.map((root) => ({ ...root, $defs: { tag: { type: 'string', enum: ['x', 'y'] } } }));
