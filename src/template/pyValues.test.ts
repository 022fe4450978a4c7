// Expected values are what CPython 3.11 prints for the same inputs (repr, json.dumps,
// datetime.strftime, str methods).
import { describe, expect, it } from 'vitest';
import {
  pyCapitalize,
  pyFloatRepr,
  pyJsonDumps,
  pyReplace,
  pySplit,
  pySplitLines,
  pyStrRepr,
  pyStrftime,
  pyStrip,
  pyTitle,
} from './pyValues';
import { toRuntime } from './runtime';
import { parsePyJson } from './vllm';

describe('Python value formatting', () => {
  it('repr(float)', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1 / 3, '0.3333333333333333'],
      [1e16, '1e+16'],
      [1e-5, '1e-05'],
      [123456789.125, '123456789.125'],
      [2.5e-300, '2.5e-300'],
      [-1.5, '-1.5'],
      [1e15, '1000000000000000.0'],
      [0.0001, '0.0001'],
      [1.2345678901234567e19, '1.2345678901234567e+19'],
      [-0, '-0.0'],
    ];
    for (const [x, s] of cases) expect(pyFloatRepr(x)).toBe(s);
  });

  it('repr(str)', () => {
    expect(pyStrRepr("it's")).toBe(`"it's"`);
    expect(pyStrRepr('q"')).toBe(`'q"'`);
    expect(pyStrRepr(`both ' "`)).toBe(`'both \\' "'`);
    expect(pyStrRepr('tab\tnl\n')).toBe(`'tab\\tnl\\n'`);
    expect(pyStrRepr('\x00\x7f\x85\xa0\u200b\u2028é😀')).toBe(
      `'\\x00\\x7f\\x85\\xa0\\u200b\\u2028é😀'`,
    );
    expect(pyStrRepr('\\')).toBe(`'\\\\'`);
  });

  it('json.dumps options', () => {
    const v = toRuntime({ b: [1, { é: null }], a: '</script>\u2028\x7f' });
    expect(
      pyJsonDumps(v, { ensureAscii: true, indent: ' ', separators: null, sortKeys: true }),
    ).toBe(
      '{\n "a": "</script>\\u2028\\u007f",\n "b": [\n  1,\n  {\n   "\\u00e9": null\n  }\n ]\n}',
    );
    expect(
      pyJsonDumps(toRuntime({ z: [], y: {} }), {
        ensureAscii: false,
        indent: '\t',
        separators: null,
        sortKeys: false,
      }),
    ).toBe('{\n\t"z": [],\n\t"y": {}\n}');
    expect(
      pyJsonDumps(toRuntime({ k: 'v' }), {
        ensureAscii: false,
        indent: null,
        separators: [',', ':'],
        sortKeys: false,
      }),
    ).toBe('{"k":"v"}');
  });

  it('json.loads keeps floats and key order', () => {
    const opts = { ensureAscii: false, indent: null, separators: null, sortKeys: false };
    expect(pyJsonDumps(parsePyJson(' {"10": 1.0, "2": [1e2, -0, "\\u00e9\\n"]} '), opts)).toBe(
      '{"10": 1.0, "2": [100.0, 0, "é\\n"]}',
    );
    expect(() => parsePyJson('{"a": 1} x')).toThrow();
    expect(() => parsePyJson('"raw\ncontrol"')).toThrow();
  });

  it('strftime in the C locale', () => {
    const d = new Date(2023, 0, 1, 0, 30, 5);
    expect(pyStrftime('%U %W %j %a %I %p %c|%x|%X|%D|%F|%-H|%e|%u|%w|%y|%f', d)).toBe(
      '01 00 001 Sun 12 AM Sun Jan  1 00:30:05 2023|01/01/23|00:30:05|01/01/23|2023-01-01|0| 1|7|0|23|000000',
    );
    expect(pyStrftime('%U %W %j %I %p', new Date(2024, 11, 30, 12, 0, 0))).toBe('52 53 365 12 PM');
  });

  it('str methods', () => {
    expect(pySplit('hello world  foo', null, 1)).toEqual(['hello', 'world  foo']);
    expect(pySplit('  a b  ', null, 1, true)).toEqual(['  a', 'b']);
    expect(pySplit('a,b,c', ',', 1, true)).toEqual(['a,b', 'c']);
    expect(pySplit('  a b  ', null, 1)).toEqual(['a', 'b  ']);
    expect(pySplit('', null, -1)).toEqual([]);
    expect(pySplitLines('a\n\nb\r\nc\r')).toEqual(['a', '', 'b', 'c']);
    expect(pyTitle('1st place-of it')).toBe('1St Place-Of It');
    expect(pyCapitalize('ABC def')).toBe('Abc def');
    expect(pyReplace('aaa', 'a', 'b', 2)).toBe('bba');
    expect(pyReplace('ab', '', '-', -1)).toBe('-a-b-');
    expect(pyReplace('ab', '', '-', 2)).toBe('-a-b');
    expect(pyStrip('\ufeff\u00a0 x\x1f \n', null)).toBe('\ufeff\u00a0 x');
    expect(pyStrip('\n\nx\n ', '\n')).toBe('x\n ');
  });
});
