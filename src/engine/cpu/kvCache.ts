// The KV cache and attention path the CPU engine asks llama.cpp for (docs/benchmarks.md, "KV
// cache type and attention path"). wasm has no f16 instructions: with flash attention, ggml's
// wasm build converts every cached value one at a time and accumulates V in f16, while without
// it both attention products run through `ggml_vec_dot_f16_f32`, which this project's kernel
// replaces (kernels/f16_f32.c). So by default ('auto') the cache stays f16 and flash attention
// is turned off: decode 1.2x faster at an 82-token context and 2.4x at 663 tokens; greedy
// answers may part from flash attention's only at near-ties, as native llama.cpp's own paths
// do (e2e/kv-cache.spec.ts). Without flash attention llama.cpp keeps a micro-batch's whole
// score matrix, so this is chosen only when that fits SCORES_BUDGET; otherwise, or when the
// GGUF does not say, wllama's defaults stay (f16, flash attention auto). 'f32' (opt-in) asks
// for an f32 cache without flash attention: faster still, but in this build its greedy answers
// part from native llama.cpp's with the same settings.

/** Most bytes the score matrix may take without flash attention (the default model at 4096
 * tokens: 72 MiB; llama.cpp reports an 87.5 MiB compute buffer vs 18.7 MiB with it). */
export const SCORES_BUDGET = 160 * 2 ** 20;
/**
 * Most bytes the f32 cache plus the score matrix may take ('f32'). The default model at 4096
 * tokens: 180 MiB + 72 MiB.
 */
export const KV_F32_BUDGET = 320 * 2 ** 20;
/** llama.cpp's default micro-batch: the rows of the score matrix without flash attention. */
const N_UBATCH = 512;

/** 'auto': f16 without flash attention when the scores fit; 'f32': an f32 cache without it when
 * cache and scores fit; 'default': wllama's defaults. */
export type KvMode = 'auto' | 'f32' | 'default';

export type KvChoice =
  | {
      cache: 'f32';
      bytes: number;
      params: { cache_type_k: 'f32'; cache_type_v: 'f32'; flash_attn: false };
    }
  | { cache: 'f16'; bytes: number; params: { flash_attn: false } }
  | { cache: 'default'; bytes: number | null; params: Record<string, never> };

const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v) && v.length > 0) {
    const xs = v.map(num);
    return xs.every((x) => x !== null) ? Math.max(...(xs as number[])) : null;
  }
  return null;
};

/**
 * Bytes of an f32 KV cache of `nCtx` cells for a GGUF's hyperparameters (`kv`: its key/value
 * pairs), or null when they are missing: n_ctx x layers x (K + V widths) x 4.
 */
export function f32KvBytes(kv: Record<string, unknown>, arch: string, nCtx: number): number | null {
  const layers = num(kv[`${arch}.block_count`]);
  const embd = num(kv[`${arch}.embedding_length`]);
  const heads = num(kv[`${arch}.attention.head_count`]);
  const headsKv = num(kv[`${arch}.attention.head_count_kv`]) ?? heads;
  if (layers === null || headsKv === null) return null;
  const headDim = embd !== null && heads ? embd / heads : null;
  const kLen = num(kv[`${arch}.attention.key_length`]) ?? headDim;
  const vLen = num(kv[`${arch}.attention.value_length`]) ?? headDim;
  if (kLen === null || vLen === null) return null;
  return nCtx * layers * headsKv * (kLen + vLen) * 4;
}

/** Bytes of one layer's f32 attention scores for a full micro-batch without flash attention. */
export function scoreBytes(kv: Record<string, unknown>, arch: string, nCtx: number): number | null {
  const heads = num(kv[`${arch}.attention.head_count`]);
  return heads === null ? null : nCtx * N_UBATCH * heads * 4;
}

/**
 * The cache and attention path for `mode` (see KvMode); `bytes`: what the choice adds besides
 * an f16 cache (the scores, plus the f32 cache for 'f32'), null when the GGUF does not say.
 */
export function chooseKvCache(
  kv: Record<string, unknown>,
  arch: string,
  nCtx: number,
  mode: KvMode = 'auto',
): KvChoice {
  const scores = scoreBytes(kv, arch, nCtx);
  if (mode === 'f32') {
    const cache = f32KvBytes(kv, arch, nCtx);
    const bytes = cache !== null && scores !== null ? cache + scores : null;
    if (bytes !== null && bytes <= KV_F32_BUDGET)
      return {
        cache: 'f32',
        bytes,
        params: { cache_type_k: 'f32', cache_type_v: 'f32', flash_attn: false },
      };
    return { cache: 'default', bytes, params: {} };
  }
  if (mode === 'auto' && scores !== null && scores <= SCORES_BUDGET)
    return { cache: 'f16', bytes: scores, params: { flash_attn: false } };
  return { cache: 'default', bytes: scores, params: {} };
}

/**
 * What llama.cpp says it set up, from its load log: the K cache type ("llama_kv_cache: ...
 * K (f32): ...") and the attention path ("flash attention is disabled" / "flash_attn = auto").
 */
export function kvFactsFromLog(lines: readonly string[]): {
  kvType: string | null;
  flashAttn: string | null;
} {
  let kvType: string | null = null;
  let flashAttn: string | null = null;
  for (const l of lines) {
    const k = /\bK \((\w+)\)/.exec(l);
    if (k && /kv_cache/.test(l)) kvType = k[1] ?? null;
    const f = /flash[_ ]att(?:n|ention)\s*(?:=|is)\s*(\w+)/i.exec(l);
    if (f) flashAttn = f[1] ?? null;
  }
  return { kvType, flashAttn };
}
