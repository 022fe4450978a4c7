import type {
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';

/** vLLM's extra chat-completion fields, on top of OpenAI's request. */
export interface VllmExtras {
  include_reasoning?: boolean;
  echo?: boolean;
  add_generation_prompt?: boolean;
  continue_final_message?: boolean;
  add_special_tokens?: boolean;
  documents?: Record<string, unknown>[];
  chat_template?: string;
  chat_template_kwargs?: Record<string, unknown>;
  guided_json?: Record<string, unknown> | string;
  guided_regex?: string;
  guided_choice?: string[];
  guided_grammar?: string;
  guided_decoding_backend?: string;
  guided_whitespace_pattern?: string;
  priority?: number;
  request_id?: string;
  // A current vLLM's fields beyond the spec (params.ts rows with beyondSpec).
  top_k?: number | null;
  min_p?: number | null;
  repetition_penalty?: number | null;
  bad_words?: string[];
  allowed_token_ids?: number[] | null;
  min_tokens?: number;
  ignore_eos?: boolean;
  stop_token_ids?: number[] | null;
  include_stop_str_in_output?: boolean;
  skip_special_tokens?: boolean;
  spaces_between_special_tokens?: boolean;
  prompt_logprobs?: number | null;
  return_tokens_as_token_ids?: boolean | null;
  truncate_prompt_tokens?: number | null;
  structured_outputs?: Record<string, unknown> | null;
  cache_salt?: string | null;
}

/** A validated request, exactly the JSON an OpenAI/vLLM server receives. */
export type ChatRequest = Omit<ChatCompletionCreateParams, 'stream'> &
  VllmExtras & { stream?: boolean | null };

export type ChatMessage = ChatCompletionMessageParam;
export type ChatTool = ChatCompletionTool;

/** The editable draft: any JSON object; only validation makes it a ChatRequest. */
export type RequestDraft = Record<string, unknown>;

/** OpenAI's error object (vLLM uses the same shape). */
export interface ApiError {
  message: string;
  type: string;
  param: string | null;
  code: string | number | null;
}

/**
 * Type-level check: every OpenAI parameter of the table is a field of openai's request type
 * (include_reasoning, sent in extra_body, aside). Adding one that is not fails the type check.
 */
type OpenAIParamName = Extract<
  (typeof import('./params').PARAMS)[number],
  { source: 'openai' }
>['name'];
type NotInOpenAI = Exclude<OpenAIParamName, keyof ChatCompletionCreateParams | 'include_reasoning'>;
export const OPENAI_PARAMS_ARE_OPENAI_FIELDS: NotInOpenAI extends never ? true : never = true;
