/**
 * The WebGPU engine's UI actions: the model list and the cache report come from the worker
 * (only it imports WebLLM); the stores hold what the components show.
 */
import { engineClient } from '../../engine/client';
import type { ModelSource, WorkerError } from '../../engine/protocol';
import {
  customModelId,
  customModelProblems,
  type CustomWebLlmModel,
  type WebGpuCacheReport,
} from '../../engine/webgpu/modelCatalog';
import { useEngineStore } from '../../store/engineStore';
import { useWebGpuStore } from '../../store/webgpuStore';

/** Whether this page has WebGPU at all (the worker checks the adapter). */
export function pageHasWebGpu(): boolean {
  return typeof navigator !== 'undefined' && Boolean((navigator as { gpu?: unknown }).gpu);
}

function asError(e: unknown): WorkerError {
  if (typeof e === 'object' && e !== null && 'message' in e && 'status' in e)
    return e as WorkerError;
  return {
    status: 500,
    message: e instanceof Error ? e.message : String(e),
    type: 'internal_error',
    param: null,
    code: null,
  };
}

let catalogLoading: Promise<void> | null = null;

/** Fetches the model list once (again with `force`); keeps the selection on a runnable model. */
export function loadWebGpuCatalog(force = false): Promise<void> {
  const s = useWebGpuStore.getState();
  if (!force && (catalogLoading || s.catalogStatus === 'ready'))
    return catalogLoading ?? Promise.resolve();
  s.set({ catalogStatus: 'loading', catalogError: null });
  catalogLoading = engineClient()
    .webgpuCatalog()
    .then(
      (catalog) => {
        useWebGpuStore.getState().set({ catalog, catalogStatus: 'ready' });
        const engine = useEngineStore.getState();
        const current = catalog.models.find((m) => m.modelId === engine.webgpuModelId);
        if ((!current || !current.supported) && catalog.defaultModelId)
          engine.setWebgpuModelId(catalog.defaultModelId);
      },
      (e: unknown) =>
        useWebGpuStore.getState().set({ catalogStatus: 'error', catalogError: asError(e) }),
    )
    .finally(() => {
      catalogLoading = null;
    });
  return catalogLoading;
}

/** The custom model of the form, when both URLs are valid. */
export function currentCustomModel(): CustomWebLlmModel | null {
  const s = useWebGpuStore.getState();
  const modelUrl = s.customModelUrl.trim();
  const modelLibUrl = s.customModelLibUrl.trim();
  if (customModelProblems(modelUrl, modelLibUrl).length > 0) return null;
  return { modelId: customModelId(modelUrl), modelUrl, modelLibUrl };
}

function knownCustomModels(): CustomWebLlmModel[] {
  const c = currentCustomModel();
  return c ? [c] : [];
}

/** What Load loads for the WebGPU engine; throws a 400 error when the custom form is invalid. */
export function webGpuSource(): ModelSource {
  const s = useWebGpuStore.getState();
  if (!s.useCustom) return { kind: 'webllm', modelId: useEngineStore.getState().webgpuModelId };
  const problems = customModelProblems(s.customModelUrl.trim(), s.customModelLibUrl.trim());
  if (problems.length > 0)
    throw {
      status: 400,
      message: `Custom model: ${problems.join(' ')}`,
      type: 'invalid_request_error',
      param: 'model',
      code: null,
    } satisfies WorkerError;
  const c = currentCustomModel()!;
  return {
    kind: 'webllm',
    modelId: c.modelId,
    custom: { modelUrl: c.modelUrl, modelLibUrl: c.modelLibUrl },
  };
}

function cacheCall(call: () => Promise<WebGpuCacheReport>) {
  useWebGpuStore.getState().set({ cacheStatus: 'loading', cacheError: null });
  return call().then(
    (cache) => useWebGpuStore.getState().set({ cache, cacheStatus: 'ready' }),
    (e: unknown) => useWebGpuStore.getState().set({ cacheStatus: 'error', cacheError: asError(e) }),
  );
}

export function refreshWebGpuCache(): Promise<void> {
  return cacheCall(() => engineClient().webgpuCache(knownCustomModels()));
}

/** Deletes one cached model, or every one with null. */
export function deleteWebGpuCached(modelId: string | null): Promise<void> {
  return cacheCall(() => engineClient().webgpuCacheDelete(modelId, knownCustomModels()));
}
