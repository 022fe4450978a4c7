import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkGrammar,
  parseGbnf,
  parseXGrammarPrinted,
  printGrammar,
  sanitizeNames,
  xgrammarClassIssues,
} from './grammar';
import type { Grammar } from './grammar';
import { GrammarSyntaxError } from './errors';
import { callXGrammar } from './xgrammar';
import { compileConstraint } from './compile';
import { gbnfAccepts, specAccepts, xgrammar } from './testing/support';

const gbnfError = (src: string): string => {
  try {
    checkGrammar(parseGbnf(src));
  } catch (e) {
    expect(e).toBeInstanceOf(GrammarSyntaxError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(src)} to be refused`);
};

describe('parseGbnf follows llama.cpp syntax', () => {
  it('reads the usual constructs', () => {
    const g = parseGbnf(
      [
        '# a comment',
        'root ::= "a" item* ("x" | "y")+ [a-z0-9_]? item{2,3} item{2} item{2,} .  # trailing',
        'item ::= [^"\\\\\\n] | "\\x41\\u00e9\\U0001F600\\t\\r\\n\\"\\\\\\[\\]"',
        'empty ::= "" | item',
        'multi ::= "a" |',
        '  "b" (',
        '  "c"',
        '  )',
      ].join('\n'),
    );
    expect(g.rules.map((r) => r.name)).toEqual(['root', 'item', 'empty', 'multi']);
    checkGrammar(g);
    const item = g.rules[1]!.body;
    expect(item).toMatchObject({
      t: 'alt',
      alts: [
        { t: 'cls', neg: true },
        { t: 'lit', cps: [0x41, 0xe9, 0x1f600, 9, 13, 10, 0x22, 0x5c, 0x5b, 0x5d] },
      ],
    });
  });

  it('reads \\x as exactly two hex digits (xgrammar would read "\\x41B" as one character)', () => {
    const g = parseGbnf('root ::= "\\x41B"');
    expect(g.rules[0]!.body).toEqual({ t: 'lit', cps: [0x41, 0x42] });
  });

  it('refuses what llama.cpp refuses', () => {
    expect(gbnfError('root ::= "a"\n  | "b"')).toMatch(/expecting a rule name at line 2/);
    expect(gbnfError('root_x ::= "a"')).toMatch(/expecting "::="/);
    expect(gbnfError('root ::= "\\q"')).toMatch(/unknown escape/);
    expect(gbnfError('root ::= "\\x4"')).toMatch(/expecting 2 hex digits/);
    expect(gbnfError('root ::= "abc')).toMatch(/unterminated string/);
    expect(gbnfError('root ::= [abc')).toMatch(/unterminated character class/);
    expect(gbnfError('root ::= ("a"')).toMatch(/expecting "\)"/);
    expect(gbnfError('root ::= * "a"')).toMatch(/expecting an item before the repetition/);
    expect(gbnfError('root ::= "a"{2001}')).toMatch(/above 2000/);
    expect(gbnfError('root ::= "a"{3,2}')).toMatch(/maximum below its minimum/);
    expect(gbnfError('root ::= <think>')).toMatch(/token references/);
    expect(gbnfError('root ::= "a" (= "b")')).toMatch(/expecting "\)"/);
    expect(gbnfError('root ::= foo')).toMatch(/rule "foo" is used in rule "root" but not defined/);
    expect(gbnfError('start ::= "a"')).toMatch(/no "root" rule/);
    expect(gbnfError('root ::= "a"\nroot ::= "b"')).toMatch(/defined twice/);
    expect(gbnfError('root ::= root "a" | "b"')).toMatch(/left recursion \(root -> root\)/);
    expect(gbnfError('root ::= x "a"\nx ::= y? root\ny ::= "q"')).toMatch(/left recursion/);
  });

  it('accepts right recursion and nullable prefixes that do not recurse', () => {
    checkGrammar(parseGbnf('root ::= "a" root | ""\nx ::= "b"? "c" root'));
  });
});

describe('printing', () => {
  const roundTrip = (src: string): Grammar => parseGbnf(printGrammar(parseGbnf(src), 'gbnf'));

  it('round-trips through the GBNF printer', () => {
    const src =
      'root ::= ("ab" | "c" [^x-z]){2,4} "." [0-9]+ ("x"*)? "lit"* [\\-^\\]\\[a] .\nx ::= "é😀\\u0001\\""';
    expect(roundTrip(src)).toEqual(parseGbnf(src));
  });

  it('never prints \\x and spells class "-" and "^" as code points', () => {
    const text = printGrammar(parseGbnf('root ::= "\\x01a" [\\x2D^a-c] [^\\x5E]'), 'gbnf');
    expect(text).not.toMatch(/\\x/);
    expect(text).toBe('root ::= "\\u0001a" [\\u002D\\u005Ea-c] [^\\u005E]\n');
  });

  it('prints lookaheads only for xgrammar and "." as [^] there', () => {
    const g = parseXGrammarPrinted('root ::= (("a" b)) (=([ \\n\\t]* [,}\\]:]))\nb ::= (("b"))');
    expect(printGrammar(g, 'gbnf')).toBe('root ::= "a" b\nb ::= "b"\n');
    expect(printGrammar(g, 'xgrammar')).toBe('root ::= "a" b (= [ \\n\\t]* [,}\\]:])\nb ::= "b"\n');
    expect(printGrammar(parseGbnf('root ::= .'), 'xgrammar')).toBe('root ::= [^]\n');
  });

  it('works around xgrammar 0.1.27 reading non-ASCII class members as bytes', async () => {
    // the facts: a positive class with non-ASCII members misses them, a negated one clamps them
    const raw = (ebnf: string, s: string): Promise<boolean> =>
      specAccepts({ type: 'ebnf', ebnf, rootRule: 'root' }, s);
    expect(await raw('root ::= [a\\u00e9\\u4e2d]', '\u4e2d')).toBe(false);
    expect(await raw('root ::= [\\u0080-\\u07ff]', '\u00e9')).toBe(false);
    expect(await raw('root ::= [^\\u00e9]', '\u00e9')).toBe(true);
    // so non-ASCII members are listed as literals for xgrammar
    const g = parseGbnf('root ::= [a-c\\u00e9\\u4e2d-\\u4e2f]+ [^x]');
    const ebnf = printGrammar(g, 'xgrammar');
    expect(ebnf).toBe('root ::= ([a-c] | "\\u00E9" | "\\u4E2D" | "\\u4E2E" | "\\u4E2F")+ [^x]\n');
    expect(await raw(ebnf, 'b\u4e2e\u00e9\u4e2d!')).toBe(true);
    expect(await raw(ebnf, 'b\u4e30!')).toBe(false);
    expect(xgrammarClassIssues(g)).toEqual([]);
    expect(xgrammarClassIssues(parseGbnf('root ::= [^\\u00e9] [\\u4e00-\\u9fff]'))).toEqual([
      '[^\\u00E9]',
      '[\\u4E00-\\u9FFF]',
    ]);
  });

  it('makes xgrammar rule names GBNF names without collisions', () => {
    const g = sanitizeNames(
      parseXGrammarPrinted(
        'root ::= ((defs_a.bc root_x root-x))\ndefs_a.bc ::= (("1"))\nroot_x ::= (("2"))\nroot-x ::= (("3"))',
      ),
    );
    expect(g.rules.map((r) => r.name)).toEqual(['root', 'defs-a-bc', 'root-x-2', 'root-x']);
    checkGrammar(parseGbnf(printGrammar(g, 'gbnf')));
  });
});

describe('xgrammar printed EBNF -> GBNF', () => {
  const schemas: unknown[] = [
    {
      type: 'object',
      properties: { a: { type: 'string', minLength: 2, maxLength: 5 } },
      required: ['a'],
    },
    { enum: ['é', '中', '😀', 'a\u007fb', 'tab\there', 'q"uote\\', '[x]-^', null, 3] },
    { type: 'string', minLength: 3, maxLength: 200 },
    { type: 'array', items: { type: 'integer' }, minItems: 3, maxItems: 12 },
    {
      $defs: {
        'my-thing': { type: 'object', properties: { x: { $ref: '#/$defs/my-thing' } } },
        'a.b c': { type: 'boolean' },
      },
      type: 'object',
      properties: { t: { $ref: '#/$defs/my-thing' }, u: { $ref: '#/$defs/a.b c' } },
      required: ['t'],
    },
    { type: 'string', pattern: '^(ab|c[^x-z]){2,4}\\.\\d+$' },
    { type: 'string', format: 'date-time' },
    { type: 'string', format: 'email' },
    { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', items: { type: 'number' } }] },
    { type: 'object', additionalProperties: { type: 'integer' } },
  ];

  it.each(schemas.map((s) => [JSON.stringify(s), s]))(
    'converts %s to GBNF that llama.cpp syntax accepts and xgrammar reads back',
    async (_name, schema) => {
      const xg = await xgrammar();
      const { value: printed } = await callXGrammar('t', 'schema', async () =>
        (await xg.Grammar.fromJSONSchema(JSON.stringify(schema))).toString(),
      );
      const g = sanitizeNames(parseXGrammarPrinted(printed));
      const gbnf = printGrammar(g, 'gbnf');
      expect(gbnf).not.toMatch(/\(=|\\x/);
      const reread = parseGbnf(gbnf);
      checkGrammar(reread);
      for (const r of reread.rules) expect(r.name).toMatch(/^[A-Za-z0-9-]+$/);
      // xgrammar's own parser reads both printed forms
      for (const ebnf of [gbnf, printGrammar(g, 'xgrammar')]) {
        await expect(
          specAccepts({ type: 'ebnf', ebnf, rootRule: 'root' }, 'no'),
        ).resolves.toBeTypeOf('boolean');
      }
    },
  );
});

describe('xgrammar printed EBNF -> GBNF, property', () => {
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.string({ unit: 'binary-ascii', maxLength: 6 }),
  );
  it('keeps every enum string and property name exactly (any Unicode, control characters, quotes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(text, { minLength: 1, maxLength: 3 }),
        text,
        async (values, key) => {
          const schema = {
            type: 'object',
            properties: { [key]: { enum: values } },
            required: [key],
          };
          const c = await compileConstraint({ guided_json: schema, guided_whitespace_pattern: '' });
          if (c.kind === 'none') throw new Error('expected a grammar');
          for (const v of values) {
            const json = JSON.stringify({ [key]: v });
            expect(await gbnfAccepts(c.gbnf, json), json).toBe(true);
          }
          expect(await gbnfAccepts(c.gbnf, JSON.stringify({ [key]: `${values[0]}x` }))).toBe(false);
        },
      ),
      { numRuns: 40, seed: 3 },
    );
  });
});

describe('splitLongRepetitions', () => {
  it('keeps the language of x{a,b} while every count stays within the limit', async () => {
    const { splitLongRepetitions } = await import('./grammar');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 9 }),
        fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
        async (min, extra) => {
          const max = extra === null ? null : min + extra;
          const g: Grammar = {
            rules: [
              { name: 'root', body: { t: 'rep', body: { t: 'lit', cps: [0x61] }, min, max } },
            ],
          };
          const split = splitLongRepetitions(g, 3);
          const gbnf = printGrammar(split, 'gbnf');
          for (const m of gbnf.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) {
            expect(Number(m[1])).toBeLessThanOrEqual(3);
            if (m[2]) expect(Number(m[2])).toBeLessThanOrEqual(3);
          }
          for (let n = 0; n <= 12; n++) {
            const want = n >= min && (max === null || n <= max);
            expect(await gbnfAccepts(gbnf, 'a'.repeat(n)), `${gbnf} on ${n}`).toBe(want);
          }
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});
