/**
 * The one typed protocol between the page and the engine worker. Errors cross it as
 * structured objects (OpenAI's error shape plus an HTTP-like status), never as strings.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ApiError, ChatRequest } from '../request/types';
import type { CustomWebLlmModel, WebGpuCacheReport, WebGpuCatalog } from './webgpu/modelCatalog';

export type EngineKind = 'cpu' | 'webgpu';

export type ModelSource =
  | { kind: 'url'; url: string; name?: string }
  | { kind: 'file'; file: Blob; name: string }
  | { kind: 'webllm'; modelId: string; custom?: { modelUrl: string; modelLibUrl: string } };

export interface ModelInfo {
  engine: EngineKind;
  name: string;
  contextLength: number;
  chatTemplate: string | null;
  /** Named chat templates (Command R+'s default, tool_use, rag), when the model has several. */
  namedTemplates?: Record<string, string>;
  bosToken: string | null;
  eosToken: string | null;
  vocabSize: number;
  /** CPU engine: the threads llama.cpp runs with. */
  threads?: number;
  /** CPU engine: the KV cache type and flash attention setting llama.cpp's load log reports. */
  kvCache?: { type: string; flashAttn: string | null };
}

export interface LoadProgress {
  phase: string;
  loaded: number;
  total: number;
  /** 'fraction': loaded/total is a share of the phase, not bytes (absent: bytes). */
  unit?: 'bytes' | 'fraction';
}

/** Settings of a load (CPU engine). */
export interface LoadOptions {
  /** The context size in tokens (llama.cpp's n_ctx); default: the model's, at most 4096. */
  contextSize?: number;
  /** CPU threads for llama.cpp; default: wllama's choice (see src/engine/threads.ts). */
  threads?: number;
}

/**
 * Tab-only behaviours of one run: not request parameters, never sent to a server or exported.
 */
export interface RunOptions {
  /** Longest free JSON string when the schema gives no bound (CompileOptions.stringCap). */
  stringCap?: number | null;
}

export interface WorkerError extends ApiError {
  status: number;
}

export type ToWorker =
  | { type: 'load'; engine: EngineKind; source: ModelSource; options?: LoadOptions }
  | { type: 'run'; runId: string; request: ChatRequest; options?: RunOptions }
  | { type: 'cancel'; runId: string }
  | { type: 'preview'; callId: number; request: ChatRequest }
  | { type: 'lookupToken'; callId: number; text: string }
  // WebGPU engine: model picker data and the model cache (custom: models not in WebLLM's list)
  | { type: 'webgpuCatalog'; callId: number }
  | { type: 'webgpuCache'; callId: number; custom: CustomWebLlmModel[] }
  | {
      type: 'webgpuCacheDelete';
      callId: number;
      modelId: string | null;
      custom: CustomWebLlmModel[];
    };

export interface PromptPreview {
  prompt: string;
  tokenCount: number | null;
}

export interface TokenMatch {
  id: number;
  text: string;
}

export type FromWorker =
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'loaded'; model: ModelInfo }
  | { type: 'loadError'; error: WorkerError }
  | { type: 'queued'; runId: string; position: number }
  /** tabNotes: the tab-only behaviours applied to this run (e.g. the string cap's warning). */
  | { type: 'started'; runId: string; prompt: string; tabNotes: string[] }
  | { type: 'chunk'; runId: string; chunk: ChatCompletionChunk }
  | { type: 'done'; runId: string; completion: ChatCompletion }
  | { type: 'runError'; runId: string; error: WorkerError }
  | {
      type: 'reply';
      callId: number;
      ok: true;
      value: PromptPreview | TokenMatch[] | WebGpuCatalog | WebGpuCacheReport;
    }
  | { type: 'reply'; callId: number; ok: false; error: WorkerError };

export function workerError(
  status: number,
  message: string,
  param: string | null = null,
  type = 'invalid_request_error',
): WorkerError {
  return { status, message, type, param, code: null };
}

/** Turns anything thrown into a structured error. */
export function toWorkerError(e: unknown, fallbackStatus = 500): WorkerError {
  if (
    typeof e === 'object' &&
    e !== null &&
    'message' in e &&
    'status' in e &&
    typeof (e as WorkerError).status === 'number'
  ) {
    const w = e as Partial<WorkerError> & { message: unknown; status: number };
    return {
      status: w.status,
      message: String(w.message),
      type: typeof w.type === 'string' ? w.type : 'invalid_request_error',
      param: typeof w.param === 'string' ? w.param : null,
      code: w.code ?? null,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    status: fallbackStatus,
    message,
    type: fallbackStatus >= 500 ? 'internal_error' : 'invalid_request_error',
    param: null,
    code: null,
  };
}
