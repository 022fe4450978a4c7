import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileConstraint } from './compile';
import { explainSchemaLoosening } from './schema';
import { gbnfAccepts, specAccepts } from './testing/support';

/** Raw xgrammar, the schema as it is (any whitespace, strict mode). */
const xgAccepts = (schema: object, text: string): Promise<boolean> =>
  specAccepts(
    { type: 'json_schema', schema: JSON.stringify(schema), anyWhitespace: true, strictMode: true },
    text,
  );

describe('explainSchemaLoosening', () => {
  it('lists what the grammar will not enforce, with JSON pointers', () => {
    const schema = {
      type: 'object',
      properties: {
        kind: { oneOf: [{ const: 'a' }, { const: 'b' }], description: 'ok beside oneOf' },
        ref: { $ref: '#/$defs/item', maxLength: 3 },
        both: { allOf: [{ type: 'integer' }, { minimum: 3 }] },
        odd: { type: 'integer', not: { const: 3 }, multipleOf: 2 },
        tags: {
          type: 'array',
          items: { type: 'string', pattern: '^[a-z]+$', maxLength: 4 },
          uniqueItems: true,
        },
        price: { type: 'number', minimum: 0.5, exclusiveMaximum: 10 },
        mail: { type: 'string', format: 'email' },
        iri: { type: 'string', format: 'iri' },
        'a/b~c': { type: 'object', if: { required: ['x'] }, then: { required: ['y'] } },
        either: { anyOf: [{ type: 'string' }, { type: 'null' }], type: 'string', minLength: 2 },
      },
      dependentRequired: { kind: ['ref'] },
      $defs: { item: { type: 'string' } },
    };
    expect(explainSchemaLoosening(schema)).toEqual([
      { path: '', keyword: 'dependentRequired', reason: '"dependentRequired" is not enforced' },
      {
        path: '/properties/kind',
        keyword: 'oneOf',
        reason: '"oneOf" acts as "anyOf": an output matching several branches is accepted',
      },
      { path: '/properties/ref', keyword: 'maxLength', reason: 'ignored beside "$ref"' },
      {
        path: '/properties/both',
        keyword: 'allOf',
        reason: '"allOf" with several entries is not enforced: any JSON value is accepted',
      },
      { path: '/properties/odd', keyword: 'not', reason: '"not" is not enforced' },
      { path: '/properties/odd', keyword: 'multipleOf', reason: '"multipleOf" is not enforced' },
      { path: '/properties/tags', keyword: 'uniqueItems', reason: '"uniqueItems" is not enforced' },
      { path: '/properties/tags/items', keyword: 'maxLength', reason: 'ignored beside "pattern"' },
      {
        path: '/properties/price',
        keyword: 'minimum',
        reason: '"minimum" is not enforced on numbers that may have a fraction',
      },
      {
        path: '/properties/price',
        keyword: 'exclusiveMaximum',
        reason: '"exclusiveMaximum" is not enforced on numbers that may have a fraction',
      },
      { path: '/properties/iri', keyword: 'format', reason: 'format "iri" is not enforced' },
      { path: '/properties/a~1b~0c', keyword: 'if', reason: '"if"/"then"/"else" are not enforced' },
      {
        path: '/properties/a~1b~0c',
        keyword: 'then',
        reason: '"if"/"then"/"else" are not enforced',
      },
      { path: '/properties/either', keyword: 'type', reason: 'ignored beside "anyOf"' },
      { path: '/properties/either', keyword: 'minLength', reason: 'ignored beside "anyOf"' },
    ]);
  });

  it('lists nothing for what is enforced', () => {
    expect(
      explainSchemaLoosening({
        type: 'object',
        properties: {
          n: { type: 'integer', minimum: -5, exclusiveMaximum: 10 },
          s: { type: 'string', minLength: 1, maxLength: 3 },
          e: { enum: [1, 'a', null] },
          a: { type: 'array', items: { type: 'boolean' }, minItems: 1, maxItems: 2 },
          t: { type: 'string', format: 'time' },
          r: { $ref: '#/properties/s', description: 'annotations are fine' },
        },
        required: ['n'],
        additionalProperties: false,
      }),
    ).toEqual([]);
  });
});

describe('formats checked by shape only', () => {
  it('flags date and date-time, whose impossible days xgrammar accepts', async () => {
    const flagged = explainSchemaLoosening({
      type: 'object',
      properties: { d: { type: 'string', format: 'date' }, t: { format: 'date-time' } },
    });
    expect(flagged.map((l) => [l.path, l.keyword])).toEqual([
      ['/properties/d', 'format'],
      ['/properties/t', 'format'],
    ]);
    expect(flagged[1]!.reason).toMatch(/checked by shape only: .*2024-02-30T10:00:00Z/);
    // the fact behind it
    expect(await xgAccepts({ type: 'string', format: 'date-time' }, '"2024-02-30T10:00:00Z"')).toBe(
      true,
    );
    expect(await xgAccepts({ type: 'string', format: 'date' }, '"2023-02-29"')).toBe(true);
  });
});

/** The facts behind the list, checked against the real xgrammar (a new version may change them). */
describe('xgrammar 0.1.27 really does not enforce these', () => {
  const cases: Array<[string, object, string]> = [
    ['oneOf', { oneOf: [{ type: 'integer' }, { type: 'number' }] }, '5'],
    [
      'beside anyOf',
      {
        type: 'object',
        properties: { a: { type: 'integer' } },
        required: ['a'],
        anyOf: [{ type: 'object' }],
      },
      '{"b": 1}',
    ],
    [
      'beside $ref',
      { $defs: { x: { type: 'string' } }, $ref: '#/$defs/x', maxLength: 2 },
      '"abcdef"',
    ],
    ['allOf', { allOf: [{ type: 'integer' }, { minimum: 3 }] }, '"str"'],
    ['not', { type: 'integer', not: { const: 3 } }, '3'],
    [
      'dependentRequired',
      {
        type: 'object',
        properties: { a: { type: 'integer' }, b: { type: 'integer' } },
        dependentRequired: { a: ['b'] },
      },
      '{"a": 1}',
    ],
    ['uniqueItems', { type: 'array', items: { type: 'integer' }, uniqueItems: true }, '[1, 1]'],
    ['multipleOf', { type: 'integer', multipleOf: 5 }, '7'],
    ['maxLength beside pattern', { type: 'string', pattern: '^[a-z]+$', maxLength: 2 }, '"abcdef"'],
    [
      'if/then',
      {
        type: 'object',
        properties: { a: { type: 'integer' } },
        if: { required: ['a'] },
        then: { required: ['b'] },
      },
      '{"a": 1}',
    ],
    ['contains', { type: 'array', items: { type: 'integer' }, contains: { const: 3 } }, '[1]'],
    ['format iri', { type: 'string', format: 'iri' }, '"not an iri"'],
  ];
  it.each(cases)('%s', async (_name, schema, violating) => {
    const c = await compileConstraint({ guided_json: schema });
    if (c.kind === 'none') throw new Error('expected a grammar');
    expect(await specAccepts(c.xgrammar, violating)).toBe(true);
    expect(c.notEnforced.length).toBeGreaterThan(0);
  });

  it('its numeric ranges are wrong both ways, hence the rewriting', async () => {
    const raw = (
      schema: object,
    ): { type: 'json_schema'; schema: string; anyWhitespace: boolean; strictMode: boolean } => ({
      type: 'json_schema',
      schema: JSON.stringify(schema),
      anyWhitespace: true,
      strictMode: true,
    });
    expect(await specAccepts(raw({ type: 'integer', minimum: -5 }), '-5')).toBe(false);
    expect(await specAccepts(raw({ type: 'integer', minimum: 3, maximum: 120 }), '125')).toBe(true);
    expect(await specAccepts(raw({ type: 'number', exclusiveMinimum: 0 }), '0.1')).toBe(false);
    // what the compiler gives instead
    const int = await compileConstraint({ guided_json: { type: 'integer', minimum: -5 } });
    const num = await compileConstraint({ guided_json: { type: 'number', exclusiveMinimum: 0 } });
    if (int.kind === 'none' || num.kind === 'none') throw new Error('expected grammars');
    expect(await specAccepts(int.xgrammar, '-5')).toBe(true);
    expect(await specAccepts(int.xgrammar, '-6')).toBe(false);
    expect(await specAccepts(num.xgrammar, '0.1')).toBe(true);
    expect(num.notEnforced).toEqual([
      '/: exclusiveMinimum: "exclusiveMinimum" is not enforced on numbers that may have a fraction',
    ]);
  });
});

describe('integer ranges', () => {
  it('accept exactly the integers in range (property, against brute force)', async () => {
    const bound = fc.oneof(
      fc.integer({ min: -1200, max: 1200 }),
      fc.integer({ min: -15, max: 15 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.option(bound, { nil: undefined }),
        fc.option(bound, { nil: undefined }),
        fc.boolean(),
        fc.array(fc.integer({ min: -1500, max: 1500 }), { minLength: 8, maxLength: 8 }),
        async (lo, hi, exclusive, probes) => {
          fc.pre(lo !== undefined || hi !== undefined);
          const schema: Record<string, unknown> = { type: 'integer' };
          if (lo !== undefined) schema[exclusive ? 'exclusiveMinimum' : 'minimum'] = lo;
          if (hi !== undefined) schema.maximum = hi;
          const min = lo === undefined ? -Infinity : exclusive ? lo + 1 : lo;
          const max = hi ?? Infinity;
          fc.pre(min <= max);
          const c = await compileConstraint({ guided_json: schema });
          if (c.kind === 'none') throw new Error('expected a grammar');
          const edges = [min, max, min - 1, max + 1].filter(Number.isFinite);
          for (const n of [...probes, ...edges, 0]) {
            const inRange = n >= min && n <= max;
            expect(await gbnfAccepts(c.gbnf, String(n)), `${JSON.stringify(schema)} on ${n}`).toBe(
              inRange,
            );
          }
          expect(await gbnfAccepts(c.gbnf, '-0')).toBe(false);
          expect(await gbnfAccepts(c.gbnf, '007')).toBe(false);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });

  it('work beyond 64 bits', async () => {
    const c = await compileConstraint({
      guided_json: { type: 'integer', minimum: 1e20, maximum: 1e21 },
    });
    if (c.kind === 'none') throw new Error('expected a grammar');
    expect(await gbnfAccepts(c.gbnf, '100000000000000000000')).toBe(true);
    expect(await gbnfAccepts(c.gbnf, '999999999999999999999')).toBe(true);
    expect(await gbnfAccepts(c.gbnf, '99999999999999999999')).toBe(false);
    expect(await gbnfAccepts(c.gbnf, '1000000000000000000001')).toBe(false);
  });
});
