import { describe, expect, it } from 'vitest';
import { classifyWebLlmError, parseInitProgress, type ErrorContext } from './webllmReports';
import { FetchFailedError } from './tokenizerConfig';

const MiB = 1024 * 1024;

describe('parseInitProgress (WebLLM 0.2.86 report texts)', () => {
  it('download: bytes fetched, total from the fraction', () => {
    const p = parseInitProgress({
      progress: 0.12,
      text:
        'Fetching param cache[3/24]: 150MB fetched. 12% completed, 5 secs elapsed. It can take ' +
        'a while when we first visit this page to populate the cache. Later refreshes will become faster.',
    });
    expect(p).toEqual({ phase: 'download', loaded: 150 * MiB, total: 1250 * MiB, unit: 'bytes' });
  });

  it('loading from the cache onto the GPU: bytes', () => {
    const p = parseInitProgress({
      progress: 0.5,
      text: 'Loading model from cache[12/24]: 300MB loaded. 50% completed, 2 secs elapsed.',
    });
    expect(p).toEqual({ phase: 'load to GPU', loaded: 300 * MiB, total: 600 * MiB, unit: 'bytes' });
  });

  it('phases without bytes report the fraction', () => {
    expect(parseInitProgress({ progress: 0, text: 'Start to fetch params' })).toEqual({
      phase: 'download',
      loaded: 0,
      total: 1,
      unit: 'fraction',
    });
    expect(
      parseInitProgress({
        progress: 0.25,
        text: 'Loading GPU shader modules[10/40]: 25% completed, 1 secs elapsed.',
      }),
    ).toEqual({ phase: 'compile shaders', loaded: 0.25, total: 1, unit: 'fraction' });
    expect(
      parseInitProgress({ progress: 1, text: 'Finish loading on WebGPU - swiftshader' }),
    ).toEqual({ phase: 'ready', loaded: 1, total: 1, unit: 'fraction' });
    expect(parseInitProgress({ progress: 0.3, text: 'Something new: 30%' })).toEqual({
      phase: 'Something new',
      loaded: 0.3,
      total: 1,
      unit: 'fraction',
    });
  });

  it('never reports a total below what was loaded, nor a NaN', () => {
    const p = parseInitProgress({ progress: 0, text: 'Fetching param cache[1/9]: 1MB fetched.' });
    expect(p.total).toBe(0);
    expect(parseInitProgress({ progress: Number.NaN, text: 'x' }).loaded).toBe(0);
  });
});

describe('classifyWebLlmError', () => {
  const ctx: ErrorContext = {
    modelId: 'SmolLM2-360M-Instruct-q4f16_1-MLC',
    modelUrl: 'https://huggingface.co/mlc-ai/SmolLM2-360M-Instruct-q4f16_1-MLC/resolve/main/',
    f32Alternative: 'SmolLM2-360M-Instruct-q4f32_1-MLC',
  };
  const named = (name: string, message = 'x') => Object.assign(new Error(message), { name });

  it('no WebGPU: offers the CPU engine', () => {
    const e = classifyWebLlmError(named('WebGPUNotAvailableError'), ctx)!;
    expect(e).toMatchObject({ code: 'webgpu_unavailable', status: 503, param: 'model' });
    expect(e.message).toMatch(/CPU \(llama\.cpp wasm\)/);
    expect(classifyWebLlmError(new Error('Unable to find a compatible GPU. ...'), ctx)?.code).toBe(
      'webgpu_unavailable',
    );
  });

  it('shader-f16 missing: names the f32 twin', () => {
    const e = classifyWebLlmError(named('ShaderF16SupportError'), ctx)!;
    expect(e.code).toBe('shader_f16_unsupported');
    expect(e.message).toContain('SmolLM2-360M-Instruct-q4f32_1-MLC');
    expect(e.message).toContain('CPU engine');
  });

  it('device lost (while loading, or the model unloaded by WebLLM after it): reload', () => {
    for (const err of [
      named('DeviceLostError', 'The WebGPU device was lost while loading the model.'),
      named('ModelNotLoadedError', 'Model not loaded before trying to complete'),
      new Error('GPUDevice lost: reason destroyed'),
    ]) {
      const e = classifyWebLlmError(err, ctx)!;
      expect(e.code).toBe('device_lost');
      expect(e.message).toMatch(/Press Load to reload/);
    }
  });

  it('quota exceeded: points to the cache panel, with the storage estimate', () => {
    const err = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const e = classifyWebLlmError(err, { ...ctx, estimate: { usage: 9 * MiB, quota: 10 * MiB } })!;
    expect(e).toMatchObject({ code: 'quota_exceeded', status: 507 });
    expect(e.message).toContain('9.0 MiB used of 10.0 MiB');
    expect(e.message).toMatch(/Delete cached models/);
    // WebLLM's IndexedDB cache wraps it in a string
    expect(
      classifyWebLlmError(new Error('Failed to store x with error: QuotaExceededError'), ctx)?.code,
    ).toBe('quota_exceeded');
  });

  it('download failures: offline, HTTP errors, an HTML page instead of JSON', () => {
    for (const err of [
      new TypeError('Failed to fetch'),
      new TypeError("Failed to execute 'add' on 'Cache': Request failed"),
      new Error('ArtifactOPFSCache: Unable to fetch https://x, received status 404'),
      new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON'),
      new FetchFailedError('https://x/tokenizer_config.json', 404, 'answered HTTP 404'),
    ]) {
      const e = classifyWebLlmError(err, ctx)!;
      expect(e).toMatchObject({ code: 'download_failed', status: 502 });
      expect(e.message).toContain(`Could not download ${ctx.modelId} from ${ctx.modelUrl}`);
      expect(e.message).toMatch(/network connection/);
    }
    expect(classifyWebLlmError(new SyntaxError("Unexpected token '<'"), ctx)!.message).toContain(
      'web page instead of the model file',
    );
  });

  it('unknown model id', () => {
    const e = classifyWebLlmError(named('ModelNotFoundError'), ctx)!;
    expect(e).toMatchObject({ code: 'model_not_found', status: 404 });
  });

  it('leaves other errors alone', () => {
    expect(classifyWebLlmError(new Error('top_p must be in (0, 1]'), ctx)).toBeNull();
    expect(classifyWebLlmError('weird', ctx)).toBeNull();
  });
});
