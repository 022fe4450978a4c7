import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportJson, toCurl } from './export';
import { ImportError, importRequest, shellWords } from './import';
import { isParamName } from './params';
import { validRequest } from './testing/arbitraries';

const BODY = {
  model: 'Qwen3-0.6B',
  messages: [{ role: 'user', content: 'It\'s "quoted" and costs $5 \\ more' }],
  temperature: 0.2,
  guided_choice: ['yes', 'no'],
};
const JSON_BODY = JSON.stringify(BODY);
/** The body inside bash single quotes ('\'' for each '). */
const SINGLE = `'${JSON_BODY.replace(/'/g, `'\\''`)}'`;
/** The body inside bash double quotes (\ before " \ $ `). */
const DOUBLE = `"${JSON_BODY.replace(/["\\$`]/g, '\\$&')}"`;

const failsWith = (text: string, message: RegExp) => {
  expect(() => importRequest(text)).toThrow(ImportError);
  expect(() => importRequest(text)).toThrow(message);
};

describe('importRequest: JSON', () => {
  it('takes a request JSON into the draft', () => {
    expect(importRequest(JSON_BODY)).toEqual({ draft: BODY, unknown: {} });
    expect(importRequest(`\n  ${JSON.stringify(BODY, null, 2)}\n`).draft).toEqual(BODY);
  });

  it('reports unknown fields in unknown and keeps them out of the draft', () => {
    const { draft, unknown } = importRequest(
      JSON.stringify({
        ...BODY,
        typical_p: 40,
        mirostat_tau: 5,
        Temperature: 1,
        metadata: { a: 1 },
      }),
    );
    expect(draft).toEqual(BODY);
    expect(unknown).toEqual({ typical_p: 40, mirostat_tau: 5, Temperature: 1, metadata: { a: 1 } });
  });

  it('reports even a "__proto__" field instead of losing it', () => {
    const { draft, unknown } = importRequest('{"model": "m", "__proto__": {"polluted": true}}');
    expect(draft).toEqual({ model: 'm' });
    expect(Object.keys(unknown)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(unknown, '__proto__')?.value).toEqual({
      polluted: true,
    });
    expect(Object.getPrototypeOf(unknown)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps values as they are, valid or not (validation is a separate step)', () => {
    expect(importRequest('{"temperature": 9, "stop": null}').draft).toEqual({
      temperature: 9,
      stop: null,
    });
  });

  it('splits any JSON object into known and unknown fields, losing nothing (property)', () => {
    const keys = fc.oneof(
      fc.constantFrom('model', 'messages', 'temperature', 'guided_json', 'typical_p', '__proto__'),
      fc.string({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(fc.dictionary(keys, fc.jsonValue({ maxDepth: 2 })), (obj) => {
        const text = JSON.stringify(obj);
        const { draft, unknown } = importRequest(text);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        for (const k of Object.keys(draft)) expect(isParamName(k)).toBe(true);
        for (const k of Object.keys(unknown)) expect(isParamName(k)).toBe(false);
        expect(Object.keys(draft).length + Object.keys(unknown).length).toBe(
          Object.keys(parsed).length,
        );
        for (const [k, v] of Object.entries(parsed))
          expect(
            Object.getOwnPropertyDescriptor(isParamName(k) ? draft : unknown, k)?.value,
          ).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('fails clearly on broken JSON, an empty paste and a non-object', () => {
    failsWith('{"model": "m",', /Not valid JSON/);
    failsWith('model: m', /Not valid JSON/);
    failsWith('   \n ', /Nothing to import/);
    for (const v of ['[1, 2]', '"text"', '42', 'null', 'true'])
      failsWith(v, /must be a JSON object/);
  });
});

describe('importRequest: curl', () => {
  const url = 'http://localhost:8000/v1/chat/completions';

  it('reads a single-quoted -d body, with quotes escaped the shell way', () => {
    expect(SINGLE).toContain(`'\\''`);
    const cmd = `curl ${url} -H 'Content-Type: application/json' -d ${SINGLE}`;
    expect(importRequest(cmd)).toEqual({ draft: BODY, unknown: {} });
  });

  it('reads a double-quoted body with backslash escapes', () => {
    const cmd = `curl "${url}" -H "Content-Type: application/json" --data ${DOUBLE}`;
    expect(importRequest(cmd).draft).toEqual(BODY);
  });

  it.each(['-d', '--data', '--data-raw', '--data-binary', '--json'])(
    'reads the body after %s',
    (flag) => {
      expect(importRequest(`curl ${url} ${flag} ${SINGLE}`).draft).toEqual(BODY);
    },
  );

  it.each(['--data', '--data-raw', '--json'])('reads %s=<body>', (flag) => {
    expect(importRequest(`curl ${url} ${flag}=${SINGLE}`).draft).toEqual(BODY);
  });

  it('follows line continuations (\\ at line end, LF or CRLF) and multi-line bodies', () => {
    const body = JSON.stringify(BODY, null, 2).replace(/'/g, `'\\''`);
    for (const eol of ['\n', '\r\n']) {
      const cmd = [
        `curl -s ${url} \\`,
        `  -H "Authorization: Bearer $OPENAI_API_KEY" \\`,
        `  -H 'Content-Type: application/json' \\`,
        `  --data-raw '${body}'`,
      ].join(eol);
      expect(importRequest(cmd).draft).toEqual(BODY);
    }
  });

  it('reports unknown body fields of a curl command too', () => {
    const cmd = `curl ${url} -d '{"model": "m", "typical_p": 5}'`;
    expect(importRequest(cmd)).toEqual({ draft: { model: 'm' }, unknown: { typical_p: 5 } });
  });

  it('fails clearly without a body, with a file body, or with broken quoting or JSON', () => {
    failsWith(`curl ${url} -H 'Content-Type: application/json'`, /no -d\/--data body/);
    failsWith(`curl ${url} -d`, /no -d\/--data body/);
    failsWith(`curl ${url} -d @request.json`, /reads its body from a file/);
    failsWith(`curl ${url} -d '{"model": "m"}`, /Unterminated single quote/);
    failsWith(`curl ${url} -d "{}`, /Unterminated double quote/);
    failsWith(`curl ${url} -d '{"model": '`, /Not valid JSON/);
    failsWith(`curl ${url} -d '[1]'`, /must be a JSON object/);
  });

  it('reads back every exported curl command (property)', () => {
    fc.assert(
      fc.property(validRequest, (r) => {
        const { draft, unknown } = importRequest(toCurl(r));
        expect(unknown).toEqual({});
        expect(exportJson(draft)).toBe(exportJson(r));
      }),
      { numRuns: 300 },
    );
  });
});

describe('shellWords', () => {
  it('splits like a POSIX shell for quotes, escapes and continuations', () => {
    expect(shellWords(`a 'b c' "d \\"e\\" \\$f \\n" g\\ h 'i'"j"k \\\n l`)).toEqual([
      'a',
      'b c',
      'd "e" $f \\n',
      'g h',
      'ijk',
      'l',
    ]);
    expect(shellWords(`x '' ""`)).toEqual(['x', '', '']);
    expect(shellWords('  ')).toEqual([]);
  });

  it('returns any word list that was single-quoted unchanged (property)', () => {
    // Backslash-newline is a line continuation everywhere here (bash keeps it inside '...');
    // a request body never contains one, so such words are left out.
    const word = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((w) => !/\\\r?\n/.test(w));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (ws) => {
        const cmd = ws.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
        expect(shellWords(cmd)).toEqual(ws);
      }),
      { numRuns: 300 },
    );
  });
});
