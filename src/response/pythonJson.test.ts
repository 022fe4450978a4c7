import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatNumberLiteral, pythonJsonText } from './pythonJson';

// Expected values printed by CPython 3: json.dumps(json.loads(literal)).
const PYTHON_NUMBERS: [string, string][] = [
  ['0.1', '0.1'],
  ['1e16', '1e+16'],
  ['1e15', '1000000000000000.0'],
  ['0.0001', '0.0001'],
  ['0.00001', '1e-05'],
  ['1.5e-7', '1.5e-07'],
  ['123.456', '123.456'],
  ['1e100', '1e+100'],
  ['-2.5', '-2.5'],
  ['1.0', '1.0'],
  ['100.0', '100.0'],
  ['1.7976931348623157e308', '1.7976931348623157e+308'],
  ['5e-324', '5e-324'],
  ['0.30000000000000004', '0.30000000000000004'],
  ['1E+2', '100.0'],
  ['-0.0', '-0.0'],
  ['1e400', 'Infinity'],
  ['12345678901234567890', '12345678901234567890'],
  ['-0', '0'],
  ['2.50', '2.5'],
  ['9007199254740993.0', '9007199254740992.0'],
  ['1e-4', '0.0001'],
  ['123456789012345.6', '123456789012345.6'],
  ['1234567890123456.7', '1234567890123456.8'],
];

describe('pythonJsonText', () => {
  it.each(PYTHON_NUMBERS)('number %s prints as Python does: %s', (lit, want) => {
    expect(formatNumberLiteral(lit)).toBe(want);
    expect(pythonJsonText(`[${lit}]`, true)).toBe(`[${want}]`);
  });

  it('prints objects like json.dumps(ensure_ascii=False)', () => {
    const src =
      '{ "a" :"\\u00e9\\n\\u0001\\/ \\ud83d\\ude00 \\\\ \\" \u007f" ,"b":[1, [], {},true,null ] }';
    // CPython: {"a": "é\n\u0001/ 😀 \\ \" <DEL>", "b": [1, [], {}, true, null]}
    expect(pythonJsonText(src, true)).toBe(
      '{"a": "é\\n\\u0001/ 😀 \\\\ \\" \u007f", "b": [1, [], {}, true, null]}',
    );
  });

  it('holds back what may still change: a number, an escape', () => {
    expect(pythonJsonText('{"n": 1.5', false)).toBe('{"n": ');
    expect(pythonJsonText('{"n": 1.5', true)).toBe('{"n": 1.5');
    expect(pythonJsonText('{"s": "a\\u00', false)).toBe('{"s": "a');
    expect(pythonJsonText('{"s": "a\\', false)).toBe('{"s": "a');
    expect(pythonJsonText('{"s": "a\\n', false)).toBe('{"s": "a\\n');
  });

  it('property: the result parses to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        expect(JSON.parse(pythonJsonText(text, true))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('property: a prefix never prints anything the whole text would not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom(undefined, 2), (v, cut, indent) => {
        const text = JSON.stringify(v, null, indent);
        const whole = pythonJsonText(text, true);
        const at = cut % (text.length + 1);
        expect(whole.startsWith(pythonJsonText(text.slice(0, at), false))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
