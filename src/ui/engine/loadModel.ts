import { engineClient } from '../../engine/client';
import {
  DEFAULT_CPU_MODEL_URL,
  FALLBACK_CPU_MODEL_URL,
  cpuModelName,
  useEngineStore,
} from '../../store/engineStore';
import { fetchServedModels } from './ServedModels';
import { DEFAULT_DRAFT, useRequestStore } from '../../store/requestStore';
import { webGpuSource } from './webgpuActions';
import type { EngineKind, LoadOptions, ModelSource, WorkerError } from '../../engine/protocol';
import { useWebGpuStore } from '../../store/webgpuStore';
import { useThreadsStore } from '../../store/threadsStore';

let pickedFile: File | null = null;

export function setPickedFile(f: File | null) {
  pickedFile = f;
}

/** The in-tab engine: the one chosen, or the last one chosen while 'server' is. */
function tabEngine(): EngineKind {
  const s = useEngineStore.getState();
  return s.engine === 'server' ? s.tabEngine : s.engine;
}

/** What is selected now, as a key: a different key from the loaded one means "load again". */
function selectionKey(): string {
  const s = useEngineStore.getState();
  const w = useWebGpuStore.getState();
  if (tabEngine() === 'webgpu')
    return w.useCustom
      ? `webgpu|${w.customModelUrl}|${w.customModelLibUrl}`
      : `webgpu|${s.webgpuModelId}`;
  const ctx = `ctx=${contextSize() ?? ''}`;
  const threads = useThreadsStore.getState().threads ?? 'default';
  return pickedFile
    ? `cpu|${threads}|file|${pickedFile.name}|${pickedFile.size}|${pickedFile.lastModified}|${ctx}`
    : `cpu|${threads}|${s.cpuModelUrl}|${ctx}`;
}

/** The CPU engine's load settings: context size and threads, where the user set them. */
function cpuLoadOptions(): LoadOptions {
  const options: LoadOptions = {};
  const ctx = contextSize();
  if (ctx !== undefined) options.contextSize = ctx;
  const threads = useThreadsStore.getState().threads;
  if (threads !== null && threads !== undefined) options.threads = threads;
  return options;
}

/** The context size to load the CPU engine with; undefined: the engine's default. */
function contextSize(): number | undefined {
  const n = useEngineStore.getState().cpuContextSize;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

let loadedKey: string | null = null;
/** The selection whose load failed: Run keeps using the model loaded before it. */
let failedKey: string | null = null;

/**
 * Picks a CPU model URL. The request's model field follows the picker while it names the
 * previously picked model (or the default), so the field, the exports and the picker agree.
 */
export function pickCpuModelUrl(url: string): void {
  const engine = useEngineStore.getState();
  const req = useRequestStore.getState();
  const following =
    engine.status !== 'ready' &&
    (!req.draft.model ||
      req.draft.model === DEFAULT_DRAFT.model ||
      req.draft.model === cpuModelName(engine.cpuModelUrl));
  engine.setCpuModelUrl(url);
  if (following && url.trim() !== '') req.setParam('model', cpuModelName(url));
}

async function currentSource(): Promise<ModelSource> {
  const s = useEngineStore.getState();
  if (tabEngine() === 'webgpu') return webGpuSource();
  if (pickedFile) return { kind: 'file', file: pickedFile, name: pickedFile.name };
  let url = s.cpuModelUrl.trim();
  if (url === '')
    throw {
      status: 400,
      message: 'Enter the URL of a GGUF model, pick one from the list, or open a GGUF file.',
      type: 'invalid_request_error',
      param: 'model',
      code: null,
    } satisfies WorkerError;
  if (url === DEFAULT_CPU_MODEL_URL) {
    // Without the real model (no PyPI at set-up), fall back to the generated tiny one.
    const served = await fetchServedModels();
    if (served.length && !served.some((m) => `models/${m.file}` === url)) {
      url = served.some((m) => `models/${m.file}` === FALLBACK_CPU_MODEL_URL)
        ? FALLBACK_CPU_MODEL_URL
        : `models/${served[0]!.file}`;
      pickCpuModelUrl(url);
    }
  }
  return { kind: 'url', url: new URL(url, location.href).href };
}

let loading: Promise<void> | null = null;

/** Loads the selected model (once); the store shows progress and errors. */
export function loadSelectedModel(): Promise<void> {
  const store = useEngineStore.getState();
  // The worker keeps the loaded model until a new one is ready, and after a failed load.
  const kept = store.model;
  const previous = kept?.name;
  store.set({ status: 'loading', progress: null, error: null });
  loading = currentSource()
    .then((source) =>
      engineClient().load(
        tabEngine(),
        source,
        (progress) => useEngineStore.getState().set({ progress }),
        tabEngine() === 'cpu' ? cpuLoadOptions() : {},
      ),
    )
    .then(
      (model) => {
        loadedKey = selectionKey();
        failedKey = null;
        useEngineStore.getState().set({ status: 'ready', model, progress: null });
        // The request names the loaded model, unless the user typed another name on purpose.
        const req = useRequestStore.getState();
        if (
          req.draft.model === DEFAULT_DRAFT.model ||
          req.draft.model === previous ||
          !req.draft.model
        )
          req.setParam('model', model.name);
      },
      (error) => {
        failedKey = selectionKey();
        useEngineStore
          .getState()
          .set({ status: kept ? 'ready' : 'error', model: kept, error, progress: null });
        throw error;
      },
    )
    .finally(() => {
      loading = null;
    });
  return loading;
}

/** Loads the selected model unless it is the one already loaded. */
export function ensureModelLoaded(): Promise<void> {
  const s = useEngineStore.getState();
  if (loading) return loading;
  // After a failed load, Run answers with the model that is still loaded.
  if (s.status === 'ready' && (loadedKey === selectionKey() || failedKey === selectionKey()))
    return Promise.resolve();
  return loadSelectedModel();
}
