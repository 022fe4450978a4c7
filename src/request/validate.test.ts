import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { PARAMS, type ParamSpec } from './params';
import {
  anyInput,
  anyJsonValue,
  anyMutation,
  crossFieldMutation,
  invalidValueMutation,
  namedTools,
  requestShapedJson,
  validRequest,
} from './testing/arbitraries';
import type { RequestDraft } from './types';
import { errorParamRoot, toErrorResponse, validateRequest, type ValidatorHooks } from './validate';

const BASE = { model: 'Qwen3-0.6B', messages: [{ role: 'user', content: 'Hello' }] };
const TOOLS = namedTools(2); // functions f0 and f1

/** The params named by the errors of an invalid request (fails the test if it is valid). */
function errorParams(request: unknown, hooks?: ValidatorHooks): (string | null)[] {
  const result = validateRequest(request, hooks);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(request)}`);
  return result.errors.map((e) => e.param);
}
const accepts = (patch: RequestDraft) => validateRequest({ ...BASE, ...patch }).ok;
/** Exactly one error, naming `param`: one error per problem. */
const rejectsWith = (patch: RequestDraft, param: string) =>
  expect(errorParams({ ...BASE, ...patch })).toEqual([param]);

describe('validateRequest: examples for every rule', () => {
  it('accepts a minimal request and returns it unchanged', () => {
    expect(validateRequest(BASE)).toEqual({ ok: true, request: BASE });
  });

  it('rejects a non-object with a request-level error (param null)', () => {
    for (const v of [null, 5, 'x', [], [BASE], undefined]) expect(errorParams(v)).toEqual([null]);
  });

  it('requires model (non-empty string) and messages (non-empty array)', () => {
    expect(errorParams({ messages: BASE.messages })).toEqual(['model']);
    expect(errorParams({ model: 'm' })).toEqual(['messages']);
    rejectsWith({ model: '  ' }, 'model');
    rejectsWith({ model: 3 }, 'model');
    rejectsWith({ messages: [] }, 'messages');
    rejectsWith({ messages: 'Hello' }, 'messages');
  });

  it('checks each message and names it by index', () => {
    rejectsWith(
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'bot', content: 'b' },
        ],
      },
      'messages[1].role',
    );
    rejectsWith({ messages: [{ role: 'user' }] }, 'messages[0].content');
    rejectsWith({ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id');
    rejectsWith({ messages: ['hi'] }, 'messages[0]');
    expect(
      accepts({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f0', arguments: '{}' } }],
          },
          { role: 'tool', content: 'Sunny', tool_call_id: 'c1' },
        ],
      }),
    ).toBe(true);
    rejectsWith(
      { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] }] },
      'messages[0].tool_calls[0]',
    );
  });

  it.each([
    ['temperature', 0, 2],
    ['top_p', 0, 1],
    ['frequency_penalty', -2, 2],
    ['presence_penalty', -2, 2],
  ])('%s accepts %d..%d inclusive and nothing outside', (name, min, max) => {
    for (const v of [min, max, (min + max) / 2]) expect(accepts({ [name]: v }), `${v}`).toBe(true);
    for (const v of [min - 0.001, max + 0.001, Infinity, NaN]) rejectsWith({ [name]: v }, name);
    rejectsWith({ [name]: String(min) }, name);
  });

  it('logit_bias: integer token-id keys, biases from -100 to 100', () => {
    expect(accepts({ logit_bias: { '0': -100, '50256': 100, '7': 0.5 } })).toBe(true);
    expect(accepts({ logit_bias: {} })).toBe(true);
    rejectsWith({ logit_bias: { '50256': 100.5 } }, 'logit_bias');
    rejectsWith({ logit_bias: { '1': -101 } }, 'logit_bias');
    rejectsWith({ logit_bias: { '1': '5' } }, 'logit_bias');
    for (const key of ['-1', '1.5', 'hello', '01', ''])
      rejectsWith({ logit_bias: { [key]: 1 } }, 'logit_bias');
    rejectsWith({ logit_bias: [[1, 5]] }, 'logit_bias');
    // One error per bad entry.
    expect(errorParams({ ...BASE, logit_bias: { a: 1, '2': 200, '3': 1 } })).toEqual([
      'logit_bias',
      'logit_bias',
    ]);
  });

  it('top_logprobs: an integer 0..20, and only with logprobs true', () => {
    for (const v of [0, 1, 20]) expect(accepts({ logprobs: true, top_logprobs: v })).toBe(true);
    rejectsWith({ logprobs: true, top_logprobs: 21 }, 'top_logprobs');
    rejectsWith({ logprobs: true, top_logprobs: -1 }, 'top_logprobs');
    rejectsWith({ logprobs: true, top_logprobs: 2.5 }, 'top_logprobs');
    rejectsWith({ top_logprobs: 3 }, 'top_logprobs');
    rejectsWith({ logprobs: false, top_logprobs: 3 }, 'top_logprobs');
    // vLLM asks for logprobs only when top_logprobs would return something (> 0).
    expect(accepts({ top_logprobs: 0 })).toBe(true);
  });

  it('n is an integer of at least 1; max_tokens/max_completion_tokens at least 1 or null', () => {
    expect(accepts({ n: 1 })).toBe(true);
    expect(accepts({ n: 4 })).toBe(true);
    for (const v of [0, -1, 1.5]) rejectsWith({ n: v }, 'n');
    for (const name of ['max_tokens', 'max_completion_tokens']) {
      expect(accepts({ [name]: 1 })).toBe(true);
      expect(accepts({ [name]: null })).toBe(true);
      rejectsWith({ [name]: 0 }, name);
      rejectsWith({ [name]: 10.5 }, name);
    }
  });

  it('stop: a string or at most 4 non-empty strings', () => {
    expect(accepts({ stop: '\n' })).toBe(true);
    expect(accepts({ stop: ['a', 'b', 'c', 'd'] })).toBe(true);
    rejectsWith({ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop');
    rejectsWith({ stop: ['a', 1] }, 'stop');
    rejectsWith({ stop: [''] }, 'stop');
  });

  it('tools: at most 128 well-formed functions', () => {
    expect(accepts({ tools: namedTools(128) })).toBe(true);
    rejectsWith({ tools: namedTools(129) }, 'tools');
    rejectsWith({ tools: {} }, 'tools');
    rejectsWith({ tools: [{ type: 'function' }] }, 'tools[0]');
    rejectsWith(
      { tools: [...TOOLS, { type: 'function', function: { name: 'bad name' } }] },
      'tools[2].function.name',
    );
    rejectsWith(
      { tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] },
      'tools[0].function.parameters',
    );
  });

  it('stream_options only with stream: true', () => {
    expect(accepts({ stream: true, stream_options: { include_usage: true } })).toBe(true);
    rejectsWith({ stream_options: { include_usage: true } }, 'stream_options');
    rejectsWith({ stream: false, stream_options: { include_usage: true } }, 'stream_options');
    rejectsWith({ stream: true, stream_options: { include_usage: 'yes' } }, 'stream_options');
  });

  it('tool_choice: none always; auto, required or a named function need tools (vLLM, OpenAI)', () => {
    expect(accepts({ tool_choice: 'none' })).toBe(true);
    expect(accepts({ tool_choice: null })).toBe(true);
    expect(accepts({ tools: TOOLS, tool_choice: 'auto' })).toBe(true);
    expect(accepts({ tools: TOOLS, tool_choice: 'required' })).toBe(true);
    rejectsWith({ tool_choice: 'auto' }, 'tool_choice');
    rejectsWith({ tool_choice: 'required' }, 'tool_choice');
    expect(errorParams({ ...BASE, tools: [], tool_choice: 'required' })).toEqual([
      'tools',
      'tool_choice',
    ]);
    rejectsWith({ tools: TOOLS, tool_choice: 'always' }, 'tool_choice');
  });

  it('tool_choice: a named function must exist in tools', () => {
    const named = (name: string) => ({ type: 'function', function: { name } });
    expect(accepts({ tools: TOOLS, tool_choice: named('f1') })).toBe(true);
    rejectsWith({ tools: TOOLS, tool_choice: named('f2') }, 'tool_choice');
    const noTools = errorParams({ ...BASE, tool_choice: named('f0') });
    expect(noTools.length).toBeGreaterThan(0);
    expect(new Set(noTools)).toEqual(new Set(['tool_choice']));
  });

  it('continue_final_message and add_generation_prompt not both true', () => {
    expect(accepts({ continue_final_message: true, add_generation_prompt: false })).toBe(true);
    expect(accepts({ continue_final_message: false, add_generation_prompt: true })).toBe(true);
    rejectsWith(
      { continue_final_message: true, add_generation_prompt: true },
      'continue_final_message',
    );
    // add_generation_prompt defaults to true, so leaving it out is "both true".
    rejectsWith({ continue_final_message: true }, 'continue_final_message');
  });

  it('at most one kind of guided decoding per request', () => {
    expect(accepts({ guided_json: { type: 'object' } })).toBe(true);
    expect(accepts({ guided_choice: ['yes', 'no'] })).toBe(true);
    expect(accepts({ guided_json: { type: 'object' }, guided_regex: null })).toBe(true);
    rejectsWith({ guided_json: { type: 'object' }, guided_regex: 'a+' }, 'guided_regex');
    rejectsWith({ guided_choice: ['a'], guided_grammar: 'root ::= "a"' }, 'guided_grammar');
    const three = errorParams({
      ...BASE,
      guided_regex: 'a',
      guided_choice: ['a'],
      guided_grammar: 'g',
    });
    expect(three).toHaveLength(1);
  });

  it('guided_json: an object, or a string that parses as a JSON object', () => {
    expect(accepts({ guided_json: '{"type": "object"}' })).toBe(true);
    rejectsWith({ guided_json: '{"type": ' }, 'guided_json');
    rejectsWith({ guided_json: '[1, 2]' }, 'guided_json');
    rejectsWith({ guided_json: 42 }, 'guided_json');
    const message = validateRequest({ ...BASE, guided_json: '{oops}' });
    expect(!message.ok && message.errors[0]!.message).toMatch(/guided_json is not valid JSON/);
  });

  it('guided_regex and guided_whitespace_pattern must compile', () => {
    expect(accepts({ guided_regex: '\\d{3}-[A-Z]+' })).toBe(true);
    expect(accepts({ guided_whitespace_pattern: '[ ]?' })).toBe(true);
    for (const bad of ['(', '[a-', 'a{2,1}', '\\'])
      rejectsWith({ guided_regex: bad }, 'guided_regex');
    rejectsWith({ guided_whitespace_pattern: '(' }, 'guided_whitespace_pattern');
  });

  it('guided_choice needs at least one non-empty choice; guided_grammar may not be blank', () => {
    rejectsWith({ guided_choice: [] }, 'guided_choice');
    rejectsWith({ guided_choice: [''] }, 'guided_choice');
    rejectsWith({ guided_grammar: '   ' }, 'guided_grammar');
  });

  it('response_format: text, json_object or json_schema with a valid name', () => {
    const schema = (json_schema: unknown) => ({
      response_format: { type: 'json_schema', json_schema },
    });
    expect(accepts({ response_format: { type: 'text' } })).toBe(true);
    expect(accepts({ response_format: { type: 'json_object' } })).toBe(true);
    expect(
      accepts(
        schema({ name: 'answer', description: 'd', schema: { type: 'object' }, strict: true }),
      ),
    ).toBe(true);
    rejectsWith({ response_format: 'json' }, 'response_format');
    rejectsWith({ response_format: { type: 'yaml' } }, 'response_format.type');
    rejectsWith({ response_format: { type: 'json_schema' } }, 'response_format.json_schema');
    rejectsWith(schema({ name: 'has space', schema: {} }), 'response_format.json_schema.name');
    rejectsWith(schema({ name: 'a', schema: 'x' }), 'response_format.json_schema.schema');
    rejectsWith(schema({ name: 'a', schema: {}, strict: 1 }), 'response_format.json_schema.strict');
    // vLLM answers 400 to a json_schema response format without a schema.
    rejectsWith(schema({ name: 'a' }), 'response_format.json_schema.schema');
  });

  it('tools: an empty array is refused (vLLM and OpenAI answer 400)', () => {
    rejectsWith({ tools: [] }, 'tools');
    const r = validateRequest({ ...BASE, tools: [] });
    expect(!r.ok && r.errors[0]!.message).toMatch(/must not be an empty array/);
  });

  it('documents: objects whose values are all strings (vLLM: list[dict[str, str]])', () => {
    expect(accepts({ documents: [{ title: 'T', text: 'x' }] })).toBe(true);
    rejectsWith({ documents: [{ title: 'T', text: 5 }] }, 'documents[0].text');
    rejectsWith({ documents: [{ meta: { a: 1 } }] }, 'documents[0].meta');
    rejectsWith({ documents: ['just text'] }, 'documents[0]');
  });

  it('seed: the signed 64-bit range, exactly, although 2**63 - 1 is no JavaScript number', () => {
    expect(accepts({ seed: -(2 ** 63) })).toBe(true);
    expect(accepts({ seed: 2 ** 53 })).toBe(true);
    // JSON.parse reads 9223372036854775808 (and 9223372036854775807) as 2**63: out of range.
    const parsed = JSON.parse('{"seed": 9223372036854775808}') as { seed: number };
    rejectsWith(parsed, 'seed');
    const r = validateRequest({ ...BASE, ...parsed });
    expect(!r.ok && r.errors[0]!.message).toContain('got 9223372036854775808');
    rejectsWith({ seed: -(2 ** 63) - 4096 }, 'seed');
  });

  it('the sampling fields of a current vLLM follow its value rules', () => {
    expect(
      accepts({
        top_k: -1,
        min_p: 1,
        repetition_penalty: 0.5,
        min_tokens: 3,
        max_tokens: 3,
        ignore_eos: true,
        stop_token_ids: [0, 2],
        allowed_token_ids: [5],
        bad_words: ['darn'],
        include_stop_str_in_output: true,
        skip_special_tokens: false,
        spaces_between_special_tokens: false,
        prompt_logprobs: -1,
        return_tokens_as_token_ids: true,
        truncate_prompt_tokens: -1,
        cache_salt: 'x',
      }),
    ).toBe(true);
    rejectsWith({ top_k: -2 }, 'top_k');
    rejectsWith({ top_k: 1.5 }, 'top_k');
    rejectsWith({ min_p: 1.01 }, 'min_p');
    rejectsWith({ repetition_penalty: 0 }, 'repetition_penalty');
    rejectsWith({ min_tokens: -1 }, 'min_tokens');
    rejectsWith({ min_tokens: 5, max_completion_tokens: 4 }, 'min_tokens');
    rejectsWith({ stop_token_ids: [-1] }, 'stop_token_ids');
    rejectsWith({ stop_token_ids: ['2'] }, 'stop_token_ids');
    rejectsWith({ allowed_token_ids: [] }, 'allowed_token_ids');
    rejectsWith({ bad_words: [''] }, 'bad_words');
    rejectsWith({ prompt_logprobs: -2 }, 'prompt_logprobs');
    rejectsWith({ prompt_logprobs: 1, stream: true }, 'prompt_logprobs');
    expect(accepts({ prompt_logprobs: 0, stream: true })).toBe(true);
    rejectsWith({ truncate_prompt_tokens: -2 }, 'truncate_prompt_tokens');
    rejectsWith({ cache_salt: '' }, 'cache_salt');
    rejectsWith({ cache_salt: 'x'.repeat(1025) }, 'cache_salt');
  });

  it('structured_outputs: exactly one constraint, and not beside guided_* or a JSON response_format', () => {
    expect(accepts({ structured_outputs: { regex: '[a-z]+', whitespace_pattern: ' ' } })).toBe(
      true,
    );
    expect(accepts({ structured_outputs: { json: { type: 'object' } } })).toBe(true);
    rejectsWith({ structured_outputs: {} }, 'structured_outputs');
    rejectsWith({ structured_outputs: { regex: 'a', choice: ['b'] } }, 'structured_outputs');
    rejectsWith({ structured_outputs: { choice: [] } }, 'structured_outputs.choice');
    rejectsWith({ structured_outputs: { regex: 'a', colour: 1 } }, 'structured_outputs.colour');
    rejectsWith({ structured_outputs: { regex: 'a' }, guided_regex: 'b' }, 'structured_outputs');
    rejectsWith(
      { structured_outputs: { regex: 'a' }, response_format: { type: 'json_object' } },
      'structured_outputs',
    );
    rejectsWith(
      {
        structured_outputs: { choice: ['a'] },
        tools: TOOLS,
        tool_choice: { type: 'function', function: { name: 'f0' } },
      },
      'tool_choice',
    );
    expect(
      errorParams(
        { ...BASE, structured_outputs: { json: { type: 'nope' } } },
        { checkSchema: (s) => ((s as { type?: string }).type === 'nope' ? 'bad type' : null) },
      ),
    ).toEqual(['structured_outputs.json']);
  });

  it('JSON-valued vLLM fields have the right shape', () => {
    expect(accepts({ documents: [{ title: 'T', text: 'x' }] })).toBe(true);
    expect(accepts({ chat_template_kwargs: { enable_thinking: false } })).toBe(true);
    rejectsWith({ documents: { title: 'T' } }, 'documents');
    rejectsWith({ chat_template_kwargs: [] }, 'chat_template_kwargs');
  });

  it('booleans, strings and integers have their types', () => {
    rejectsWith({ stream: 'true' }, 'stream');
    rejectsWith({ echo: 1 }, 'echo');
    rejectsWith({ user: 42 }, 'user');
    rejectsWith({ request_id: ['x'] }, 'request_id');
    rejectsWith({ priority: 0.5 }, 'priority');
    rejectsWith({ seed: '1' }, 'seed');
    expect(accepts({ seed: -1, priority: -5, request_id: 'abc', user: 'u1' })).toBe(true);
  });

  it('null means "not set" for every optional parameter', () => {
    const nulls = Object.fromEntries(
      (PARAMS as readonly ParamSpec[]).filter((p) => !p.required).map((p) => [p.name, null]),
    );
    expect(validateRequest({ ...BASE, ...nulls }).ok).toBe(true);
  });

  it('calls the chat_template check hook and reports its problem at chat_template', () => {
    const checkTemplate = vi.fn((t: string) => (t.includes('{% if') ? 'unclosed if block' : null));
    expect(
      validateRequest({ ...BASE, chat_template: '{{ messages }}' }, { checkTemplate }).ok,
    ).toBe(true);
    expect(checkTemplate).toHaveBeenLastCalledWith('{{ messages }}');
    const bad = validateRequest({ ...BASE, chat_template: '{% if x %}' }, { checkTemplate });
    expect(checkTemplate).toHaveBeenLastCalledWith('{% if x %}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => e.param)).toEqual(['chat_template']);
      expect(bad.errors[0]!.message).toContain('unclosed if block');
    }
    checkTemplate.mockClear();
    validateRequest(BASE, { checkTemplate });
    expect(checkTemplate).not.toHaveBeenCalled();
  });

  it('reports each unknown parameter by its name', () => {
    expect(errorParams({ ...BASE, typical_p: 40, Temperature: 1 })).toEqual([
      'typical_p',
      'Temperature',
    ]);
    const r = validateRequest({ ...BASE, typical_p: 40 });
    expect(!r.ok && r.errors[0]!.message).toContain('Unknown parameter: typical_p');
  });

  it('gives OpenAI-shaped errors, one per problem', () => {
    const r = validateRequest({ ...BASE, temperature: 3, top_p: -1, n: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(3);
    for (const e of r.errors) {
      expect(e).toEqual({
        message: expect.stringMatching(/\S/),
        type: 'invalid_request_error',
        param: expect.any(String),
        code: null,
      });
    }
    expect(toErrorResponse(r.errors)).toEqual({ error: r.errors[0] });
    expect(toErrorResponse([]).error.type).toBe('invalid_request_error');
  });
});

describe('errorParamRoot', () => {
  const root = (param: string | null) =>
    errorParamRoot({ message: '', type: 'invalid_request_error', param, code: null });

  it('maps a nested path to its top-level parameter', () => {
    expect(root('messages[2].content')).toBe('messages');
    expect(root('tools[0].function.name')).toBe('tools');
    expect(root('response_format.json_schema.name')).toBe('response_format');
    expect(root('temperature')).toBe('temperature');
    expect(root(null)).toBeNull();
  });

  it('keeps an unknown field whole, even when it starts like a parameter', () => {
    expect(root('top_p2')).toBe('top_p2');
    expect(root('Temperature')).toBe('Temperature');
    expect(root('max-tokens')).toBe('max-tokens');
    expect(root('x.y')).toBe('x.y');
  });
});

describe('validateRequest: properties', () => {
  const neverThrows = (input: unknown) => {
    const result = validateRequest(input);
    if (result.ok) expect(result.request).toBe(input);
    else {
      expect(result.errors.length).toBeGreaterThan(0);
      for (const e of result.errors) expect(e.type).toBe('invalid_request_error');
    }
  };

  it('never throws on any JSON value, and answers ok or with errors', () => {
    fc.assert(fc.property(anyJsonValue, neverThrows), { numRuns: 2000 });
  });

  it('never throws on request-shaped objects with values of any type', () => {
    fc.assert(fc.property(requestShapedJson, neverThrows), { numRuns: 2000 });
  });

  it('never throws on arbitrary JavaScript values', () => {
    fc.assert(fc.property(anyInput, neverThrows), { numRuns: 2000 });
  });

  it('accepts every valid request', () => {
    fc.assert(
      fc.property(validRequest, (r) => {
        const result = validateRequest(r);
        expect(result.ok ? [] : result.errors).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a valid request after one rule-breaking change, naming the parameter', () => {
    fc.assert(
      fc.property(validRequest, anyMutation, (r, mutation) => {
        const result = validateRequest(mutation.apply(r));
        expect(result.ok, mutation.label).toBe(false);
        if (result.ok) return;
        const roots = result.errors.map(errorParamRoot);
        expect(
          roots.some((p) => p !== null && mutation.blame.includes(p)),
          `${mutation.label}: got ${JSON.stringify(roots)}`,
        ).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  describe.each((PARAMS as readonly ParamSpec[]).map((p) => [p.name, p] as const))(
    'an invalid %s',
    (name, spec) => {
      it('is reported at that parameter, whatever the rest of the request', () => {
        fc.assert(
          fc.property(validRequest, invalidValueMutation(spec), (r, mutation) => {
            const result = validateRequest(mutation.apply(r));
            expect(result.ok, mutation.label).toBe(false);
            if (!result.ok) expect(result.errors.map(errorParamRoot)).toContain(name);
          }),
          { numRuns: 40 },
        );
      });
    },
  );

  it('reports every cross-field violation at the parameter it concerns', () => {
    fc.assert(
      fc.property(validRequest, crossFieldMutation, (r, mutation) => {
        const result = validateRequest(mutation.apply(r));
        expect(result.ok, mutation.label).toBe(false);
        if (!result.ok)
          expect(
            result.errors.map(errorParamRoot).some((p) => p !== null && mutation.blame.includes(p)),
            mutation.label,
          ).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
