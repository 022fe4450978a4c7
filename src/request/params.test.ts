import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  GROUP_LABELS,
  GROUP_ORDER,
  GUIDED_PARAMS,
  PARAMS,
  PARAM_NAMES,
  isParamName,
  paramSpec,
  type ParamSpec,
} from './params';
import { validateRequest } from './validate';

/** The spec sits beside the repository (../shared/spec), as the issue and design say. */
const SPEC_FILE = fileURLToPath(
  new URL('../../../shared/spec/chat-completion-parameters.txt', import.meta.url),
);
const specAvailable = existsSync(SPEC_FILE);

/** The spec's description lines: everything after the "Body" heading, one per parameter. */
function specDescriptions(): string[] {
  const lines = readFileSync(SPEC_FILE, 'utf8').split(/\r?\n/);
  const body = lines.findIndex((l) => l.trim() === 'Body');
  expect(body, 'the spec has a "Body" heading').toBeGreaterThanOrEqual(0);
  return lines.slice(body + 1).filter((l) => l.trim() !== '');
}

/**
 * The spec describes the parameters without naming them. Each name below is paired with a
 * phrase that only its own description contains, so the i-th description line proves the
 * i-th name. OpenAI's parameters come first, then vLLM's.
 */
const SPEC_ORDER: readonly (readonly [name: string, phrase: string])[] = [
  ['model', 'ID of the model to use'],
  ['messages', 'conversation history'],
  ['include_reasoning', 'reasoning content'],
  ['frequency_penalty', 'existing frequency'],
  ['logit_bias', 'bias value from -100 to 100'],
  ['logprobs', 'Whether to return log probabilities'],
  ['top_logprobs', 'between 0 and 20'],
  ['max_tokens', 'Deprecated.'],
  ['max_completion_tokens', 'including visible output tokens and reasoning tokens'],
  ['n', 'How many chat completion choices'],
  ['presence_penalty', 'whether they appear in the text so far'],
  ['response_format', 'format that the model must output'],
  ['seed', 'sample deterministically'],
  ['stop', 'Up to 4 sequences'],
  ['stream', 'partial message deltas'],
  ['stream_options', 'Options for streaming response'],
  ['temperature', 'sampling temperature'],
  ['top_p', 'nucleus sampling'],
  ['tools', 'A max of 128 functions'],
  ['tool_choice', 'Controls which (if any) tool'],
  ['parallel_tool_calls', 'parallel function calling'],
  ['user', 'end-user'],
  ['echo', 'prepended with the last message'],
  ['add_generation_prompt', 'generation prompt will be added'],
  ['continue_final_message', 'open-ended'],
  ['add_special_tokens', 'special tokens (e.g. BOS)'],
  ['documents', 'list of dicts representing documents'],
  ['chat_template', 'A Jinja template'],
  ['chat_template_kwargs', 'Additional kwargs'],
  ['guided_json', 'follow the JSON schema'],
  ['guided_regex', 'follow the regex pattern'],
  ['guided_choice', 'exactly one of the choices'],
  ['guided_grammar', 'context free grammar'],
  ['guided_decoding_backend', 'guided decoding backend'],
  ['guided_whitespace_pattern', 'whitespace pattern'],
  ['priority', 'priority of the request'],
  ['request_id', 'request_id related to this request'],
];
const OPENAI_COUNT = 22;

const MINIMAL = { model: 'm', messages: [{ role: 'user', content: 'Hi' }] };

/** Fields that a parameter's own value needs beside it to pass a cross-field rule. */
function companionsFor(name: string, value: unknown): Record<string, unknown> {
  if (name === 'top_logprobs' && value !== 0) return { logprobs: true };
  if (name === 'stream_options') return { stream: true };
  if (name === 'continue_final_message' && value === true) return { add_generation_prompt: false };
  return {};
}

describe('parameter table against the spec', () => {
  it.skipIf(!specAvailable)('has one row per description line of the spec', () => {
    const descriptions = specDescriptions();
    expect(descriptions).toHaveLength(SPEC_ORDER.length);
    expect((PARAMS as readonly ParamSpec[]).filter((p) => !p.beyondSpec)).toHaveLength(
      descriptions.length,
    );
  });

  it.skipIf(!specAvailable)('names line i of the spec with the table row i', () => {
    const descriptions = specDescriptions();
    SPEC_ORDER.forEach(([name, phrase], i) => {
      expect(descriptions[i], `spec line ${i + 1} describes ${name}`).toContain(phrase);
      // The phrase belongs to this description only, so the pairing is unambiguous.
      expect(
        descriptions.filter((d) => d.includes(phrase)),
        phrase,
      ).toHaveLength(1);
    });
  });

  it('lists every spec parameter exactly once, in the spec order', () => {
    const fromSpec = (PARAMS as readonly ParamSpec[]).filter((p) => !p.beyondSpec);
    expect(fromSpec.map((p) => p.name)).toEqual(SPEC_ORDER.map(([name]) => name));
    expect(new Set(PARAM_NAMES).size).toBe(PARAM_NAMES.length);
  });

  it('marks the first 22 as OpenAI fields and the rest as vLLM fields', () => {
    PARAMS.forEach((p: ParamSpec, i) => {
      expect(p.source, p.name).toBe(i < OPENAI_COUNT ? 'openai' : 'vllm');
    });
    expect(PARAMS[OPENAI_COUNT - 1]!.name).toBe('user');
    expect(PARAMS[OPENAI_COUNT]!.name).toBe('echo');
  });

  it('gives every parameter a label, help text and a known group', () => {
    for (const p of PARAMS as readonly ParamSpec[]) {
      expect(p.label.trim(), p.name).not.toBe('');
      expect(p.help.trim().length, `${p.name} help`).toBeGreaterThan(10);
      expect(Object.keys(GROUP_LABELS), p.name).toContain(p.group);
    }
  });

  it('shows every group that has parameters, except model and messages (own editors)', () => {
    const used = new Set(PARAMS.map((p) => p.group));
    for (const g of GROUP_ORDER) expect(used.has(g), g).toBe(true);
    for (const g of used) if (g !== 'model' && g !== 'messages') expect(GROUP_ORDER).toContain(g);
  });
});

describe('ranges and defaults from the spec', () => {
  const kindOf = (name: string) => paramSpec(name)!.kind;

  it.each([
    ['temperature', 0, 2],
    ['top_p', 0, 1],
    ['frequency_penalty', -2, 2],
    ['presence_penalty', -2, 2],
  ])('%s is a number from %d to %d', (name, min, max) => {
    expect(kindOf(name)).toMatchObject({ type: 'number', min, max });
  });

  it('top_logprobs is an integer from 0 to 20; n at least 1', () => {
    expect(kindOf('top_logprobs')).toMatchObject({ type: 'integer', min: 0, max: 20 });
    expect(kindOf('n')).toMatchObject({ type: 'integer', min: 1 });
  });

  it('stop takes at most 4 sequences and tools at most 128 functions', () => {
    expect(kindOf('stop')).toMatchObject({ type: 'stringList', maxItems: 4 });
    expect(kindOf('tools')).toMatchObject({ type: 'json', shape: 'array', maxItems: 128 });
  });

  it('has the spec defaults', () => {
    expect(paramSpec('include_reasoning')!.defaultValue).toBe(true);
    expect(paramSpec('add_generation_prompt')!.defaultValue).toBe(true);
    expect(paramSpec('add_special_tokens')!.defaultValue).toBe(false);
    expect(paramSpec('continue_final_message')!.defaultValue).toBe(false);
    expect(paramSpec('priority')!.defaultValue).toBe(0);
    expect(paramSpec('n')!.defaultValue).toBe(1);
    expect(paramSpec('temperature')!.defaultValue).toBe(1);
    expect(paramSpec('max_tokens')!.deprecated).toBeTruthy();
  });

  it('requires exactly model and messages', () => {
    expect(PARAMS.filter((p: ParamSpec) => p.required).map((p) => p.name)).toEqual([
      'model',
      'messages',
    ]);
  });

  it('counts the four guided_* selectors as kinds of guided decoding', () => {
    expect(GUIDED_PARAMS.map((p) => p.name)).toEqual([
      'guided_json',
      'guided_regex',
      'guided_choice',
      'guided_grammar',
    ]);
  });

  it('looks names up exactly', () => {
    expect(paramSpec('temperature')?.name).toBe('temperature');
    expect(paramSpec('Temperature')).toBeUndefined();
    expect(isParamName('top_p')).toBe(true);
    expect(isParamName('typical_p')).toBe(false);
    expect(isParamName('__proto__')).toBe(false);
    expect(isParamName('toString')).toBe(false);
  });
});

describe('the values the form starts from', () => {
  const optional = (PARAMS as readonly ParamSpec[]).filter((p) => !p.required);

  /** What a control puts into the request when first touched: initialValue, else default. */
  const startValue = (p: ParamSpec) =>
    p.initialValue !== undefined ? p.initialValue : p.defaultValue;

  it('gives every optional parameter a starting value', () => {
    for (const p of optional) expect(startValue(p), p.name).not.toBeUndefined();
  });

  it.each(optional.map((p) => [p.name, p] as const))(
    '%s: its starting value validates in a minimal request',
    (name, p) => {
      const value = startValue(p);
      const request = { ...MINIMAL, [name]: value, ...companionsFor(name, value) };
      expect(validateRequest(request)).toEqual({ ok: true, request });
    },
  );

  it.each(
    optional.filter((p) => p.kind.type === 'boolean').map((p) => [p.name, p.defaultValue] as const),
  )('%s: the toggled value (not %s) validates too', (name, def) => {
    const value = !def;
    const request = { ...MINIMAL, [name]: value, ...companionsFor(name, value) };
    expect(validateRequest(request).ok).toBe(true);
  });

  it('needs the companions it adds (the cross-field rules are real)', () => {
    expect(validateRequest({ ...MINIMAL, top_logprobs: 5 }).ok).toBe(false);
    expect(validateRequest({ ...MINIMAL, stream_options: { include_usage: true } }).ok).toBe(false);
    expect(validateRequest({ ...MINIMAL, continue_final_message: true }).ok).toBe(false);
  });
});
