import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARAMS, PARAM_NAMES, isParamName, type ParamName } from '../request/params';
import type { RequestDraft } from '../request/types';
import { draftArbitrary } from './arbitraries.testutil';
import { FLAGS, TARGETS, factFor, type ReportAction, type Target } from './facts';
import {
  jsonEqual,
  serverFlags,
  strictSchemaProblems,
  translateRequest,
  type TranslateOptions,
} from './translate';

const BASE = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};
const TOOL = { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } };
const OPTS = { jsonSchemaName: 'answer' };

/**
 * A plain request for each parameter: the field with an ordinary value, plus what it needs
 * beside it to be valid. None of these trigger a value rule that removes or renames it.
 */
const PLAIN: Record<ParamName, RequestDraft> = {
  model: { model: 'qwen' },
  messages: { messages: [{ role: 'user', content: 'hello' }] },
  include_reasoning: { include_reasoning: false },
  frequency_penalty: { frequency_penalty: 0.5 },
  logit_bias: { logit_bias: { '42': -5 } },
  logprobs: { logprobs: true },
  top_logprobs: { top_logprobs: 3, logprobs: true },
  max_tokens: { max_tokens: 64 },
  max_completion_tokens: { max_completion_tokens: 64 },
  n: { n: 2 },
  presence_penalty: { presence_penalty: -0.5 },
  response_format: { response_format: { type: 'json_object' } },
  seed: { seed: 7 },
  stop: { stop: ['END'] },
  stream: { stream: true },
  stream_options: { stream_options: { include_usage: true }, stream: true },
  temperature: { temperature: 0.7 },
  top_p: { top_p: 0.9 },
  tools: { tools: [TOOL], tool_choice: 'none' },
  tool_choice: { tool_choice: 'required', tools: [TOOL] },
  parallel_tool_calls: { parallel_tool_calls: false },
  user: { user: 'u1' },
  echo: { echo: true },
  add_generation_prompt: { add_generation_prompt: false },
  continue_final_message: { continue_final_message: true, add_generation_prompt: false },
  add_special_tokens: { add_special_tokens: true },
  documents: { documents: [{ title: 't', text: 'x' }] },
  chat_template: { chat_template: '{{ messages }}' },
  chat_template_kwargs: { chat_template_kwargs: { enable_thinking: false } },
  guided_json: { guided_json: SCHEMA },
  guided_regex: { guided_regex: '[a-z]+' },
  guided_choice: { guided_choice: ['yes', 'no'] },
  guided_grammar: { guided_grammar: 'root ::= "a"' },
  guided_decoding_backend: { guided_decoding_backend: 'xgrammar' },
  guided_whitespace_pattern: { guided_whitespace_pattern: '[ ]?', guided_json: SCHEMA },
  priority: { priority: 0 },
  request_id: { request_id: 'r-1' },
  top_k: { top_k: 1 },
  min_p: { min_p: 0.1 },
  repetition_penalty: { repetition_penalty: 1.2 },
  bad_words: { bad_words: ['darn'] },
  allowed_token_ids: { allowed_token_ids: [1, 2] },
  min_tokens: { min_tokens: 4 },
  ignore_eos: { ignore_eos: true },
  stop_token_ids: { stop_token_ids: [2] },
  include_stop_str_in_output: { include_stop_str_in_output: true },
  skip_special_tokens: { skip_special_tokens: false },
  spaces_between_special_tokens: { spaces_between_special_tokens: false },
  prompt_logprobs: { prompt_logprobs: 1 },
  return_tokens_as_token_ids: { return_tokens_as_token_ids: true },
  truncate_prompt_tokens: { truncate_prompt_tokens: 100 },
  structured_outputs: { structured_outputs: { choice: ['a', 'b'] } },
  cache_salt: { cache_salt: 'salt' },
};

function getPath(body: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[key]
          : undefined,
      body,
    );
}

const lines = (report: { param: string; action: ReportAction; flag?: string }[], param: string) =>
  report.filter((l) => l.param === param).map((l) => (l.flag ? `${l.action} ${l.flag}` : l.action));

describe('translateRequest follows the fact table for every parameter and target', () => {
  it('has a plain request for every parameter', () => {
    expect(Object.keys(PLAIN).sort()).toEqual([...PARAM_NAMES].sort());
  });

  it.each(PARAM_NAMES.flatMap((name) => TARGETS.map((target) => [name, target] as const)))(
    '%s on %s',
    (name, target) => {
      const draft: RequestDraft = { ...BASE, ...PLAIN[name] };
      const value = draft[name];
      const { body, report } = translateRequest(draft, target, OPTS);
      const send = factFor(name, target).send;
      const mine = report.filter((l) => l.param === name);
      switch (send.as) {
        case 'as-is':
          if (target === 'llama-server' && name === 'n') {
            // llama-server takes n = 1 only: the plain request's n = 2 is refused by a rule.
            expect(body[name]).toBeUndefined();
            expect(mine.map((l) => l.action)).toEqual(['refused']);
            break;
          }
          expect(body[name]).toEqual(value);
          expect(mine.map((l) => l.action)).not.toContain('renamed');
          expect(mine.map((l) => l.action)).not.toContain('refused');
          expect(mine.map((l) => l.action)).not.toContain('dropped');
          break;
        case 'renamed':
          expect(body[name]).toBeUndefined();
          expect(getPath(body, send.path)).toEqual(value);
          expect(mine).toContainEqual(
            expect.objectContaining({
              action: 'renamed',
              message: expect.stringContaining(send.path),
            }),
          );
          break;
        case 'converted':
          expect(body[name]).toBeUndefined();
          expect(getPath(body, send.path)).toEqual({
            type: 'json_schema',
            json_schema: { name: 'answer', schema: value, strict: true },
          });
          expect(mine.map((l) => l.action)).toEqual(['renamed']);
          break;
        case 'dropped':
        case 'refused':
          expect(body[name]).toBeUndefined();
          expect(JSON.stringify(body)).not.toContain(JSON.stringify(value));
          expect(mine).toContainEqual({
            param: name,
            action: send.as,
            message: expect.stringContaining(send.reason),
          });
          break;
      }
      for (const rule of factFor(name, target).rules ?? []) {
        // Rules that fire on the plain request are in the report with their action and flag.
        const fired = mine.find((l) =>
          l.message.startsWith(rule.message.split('{detail}')[0] ?? ''),
        );
        if (rule.when === undefined)
          expect(fired, rule.message).toMatchObject({ action: rule.action });
        if (fired !== undefined && rule.flag !== undefined) expect(fired.flag).toBe(rule.flag);
      }
    },
  );
});

describe('value rules', () => {
  const cases: {
    name: string;
    target: Target;
    draft: RequestDraft;
    expect: Record<string, string[]>;
    body?: Record<string, unknown>;
    absent?: string[];
  }[] = [
    {
      name: 'top_p 0 on vLLM',
      target: 'vllm',
      draft: { top_p: 0 },
      expect: { top_p: ['changed'] },
      body: { top_p: 1e-6 },
    },
    {
      name: 'top_p 0 on OpenAI',
      target: 'openai',
      draft: { top_p: 0 },
      expect: { top_p: [] },
      body: { top_p: 0 },
    },
    {
      name: 'n > 1 at temperature 0 on vLLM',
      target: 'vllm-guided',
      draft: { n: 3, temperature: 0 },
      expect: { n: ['refused'], temperature: [] },
      absent: ['n'],
    },
    {
      name: 'n > 1 at temperature 0.5',
      target: 'vllm',
      draft: { n: 3, temperature: 0.5 },
      expect: { n: [] },
      body: { n: 3 },
    },
    {
      name: 'n > 1 at temperature 0 on OpenAI',
      target: 'openai',
      draft: { n: 3, temperature: 0 },
      expect: { n: [] },
    },
    {
      name: 'logit_bias beyond ±100',
      target: 'vllm',
      draft: { logit_bias: { '1': 150, '2': -300, '3': 5 } },
      expect: { logit_bias: ['changed'] },
      body: { logit_bias: { '1': 100, '2': -100, '3': 5 } },
    },
    {
      name: 'seed -1 on vLLM',
      target: 'vllm',
      draft: { seed: -1 },
      expect: { seed: ['changed'] },
      body: { seed: -1 },
    },
    { name: 'seed -1 on OpenAI', target: 'openai', draft: { seed: -1 }, expect: { seed: [] } },
    {
      name: 'tiny temperature on vLLM',
      target: 'vllm',
      draft: { temperature: 0.005 },
      expect: { temperature: ['changed'] },
    },
    {
      name: 'include_reasoning on current vLLM',
      target: 'vllm',
      draft: { include_reasoning: true },
      expect: { include_reasoning: [`needs-flag ${FLAGS.reasoningParser}`, 'changed'] },
    },
    {
      name: 'include_reasoning on vLLM 0.11',
      target: 'vllm-guided',
      draft: { include_reasoning: true },
      expect: { include_reasoning: [`needs-flag ${FLAGS.reasoningParser}`] },
    },
    {
      name: 'continue_final_message without add_generation_prompt',
      target: 'vllm',
      draft: { continue_final_message: true },
      expect: { continue_final_message: ['changed'] },
      body: { continue_final_message: true, add_generation_prompt: false },
    },
    {
      name: 'continue_final_message with add_generation_prompt true',
      target: 'vllm',
      draft: { continue_final_message: true, add_generation_prompt: true },
      expect: { continue_final_message: ['refused'] },
      absent: ['continue_final_message'],
    },
    {
      name: 'tools with the default tool_choice',
      target: 'vllm',
      draft: { tools: [TOOL] },
      expect: { tools: [`needs-flag ${FLAGS.autoToolChoice}`] },
    },
    {
      name: 'tools with tool_choice auto',
      target: 'vllm-guided',
      draft: { tools: [TOOL], tool_choice: 'auto' },
      expect: { tools: [`needs-flag ${FLAGS.autoToolChoice}`], tool_choice: [] },
    },
    {
      name: 'tools with a named tool_choice',
      target: 'vllm',
      draft: { tools: [TOOL], tool_choice: { type: 'function', function: { name: 'weather' } } },
      expect: { tools: [], tool_choice: [`needs-flag ${FLAGS.autoToolChoice}`] },
    },
    {
      name: 'a named tool_choice with a regex constraint',
      target: 'vllm',
      draft: {
        tools: [TOOL],
        tool_choice: { type: 'function', function: { name: 'weather' } },
        guided_regex: 'a+',
      },
      expect: {
        tool_choice: [`needs-flag ${FLAGS.autoToolChoice}`, 'refused'],
        guided_regex: ['renamed'],
      },
      absent: ['tool_choice'],
    },
    {
      name: 'empty tools on vLLM',
      target: 'vllm',
      draft: { tools: [] },
      expect: { tools: ['refused'] },
      absent: ['tools'],
    },
    {
      name: 'empty tools on OpenAI',
      target: 'openai',
      draft: { tools: [] },
      expect: { tools: ['refused'] },
      absent: ['tools'],
    },
    {
      name: 'empty tools on vLLM 0.11',
      target: 'vllm-guided',
      draft: { tools: [] },
      expect: { tools: [] },
      body: { tools: [] },
    },
    {
      name: 'priority 0',
      target: 'vllm',
      draft: { priority: 0 },
      expect: { priority: [] },
      body: { priority: 0 },
    },
    {
      name: 'priority 5',
      target: 'vllm',
      draft: { priority: 5 },
      expect: { priority: ['note'] },
    },
    {
      name: 'chat_template_kwargs carrying a template',
      target: 'vllm',
      draft: { chat_template_kwargs: { chat_template: '{{ x }}' } },
      expect: { chat_template_kwargs: ['note', `needs-flag ${FLAGS.trustChatTemplate}`] },
    },
    {
      name: 'documents with a number',
      target: 'vllm',
      draft: { documents: [{ title: 'a', rank: 1 }] },
      expect: { documents: ['refused'] },
      absent: ['documents'],
    },
    {
      name: 'stream_options without stream',
      target: 'openai',
      draft: { stream_options: { include_usage: true } },
      expect: { stream_options: ['refused'] },
      absent: ['stream_options'],
    },
    {
      name: 'top_logprobs without logprobs',
      target: 'vllm',
      draft: { top_logprobs: 2 },
      expect: { top_logprobs: ['refused'] },
      absent: ['top_logprobs'],
    },
    {
      name: 'max_tokens beside max_completion_tokens',
      target: 'vllm',
      draft: { max_tokens: 5, max_completion_tokens: 9 },
      expect: { max_tokens: ['note'], max_completion_tokens: [] },
    },
    {
      name: 'a whitespace pattern alone on current vLLM',
      target: 'vllm',
      draft: { guided_whitespace_pattern: ' ?' },
      expect: { guided_whitespace_pattern: ['refused'] },
      absent: ['structured_outputs'],
    },
    {
      name: 'a whitespace pattern beside a regex on current vLLM',
      target: 'vllm',
      draft: { guided_whitespace_pattern: ' ?', guided_regex: 'a' },
      expect: { guided_whitespace_pattern: ['note', 'renamed'], guided_regex: ['renamed'] },
      body: { structured_outputs: { regex: 'a', whitespace_pattern: ' ?' } },
    },
    {
      name: 'a whitespace pattern alone on vLLM 0.11',
      target: 'vllm-guided',
      draft: { guided_whitespace_pattern: ' ?' },
      expect: { guided_whitespace_pattern: ['note'] },
      body: { guided_whitespace_pattern: ' ?' },
    },
    {
      name: 'a json_object response_format beside a regex on current vLLM',
      target: 'vllm',
      draft: { response_format: { type: 'json_object' }, guided_regex: 'a' },
      // the second note: the tab's bounded whitespace between JSON tokens
      expect: { response_format: ['note', 'note'], guided_regex: ['renamed'] },
    },
    {
      name: 'a json_schema response_format on vLLM 0.11',
      target: 'vllm-guided',
      draft: {
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: SCHEMA } },
      },
      expect: { response_format: ['note', 'note'] },
    },
    {
      name: 'a field the spec does not have',
      target: 'vllm',
      draft: { typical_p: 5 },
      expect: { typical_p: ['dropped'] },
      absent: ['typical_p'],
    },
  ];

  it.each(cases)('$name', (c) => {
    const { body, report } = translateRequest({ ...BASE, ...c.draft }, c.target, OPTS);
    for (const [param, expected] of Object.entries(c.expect))
      expect(lines(report, param), param).toEqual(expected);
    if (c.body) expect(body).toMatchObject(c.body);
    for (const key of c.absent ?? []) expect(body).not.toHaveProperty(key);
  });
});

describe('guided_json on OpenAI', () => {
  const rf = (draft: RequestDraft, opts: TranslateOptions = OPTS) =>
    translateRequest({ ...BASE, ...draft }, 'openai', opts);

  it('becomes a strict json_schema response_format with the given name', () => {
    const { body, report } = rf({ guided_json: SCHEMA });
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: SCHEMA, strict: true },
    });
    expect(body).not.toHaveProperty('guided_json');
    expect(lines(report, 'guided_json')).toEqual(['renamed']);
  });

  it('reads a schema given as a JSON string', () => {
    expect(rf({ guided_json: JSON.stringify(SCHEMA) }).body.response_format).toMatchObject({
      json_schema: { schema: SCHEMA },
    });
  });

  it('asks for a name when none is given, and refuses the field', () => {
    const { body, report } = rf({ guided_json: SCHEMA }, {});
    expect(body).not.toHaveProperty('response_format');
    expect(report).toContainEqual({
      param: 'guided_json',
      action: 'refused',
      message: expect.stringMatching(/needs a name/),
    });
    expect(
      lines(rf({ guided_json: SCHEMA }, { jsonSchemaName: 'bad name!' }).report, 'guided_json'),
    ).toEqual(['refused']);
  });

  it('refuses a schema that strict mode cannot take, saying why', () => {
    const loose = { type: 'object', properties: { a: { type: 'string' } } };
    const { body, report } = rf({ guided_json: loose });
    expect(body).not.toHaveProperty('response_format');
    expect(report).toContainEqual({
      param: 'guided_json',
      action: 'refused',
      message: expect.stringMatching(/additionalProperties: false/),
    });
  });

  it('refuses when another response_format is set, and replaces a text one', () => {
    expect(
      lines(
        rf({ guided_json: SCHEMA, response_format: { type: 'json_object' } }).report,
        'guided_json',
      ),
    ).toEqual(['refused']);
    const replaced = rf({ guided_json: SCHEMA, response_format: { type: 'text' } });
    expect(replaced.body.response_format).toMatchObject({ type: 'json_schema' });
    expect(lines(replaced.report, 'response_format')).toEqual(['changed']);
  });
});

describe('strictSchemaProblems', () => {
  it.each([
    [SCHEMA, []],
    [{ type: 'array', items: {} }, ['the root must be {"type": "object"}']],
    [
      { type: 'object', properties: { a: {} }, required: [], additionalProperties: false },
      [/missing: a/],
    ],
    [
      {
        type: 'object',
        properties: { a: { type: 'object', properties: {} } },
        required: ['a'],
        additionalProperties: false,
      },
      [/^properties\.a needs additionalProperties: false/],
    ],
    [{ type: 'object', properties: {}, additionalProperties: false, allOf: [] }, [/uses allOf/]],
    [
      {
        type: 'object',
        properties: {
          l: { type: 'array', items: { anyOf: [{ type: 'object', properties: { x: {} } }] } },
        },
        required: ['l'],
        additionalProperties: false,
      },
      [/items\.anyOf\[0\] needs additionalProperties/, /missing: x/],
    ],
  ] as [unknown, (string | RegExp)[]][])('%j', (schema, expected) => {
    const problems = strictSchemaProblems(schema);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(problems[i]).toMatch(e));
  });
});

describe('the report for guided_json + tools + chat_template + priority', () => {
  const draft = {
    ...BASE,
    guided_json: SCHEMA,
    tools: [TOOL],
    chat_template: '{% for m in messages %}{{ m.content }}{% endfor %}',
    priority: 2,
  };
  const expected: Record<Target, [string, ReportAction, string?][]> = {
    openai: [
      ['chat_template', 'refused'],
      ['guided_json', 'renamed'],
      ['priority', 'refused'],
    ],
    vllm: [
      ['tools', 'needs-flag', FLAGS.autoToolChoice],
      ['chat_template', 'needs-flag', FLAGS.trustChatTemplate],
      ['guided_json', 'note'],
      ['guided_json', 'renamed'],
      ['priority', 'note'],
    ],
    'vllm-guided': [
      ['tools', 'needs-flag', FLAGS.autoToolChoice],
      ['chat_template', 'needs-flag', FLAGS.trustChatTemplate],
      ['guided_json', 'note'],
      ['priority', 'note'],
    ],
    'llama-server': [
      ['chat_template', 'dropped'],
      ['guided_json', 'renamed'],
      ['priority', 'dropped'],
    ],
  };

  it.each(TARGETS)('%s', (target) => {
    const { body, report } = translateRequest(draft, target, OPTS);
    expect(report.map((l) => [l.param, l.action, ...(l.flag ? [l.flag] : [])])).toEqual(
      expected[target],
    );
    if (target === 'openai') {
      expect(Object.keys(body)).toEqual(['model', 'messages', 'response_format', 'tools']);
    } else if (target === 'vllm') {
      expect(Object.keys(body)).toEqual([
        'model',
        'messages',
        'tools',
        'chat_template',
        'structured_outputs',
        'priority',
      ]);
      expect(body.structured_outputs).toEqual({ json: SCHEMA });
      expect(serverFlags(report)).toEqual([FLAGS.autoToolChoice, FLAGS.trustChatTemplate]);
    } else if (target === 'llama-server') {
      expect(Object.keys(body)).toEqual(['model', 'messages', 'tools', 'json_schema']);
      expect(body.json_schema).toEqual(SCHEMA);
    } else {
      expect(body).toEqual(draft);
    }
  });
});

function scribble(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(scribble);
    node.push('scribbled');
  } else if (typeof node === 'object' && node !== null) {
    Object.values(node).forEach(scribble);
    (node as Record<string, unknown>).scribbled = true;
  }
}

/** Top-level fields that the fact table sends parameters as (structured_outputs, grammar…). */
const SENT_ELSEWHERE = new Set(
  PARAM_NAMES.flatMap((name) =>
    TARGETS.flatMap((target) => {
      const send = factFor(name, target).send;
      return send.as === 'renamed' ? [send.path.split('.')[0] ?? ''] : [];
    }),
  ),
);

describe('nothing the user set vanishes without a report line', () => {
  it('holds for random drafts on every target', () => {
    fc.assert(
      fc.property(
        draftArbitrary,
        fc.constantFrom(...TARGETS),
        fc.option(fc.constant('answer'), { nil: undefined }),
        (draft, target, name) => {
          const { body, report } = translateRequest(
            draft,
            target,
            name === undefined ? {} : { jsonSchemaName: name },
          );
          const reported = new Set(report.map((l) => l.param));
          for (const [key, value] of Object.entries(draft)) {
            if (value === undefined) continue;
            const unchanged = Object.hasOwn(body, key) && jsonEqual(body[key], value);
            expect(unchanged || reported.has(key), key).toBe(true);
          }
          for (const key of Object.keys(body))
            expect(isParamName(key) || SENT_ELSEWHERE.has(key), key).toBe(true);
          for (const line of report) {
            expect(line.message).not.toMatch(/[\n\r\u2028\u2029]/);
            expect(line.flag !== undefined).toBe(line.action === 'needs-flag');
          }
          // The body is a copy: changing it leaves the draft alone.
          const before = JSON.stringify(draft);
          scribble(body);
          expect(JSON.stringify(draft)).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the table order for the fields it sends', () => {
    const order = PARAMS.map((p) => p.name as string);
    fc.assert(
      fc.property(draftArbitrary, (draft) => {
        const keys = Object.keys(translateRequest(draft, 'vllm-guided').body);
        const idx = keys.map((k) => order.indexOf(k));
        expect(idx).toEqual([...idx].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });
});

describe("the tab's bounded whitespace between JSON tokens", () => {
  it('is reported against vLLM while no guided_whitespace_pattern is set', () => {
    for (const target of ['vllm', 'vllm-guided'] as const) {
      for (const draft of [
        { guided_json: SCHEMA },
        { response_format: { type: 'json_object' as const } },
      ]) {
        const param = Object.keys(draft)[0]!;
        const note = (d: RequestDraft) =>
          translateRequest({ ...BASE, ...d }, target, OPTS).report.find(
            (l) => l.param === param && /any whitespace/.test(l.message),
          );
        expect(note(draft)?.message, `${target} ${param}`).toMatch(
          /vLLM allows any whitespace \(\[ \\n\\t\]\*\), the tab only nothing, one space, or one newline and up to 20 spaces or tabs/,
        );
        expect(note({ ...draft, guided_whitespace_pattern: '[ ]?' })).toBeUndefined();
      }
    }
  });
});
