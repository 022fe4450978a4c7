import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
} from 'openai/resources/chat/completions';

/** One sampled token as the engine reports it, with the raw-distribution alternatives. */
export interface EngineToken {
  id: number;
  /**
   * The text this token adds to the output: "" for a token that ends inside a UTF-8 character,
   * whose bytes then appear with the token that completes it.
   */
  text: string;
  /** The token's own raw bytes (possibly part of a character). */
  bytes: number[];
  logprob: number;
  top: EngineTopToken[];
}

export interface EngineTopToken {
  id: number;
  text: string;
  bytes: number[];
  logprob: number;
}

/** The engine's last word on one choice. */
export interface EngineEnd {
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens reused from the engine's prompt cache, when the engine has one. */
  cachedPromptTokens?: number;
}

/** OpenAI's error object; vLLM answers with the same shape. */
export interface ApiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | number | null;
}

/** What a handler throws to make the in-tab server answer with an HTTP error. */
export interface HttpApiError {
  status: number;
  error: ApiErrorBody;
}

export type ToolCall = ChatCompletionMessageFunctionToolCall;
export type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

// vLLM's additions to OpenAI's shapes. They extend the openai types, so every value here is
// also a valid ChatCompletion / ChatCompletionChunk for code that only knows OpenAI.

export interface VllmMessage extends ChatCompletionMessage {
  reasoning_content?: string | null;
}

export interface VllmChoice extends ChatCompletion.Choice {
  message: VllmMessage;
  /** The stop string or stop token id that ended the choice, null otherwise (vLLM extra). */
  stop_reason?: string | number | null;
}

export interface VllmChatCompletion extends ChatCompletion {
  choices: VllmChoice[];
}

export interface VllmDelta extends ChatCompletionChunk.Choice.Delta {
  reasoning_content?: string | null;
}

export interface VllmChunkChoice extends ChatCompletionChunk.Choice {
  delta: VllmDelta;
  stop_reason?: string | number | null;
}

export interface VllmChatCompletionChunk extends ChatCompletionChunk {
  choices: VllmChunkChoice[];
}

export function isHttpApiError(e: unknown): e is HttpApiError {
  if (typeof e !== 'object' || e === null) return false;
  const { status, error } = e as { status?: unknown; error?: unknown };
  return (
    typeof status === 'number' &&
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
