/**
 * Worker side of the WebGPU model picker and cache manager: WebLLM's prebuilt list judged
 * against this browser's adapter, and what the Cache API holds per model. Thin glue over
 * @mlc-ai/web-llm (imported only here and in webllmEngine.ts, both loaded lazily by the worker);
 * the decisions are in modelCatalog.ts.
 */
import { deleteModelAllInfoInCache, hasModelInCache, prebuiltAppConfig } from '@mlc-ai/web-llm';
import type { AppConfig, ModelRecord } from '@mlc-ai/web-llm';
import {
  buildAppConfig,
  catalogEntries,
  cleanModelUrl,
  pickDefaultModel,
  type AdapterSummary,
  type CachedModel,
  type CustomWebLlmModel,
  type GpuStatus,
  type WebGpuCacheReport,
  type WebGpuCatalog,
} from './modelCatalog';
import { TOKENIZER_CONFIG_CACHE } from './tokenizerConfig';

/** WebLLM's own Cache API caches (cacheBackend "cache"). */
const WEBLLM_CACHES = ['webllm/model', 'webllm/config', 'webllm/wasm'] as const;

/** The app's WebLLM config (prebuilt models plus custom ones), always passed to WebLLM. */
export function appConfigWith(custom: readonly CustomWebLlmModel[] = []): AppConfig {
  return buildAppConfig(prebuiltAppConfig.model_list, custom) as AppConfig;
}

/** The WebGPU adapter as WebLLM will request it, or why there is none. */
export async function probeGpu(): Promise<{ status: GpuStatus; adapter: GPUAdapter | null }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu)
    return {
      status: {
        kind: 'no-webgpu',
        message: 'this browser has no WebGPU (navigator.gpu is missing)',
      },
      adapter: null,
    };
  const adapter = await gpu
    .requestAdapter({ powerPreference: 'high-performance' })
    .catch(() => null);
  if (!adapter)
    return {
      status: { kind: 'no-adapter', message: 'WebGPU is present but offers no GPU adapter' },
      adapter: null,
    };
  const info = adapter.info as GPUAdapterInfo | undefined;
  const summary: AdapterSummary = {
    description:
      [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'GPU',
    features: [...adapter.features].map(String).sort(),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
  };
  return { status: { kind: 'ok', adapter: summary }, adapter };
}

export async function webGpuCatalog(): Promise<WebGpuCatalog> {
  const { status } = await probeGpu();
  const models = catalogEntries(
    prebuiltAppConfig.model_list,
    status.kind === 'ok' ? status.adapter : null,
  );
  return { gpu: status, models, defaultModelId: pickDefaultModel(models) };
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

interface CachedFile {
  url: string;
  size: number;
}

async function sizeOf(cache: Cache, req: Request): Promise<number> {
  const res = await cache.match(req);
  if (!res) return 0;
  const len = res.headers.get('content-length');
  if (len && /^\d+$/.test(len)) return Number(len);
  return (await res.blob()).size;
}

async function filesIn(cacheName: string): Promise<CachedFile[]> {
  if (typeof caches === 'undefined' || !(await caches.has(cacheName))) return [];
  const cache = await caches.open(cacheName);
  const keys = await cache.keys();
  return Promise.all(keys.map(async (req) => ({ url: req.url, size: await sizeOf(cache, req) })));
}

function base(): string | undefined {
  return typeof location !== 'undefined' ? location.href : undefined;
}

export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  try {
    const e = await navigator.storage?.estimate();
    return e ? { usage: e.usage ?? 0, quota: e.quota ?? 0 } : null;
  } catch {
    return null;
  }
}

export async function webGpuCacheReport(
  custom: readonly CustomWebLlmModel[] = [],
): Promise<WebGpuCacheReport> {
  const appConfig = appConfigWith(custom);
  const [model, config, wasm, tokcfg] = await Promise.all([
    filesIn('webllm/model'),
    filesIn('webllm/config'),
    filesIn('webllm/wasm'),
    filesIn(TOKENIZER_CONFIG_CACHE),
  ]);
  const underUrl = [...model, ...config, ...tokcfg];
  const claimed = new Set<string>();
  const records = appConfig.model_list as ModelRecord[];
  const urlOf = new Map(records.map((r) => [r.model_id, cleanModelUrl(r.model, base())]));
  const models: CachedModel[] = [];
  for (const r of records) {
    const url = urlOf.get(r.model_id)!;
    const weights = model.filter((f) => f.url.startsWith(url));
    if (weights.length === 0) continue;
    const files = [
      ...underUrl.filter((f) => f.url.startsWith(url)),
      ...wasm.filter((f) => f.url === r.model_lib),
    ];
    for (const f of files) claimed.add(f.url);
    const complete = await hasModelInCache(r.model_id, appConfig).catch(() => false);
    models.push({
      modelId: r.model_id,
      complete,
      sizeBytes: files.reduce((n, f) => n + f.size, 0),
      sharesWeightsWith: records
        .filter((o) => o.model_id !== r.model_id && urlOf.get(o.model_id) === url)
        .map((o) => o.model_id),
    });
  }
  for (const f of wasm) if (records.some((r) => r.model_lib === f.url)) claimed.add(f.url);
  const otherBytes = [...underUrl, ...wasm]
    .filter((f) => !claimed.has(f.url))
    .reduce((n, f) => n + f.size, 0);
  return { models, otherBytes, estimate: await storageEstimate(), backend: 'cache' };
}

/** Deletes every entry of `cacheName` that `match` accepts. */
async function sweep(cacheName: string, match: (url: string) => boolean): Promise<void> {
  if (typeof caches === 'undefined' || !(await caches.has(cacheName))) return;
  const cache = await caches.open(cacheName);
  for (const req of await cache.keys()) if (match(req.url)) await cache.delete(req);
}

/**
 * One model's files: WebLLM's own deletion (weights listed in tensor-cache.json, tokenizer,
 * library, chat config), then a sweep of whatever is left under the model's URL (the index
 * itself, shards of an interrupted download, tokenizer_config.json). WebLLM's deletion would
 * download a missing tensor-cache.json, so it only runs when the index is cached.
 */
async function deleteModelFiles(record: ModelRecord, appConfig: AppConfig): Promise<void> {
  const url = cleanModelUrl(record.model, base());
  const index = new URL('tensor-cache.json', url).href;
  if ((await filesIn('webllm/model')).some((f) => f.url === index))
    await deleteModelAllInfoInCache(record.model_id, appConfig).catch(() => undefined);
  const under = (u: string) => u.startsWith(url);
  await sweep('webllm/model', under);
  await sweep('webllm/config', under);
  await sweep('webllm/wasm', (u) => u === record.model_lib);
  await sweep(TOKENIZER_CONFIG_CACHE, under);
}

/** Deletes one model's files (null: every model and every WebLLM cache), then reports. */
export async function deleteWebGpuCache(
  modelId: string | null,
  custom: readonly CustomWebLlmModel[] = [],
): Promise<WebGpuCacheReport> {
  const appConfig = appConfigWith(custom);
  const ids =
    modelId === null ? (await webGpuCacheReport(custom)).models.map((m) => m.modelId) : [modelId];
  for (const id of ids) {
    const record = (appConfig.model_list as ModelRecord[]).find((r) => r.model_id === id);
    if (record) await deleteModelFiles(record, appConfig);
  }
  if (modelId === null && typeof caches !== 'undefined')
    for (const name of [...WEBLLM_CACHES, TOKENIZER_CONFIG_CACHE]) await caches.delete(name);
  return webGpuCacheReport(custom);
}
