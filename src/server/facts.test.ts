import { describe, expect, it } from 'vitest';
import { PARAMS, PARAM_NAMES, type ParamName } from '../request/params';
import {
  FACTS,
  FLAGS,
  LLAMA_SERVER_FACTS,
  LLAMA_SERVER_UNKNOWN,
  SOURCES,
  TARGETS,
  TARGET_LABELS,
  factFor,
  isOpenAIClientArg,
  type Send,
  type TableTarget,
} from './facts';

/**
 * How each target sends each parameter of the spec, written out by hand (independently of
 * the table) from DESIGN.md and the checked upstream behaviour. A parameter added to
 * PARAMS without a line here, or without a row in FACTS, fails these tests.
 *   '=' sent as is; 'refused' / 'dropped' left out with a line; other strings: sent at that path.
 */
type Expected = '=' | 'refused' | 'dropped' | string;
const EXPECTED: Record<ParamName, Record<TableTarget, Expected>> = {
  model: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  messages: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  include_reasoning: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  frequency_penalty: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  logit_bias: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  logprobs: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  top_logprobs: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  max_tokens: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  max_completion_tokens: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  n: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  presence_penalty: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  response_format: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  seed: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  stop: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  stream: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  stream_options: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  temperature: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  top_p: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  tools: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  tool_choice: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  parallel_tool_calls: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  user: { openai: '=', vllm: '=', 'vllm-guided': '=' },
  echo: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  add_generation_prompt: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  continue_final_message: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  add_special_tokens: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  documents: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  chat_template: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  chat_template_kwargs: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  guided_json: { openai: 'response_format', vllm: 'structured_outputs.json', 'vllm-guided': '=' },
  guided_regex: { openai: 'refused', vllm: 'structured_outputs.regex', 'vllm-guided': '=' },
  guided_choice: { openai: 'refused', vllm: 'structured_outputs.choice', 'vllm-guided': '=' },
  guided_grammar: { openai: 'refused', vllm: 'structured_outputs.grammar', 'vllm-guided': '=' },
  guided_decoding_backend: { openai: 'refused', vllm: 'dropped', 'vllm-guided': '=' },
  guided_whitespace_pattern: {
    openai: 'refused',
    vllm: 'structured_outputs.whitespace_pattern',
    'vllm-guided': '=',
  },
  priority: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  request_id: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  top_k: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  min_p: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  repetition_penalty: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  bad_words: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  allowed_token_ids: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  min_tokens: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  ignore_eos: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  stop_token_ids: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  include_stop_str_in_output: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  skip_special_tokens: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  spaces_between_special_tokens: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  prompt_logprobs: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  return_tokens_as_token_ids: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  truncate_prompt_tokens: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  structured_outputs: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
  cache_salt: { openai: 'refused', vllm: '=', 'vllm-guided': '=' },
};

function summarise(send: Send): Expected {
  switch (send.as) {
    case 'as-is':
      return '=';
    case 'renamed':
    case 'converted':
      return send.path;
    default:
      return send.as;
  }
}

const TABLE_TARGETS = TARGETS.filter((t): t is TableTarget => t !== 'llama-server');

/** llama-server, by hand from the live checks (servers/llama-server.spec.ts). */
const EXPECTED_LLAMA: Record<ParamName, Expected> = {
  model: '=',
  messages: '=',
  include_reasoning: 'dropped',
  frequency_penalty: '=',
  logit_bias: '=',
  logprobs: '=',
  top_logprobs: '=',
  max_tokens: '=',
  max_completion_tokens: '=',
  n: '=',
  presence_penalty: '=',
  response_format: '=',
  seed: '=',
  stop: '=',
  stream: '=',
  stream_options: '=',
  temperature: '=',
  top_p: '=',
  tools: '=',
  tool_choice: '=',
  parallel_tool_calls: '=',
  user: 'dropped',
  echo: 'dropped',
  add_generation_prompt: '=',
  continue_final_message: '=',
  add_special_tokens: 'dropped',
  documents: 'dropped',
  chat_template: 'dropped',
  chat_template_kwargs: '=',
  guided_json: 'json_schema',
  guided_regex: 'dropped',
  guided_choice: 'dropped',
  guided_grammar: 'grammar',
  guided_decoding_backend: 'dropped',
  guided_whitespace_pattern: 'dropped',
  priority: 'dropped',
  request_id: 'dropped',
  // Beyond the spec: llama-server's own top_k and min_p; the rest unknown to it, dropped.
  top_k: '=',
  min_p: '=',
  structured_outputs: 'dropped',
  repetition_penalty: 'dropped',
  bad_words: 'dropped',
  allowed_token_ids: 'dropped',
  min_tokens: 'dropped',
  ignore_eos: 'dropped',
  stop_token_ids: 'dropped',
  include_stop_str_in_output: 'dropped',
  skip_special_tokens: 'dropped',
  spaces_between_special_tokens: 'dropped',
  prompt_logprobs: 'dropped',
  return_tokens_as_token_ids: 'dropped',
  truncate_prompt_tokens: 'dropped',
  cache_salt: 'dropped',
};

describe('the server fact table', () => {
  it('has a row for every parameter of the spec and every target, and nothing else', () => {
    expect(Object.keys(FACTS).sort()).toEqual([...PARAM_NAMES].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...PARAM_NAMES].sort());
    for (const name of PARAM_NAMES) {
      expect(Object.keys(FACTS[name]).sort(), name).toEqual([...TABLE_TARGETS].sort());
    }
    for (const name of Object.keys(LLAMA_SERVER_FACTS)) expect(PARAM_NAMES).toContain(name);
    expect(Object.keys(TARGET_LABELS).sort()).toEqual([...TARGETS].sort());
  });

  it.each(PARAM_NAMES.flatMap((name) => TABLE_TARGETS.map((target) => [name, target] as const)))(
    '%s on %s is sent as the hand-written matrix says',
    (name, target) => {
      expect(summarise(FACTS[name][target].send)).toBe(EXPECTED[name][target]);
    },
  );

  it.each(PARAM_NAMES.map((name) => [name] as const))(
    '%s on llama-server is sent as the hand-written matrix says',
    (name) => {
      expect(summarise(factFor(name, 'llama-server').send)).toBe(EXPECTED_LLAMA[name]);
    },
  );

  it('drops a parameter that llama-server has no row for, with a line', () => {
    expect(LLAMA_SERVER_UNKNOWN.send.as).toBe('dropped');
  });

  it('refuses every vLLM extra on OpenAI except guided_json, which it converts', () => {
    for (const spec of PARAMS) {
      if (spec.source !== 'vllm') continue;
      const send = FACTS[spec.name].openai.send.as;
      expect(send, spec.name).toBe(spec.name === 'guided_json' ? 'converted' : 'refused');
    }
  });

  it('cites known sources, keeps messages on one line and names a flag for every needs-flag rule', () => {
    const flags = new Set<string>(Object.values(FLAGS));
    for (const name of PARAM_NAMES) {
      for (const target of TARGETS) {
        const fact = factFor(name, target);
        expect(fact.sources.length, `${name}/${target}`).toBeGreaterThan(0);
        for (const s of fact.sources) expect(Object.keys(SOURCES)).toContain(s);
        const send = fact.send;
        if (send.as === 'dropped' || send.as === 'refused' || send.as === 'renamed')
          expect(send.reason).not.toMatch(/\n/);
        for (const rule of fact.rules ?? []) {
          expect(rule.message).not.toMatch(/\n/);
          if (rule.action === 'needs-flag') expect(flags.has(rule.flag ?? '')).toBe(true);
          else expect(rule.flag).toBeUndefined();
        }
      }
    }
  });

  it('names exactly the OpenAI-side fields the Python client takes as keyword arguments', () => {
    for (const spec of PARAMS) {
      const expected = spec.source === 'openai' && spec.name !== 'include_reasoning';
      expect(isOpenAIClientArg(spec.name), spec.name).toBe(expected);
    }
    expect(isOpenAIClientArg('structured_outputs')).toBe(false);
  });
});
