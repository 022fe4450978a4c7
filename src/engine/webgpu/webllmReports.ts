/**
 * WebLLM's progress reports and errors, turned into the worker protocol's shapes: progress with
 * a phase and bytes (where WebLLM says them), and errors with a clear message and a way
 * forward. Pure: it reads the texts and error names of @mlc-ai/web-llm 0.2.86 without importing
 * it.
 */
import type { LoadProgress, WorkerError } from '../protocol';
import { formatBytes } from './modelCatalog';

/** WebLLM's InitProgressReport. */
export interface InitProgressReportLike {
  progress: number;
  text: string;
}

const MiB = 1024 * 1024;

/**
 * Phases, from WebLLM's report texts:
 * "Start to fetch params" / "Fetching param cache[i/n]: 12MB fetched. 7% completed, ..." ->
 * download (bytes); "Loading model from cache[i/n]: 12MB loaded. ..." -> load to GPU (bytes);
 * "Loading GPU shader modules[i/n]: 40% completed" -> shaders; "Finish loading on ..." ->
 * ready. Bytes are WebLLM's whole MiB; the total follows from the fraction.
 */
export function parseInitProgress(r: InitProgressReportLike): LoadProgress {
  const fraction = Number.isFinite(r.progress) ? Math.min(1, Math.max(0, r.progress)) : 0;
  const asFraction = (phase: string): LoadProgress => ({
    phase,
    loaded: fraction,
    total: 1,
    unit: 'fraction',
  });
  const bytes = /(\d+)\s*MB (fetched|loaded)/.exec(r.text);
  if (bytes) {
    const loaded = Number(bytes[1]) * MiB;
    const total = fraction > 0 ? Math.max(loaded, Math.round(loaded / fraction)) : 0;
    const phase = bytes[2] === 'fetched' ? 'download' : 'load to GPU';
    return { phase, loaded, total, unit: 'bytes' };
  }
  if (/^Start to fetch params/.test(r.text)) return asFraction('download');
  if (/^Loading GPU shader modules/.test(r.text)) return asFraction('compile shaders');
  if (/^Finish loading/.test(r.text)) return { ...asFraction('ready'), loaded: 1 };
  const phase = r.text.split(/[[:.]/)[0]?.trim() || 'loading';
  return asFraction(phase.length > 40 ? `${phase.slice(0, 40)}…` : phase);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type WebGpuErrorCode =
  | 'webgpu_unavailable'
  | 'shader_f16_unsupported'
  | 'feature_unsupported'
  | 'device_lost'
  | 'quota_exceeded'
  | 'download_failed'
  | 'model_not_found';

export interface ErrorContext {
  modelId: string;
  /** The model's resolved URL (for download errors). */
  modelUrl?: string;
  /** An f32 variant to suggest when shader-f16 is missing. */
  f32Alternative?: string | null;
  /** navigator.storage.estimate(), for quota errors. */
  estimate?: { usage: number; quota: number } | null;
}

function engineError(status: number, code: WebGpuErrorCode, message: string): WorkerError {
  return { status, message, type: 'engine_error', param: 'model', code };
}

const CPU_HINT =
  'Switch the engine to "CPU (llama.cpp wasm)", which runs GGUF models without a GPU, or open ' +
  'the page in a browser with WebGPU enabled (Chrome or Edge 113+, Safari 26+).';

export function webGpuUnavailable(detail: string): WorkerError {
  return engineError(
    503,
    'webgpu_unavailable',
    `WebGPU is not available here: ${detail}. ${CPU_HINT}`,
  );
}

export function shaderF16Missing(ctx: ErrorContext): WorkerError {
  const alt = ctx.f32Alternative ? ` Pick ${ctx.f32Alternative} instead,` : ' Pick a q4f32 model,';
  return engineError(
    400,
    'shader_f16_unsupported',
    `${ctx.modelId} needs the WebGPU feature shader-f16, which this GPU or browser does not ` +
      `offer.${alt} or use the CPU engine.`,
  );
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e)
    return String((e as { message: unknown }).message);
  return String(e);
}

function nameOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'name' in e
    ? String((e as { name: unknown }).name)
    : '';
}

const DOWNLOAD_PATTERNS = [
  /failed to fetch/i,
  /networkerror/i,
  /network response was not ok/i,
  /cannot fetch/i,
  /unable to fetch/i,
  /request failed/i,
  /failed to store/i,
  /load failed/i,
  /err_(name_not_resolved|internet_disconnected|connection)/i,
  /answered HTTP \d+/,
];

/**
 * The structured error for anything WebLLM (or the browser under it) threw while loading or
 * running a model; null when it is none of the known kinds (the caller keeps the original).
 */
export function classifyWebLlmError(e: unknown, ctx: ErrorContext): WorkerError | null {
  const name = nameOf(e);
  const msg = messageOf(e);
  if (
    name === 'WebGPUNotAvailableError' ||
    name === 'WebGPUNotFoundError' ||
    /Unable to find a compatible GPU/i.test(msg)
  )
    return webGpuUnavailable('the browser found no usable GPU adapter');
  if (name === 'ShaderF16SupportError' || /shader-f16/.test(msg)) return shaderF16Missing(ctx);
  if (name === 'FeatureSupportError')
    return engineError(
      400,
      'feature_unsupported',
      `${msg} Pick another model from the list (unsupported ones are marked), or use the CPU engine.`,
    );
  if (
    name === 'DeviceLostError' ||
    /device (was )?lost/i.test(msg) ||
    name === 'ModelNotLoadedError'
  )
    return engineError(
      503,
      'device_lost',
      'The GPU device was lost (usually out of GPU memory, or the graphics driver reset), so the ' +
        'model is gone from the GPU. Press Load to reload it; if it happens again, pick a smaller ' +
        'model or close other GPU-heavy tabs.',
    );
  if (name === 'QuotaExceededError' || /quota/i.test(msg)) {
    const used = ctx.estimate
      ? ` (${formatBytes(ctx.estimate.usage)} used of ${formatBytes(ctx.estimate.quota)})`
      : '';
    return engineError(
      507,
      'quota_exceeded',
      `The browser refused to store ${ctx.modelId}: the storage quota is exceeded${used}. ` +
        'Delete cached models in the model cache panel, or free disk space, then press Load again.',
    );
  }
  if (name === 'ModelNotFoundError')
    return engineError(
      404,
      'model_not_found',
      `${ctx.modelId} is not a WebLLM model this app knows. Pick one from the list, or enter a ` +
        'custom model URL and model library URL.',
    );
  const html = /Unexpected token '?<'?|is not valid JSON/i.test(msg);
  if (name === 'FetchFailedError' || html || DOWNLOAD_PATTERNS.some((p) => p.test(msg))) {
    const where = ctx.modelUrl ? ` from ${ctx.modelUrl}` : '';
    const why = html ? 'the server sent a web page instead of the model file' : msg;
    return engineError(
      502,
      'download_failed',
      `Could not download ${ctx.modelId}${where}: ${why}. Check the network connection (the ` +
        'first load downloads the whole model; cached models load offline), or the model URL ' +
        'and model library URL of a custom model, then press Load again.',
    );
  }
  return null;
}
