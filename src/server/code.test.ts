import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { draftArbitrary } from './arbitraries.testutil';
import {
  CODE_LANGS,
  CodeOptionsError,
  bodyCode,
  splitForPython,
  targetCode,
  type CodeOptions,
} from './code';
import { TARGETS } from './facts';
import { javascriptPrintResponse, pythonPrintResponse } from '../request/export';
import { translateRequest } from './translate';

const OPTS: CodeOptions = { baseUrl: 'http://gpu-box:8000/v1/', apiKeyEnv: 'VLLM_API_KEY' };
const DRAFT = {
  model: 'qwen',
  messages: [{ role: 'user', content: 'hi' }],
  temperature: 0.2,
  include_reasoning: false,
  guided_regex: '[0-9]+',
  priority: 1,
  stream: true,
};

describe('code per target', () => {
  it('puts the Python client\u2019s keyword arguments first and every other field in extra_body', () => {
    const body = translateRequest(DRAFT, 'vllm').body;
    expect(splitForPython(body)).toEqual({
      kwargs: { model: 'qwen', messages: DRAFT.messages, stream: true, temperature: 0.2 },
      extraBody: { include_reasoning: false, structured_outputs: { regex: '[0-9]+' }, priority: 1 },
    });
    const py = targetCode(DRAFT, 'vllm', 'python', OPTS);
    expect(py).toContain(
      'client = OpenAI(base_url="http://gpu-box:8000/v1", api_key=os.environ["VLLM_API_KEY"])',
    );
    expect(py).toMatch(/ {4}temperature=0\.2,\n/);
    expect(py).toMatch(
      /extra_body=\{\n {8}"include_reasoning": False,\n {8}"structured_outputs": \{/,
    );
    expect(py).toContain('for chunk in response:');
  });

  it('sends extras in the JavaScript body as they are', () => {
    const js = targetCode(DRAFT, 'vllm-guided', 'javascript', OPTS);
    expect(js).toContain('apiKey: process.env.VLLM_API_KEY');
    expect(js).toContain('"guided_regex": "[0-9]+"');
    expect(js).toContain('"priority": 1');
    expect(js).toContain('for await (const chunk of response)');
  });

  it('prints every choice, its reasoning and its tool calls (the request export\u2019s printer)', () => {
    for (const stream of [true, false]) {
      const draft = { ...DRAFT, stream };
      const py = targetCode(draft, 'vllm', 'python', OPTS);
      expect(py).toContain(pythonPrintResponse(stream).join('\n'));
      const js = targetCode(draft, 'vllm', 'javascript', OPTS);
      expect(js).toContain(javascriptPrintResponse(stream).join('\n'));
    }
    expect(targetCode(DRAFT, 'vllm', 'python', OPTS)).not.toContain('choices[0]');
  });

  it('writes a curl command with the key from the environment', () => {
    const curl = targetCode(DRAFT, 'openai', 'curl', OPTS);
    expect(curl.split('\n')[0]).toBe("curl 'http://gpu-box:8000/v1/chat/completions' \\");
    expect(curl).toContain('-H "Authorization: Bearer $VLLM_API_KEY"');
    expect(curl).not.toContain('guided_regex');
    expect(curl).not.toContain('priority');
  });

  it('leaves out of OpenAI code what the OpenAI target refuses', () => {
    const py = targetCode(DRAFT, 'openai', 'python', OPTS);
    expect(py).not.toContain('extra_body');
    expect(py).not.toContain('include_reasoning');
  });

  it('refuses an environment variable name that is not one, and a URL with credentials', () => {
    expect(() => bodyCode({}, 'curl', { ...OPTS, apiKeyEnv: 'sk-abc123' })).toThrow(
      CodeOptionsError,
    );
    expect(() => bodyCode({}, 'python', { ...OPTS, apiKeyEnv: 'A B' })).toThrow(CodeOptionsError);
    expect(() =>
      bodyCode({}, 'javascript', { ...OPTS, baseUrl: 'https://user:sk-abc@host/v1' }),
    ).toThrow(/credentials/);
    expect(() => bodyCode({}, 'curl', { ...OPTS, baseUrl: 'not a url' })).toThrow(CodeOptionsError);
  });

  it('never writes the API key, whatever else the options carry', () => {
    fc.assert(
      fc.property(
        draftArbitrary,
        fc.constantFrom(...TARGETS),
        fc.constantFrom(...CODE_LANGS),
        fc.stringMatching(/^sk-[A-Za-z0-9]{24}$/),
        (draft, target, lang, secret) => {
          // A settings object as the UI keeps it, key included, passed straight through.
          const settings = { ...OPTS, apiKey: secret, jsonSchemaName: 'answer' };
          const code = targetCode(draft, target, lang, settings);
          expect(code).not.toContain(secret);
          expect(code).toContain('VLLM_API_KEY');
        },
      ),
      { numRuns: 60 },
    );
  });
});
