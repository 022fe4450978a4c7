/**
 * The requests the live suite sends: one per parameter of the table (its sample value), and
 * the drafts that make each value rule of a target's facts fire. `uncovered` lists every rule
 * no probe fires, so a new row without a probe fails the suite instead of going untested.
 */
import { PARAMS, type ParamName } from '../src/request/params';
import type { RequestDraft } from '../src/request/types';
import { factFor, type Target } from '../src/server/facts';
import { evalPred } from '../src/server/translate';

export interface Probe {
  name: string;
  draft: RequestDraft;
  /** Only on these targets (all when absent). */
  targets?: readonly Target[];
  /**
   * What the output must satisfy when the server answers 200 (beyond what the body's own
   * constraint says): e.g. a grammar's language.
   */
  content?: (text: string) => boolean;
  /** A parameter's sample probe (a request the app accepts), not a rule probe. */
  sample?: true;
  /** Set by the spec: whether the server forces tool calls (see ProbeOptions). */
  forcesTools?: boolean;
}

export const MODEL = 'smollm2';

const BASE: RequestDraft = {
  model: MODEL,
  messages: [{ role: 'user', content: 'Is the sky blue? Answer yes or no.' }],
  max_tokens: 8,
  // Greedy: the exported code's run gives the same answer as the direct request.
  temperature: 0,
};

const TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

const SCHEMA = {
  type: 'object',
  properties: { answer: { type: 'string', enum: ['yes', 'no'] } },
  required: ['answer'],
  additionalProperties: false,
};

/** Sample values where the form's starting value would not make a useful request. */
const SAMPLES: Partial<Record<ParamName, unknown>> = {
  model: MODEL,
  messages: BASE.messages,
  include_reasoning: true,
  frequency_penalty: 0.5,
  logit_bias: { '42': 5 },
  logprobs: true,
  top_logprobs: 0,
  max_tokens: 4,
  max_completion_tokens: 4,
  // vLLM refuses min_tokens above max_tokens (the app's validator too).
  min_tokens: 2,
  n: 1,
  presence_penalty: 0.5,
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA } },
  seed: 7,
  stop: ['.'],
  stream: true,
  temperature: 0.7,
  top_p: 0.9,
  tools: [TOOL],
  tool_choice: 'none',
  parallel_tool_calls: false,
  user: 'suite',
  echo: false,
  add_generation_prompt: true,
  continue_final_message: false,
  add_special_tokens: false,
  documents: [{ title: 'Sky', text: 'The sky is blue.' }],
  chat_template:
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
  chat_template_kwargs: { enable_thinking: false },
  guided_json: SCHEMA,
  guided_regex: '(yes|no)',
  guided_choice: ['yes', 'no'],
  guided_grammar: 'root ::= "yes" | "no"',
  guided_decoding_backend: 'xgrammar',
  guided_whitespace_pattern: '[ ]?',
  priority: 5,
  request_id: 'suite-request-1',
};

const YES_NO = (s: string) => s === 'yes' || s === 'no';

/** Drafts that make the value rules fire (refusals, flags, changes), and the constraints. */
const RULE_PROBES: Probe[] = [
  {
    name: 'guided_json with a whitespace pattern',
    draft: { guided_json: SCHEMA, guided_whitespace_pattern: '[ ]?', max_tokens: 40 },
  },
  { name: 'guided_grammar', draft: { guided_grammar: 'root ::= "yes" | "no"' }, content: YES_NO },
  {
    name: 'response_format json_object',
    draft: { response_format: { type: 'json_object' }, max_tokens: 24 },
  },
  {
    name: 'response_format json_schema beside guided_json',
    draft: {
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA } },
      guided_json: SCHEMA,
      max_tokens: 40,
    },
  },
  { name: 'stream_options without stream', draft: { stream_options: { include_usage: true } } },
  {
    name: 'stream_options with stream',
    draft: { stream: true, stream_options: { include_usage: true } },
  },
  { name: 'top_logprobs without logprobs', draft: { top_logprobs: 3 } },
  { name: 'top_logprobs with logprobs', draft: { logprobs: true, top_logprobs: 3 } },
  {
    name: 'max_tokens beside max_completion_tokens',
    draft: { max_tokens: 6, max_completion_tokens: 4 },
  },
  { name: 'n = 2 at temperature 0', draft: { n: 2, temperature: 0 } },
  { name: 'n = 2 at temperature 0.8', draft: { n: 2, temperature: 0.8 } },
  { name: 'seed -1', draft: { seed: -1 } },
  { name: 'temperature 0.001', draft: { temperature: 0.001 } },
  { name: 'top_p 0', draft: { top_p: 0 } },
  { name: 'logit_bias out of range', draft: { logit_bias: { '42': 250 } } },
  { name: 'tools: []', draft: { tools: [] } },
  {
    name: 'tools with tool_choice auto',
    draft: { tools: [TOOL], tool_choice: 'auto', max_tokens: 100 },
  },
  {
    name: 'tools with tool_choice required',
    draft: { tools: [TOOL], tool_choice: 'required', max_tokens: 100 },
  },
  {
    name: 'tools with a named tool_choice',
    draft: {
      tools: [TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 100,
    },
  },
  {
    name: 'a named tool_choice with a regex constraint',
    draft: {
      tools: [TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      guided_regex: '(yes|no)',
      max_tokens: 40,
    },
  },
  {
    name: 'continue_final_message with add_generation_prompt',
    draft: {
      messages: [
        { role: 'user', content: 'Is the sky blue?' },
        { role: 'assistant', content: 'The sky is' },
      ],
      continue_final_message: true,
      add_generation_prompt: true,
    },
  },
  {
    name: 'continue_final_message alone',
    draft: {
      messages: [
        { role: 'user', content: 'Is the sky blue?' },
        { role: 'assistant', content: 'The sky is' },
      ],
      continue_final_message: true,
    },
  },
  { name: 'documents that are not strings', draft: { documents: [{ title: 'Sky', year: 2024 }] } },
  {
    name: 'chat_template_kwargs carrying a template',
    draft: { chat_template_kwargs: { chat_template: SAMPLES.chat_template } },
  },
  { name: 'include_reasoning false', draft: { include_reasoning: false } },
  { name: 'priority 0', draft: { priority: 0 } },
  { name: 'n = 1 explicitly', draft: { n: 1 } },
];

/** What a sample needs beside it to be a valid request. */
const COMPANIONS: Partial<Record<ParamName, RequestDraft>> = {
  stream_options: { stream: true },
};

/** The sample value of a parameter: the table above, else the form's starting value or default. */
export function sampleFor(name: ParamName): unknown {
  if (Object.hasOwn(SAMPLES, name)) return SAMPLES[name];
  const spec = PARAMS.find((p) => p.name === name);
  const s = spec as { initialValue?: unknown; defaultValue?: unknown } | undefined;
  return s?.initialValue ?? s?.defaultValue;
}

/** Every probe for a target: each parameter with its sample, then the rule probes. */
export function probesFor(target: Target): { probes: Probe[]; noSample: string[] } {
  const noSample: string[] = [];
  const probes: Probe[] = [];
  for (const spec of PARAMS) {
    const value = sampleFor(spec.name);
    if (value === undefined) {
      noSample.push(spec.name);
      continue;
    }
    probes.push({
      name: `${spec.name} = ${JSON.stringify(value).slice(0, 60)}`,
      // Constrained output needs room to finish (JSON at 8 tokens is cut).
      draft: {
        ...BASE,
        ...(spec.group === 'structured' ? { max_tokens: 48 } : {}),
        ...COMPANIONS[spec.name],
        [spec.name]: value,
      },
      sample: true,
    });
  }
  for (const p of RULE_PROBES)
    if (p.targets === undefined || p.targets.includes(target))
      probes.push({ ...p, draft: { ...BASE, ...p.draft } });
  return { probes, noSample };
}

/** The value rules of `target` that no probe makes fire, as "param: message". */
export function uncovered(target: Target, probes: readonly Probe[]): string[] {
  const out: string[] = [];
  for (const spec of PARAMS) {
    const fact = factFor(spec.name, target);
    (fact.rules ?? []).forEach((rule) => {
      const fires = probes.some(
        (p) =>
          p.draft[spec.name] !== undefined &&
          (rule.when === undefined || evalPred(rule.when, p.draft)),
      );
      if (!fires) out.push(`${spec.name}: ${rule.message}`);
    });
  }
  return out;
}
