/**
 * The one table of chat-completion parameters. The form, the validator, the defaults,
 * the help text, the export and the import all read this table; no other list of
 * parameter names exists in the app.
 *
 * Help texts paraphrase ../shared/spec/chat-completion-parameters.txt.
 */

export type ParamSource = 'openai' | 'vllm';

export type ParamGroup =
  'model' | 'messages' | 'sampling' | 'output' | 'structured' | 'tools' | 'template' | 'scheduling';

export const GROUP_LABELS: Record<ParamGroup, string> = {
  model: 'Model',
  messages: 'Messages',
  sampling: 'Sampling',
  output: 'Output',
  structured: 'Structured output',
  tools: 'Tools',
  template: 'Chat template',
  scheduling: 'Scheduling',
};

/** How a value is edited and checked. */
export type ParamKind =
  | { type: 'model' }
  | { type: 'messages' }
  | {
      type: 'number';
      min: number;
      /** Absent: no upper bound. */
      max?: number;
      step: number;
      sliderMax?: number;
      /** The minimum itself is refused (a value must be greater than `min`). */
      exclusiveMin?: boolean;
      nullable?: boolean;
    }
  | {
      type: 'integer';
      min: number;
      max?: number;
      sliderMax?: number;
      nullable?: boolean;
      /**
       * The range is a signed 64-bit integer's: checked exactly, because 2**63 - 1 is not a
       * JavaScript number (it rounds to 2**63, which a server refuses).
       */
      int64?: boolean;
    }
  | { type: 'boolean' }
  | {
      type: 'string';
      multiline?: boolean;
      minLength?: number;
      maxLength?: number;
      placeholder?: string;
    }
  | { type: 'enum'; options: readonly string[] }
  | { type: 'stringList'; maxItems?: number; minItems?: number; allowSingleString?: boolean }
  | { type: 'logitBias' }
  | {
      type: 'json';
      shape: 'array' | 'object' | 'objectOrString';
      maxItems?: number;
      minItems?: number;
      /** What each array item must be: a token id is an integer >= 0. */
      items?: 'object' | 'tokenId';
      /** Each array item is an object whose values are all strings. */
      stringValues?: boolean;
    }
  | { type: 'responseFormat' }
  | { type: 'toolChoice' }
  | { type: 'streamOptions' };

export interface ParamSpec {
  readonly name: string;
  readonly label: string;
  readonly source: ParamSource;
  readonly group: ParamGroup;
  readonly kind: ParamKind;
  /** The value a server assumes when the field is not sent. `undefined` = none. */
  readonly defaultValue: unknown;
  /** The value the form starts editing from when the user first touches the control. */
  readonly initialValue?: unknown;
  /**
   * The value a new playground draft starts with, where it differs from the API's default
   * (`defaultValue`). It is sent, since a server would otherwise assume the API default.
   */
  readonly playgroundDefault?: unknown;
  readonly help: string;
  readonly deprecated?: string;
  /** Always part of the request (model, messages). */
  readonly required?: boolean;
  /** Selects a kind of guided decoding; vLLM allows one kind per request. */
  readonly guided?: boolean;
  /**
   * Not a named argument of the official openai clients (openai-python raises TypeError on
   * it): code export sends it in extra_body, like the vLLM fields.
   */
  readonly extraBody?: boolean;
  /**
   * A field that a current vLLM (0.32, vllm/entrypoints/openai/chat_completion/protocol.py)
   * accepts beyond the spec's list; its help text is ours, its rules are vLLM's.
   */
  readonly beyondSpec?: boolean;
}

export const PARAMS = [
  {
    name: 'model',
    label: 'Model',
    source: 'openai',
    group: 'model',
    kind: { type: 'model' },
    defaultValue: undefined,
    required: true,
    help: 'ID of the model to use. In the tab this is the loaded model; exported, it names the model on the server.',
  },
  {
    name: 'messages',
    label: 'Messages',
    source: 'openai',
    group: 'messages',
    kind: { type: 'messages' },
    defaultValue: undefined,
    required: true,
    help: 'The conversation so far: system, user, assistant and tool messages.',
  },
  {
    name: 'include_reasoning',
    label: 'Include reasoning',
    source: 'openai',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: true,
    extraBody: true,
    help: 'Return the model\u2019s thinking as reasoning_content (true) or leave it out of the response (false). Thinking itself is switched on or off by the template, e.g. chat_template_kwargs.enable_thinking.',
  },
  {
    name: 'frequency_penalty',
    label: 'Frequency penalty',
    source: 'openai',
    group: 'sampling',
    kind: { type: 'number', min: -2, max: 2, step: 0.01 },
    defaultValue: 0,
    help: 'Between -2.0 and 2.0. Positive values penalise a token in proportion to how often it already appeared, making verbatim repetition less likely.',
  },
  {
    name: 'logit_bias',
    label: 'Logit bias',
    source: 'openai',
    group: 'sampling',
    kind: { type: 'logitBias' },
    defaultValue: undefined,
    initialValue: {},
    help: 'Map of token ID (in the model\u2019s tokenizer) to a bias from -100 to 100 added to that token\u2019s logit before sampling. Around \u00b11 nudges; -100 bans the token and 100 makes it all but certain.',
  },
  {
    name: 'logprobs',
    label: 'Log probabilities',
    source: 'openai',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'Return the log probability of each output token in the message content.',
  },
  {
    name: 'top_logprobs',
    label: 'Top logprobs',
    source: 'openai',
    group: 'output',
    kind: { type: 'integer', min: 0, max: 20 },
    defaultValue: undefined,
    initialValue: 5,
    help: 'An integer from 0 to 20: how many of the most likely tokens to return at each position, each with its log probability. Requires logprobs: true.',
  },
  {
    name: 'max_tokens',
    label: 'Max tokens',
    source: 'openai',
    group: 'output',
    kind: { type: 'integer', min: 1, sliderMax: 4096, nullable: true },
    defaultValue: undefined,
    initialValue: 256,
    deprecated: 'Deprecated in favour of max_completion_tokens.',
    help: 'Deprecated. The most tokens the completion may generate. Superseded by max_completion_tokens.',
  },
  {
    name: 'max_completion_tokens',
    label: 'Max completion tokens',
    source: 'openai',
    group: 'output',
    kind: { type: 'integer', min: 1, sliderMax: 4096, nullable: true },
    defaultValue: undefined,
    initialValue: 256,
    help: 'Upper bound on generated tokens, counting both visible output and reasoning tokens.',
  },
  {
    name: 'n',
    label: 'Choices (n)',
    source: 'openai',
    group: 'output',
    kind: { type: 'integer', min: 1, max: 128, sliderMax: 8 },
    defaultValue: 1,
    help: 'How many completion choices to generate for the conversation. Every choice costs generation time; keep 1 to be fast.',
  },
  {
    name: 'presence_penalty',
    label: 'Presence penalty',
    source: 'openai',
    group: 'sampling',
    kind: { type: 'number', min: -2, max: 2, step: 0.01 },
    defaultValue: 0,
    help: 'Between -2.0 and 2.0. Positive values penalise any token that has already appeared, pushing the model towards new topics.',
  },
  {
    name: 'response_format',
    label: 'Response format',
    source: 'openai',
    group: 'structured',
    kind: { type: 'responseFormat' },
    defaultValue: { type: 'text' },
    initialValue: { type: 'json_object' },
    help: 'The format the output must follow: text, json_object (any valid JSON object; also ask for JSON in a message, or the model may emit whitespace until the token limit) or json_schema (Structured Outputs: output matches your schema). Output can still be cut short when finish_reason is "length".',
  },
  {
    name: 'seed',
    label: 'Seed',
    source: 'openai',
    group: 'sampling',
    // vLLM's range: a signed 64-bit integer.
    kind: { type: 'integer', min: -(2 ** 63), max: 2 ** 63, int64: true, nullable: true },
    defaultValue: undefined,
    initialValue: 0,
    help: 'Best-effort determinism: repeated requests with the same seed and parameters should give the same result.',
  },
  {
    name: 'stop',
    label: 'Stop sequences',
    source: 'openai',
    group: 'output',
    kind: { type: 'stringList', maxItems: 4, minItems: 0, allowSingleString: true },
    defaultValue: undefined,
    initialValue: [],
    help: 'Up to 4 sequences at which generation stops. The stop sequence itself is not returned.',
  },
  {
    name: 'stream',
    label: 'Stream',
    source: 'openai',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: false,
    // The first Run of a new user shows the answer as it is written.
    playgroundDefault: true,
    help: 'Send partial message deltas as server-sent events as tokens are generated, ending with data: [DONE].',
  },
  {
    name: 'stream_options',
    label: 'Stream options',
    source: 'openai',
    group: 'output',
    kind: { type: 'streamOptions' },
    defaultValue: undefined,
    initialValue: { include_usage: true },
    help: 'Options for a streamed response (include_usage adds a final chunk with token usage). Only valid with stream: true.',
  },
  {
    name: 'temperature',
    label: 'Temperature',
    source: 'openai',
    group: 'sampling',
    kind: { type: 'number', min: 0, max: 2, step: 0.01 },
    defaultValue: 1,
    help: 'Sampling temperature between 0 and 2. Higher values such as 0.8 give more varied output, lower values such as 0.2 more focused and deterministic output; 0 is greedy. Adjust this or top_p, usually not both.',
  },
  {
    name: 'top_p',
    label: 'Top p',
    source: 'openai',
    group: 'sampling',
    kind: { type: 'number', min: 0, max: 1, step: 0.01 },
    defaultValue: 1,
    help: 'Nucleus sampling: only the most likely tokens that together make up top_p of the probability mass are considered (0.1 = the top 10%). Adjust this or temperature, usually not both.',
  },
  {
    name: 'tools',
    label: 'Tools',
    source: 'openai',
    group: 'tools',
    kind: { type: 'json', shape: 'array', maxItems: 128, minItems: 1 },
    defaultValue: undefined,
    initialValue: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'The weather in a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
      },
    ],
    help: 'Functions the model may call, each with a JSON-schema for its arguments. At least 1 (leave it out for none), at most 128.',
  },
  {
    name: 'tool_choice',
    label: 'Tool choice',
    source: 'openai',
    group: 'tools',
    kind: { type: 'toolChoice' },
    defaultValue: undefined,
    // Any other value needs tools beside it.
    initialValue: 'none',
    help: 'Which tool, if any, the model calls: none (a message only), auto (model decides), required (at least one call) or one named function. Default: none without tools, auto with tools.',
  },
  {
    name: 'parallel_tool_calls',
    label: 'Parallel tool calls',
    source: 'openai',
    group: 'tools',
    kind: { type: 'boolean' },
    defaultValue: true,
    help: 'Allow several tool calls in one answer. false: at most one call.',
  },
  {
    name: 'user',
    label: 'User',
    source: 'openai',
    group: 'scheduling',
    kind: { type: 'string', placeholder: 'end-user id' },
    defaultValue: undefined,
    initialValue: '',
    help: 'An identifier of your end user, kept with the run (servers use it to monitor abuse).',
  },
  {
    name: 'echo',
    label: 'Echo',
    source: 'vllm',
    group: 'template',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'Prepend the last message to the answer when both have the same role (e.g. a prefilled assistant message).',
  },
  {
    name: 'add_generation_prompt',
    label: 'Add generation prompt',
    source: 'vllm',
    group: 'template',
    kind: { type: 'boolean' },
    defaultValue: true,
    help: 'Let the chat template append the prompt that opens the assistant\u2019s turn.',
  },
  {
    name: 'continue_final_message',
    label: 'Continue final message',
    source: 'vllm',
    group: 'template',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'Leave the final message open-ended (no end-of-turn) so the model continues it: a prefill of the answer. Not together with add_generation_prompt.',
  },
  {
    name: 'add_special_tokens',
    label: 'Add special tokens',
    source: 'vllm',
    group: 'template',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'Add the tokenizer\u2019s special tokens (such as BOS) on top of what the chat template adds. Usually the template already does this, so leave it false.',
  },
  {
    name: 'documents',
    label: 'Documents',
    source: 'vllm',
    group: 'template',
    kind: { type: 'json', shape: 'array', items: 'object', stringValues: true },
    defaultValue: undefined,
    initialValue: [{ title: '', text: '' }],
    help: 'Documents (objects, ideally with "title" and "text") passed to the template for retrieval-augmented generation. Templates without RAG support ignore them.',
  },
  {
    name: 'chat_template',
    label: 'Chat template',
    source: 'vllm',
    group: 'template',
    kind: { type: 'string', multiline: true, placeholder: '{% for message in messages %}\u2026' },
    defaultValue: undefined,
    initialValue: '',
    help: 'A Jinja chat template used instead of the model\u2019s own to turn the messages into the prompt.',
  },
  {
    name: 'chat_template_kwargs',
    label: 'Chat template kwargs',
    source: 'vllm',
    group: 'template',
    kind: { type: 'json', shape: 'object' },
    defaultValue: undefined,
    initialValue: { enable_thinking: false },
    help: 'Extra variables for the chat template, e.g. {"enable_thinking": false}.',
  },
  {
    name: 'guided_json',
    guided: true,
    label: 'Guided JSON',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'json', shape: 'objectOrString' },
    defaultValue: undefined,
    initialValue: { type: 'object', properties: {} },
    help: 'A JSON schema the output must follow.',
  },
  {
    name: 'guided_regex',
    guided: true,
    label: 'Guided regex',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'string', placeholder: '[A-Z][a-z]+' },
    defaultValue: undefined,
    initialValue: '',
    help: 'A regular expression the output must match.',
  },
  {
    name: 'guided_choice',
    guided: true,
    label: 'Guided choice',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'stringList', minItems: 1 },
    defaultValue: undefined,
    initialValue: ['yes', 'no'],
    help: 'The output will be exactly one of these strings.',
  },
  {
    name: 'guided_grammar',
    guided: true,
    label: 'Guided grammar',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'string', multiline: true, placeholder: 'root ::= "yes" | "no"' },
    defaultValue: undefined,
    initialValue: 'root ::= "yes" | "no"',
    help: 'A context-free grammar (EBNF/GBNF) the output must follow.',
  },
  {
    name: 'guided_decoding_backend',
    label: 'Guided decoding backend',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'string', placeholder: 'xgrammar' },
    defaultValue: undefined,
    initialValue: 'xgrammar',
    help: 'Overrides the server\u2019s guided decoding backend for this request (the spec names \u201coutlines\u201d and \u201clm-format-enforcer\u201d). In the tab the backend is xgrammar (WebGPU) or llama.cpp\u2019s grammar sampler (CPU).',
  },
  {
    name: 'guided_whitespace_pattern',
    label: 'Guided whitespace pattern',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'string', placeholder: '[ ]?' },
    defaultValue: undefined,
    initialValue: '',
    help: 'A regex for the whitespace allowed between JSON tokens in guided JSON output, replacing the default.',
  },
  {
    name: 'structured_outputs',
    beyondSpec: true,
    label: 'Structured outputs',
    source: 'vllm',
    group: 'structured',
    kind: { type: 'json', shape: 'object' },
    defaultValue: undefined,
    initialValue: { choice: ['yes', 'no'] },
    help: 'A current vLLM\u2019s one object for constrained output: exactly one of json (a schema), regex, choice, grammar or json_object, plus options such as whitespace_pattern. It replaces the guided_* fields.',
  },
  {
    name: 'priority',
    label: 'Priority',
    source: 'vllm',
    group: 'scheduling',
    kind: { type: 'integer', min: -1000000, max: 1000000, sliderMax: 10 },
    defaultValue: 0,
    help: 'Lower runs earlier (default 0). Other than 0 is refused by a server without priority scheduling; the tab queues by it.',
  },
  {
    name: 'request_id',
    label: 'Request ID',
    source: 'vllm',
    group: 'scheduling',
    kind: { type: 'string', placeholder: 'random when empty' },
    defaultValue: undefined,
    initialValue: '',
    help: 'An id for this request, used throughout inference and returned as the response id (chatcmpl-<id>). Random when not set.',
  },
  {
    name: 'top_k',
    beyondSpec: true,
    label: 'Top k',
    source: 'vllm',
    group: 'sampling',
    // vLLM: 0 (or -1) switches it off.
    kind: { type: 'integer', min: -1, sliderMax: 100, nullable: true },
    defaultValue: 0,
    initialValue: 40,
    help: 'Sample only among the k most likely tokens. 0 or -1 keeps every token; 1 always takes the most likely one.',
  },
  {
    name: 'min_p',
    beyondSpec: true,
    label: 'Min p',
    source: 'vllm',
    group: 'sampling',
    kind: { type: 'number', min: 0, max: 1, step: 0.01, nullable: true },
    defaultValue: 0,
    initialValue: 0.05,
    help: 'Drop tokens whose probability is below min_p times that of the most likely token (0 to 1; 0 keeps all).',
  },
  {
    name: 'repetition_penalty',
    beyondSpec: true,
    label: 'Repetition penalty',
    source: 'vllm',
    group: 'sampling',
    kind: { type: 'number', min: 0, exclusiveMin: true, step: 0.01, sliderMax: 2, nullable: true },
    defaultValue: 1,
    initialValue: 1.1,
    help: 'Divides the score of every token already seen in the prompt or the output (multiplies it when negative). Above 1 discourages repeats, below 1 encourages them; 1 is off. Must be greater than 0.',
  },
  {
    name: 'bad_words',
    beyondSpec: true,
    label: 'Bad words',
    source: 'vllm',
    group: 'sampling',
    kind: { type: 'stringList', minItems: 0 },
    defaultValue: [],
    initialValue: [],
    help: 'Words the model may not write: whenever the tokens so far spell all but the last token of one of them, that last token is banned. Each word is tried with and without a leading space.',
  },
  {
    name: 'allowed_token_ids',
    beyondSpec: true,
    label: 'Allowed token ids',
    source: 'vllm',
    group: 'sampling',
    kind: { type: 'json', shape: 'array', items: 'tokenId', minItems: 1 },
    defaultValue: undefined,
    initialValue: [0],
    help: 'Only these token ids of the model\u2019s tokenizer may be generated; every other token is banned.',
  },
  {
    name: 'min_tokens',
    beyondSpec: true,
    label: 'Min tokens',
    source: 'vllm',
    group: 'output',
    kind: { type: 'integer', min: 0, sliderMax: 256 },
    defaultValue: 0,
    initialValue: 16,
    help: 'Generate at least this many tokens: until then the end-of-sequence token and stop_token_ids cannot be sampled and stop strings are not checked. At most the max tokens.',
  },
  {
    name: 'ignore_eos',
    beyondSpec: true,
    label: 'Ignore EOS',
    source: 'vllm',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'Never stop at the end-of-sequence token: it cannot be sampled, so generation runs until max tokens or a stop.',
  },
  {
    name: 'stop_token_ids',
    beyondSpec: true,
    label: 'Stop token ids',
    source: 'vllm',
    group: 'output',
    kind: { type: 'json', shape: 'array', items: 'tokenId' },
    defaultValue: [],
    initialValue: [],
    help: 'Token ids that end generation when sampled. The stop token stays in the output unless it is a special token.',
  },
  {
    name: 'include_stop_str_in_output',
    beyondSpec: true,
    label: 'Include stop string',
    source: 'vllm',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'Keep the stop string that ended the answer at the end of the text instead of cutting it off.',
  },
  {
    name: 'skip_special_tokens',
    beyondSpec: true,
    label: 'Skip special tokens',
    source: 'vllm',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: true,
    help: 'Leave special tokens (such as end-of-turn markers) out of the output text.',
  },
  {
    name: 'spaces_between_special_tokens',
    beyondSpec: true,
    label: 'Spaces between special tokens',
    source: 'vllm',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: true,
    help: 'When special tokens are kept in the text, put a space between neighbouring ones (slow tokenizers only).',
  },
  {
    name: 'prompt_logprobs',
    beyondSpec: true,
    label: 'Prompt logprobs',
    source: 'vllm',
    group: 'output',
    kind: { type: 'integer', min: -1, sliderMax: 20, nullable: true },
    defaultValue: undefined,
    initialValue: 1,
    help: 'Return log probabilities for the prompt tokens too: this many alternatives per position (0: only the prompt token\u2019s own, -1: the whole vocabulary). Not with stream.',
  },
  {
    name: 'return_tokens_as_token_ids',
    beyondSpec: true,
    label: 'Tokens as token ids',
    source: 'vllm',
    group: 'output',
    kind: { type: 'boolean' },
    defaultValue: false,
    help: 'In logprobs, write each token as "token_id:<id>" instead of its text, so that tokens which are not valid text on their own can be told apart.',
  },
  {
    name: 'truncate_prompt_tokens',
    beyondSpec: true,
    label: 'Truncate prompt tokens',
    source: 'vllm',
    group: 'template',
    kind: { type: 'integer', min: -1, max: 2 ** 63, int64: true, sliderMax: 4096, nullable: true },
    defaultValue: undefined,
    initialValue: 1024,
    help: 'Keep only this many tokens of the rendered prompt (-1: as many as the model\u2019s context allows).',
  },
  {
    name: 'cache_salt',
    beyondSpec: true,
    label: 'Cache salt',
    source: 'vllm',
    group: 'scheduling',
    kind: { type: 'string', minLength: 1, maxLength: 1024, placeholder: 'a long random string' },
    defaultValue: undefined,
    initialValue: 'replace-with-a-long-random-secret',
    help: 'A secret mixed into the server\u2019s prefix-cache keys, so that other users cannot learn from cache hits what you sent. 1 to 1024 characters; long and random.',
  },
] as const satisfies readonly ParamSpec[];

export type ParamName = (typeof PARAMS)[number]['name'];

export const PARAM_NAMES: readonly ParamName[] = PARAMS.map((p) => p.name);

const BY_NAME = new Map<string, ParamSpec>(PARAMS.map((p) => [p.name, p]));

export function paramSpec(name: string): ParamSpec | undefined {
  return BY_NAME.get(name);
}

export function isParamName(name: string): name is ParamName {
  return BY_NAME.has(name);
}

/** The fields a new draft starts with beyond model and messages (see playgroundDefault). */
export const PLAYGROUND_DEFAULTS: Readonly<Record<string, unknown>> = Object.fromEntries(
  PARAMS.flatMap((p: ParamSpec) =>
    p.playgroundDefault === undefined ? [] : [[p.name, p.playgroundDefault]],
  ),
);

/** The fields that select a kind of guided decoding (vLLM allows one per request). */
export const GUIDED_PARAMS: readonly ParamSpec[] = PARAMS.filter((p: ParamSpec) => p.guided);

export const GROUP_ORDER: readonly ParamGroup[] = [
  'sampling',
  'output',
  'structured',
  'tools',
  'template',
  'scheduling',
];
