import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import {
  adapterProblems,
  buildAppConfig,
  catalogEntries,
  cleanModelUrl,
  customModelId,
  customModelProblems,
  customModelRecord,
  DEFAULT_WEBGPU_MODEL,
  entryLabel,
  f32Alternative,
  formatBytes,
  formatMB,
  judgeModel,
  modelFileUrl,
  needsShaderF16,
  pickDefaultModel,
  type AdapterSummary,
  type ModelRecordLike,
} from './modelCatalog';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A desktop GPU without shader-f16 (like Chromium's SwiftShader adapter). */
const noF16: AdapterSummary = {
  description: 'test',
  features: ['float32-filterable'],
  maxBufferSize: 2 * GiB,
  maxStorageBufferBindingSize: 2 * GiB,
  maxComputeWorkgroupStorageSize: 32 * 1024,
  maxStorageBuffersPerShaderStage: 10,
};
const withF16: AdapterSummary = { ...noF16, features: ['shader-f16'] };

const rec = (id: string, extra: Partial<ModelRecordLike> = {}): ModelRecordLike => ({
  model: `https://huggingface.co/mlc-ai/${id}`,
  model_id: id,
  model_lib: `https://example.org/${id}.wasm`,
  vram_required_MB: 500,
  low_resource_required: true,
  ...extra,
});

describe('needsShaderF16', () => {
  it('reads the record feature and f16 quantizations in the id', () => {
    expect(needsShaderF16(rec('A-q4f32_1-MLC', { required_features: ['shader-f16'] }))).toBe(true);
    expect(needsShaderF16(rec('Llama-3.2-1B-Instruct-q4f16_1-MLC'))).toBe(true);
    expect(needsShaderF16(rec('SmolLM2-360M-Instruct-q0f16-MLC'))).toBe(true);
    expect(needsShaderF16(rec('Llama-3-70B-Instruct-q3f16_1-MLC'))).toBe(true);
    expect(needsShaderF16(rec('SmolLM2-360M-Instruct-q4f32_1-MLC'))).toBe(false);
    expect(needsShaderF16(rec('Qwen3-0.6B-q0f32-MLC'))).toBe(false);
  });
});

describe('judgeModel', () => {
  it('marks f16 models unsupported without shader-f16, supported with it', () => {
    const r = rec('X-q4f16_1-MLC');
    const no = judgeModel(r, noF16);
    expect(no.supported).toBe(false);
    expect(no.reasons).toEqual(['needs shader-f16, which this GPU does not offer']);
    expect(judgeModel(r, withF16).supported).toBe(true);
    expect(judgeModel(rec('X-q4f32_1-MLC'), noF16)).toMatchObject({
      supported: true,
      reasons: [],
      needsShaderF16: false,
    });
  });

  it('checks the storage buffer size a model needs against the adapter limit', () => {
    const r = rec('gemma-2b-it-q4f32_1-MLC', { buffer_size_required_bytes: 262144000 });
    expect(judgeModel(r, noF16).supported).toBe(true);
    const small = { ...noF16, maxStorageBufferBindingSize: 128 * MiB };
    const j = judgeModel(r, small);
    expect(j.supported).toBe(false);
    expect(j.reasons[0]).toMatch(/needs 250\.0 MiB storage buffers; this GPU allows 128\.0 MiB/);
  });

  it('warns about models not built for low-resource GPUs on a low-resource adapter', () => {
    const small = { ...noF16, maxStorageBufferBindingSize: 512 * MiB };
    const big = rec('Llama-3.1-8B-Instruct-q4f32_1-MLC', { low_resource_required: false });
    expect(judgeModel(big, small)).toMatchObject({ supported: true });
    expect(judgeModel(big, small).warnings[0]).toMatch(/low-resource/);
    expect(judgeModel(big, noF16).warnings).toEqual([]);
    expect(judgeModel(rec('Small-q4f32_1-MLC'), small).warnings).toEqual([]);
  });

  it('refuses everything on an adapter below WebLLM minimums, or without an adapter', () => {
    const tiny = { ...noF16, maxBufferSize: 128 * MiB, maxStorageBuffersPerShaderStage: 8 };
    expect(adapterProblems(tiny)).toHaveLength(2);
    expect(judgeModel(rec('A-q4f32_1-MLC'), tiny).supported).toBe(false);
    expect(judgeModel(rec('A-q4f32_1-MLC'), null)).toMatchObject({
      supported: false,
      reasons: ['no WebGPU adapter'],
    });
  });

  it('lists other required features', () => {
    const r = rec('A-q4f32_1-MLC', { required_features: ['subgroups'] });
    expect(judgeModel(r, noF16).reasons).toEqual(['needs subgroups']);
  });
});

describe('catalogEntries and pickDefaultModel on WebLLM 0.2.86 prebuilt list', () => {
  const list = prebuiltAppConfig.model_list;
  const entries = catalogEntries(list, noF16);

  it('leaves out embedding models and keeps every chat model', () => {
    expect(entries.some((e) => e.modelId.startsWith('snowflake-arctic-embed'))).toBe(false);
    expect(entries.length).toBe(list.filter((r) => r.model_type !== 1).length);
    expect(entries.length).toBeGreaterThan(100);
  });

  it('flags every f16 model unsupported without shader-f16, and lists supported ones first', () => {
    for (const e of entries) expect(e.supported).toBe(!/q\d+f16/.test(e.modelId));
    const firstUnsupported = entries.findIndex((e) => !e.supported);
    expect(entries.slice(firstUnsupported).every((e) => !e.supported)).toBe(true);
    const smol = entries.find((e) => e.modelId === 'SmolLM2-360M-Instruct-q4f32_1-MLC')!;
    expect(smol).toMatchObject({ vramMB: 579.61, lowResource: true, contextWindow: 4096 });
  });

  it('defaults to a small model that needs no shader-f16', () => {
    expect(pickDefaultModel(entries)).toBe(DEFAULT_WEBGPU_MODEL);
    expect(needsShaderF16({ model_id: DEFAULT_WEBGPU_MODEL })).toBe(false);
    // without the preferred one: the smallest non-f16 model
    const rest = entries.filter((e) => e.modelId !== DEFAULT_WEBGPU_MODEL);
    const pick = rest.find((e) => e.modelId === pickDefaultModel(rest))!;
    expect(pick.needsShaderF16).toBe(false);
    const smallest = Math.min(
      ...rest.filter((e) => e.supported && !e.vision).map((e) => e.vramMB ?? Infinity),
    );
    expect(pick.vramMB).toBe(smallest);
    expect(pickDefaultModel(catalogEntries(list, null))).toBeNull();
  });

  it('suggests the f32 twin of an f16 model', () => {
    expect(f32Alternative('SmolLM2-360M-Instruct-q4f16_1-MLC', entries)).toBe(
      'SmolLM2-360M-Instruct-q4f32_1-MLC',
    );
    expect(f32Alternative('SmolLM2-360M-Instruct-q4f32_1-MLC', entries)).toBeNull();
    expect(f32Alternative('Nope-q4f16_1-MLC', entries)).toBeNull();
  });
});

describe('URLs and the app config', () => {
  it('resolves model URLs the way WebLLM does', () => {
    const hf = 'https://huggingface.co/mlc-ai/M-q4f32_1-MLC';
    expect(cleanModelUrl(hf)).toBe(`${hf}/resolve/main/`);
    expect(cleanModelUrl(`${hf}/`)).toBe(`${hf}/resolve/main/`);
    expect(cleanModelUrl(`${hf}/resolve/dev`)).toBe(`${hf}/resolve/dev/`);
    expect(cleanModelUrl(`${hf}/resolve/dev/`)).toBe(`${hf}/resolve/dev/`);
    expect(modelFileUrl(hf, 'tokenizer_config.json')).toBe(
      `${hf}/resolve/main/tokenizer_config.json`,
    );
    expect(cleanModelUrl('/models/m', 'http://localhost:4173/index.html')).toBe(
      'http://localhost:4173/models/m/resolve/main/',
    );
  });

  it('names custom models after their URL and checks their URLs', () => {
    expect(customModelId('https://huggingface.co/me/My-Model-q4f32_1-MLC')).toBe(
      'custom:My-Model-q4f32_1-MLC',
    );
    expect(customModelId('https://huggingface.co/me/My-Model-q4f32_1-MLC/resolve/main/')).toBe(
      'custom:My-Model-q4f32_1-MLC',
    );
    expect(customModelProblems('', '')).toHaveLength(2);
    expect(customModelProblems('ftp://x', 'https://x/lib.wasm')[0]).toMatch(/http/);
    expect(customModelProblems('https://x/m', 'https://x/lib.js')[0]).toMatch(/\.wasm/);
    expect(customModelProblems('https://x/m', 'https://x/lib.wasm')).toEqual([]);
  });

  it('puts custom models first, replacing a prebuilt one with the same id, on the Cache API', () => {
    const prebuilt = [rec('A-q4f32_1-MLC'), rec('B-q4f32_1-MLC')];
    const custom = {
      modelId: 'B-q4f32_1-MLC',
      modelUrl: 'https://example.org/B',
      modelLibUrl: 'https://example.org/B.wasm',
    };
    const cfg = buildAppConfig(prebuilt, [custom]);
    expect(cfg.cacheBackend).toBe('cache');
    expect(cfg.model_list.map((r) => [r.model_id, r.model])).toEqual([
      ['B-q4f32_1-MLC', 'https://example.org/B'],
      ['A-q4f32_1-MLC', prebuilt[0]!.model],
    ]);
    expect(
      customModelRecord({ ...custom, modelId: 'custom:C-q4f16_1-MLC' }).required_features,
    ).toEqual(['shader-f16']);
    expect(customModelRecord(custom).required_features).toBeUndefined();
  });
});

describe('formatting', () => {
  it('formats VRAM and bytes', () => {
    expect(formatMB(579.61)).toBe('580 MB');
    expect(formatMB(1128.82)).toBe('1.1 GB');
    expect(formatMB(null)).toBe('VRAM unknown');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * MiB)).toBe('5.0 MiB');
    expect(formatBytes(3 * GiB)).toBe('3.00 GiB');
  });

  it('labels picker entries with VRAM and the reason when unsupported', () => {
    expect(entryLabel(judgeModel(rec('A-q4f32_1-MLC'), noF16))).toBe('A-q4f32_1-MLC · 500 MB');
    expect(entryLabel(judgeModel(rec('A-q4f16_1-MLC'), noF16))).toBe(
      'A-q4f16_1-MLC · 500 MB — needs shader-f16, which this GPU does not offer',
    );
  });
});
