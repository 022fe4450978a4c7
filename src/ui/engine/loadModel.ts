import { engineClient } from '../../engine/client';
import { useEngineStore } from '../../store/engineStore';
import type { ModelSource } from '../../engine/protocol';

let pickedFile: File | null = null;

export function setPickedFile(f: File | null) {
  pickedFile = f;
}

function currentSource(): ModelSource {
  const s = useEngineStore.getState();
  if (s.engine === 'webgpu') return { kind: 'webllm', modelId: s.webgpuModelId };
  if (pickedFile) return { kind: 'file', file: pickedFile, name: pickedFile.name };
  return { kind: 'url', url: new URL(s.cpuModelUrl, location.href).href };
}

let loading: Promise<void> | null = null;

/** Loads the selected model (once); the store shows progress and errors. */
export function loadSelectedModel(): Promise<void> {
  const store = useEngineStore.getState();
  store.set({ status: 'loading', progress: null, error: null, model: null });
  loading = engineClient()
    .load(store.engine, currentSource(), (progress) => useEngineStore.getState().set({ progress }))
    .then(
      (model) => useEngineStore.getState().set({ status: 'ready', model, progress: null }),
      (error) => {
        useEngineStore.getState().set({ status: 'error', error, progress: null });
        throw error;
      },
    )
    .finally(() => {
      loading = null;
    });
  return loading;
}

export function ensureModelLoaded(): Promise<void> {
  const s = useEngineStore.getState();
  if (s.status === 'ready') return Promise.resolve();
  return loading ?? loadSelectedModel();
}
