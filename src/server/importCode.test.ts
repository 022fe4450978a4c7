import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { draftArbitrary } from './arbitraries.testutil';
import { CODE_LANGS, bodyCode } from './code';
import { TARGETS } from './facts';
import { ImportError, fromServerBody, importCode } from './importCode';
import { translateRequest } from './translate';

const SCHEMA = {
  type: 'object',
  properties: { n: { type: 'integer' } },
  required: ['n'],
  additionalProperties: false,
};

describe('importCode reads every form', () => {
  it('reads JSON, keeping unknown fields aside', () => {
    const r = importCode('{"model": "m", "typical_p": 5, "guided_regex": "a+"}');
    expect(r).toEqual({
      draft: { model: 'm', guided_regex: 'a+' },
      unknown: { typical_p: 5 },
      notes: ['typical_p is not a parameter of the spec; kept aside'],
      form: 'json',
    });
  });

  it('reads curl', () => {
    const r = importCode(
      `curl http://h/v1/chat/completions -H "Authorization: Bearer $K" -d '{"model": "it'\\''s", "n": 2}'`,
    );
    expect(r.draft).toEqual({ model: "it's", n: 2 });
    expect(r.form).toBe('curl');
  });

  it('reads the Python client call, merging extra_body and noting what it cannot read', () => {
    const src = `
import os
from openai import OpenAI
client = OpenAI(base_url="http://h/v1", api_key=os.environ["KEY"])
# The request
response = client.chat.completions.create(
    model='qwen',  # trailing comment
    messages=[{'role': 'user', 'content': 'say "hi"\\n'}, {"role": "assistant", "content": prefill}],
    temperature=0.3,
    stop=('END',),
    stream=True,
    tools=tools,
    extra_headers={"X-Id": "1"},
    extra_body={
        'structured_outputs': {'choice': ['yes', 'no']},
        "priority": -1,
        "chat_template_kwargs": {"enable_thinking": False},
        "typical_p": 20,
    },
)
for chunk in response:
    print(chunk)
`;
    const r = importCode(src);
    expect(r.form).toBe('python');
    expect(r.draft).toEqual({
      model: 'qwen',
      temperature: 0.3,
      stop: ['END'],
      stream: true,
      guided_choice: ['yes', 'no'],
      priority: -1,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(r.unknown).toEqual({ typical_p: 20 });
    expect(r.notes).toEqual([
      `messages=[{'role': 'user', 'content': 'say "hi"\\\u2026 is not a literal; left out`,
      'tools=tools is not a literal; left out',
      'extra_headers is not part of the request body; left out',
      'typical_p is not a parameter of the spec; kept aside',
    ]);
  });

  it('reads the JavaScript client call with a JSON5-like object', () => {
    const src = `import OpenAI from 'openai';
const client = new OpenAI({ baseURL: 'http://h/v1', apiKey: process.env.KEY });
const response = await client.chat.completions.create({
  model: 'qwen',
  messages: [{ role: 'user', content: \`multi
line\` }],
  response_format: { type: 'json_object', },
  structured_outputs: { json: ${JSON.stringify(SCHEMA)}, disable_any_whitespace: true },
  tools, // a variable
}, { timeout: 1000 });`;
    const r = importCode(src);
    expect(r.form).toBe('javascript');
    expect(r.draft).toEqual({
      model: 'qwen',
      messages: [{ role: 'user', content: 'multi\nline' }],
      response_format: { type: 'json_object' },
      // An option the guided_* fields cannot say: the object stays a first-class field.
      structured_outputs: { json: SCHEMA, disable_any_whitespace: true },
    });
    expect(r.unknown).toEqual({});
    expect(r.notes).toEqual([
      'tools is not a literal; left out',
      'the second argument of create() holds request options, not body fields; left out',
    ]);
  });

  it('reads a bare object literal in JavaScript or Python syntax', () => {
    expect(importCode("{model: 'm', stream: true,}")).toMatchObject({
      draft: { model: 'm', stream: true },
      form: 'javascript',
    });
    expect(importCode("{'model': 'm', 'stream': True, 'seed': None}")).toMatchObject({
      draft: { model: 'm', stream: true, seed: null },
      form: 'python',
    });
  });

  it('explains what it cannot read', () => {
    expect(() => importCode('')).toThrow(ImportError);
    expect(() => importCode('hello')).toThrow(/chat\.completions\.create/);
    expect(() => importCode('{"model": ')).toThrow(/Not valid JSON/);
    expect(() => importCode('client.chat.completions.create(model="m"')).toThrow(
      /Could not read the code/,
    );
    expect(() => importCode('[1, 2]')).toThrow(ImportError);
  });
});

describe('structured_outputs and response_format map back to the form', () => {
  it('maps every structured_outputs key to its guided_* field', () => {
    const r = fromServerBody({
      structured_outputs: {
        json: SCHEMA,
        regex: 'r',
        choice: ['a'],
        grammar: 'g',
        whitespace_pattern: ' ',
      },
    });
    expect(r.draft).toEqual({
      guided_json: SCHEMA,
      guided_regex: 'r',
      guided_choice: ['a'],
      guided_grammar: 'g',
      guided_whitespace_pattern: ' ',
    });
    expect(r.notes).toEqual([]);
  });

  it('turns json_object into a response_format', () => {
    const r = fromServerBody({ structured_outputs: { json_object: true, regex: null } });
    expect(r.draft).toEqual({ response_format: { type: 'json_object' } });
    expect(r.notes).toHaveLength(1);
  });

  it('keeps structured_outputs as it is when a key has no guided_* field', () => {
    const so = { json_object: true, structural_tag: '{}' };
    const r = fromServerBody({ structured_outputs: so });
    expect(r.draft).toEqual({ structured_outputs: so });
    expect(r.unknown).toEqual({});
  });

  it('prefers structured_outputs over a stale guided_* field, keeping the other aside', () => {
    const r = fromServerBody({ guided_regex: 'old', structured_outputs: { regex: 'new' } });
    expect(r.draft).toEqual({ guided_regex: 'new' });
    expect(r.unknown).toEqual({ guided_regex: 'old' });
    expect(r.notes[0]).toMatch(/both guided_regex and structured_outputs\.regex/);
  });

  it('keeps a response_format json_schema as the response_format field', () => {
    const rf = { type: 'json_schema', json_schema: { name: 'x', schema: SCHEMA, strict: true } };
    expect(fromServerBody({ response_format: rf }).draft).toEqual({ response_format: rf });
  });
});

describe('export \u2192 import \u2192 export is stable', () => {
  it('for every target and every form', () => {
    const opts = { jsonSchemaName: 'answer' };
    fc.assert(
      fc.property(
        draftArbitrary,
        fc.constantFrom(...TARGETS),
        fc.constantFrom('json' as const, ...CODE_LANGS),
        (draft, target, form) => {
          const first = translateRequest(draft, target, opts).body;
          const text =
            form === 'json'
              ? JSON.stringify(first, null, 2)
              : bodyCode(first, form, {
                  baseUrl: 'http://localhost:8000/v1',
                  apiKeyEnv: 'OPENAI_API_KEY',
                });
          const imported = importCode(text);
          expect(imported.unknown).toEqual({});
          expect(imported.notes).toEqual([]);
          expect(imported.form).toBe(form);
          const second = translateRequest(imported.draft, target, opts).body;
          expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        },
      ),
      { numRuns: 400 },
    );
  });
});
