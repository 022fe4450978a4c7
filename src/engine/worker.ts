/// <reference lib="webworker" />
/**
 * The engine worker: holds the loaded engine, queues runs by priority, answers with
 * structured messages (protocol.ts). Engines are imported lazily, on first load.
 */
import type {
  FromWorker,
  ModelSource,
  ToWorker,
  EngineKind,
  LoadOptions,
  LoadProgress,
} from './protocol';
import { toWorkerError, workerError } from './protocol';
import { Scheduler } from './scheduler';
import { CancelledError, promptFor, runChat, validated } from './runChat';
import type { LoadedEngine } from './loadedEngine';
import { isHttpApiError } from '../response/types';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker) => scope.postMessage(m);

let engine: LoadedEngine | null = null;
let loadSeq = 0;
const scheduler = new Scheduler();

async function loadEngine(
  kind: EngineKind,
  source: ModelSource,
  options: LoadOptions,
  onProgress: (p: LoadProgress) => void,
): Promise<LoadedEngine> {
  if (kind === 'cpu') {
    const { loadCpuEngine } = await import('./cpu/cpuChatEngine');
    if (source.kind === 'url')
      return loadCpuEngine(
        { url: source.url },
        source.name ?? source.url.split('/').pop() ?? 'model',
        onProgress,
        options,
      );
    if (source.kind === 'file')
      return loadCpuEngine({ file: source.file }, source.name, onProgress, options);
    throw workerError(400, 'The CPU engine loads GGUF files (a URL or a local file).', 'model');
  }
  if (source.kind !== 'webllm')
    throw workerError(400, 'The WebGPU engine loads WebLLM models.', 'model');
  const { loadWebLlmEngine } = await import('./webgpu/webllmEngine');
  return loadWebLlmEngine(source, onProgress);
}

function errorOf(e: unknown) {
  if (isHttpApiError(e)) return { ...e.error, status: e.status };
  if (e instanceof CancelledError || (e instanceof DOMException && e.name === 'AbortError'))
    return workerError(499, 'The request was cancelled.', null, 'cancelled');
  return toWorkerError(e);
}

function requireEngine(): LoadedEngine {
  if (!engine)
    throw workerError(
      409,
      'No model is loaded yet: load a model first.',
      'model',
      'model_not_loaded',
    );
  return engine;
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'load': {
      const seq = ++loadSeq;
      // The loaded model keeps answering until the new one is ready: a failed load (a bad
      // URL, a file that is no GGUF) leaves it in place.
      try {
        const loaded = await loadEngine(m.engine, m.source, m.options ?? {}, (progress) =>
          post({ type: 'progress', progress }),
        );
        if (seq !== loadSeq) {
          await loaded.unload();
          return;
        }
        const old = engine;
        engine = loaded;
        await old?.unload().catch(() => undefined);
        post({ type: 'loaded', model: loaded.info });
      } catch (e) {
        if (seq === loadSeq) post({ type: 'loadError', error: errorOf(e) });
      }
      return;
    }
    case 'run': {
      const { runId, request, options } = m;
      const priority = typeof request.priority === 'number' ? request.priority : 0;
      scheduler.submit({
        id: runId,
        priority,
        onQueued: (position) => post({ type: 'queued', runId, position }),
        onCancelledWhileQueued: () =>
          post({
            type: 'runError',
            runId,
            error: workerError(
              499,
              'The request was cancelled before it started.',
              null,
              'cancelled',
            ),
          }),
        run: async (signal) => {
          try {
            const completion = await runChat(
              requireEngine(),
              request,
              signal,
              {
                onPrompt: (prompt, tabNotes) => post({ type: 'started', runId, prompt, tabNotes }),
                onChunk: (chunk) => post({ type: 'chunk', runId, chunk }),
              },
              options ?? {},
            );
            post({ type: 'done', runId, completion });
          } catch (e) {
            post({ type: 'runError', runId, error: errorOf(e) });
          }
        },
      });
      return;
    }
    case 'cancel':
      scheduler.cancel(m.runId);
      return;
    case 'preview': {
      try {
        const eng = requireEngine();
        const prompt = promptFor(eng, validated(m.request));
        // Counting runs the engine; queue it behind generations instead of racing them.
        const tokenCount = await new Promise<number | null>((resolve, reject) =>
          scheduler.submit({
            id: `preview-${m.callId}`,
            priority: -Infinity,
            run: () => eng.countTokens(prompt).then(resolve, reject),
          }),
        );
        post({ type: 'reply', callId: m.callId, ok: true, value: { prompt, tokenCount } });
      } catch (e) {
        post({ type: 'reply', callId: m.callId, ok: false, error: errorOf(e) });
      }
      return;
    }
    case 'lookupToken':
      try {
        post({
          type: 'reply',
          callId: m.callId,
          ok: true,
          value: requireEngine().lookupToken(m.text),
        });
      } catch (e) {
        post({ type: 'reply', callId: m.callId, ok: false, error: errorOf(e) });
      }
      return;
    case 'webgpuCatalog':
    case 'webgpuCache':
    case 'webgpuCacheDelete':
      try {
        const webgpu = await import('./webgpu/webllmManager');
        const value =
          m.type === 'webgpuCatalog'
            ? await webgpu.webGpuCatalog()
            : m.type === 'webgpuCache'
              ? await webgpu.webGpuCacheReport(m.custom)
              : await webgpu.deleteWebGpuCache(m.modelId, m.custom);
        post({ type: 'reply', callId: m.callId, ok: true, value });
      } catch (e) {
        post({ type: 'reply', callId: m.callId, ok: false, error: errorOf(e) });
      }
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => void handle(e.data);
