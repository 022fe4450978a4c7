import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pythonLiteral } from '../request/export';
import { jsonValue } from './arbitraries.testutil';
import {
  LiteralError,
  parseJsLiteral,
  parseJsObject,
  parsePythonKwargs,
  parsePythonLiteral,
} from './literals';

describe('Python literals', () => {
  it.each([
    [`'single'`, 'single'],
    [`"double"`, 'double'],
    [`'it\\'s'`, "it's"],
    [`"tab\\tnl\\nbs\\\\q\\"a\\a"`, 'tab\tnl\nbs\\q"a\x07'],
    [`"\\x41\\u00e9\\U0001F600\\101\\0"`, 'A\u00e9\u{1F600}A\0'],
    [`r"raw\\n\\d"`, 'raw\\n\\d'],
    [`u"unicode"`, 'unicode'],
    [`"unknown \\d escape"`, 'unknown \\d escape'],
    [`"""triple "quoted"\nstring"""`, 'triple "quoted"\nstring'],
    [`'''x'''`, 'x'],
    [`"con" 'cat' """enated"""`, 'concatenated'],
    [`"line \\\ncontinued"`, 'line continued'],
    ['True', true],
    ['False', false],
    ['None', null],
    ['-12', -12],
    ['+1.5e3', 1500],
    ['.5', 0.5],
    ['1_000', 1000],
    ['0x1F', 31],
    ['1e-7', 1e-7],
    ['(1, 2)', [1, 2]],
    ['(1,)', [1]],
    ['(1)', 1],
    ['()', []],
    [`{'a': [1, 2,], "b": {'c': None},}`, { a: [1, 2], b: { c: null } }],
    [`{1: 'x', True: 'y'}`, { '1': 'x', true: 'y' }],
    [`{  # a comment\n 'k': 1  # another\n}`, { k: 1 }],
  ] as [string, unknown][])('%s', (src, expected) => {
    expect(parsePythonLiteral(src)).toEqual(expected);
  });

  it.each([`"unterminated`, `{'a' 1}`, `[1, 2`, `"\\N{BULLET}"`, `'a\nb'`, `@`])(
    'rejects %s',
    (src) => {
      expect(() => parsePythonLiteral(src)).toThrow(LiteralError);
    },
  );

  it.each([`foo`, `f"x{y}"`, `b"bytes"`, `1 + 2`, `json.loads("{}")`, `[x for x in y]`, `3j`])(
    'calls %s not a literal',
    (src) => {
      expect(() => parsePythonLiteral(src)).toThrow(/Not a literal/);
    },
  );

  it('reads back every JSON value that pythonLiteral writes', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        expect(JSON.stringify(parsePythonLiteral(pythonLiteral(v)))).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });

  it('reads keyword arguments, skipping and noting what is not a literal', () => {
    const src = `create(model="m", tools=TOOLS, temperature=0.5, **more, extra_body={"a": 1, "b": x})`;
    const { entries, notes } = parsePythonKwargs(src, src.indexOf('(') + 1);
    expect(entries).toEqual([
      ['model', 'm'],
      ['temperature', 0.5],
      ['extra_body', { a: 1 }],
    ]);
    expect(notes).toEqual([
      'tools=TOOLS is not a literal; left out',
      'the argument **more is not a keyword argument with a literal value; left out',
      'extra_body: b = x is not a literal; left out',
    ]);
  });
});

describe('JavaScript literals', () => {
  it.each([
    [
      `{a: 1, 'b': "two", "c": [1, 2,], d: {e: null},}`,
      { a: 1, b: 'two', c: [1, 2], d: { e: null } },
    ],
    [`{ // comment\n a: /* inline */ true }`, { a: true }],
    [
      `{a: 'it\\'s', b: "q\\"", c: '\\n\\t\\x41\\u00e9\\u{1F600}\\0'}`,
      { a: "it's", b: 'q"', c: '\n\tA\u00e9\u{1F600}\0' },
    ],
    ['{a: `template\nstring`}', { a: 'template\nstring' }],
    [`{a: -.5, b: 0x10, c: 1e3, d: 1_000, e: +2}`, { a: -0.5, b: 16, c: 1000, d: 1000, e: 2 }],
    [`{a: undefined, b: [undefined]}`, { b: [null] }],
    [`{$x: 1, _y: 2, 10: 3}`, { $x: 1, _y: 2, '10': 3 }],
    [`{'__proto__': {x: 1}}`, JSON.parse('{"__proto__": {"x": 1}}')],
  ] as [string, unknown][])('%s', (src, expected) => {
    const v = parseJsLiteral(src);
    expect(v).toEqual(expected);
    expect(JSON.stringify(v)).toBe(JSON.stringify(expected));
  });

  it.each([`{a: 1`, `{a 1}`, `[1,,2]`, `'unterminated`, `{a: 'x\ny'}`])('rejects %s', (src) => {
    expect(() => parseJsLiteral(src)).toThrow(LiteralError);
  });

  it('skips and notes properties that are not literals', () => {
    const src =
      '{model: "m", tools, ...rest, [k]: 1, schema: makeSchema(), t: `${x}`, n: a + 1, ok: 1}';
    const { entries, notes } = parseJsObject(src, 0);
    expect(entries).toEqual([
      ['model', 'm'],
      ['ok', 1],
    ]);
    expect(notes).toEqual([
      'tools is not a literal; left out',
      '...rest is not a literal; left out',
      '[k]: 1 is not a literal; left out',
      'schema: makeSchema() is not a literal; left out',
      't: `${x}` is not a literal; left out',
      'n: a + 1 is not a literal; left out',
    ]);
  });

  it('reads back every JSON text', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        expect(JSON.stringify(parseJsLiteral(JSON.stringify(v, null, 2)))).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });
});
