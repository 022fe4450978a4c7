/**
 * The main-thread side of the worker protocol: the only code that posts to the engine
 * worker. The worker (and with it every engine) is created on first use, so the first
 * paint never waits for it.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ChatRequest } from '../request/types';
import type {
  EngineKind,
  FromWorker,
  LoadOptions,
  LoadProgress,
  ModelInfo,
  ModelSource,
  PromptPreview,
  RunOptions,
  TokenMatch,
  ToWorker,
  WorkerError,
} from './protocol';
import type { CustomWebLlmModel, WebGpuCacheReport, WebGpuCatalog } from './webgpu/modelCatalog';

export interface RunHandlers {
  onQueued?: (position: number) => void;
  /** tabNotes: tab-only behaviours applied to the run (see RunOptions). */
  onStarted?: (prompt: string, tabNotes: string[]) => void;
  onChunk?: (chunk: ChatCompletionChunk) => void;
  onDone?: (completion: ChatCompletion) => void;
  onError?: (error: WorkerError) => void;
}

type CallMessage = Extract<ToWorker, { callId: number }>;
type WithoutCallId<T> = T extends unknown ? Omit<T, 'callId'> : never;

interface PendingLoad {
  resolve: (m: ModelInfo) => void;
  reject: (e: WorkerError) => void;
  onProgress: (p: LoadProgress) => void;
}

export class EngineClient {
  private worker: Worker | null = null;
  private runs = new Map<string, RunHandlers>();
  private calls = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: WorkerError) => void }
  >();
  private nextCall = 1;
  private nextRun = 1;
  private keysByRun = new Map<string, Set<string>>();
  private loading: PendingLoad | null = null;

  constructor(private readonly createWorker: () => Worker) {}

  private get w(): Worker {
    if (!this.worker) {
      this.worker = this.createWorker();
      this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
      this.worker.onerror = (e) => {
        const err: WorkerError = {
          status: 500,
          message: `Engine worker failed: ${e.message}`,
          type: 'internal_error',
          param: null,
          code: null,
        };
        this.loading?.reject(err);
        this.loading = null;
        for (const h of this.runs.values()) h.onError?.(err);
        this.runs.clear();
      };
    }
    return this.worker;
  }

  private post(msg: ToWorker): void {
    this.w.postMessage(msg);
  }

  private receive(msg: FromWorker): void {
    switch (msg.type) {
      case 'progress':
        this.loading?.onProgress(msg.progress);
        return;
      case 'loaded':
        this.loading?.resolve(msg.model);
        this.loading = null;
        return;
      case 'loadError':
        this.loading?.reject(msg.error);
        this.loading = null;
        return;
      case 'queued':
        this.runs.get(msg.runId)?.onQueued?.(msg.position);
        return;
      case 'started':
        this.runs.get(msg.runId)?.onStarted?.(msg.prompt, msg.tabNotes);
        return;
      case 'chunk':
        this.runs.get(msg.runId)?.onChunk?.(msg.chunk);
        return;
      case 'done':
        this.runs.get(msg.runId)?.onDone?.(msg.completion);
        this.runs.delete(msg.runId);
        return;
      case 'runError':
        this.runs.get(msg.runId)?.onError?.(msg.error);
        this.runs.delete(msg.runId);
        return;
      case 'reply': {
        const c = this.calls.get(msg.callId);
        this.calls.delete(msg.callId);
        if (msg.ok) c?.resolve(msg.value);
        else c?.reject(msg.error);
      }
    }
  }

  load(
    engine: EngineKind,
    source: ModelSource,
    onProgress: (p: LoadProgress) => void,
    options: LoadOptions = {},
  ): Promise<ModelInfo> {
    this.loading?.reject({
      status: 409,
      message: 'Replaced by a newer load.',
      type: 'cancelled',
      param: null,
      code: null,
    });
    return new Promise((resolve, reject) => {
      this.loading = { resolve, reject, onProgress };
      this.post({ type: 'load', engine, source, options });
    });
  }

  /**
   * Starts a run. Runs may share a runId (two requests with one request_id): each gets its own
   * key on the wire, and cancel(runId) cancels all of them.
   */
  run(runId: string, request: ChatRequest, handlers: RunHandlers, options?: RunOptions): void {
    const key = `${runId}#${this.nextRun++}`;
    const keys = this.keysByRun.get(runId) ?? new Set<string>();
    keys.add(key);
    this.keysByRun.set(runId, keys);
    const forget = () => {
      keys.delete(key);
      if (keys.size === 0) this.keysByRun.delete(runId);
    };
    this.runs.set(key, {
      ...handlers,
      onDone: (c) => {
        forget();
        handlers.onDone?.(c);
      },
      onError: (e) => {
        forget();
        handlers.onError?.(e);
      },
    });
    this.post({ type: 'run', runId: key, request, ...(options ? { options } : {}) });
  }

  cancel(runId: string): void {
    for (const key of this.keysByRun.get(runId) ?? []) this.post({ type: 'cancel', runId: key });
  }

  private call<T>(msg: WithoutCallId<CallMessage>): Promise<T> {
    const callId = this.nextCall++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(callId, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ ...msg, callId } as ToWorker);
    });
  }

  preview(request: ChatRequest): Promise<PromptPreview> {
    return this.call({ type: 'preview', request });
  }

  lookupToken(text: string): Promise<TokenMatch[]> {
    return this.call({ type: 'lookupToken', text });
  }

  /** WebLLM's models judged against this browser's WebGPU adapter. */
  webgpuCatalog(): Promise<WebGpuCatalog> {
    return this.call({ type: 'webgpuCatalog' });
  }

  /** What the WebGPU model cache holds, and the storage estimate. */
  webgpuCache(custom: CustomWebLlmModel[] = []): Promise<WebGpuCacheReport> {
    return this.call({ type: 'webgpuCache', custom });
  }

  /** Deletes one cached WebGPU model (null: all of them); resolves to the new report. */
  webgpuCacheDelete(
    modelId: string | null,
    custom: CustomWebLlmModel[] = [],
  ): Promise<WebGpuCacheReport> {
    return this.call({ type: 'webgpuCacheDelete', modelId, custom });
  }
}

let shared: EngineClient | null = null;

/** The app's one engine client. */
export function engineClient(): EngineClient {
  shared ??= new EngineClient(
    () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
  );
  return shared;
}
