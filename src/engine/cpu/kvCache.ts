// The KV cache the CPU engine asks llama.cpp for. In the wasm build, an f32 cache without
// flash attention decodes 1.2-1.3x (82-token context) to 2.7x (663 tokens) faster than wllama's
// default f16 cache with flash attention (docs/benchmarks.md, "KV cache type and attention"):
// wasm has no f16 conversion instructions, so ggml converts every cached value one at a time,
// while f32 attention runs on its SIMD f32 code. f32 doubles the cache's memory, and without
// flash attention llama.cpp keeps a batch's whole attention-score matrix, so this is chosen
// only when both fit KV_F32_BUDGET; otherwise wllama's defaults stay.

/**
 * Most bytes the f32 cache plus the score matrix may take. The default model at 4096 tokens:
 * 180 MiB + 72 MiB (llama.cpp reports a 180 MiB cache and an 87.5 MiB compute buffer, vs
 * 90 MiB and 18.7 MiB with its defaults).
 */
export const KV_F32_BUDGET = 320 * 2 ** 20;
/** llama.cpp's default micro-batch: the rows of the score matrix without flash attention. */
const N_UBATCH = 512;

export type KvChoice =
  | {
      cache: 'f32';
      bytes: number;
      params: { cache_type_k: 'f32'; cache_type_v: 'f32'; flash_attn: false };
    }
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
 * f32 cache, flash attention off, when the f32 cache and the score matrix fit the budget; else
 * wllama's defaults. `bytes`: the two together (null when the GGUF does not say).
 */
export function chooseKvCache(
  kv: Record<string, unknown>,
  arch: string,
  nCtx: number,
  budget = KV_F32_BUDGET,
): KvChoice {
  const cache = f32KvBytes(kv, arch, nCtx);
  const scores = scoreBytes(kv, arch, nCtx);
  const bytes = cache !== null && scores !== null ? cache + scores : null;
  if (bytes !== null && bytes <= budget)
    return {
      cache: 'f32',
      bytes,
      params: { cache_type_k: 'f32', cache_type_v: 'f32', flash_attn: false },
    };
  return { cache: 'default', bytes, params: {} };
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
