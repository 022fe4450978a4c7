/**
 * WebLLM's model list, judged against the browser's WebGPU adapter, and the app config the
 * worker hands to WebLLM. Pure: the worker passes in WebLLM's prebuilt list and the adapter's
 * features and limits; the UI imports the types and formatters.
 */

/** The fields of WebLLM's ModelRecord (config.d.ts) this module reads. */
export interface ModelRecordLike {
  model: string;
  model_id: string;
  model_lib: string;
  vram_required_MB?: number;
  low_resource_required?: boolean;
  buffer_size_required_bytes?: number;
  required_features?: string[];
  /** WebLLM's ModelType: 0 LLM, 1 embedding, 2 VLM. */
  model_type?: number;
  overrides?: { context_window_size?: number };
}

/** What the UI needs to know about the browser's WebGPU adapter. */
export interface AdapterSummary {
  description: string;
  features: string[];
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBuffersPerShaderStage: number;
}

export type GpuStatus =
  | { kind: 'ok'; adapter: AdapterSummary }
  | { kind: 'no-webgpu'; message: string }
  | { kind: 'no-adapter'; message: string };

export interface CatalogEntry {
  modelId: string;
  modelUrl: string;
  vramMB: number | null;
  lowResource: boolean;
  needsShaderF16: boolean;
  contextWindow: number | null;
  vision: boolean;
  supported: boolean;
  /** Why the model cannot run here (empty when supported). */
  reasons: string[];
  /** Why it may not run well here. */
  warnings: string[];
}

export interface WebGpuCatalog {
  gpu: GpuStatus;
  models: CatalogEntry[];
  defaultModelId: string | null;
}

/** A model the user points to: its weights (MLC format) and its compiled WebGPU library. */
export interface CustomWebLlmModel {
  modelId: string;
  modelUrl: string;
  modelLibUrl: string;
}

export interface CachedModel {
  modelId: string;
  /** All weight shards are there (false: an interrupted download). */
  complete: boolean;
  /** Bytes of its files in the cache (weights, tokenizer, config, library); null when unknown. */
  sizeBytes: number | null;
  /** Other model ids that use the same weights (deleting one deletes them for all). */
  sharesWeightsWith: string[];
}

export interface WebGpuCacheReport {
  models: CachedModel[];
  /** Bytes cached for models this list does not know (earlier custom models). */
  otherBytes: number;
  estimate: { usage: number; quota: number } | null;
  backend: string;
}

export const DEFAULT_WEBGPU_MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';

/** WebGPU's guaranteed limits, and what WebLLM's runtime asks the device for at least. */
const MIN_BUFFER_SIZE = 1 << 28; // 256 MiB
const MIN_STORAGE_BINDING = 1 << 27; // 128 MiB
const LOW_RESOURCE_BINDING = 1 << 30; // 1 GiB: WebLLM requests this when the adapter allows
const MIN_WORKGROUP_STORAGE = 32 << 10;
const MIN_STORAGE_BUFFERS = 10;

/**
 * Whether a model needs the `shader-f16` WebGPU feature: listed in its record, or an f16
 * quantization in its id (q4f16, q0f16, q3f16: many records do not list the feature).
 */
export function needsShaderF16(
  r: Pick<ModelRecordLike, 'model_id' | 'required_features'>,
): boolean {
  return (r.required_features ?? []).includes('shader-f16') || /q\d+f16/i.test(r.model_id);
}

/** Why the adapter cannot run any model (empty when it can). */
export function adapterProblems(a: AdapterSummary): string[] {
  const out: string[] = [];
  if (a.maxBufferSize < MIN_BUFFER_SIZE)
    out.push(`GPU buffers are limited to ${formatBytes(a.maxBufferSize)} (256 MiB needed)`);
  if (a.maxStorageBufferBindingSize < MIN_STORAGE_BINDING)
    out.push(
      `storage buffer bindings are limited to ${formatBytes(a.maxStorageBufferBindingSize)} (128 MiB needed)`,
    );
  if (a.maxComputeWorkgroupStorageSize < MIN_WORKGROUP_STORAGE)
    out.push(`workgroup storage is limited to ${a.maxComputeWorkgroupStorageSize} bytes`);
  if (a.maxStorageBuffersPerShaderStage < MIN_STORAGE_BUFFERS)
    out.push(`only ${a.maxStorageBuffersPerShaderStage} storage buffers per shader stage`);
  return out;
}

/** One record judged against the adapter (null: no adapter, so nothing runs). */
export function judgeModel(r: ModelRecordLike, adapter: AdapterSummary | null): CatalogEntry {
  const f16 = needsShaderF16(r);
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (!adapter) {
    reasons.push('no WebGPU adapter');
  } else {
    reasons.push(...adapterProblems(adapter));
    if (f16 && !adapter.features.includes('shader-f16'))
      reasons.push('needs shader-f16, which this GPU does not offer');
    for (const f of r.required_features ?? [])
      if (f !== 'shader-f16' && !adapter.features.includes(f)) reasons.push(`needs ${f}`);
    const need = r.buffer_size_required_bytes;
    if (need !== undefined && need > adapter.maxStorageBufferBindingSize)
      reasons.push(
        `needs ${formatBytes(need)} storage buffers; this GPU allows ${formatBytes(adapter.maxStorageBufferBindingSize)}`,
      );
    if (
      reasons.length === 0 &&
      r.low_resource_required !== true &&
      adapter.maxStorageBufferBindingSize < LOW_RESOURCE_BINDING
    )
      warnings.push('not built for low-resource GPUs like this one; it may run out of memory');
  }
  return {
    modelId: r.model_id,
    modelUrl: r.model,
    vramMB: typeof r.vram_required_MB === 'number' ? r.vram_required_MB : null,
    lowResource: r.low_resource_required === true,
    needsShaderF16: f16,
    contextWindow: r.overrides?.context_window_size ?? null,
    vision: r.model_type === 2,
    supported: reasons.length === 0,
    reasons,
    warnings,
  };
}

/**
 * The chat models (embedding models are left out) judged against the adapter, supported ones
 * first, each group in WebLLM's order.
 */
export function catalogEntries(
  records: readonly ModelRecordLike[],
  adapter: AdapterSummary | null,
): CatalogEntry[] {
  const entries = records.filter((r) => r.model_type !== 1).map((r) => judgeModel(r, adapter));
  return [...entries.filter((e) => e.supported), ...entries.filter((e) => !e.supported)];
}

/**
 * The model to start with: `preferred` when it runs here, else the smallest supported model
 * that needs no shader-f16, else the smallest supported one.
 */
export function pickDefaultModel(
  entries: readonly CatalogEntry[],
  preferred: string = DEFAULT_WEBGPU_MODEL,
): string | null {
  const ok = entries.filter((e) => e.supported && !e.vision);
  if (ok.some((e) => e.modelId === preferred)) return preferred;
  const bySize = (a: CatalogEntry, b: CatalogEntry) =>
    (a.vramMB ?? Infinity) - (b.vramMB ?? Infinity);
  const noF16 = ok.filter((e) => !e.needsShaderF16).sort(bySize);
  return noF16[0]?.modelId ?? [...ok].sort(bySize)[0]?.modelId ?? null;
}

/** The f32 twin of an f16 model in the list (q4f16_1 -> q4f32_1), for error messages. */
export function f32Alternative(
  modelId: string,
  entries: readonly Pick<CatalogEntry, 'modelId'>[],
): string | null {
  const twin = modelId.replace(/q(\d+)f16/i, 'q$1f32');
  return twin !== modelId && entries.some((e) => e.modelId === twin) ? twin : null;
}

// ---------------------------------------------------------------------------------------------
// URLs and the app config
// ---------------------------------------------------------------------------------------------

/**
 * A model URL as WebLLM resolves it: with a trailing slash and, unless it names one, the
 * Hugging Face branch path "resolve/main/" (https://huggingface.co/org/model ->
 * https://huggingface.co/org/model/resolve/main/). Relative URLs resolve against `base`.
 */
export function cleanModelUrl(modelUrl: string, base?: string): string {
  let u = modelUrl.endsWith('/') ? modelUrl : `${modelUrl}/`;
  if (!/.+\/resolve\/.+\//.test(u)) u += 'resolve/main/';
  return new URL(u, base).href;
}

/** A file of the model repository (tokenizer_config.json, ...). */
export function modelFileUrl(modelUrl: string, file: string, base?: string): string {
  return new URL(file, cleanModelUrl(modelUrl, base)).href;
}

/** A model id for a custom model URL: its last path segment (without resolve/<branch>). */
export function customModelId(modelUrl: string): string {
  const parts = modelUrl
    .replace(/[?#].*$/, '')
    .replace(/\/resolve\/[^/]+\/?$/, '')
    .split('/')
    .filter((p) => p !== '');
  const last = parts[parts.length - 1] ?? 'model';
  return `custom:${last}`;
}

export function customModelRecord(c: CustomWebLlmModel): ModelRecordLike {
  return {
    model: c.modelUrl,
    model_id: c.modelId,
    model_lib: c.modelLibUrl,
    ...(needsShaderF16({ model_id: `${c.modelId} ${c.modelLibUrl}` })
      ? { required_features: ['shader-f16'] }
      : {}),
  };
}

/** Checks a custom model's URLs; returns a message per problem. */
export function customModelProblems(modelUrl: string, modelLibUrl: string): string[] {
  const out: string[] = [];
  const isUrl = (s: string) => {
    try {
      new URL(s);
      return /^https?:$/.test(new URL(s).protocol);
    } catch {
      return false;
    }
  };
  if (modelUrl.trim() === '') out.push('Enter the model URL (the MLC weights folder).');
  else if (!isUrl(modelUrl.trim())) out.push('The model URL must be an http(s) URL.');
  if (modelLibUrl.trim() === '') out.push('Enter the model library URL (the .wasm file).');
  else if (!isUrl(modelLibUrl.trim())) out.push('The model library URL must be an http(s) URL.');
  else if (!/\.wasm([?#].*)?$/i.test(modelLibUrl.trim()))
    out.push('The model library URL should point to a .wasm file.');
  return out;
}

/**
 * The app's WebLLM config: the prebuilt list with the custom models in front (a custom model
 * with a prebuilt id replaces it), always the Cache API backend.
 */
export function buildAppConfig<R extends ModelRecordLike>(
  prebuilt: readonly R[],
  custom: readonly CustomWebLlmModel[] = [],
): { model_list: Array<R | ModelRecordLike>; cacheBackend: 'cache' } {
  const customRecords = custom.map(customModelRecord);
  const ids = new Set(customRecords.map((r) => r.model_id));
  return {
    model_list: [...customRecords, ...prebuilt.filter((r) => !ids.has(r.model_id))],
    cacheBackend: 'cache',
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** WebLLM's vram_required_MB as people read it ("580 MB", "1.1 GB"). */
export function formatMB(mb: number | null): string {
  if (mb === null || !Number.isFinite(mb)) return 'VRAM unknown';
  if (mb < 1000) return `${Math.round(mb)} MB`;
  return `${(mb / 1000).toFixed(1)} GB`;
}

/** One line for a picker option. */
export function entryLabel(e: CatalogEntry): string {
  const base = `${e.modelId} · ${formatMB(e.vramMB)}`;
  return e.supported ? base : `${base} — ${e.reasons[0]}`;
}
