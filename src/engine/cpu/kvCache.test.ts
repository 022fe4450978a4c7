import { describe, expect, it } from 'vitest';
import { chooseKvCache, f32KvBytes, kvFactsFromLog, scoreBytes } from './kvCache';

// SmolLM2-135M's hyperparameters (30 layers, 9 heads, 3 KV heads of 64)
const smol = {
  'llama.block_count': 30,
  'llama.embedding_length': 576,
  'llama.attention.head_count': 9,
  'llama.attention.head_count_kv': 3,
};

describe('KV cache choice', () => {
  it('sizes an f32 cache as llama.cpp reports it, and the score matrix', () => {
    // llama.cpp: "size = 90.00 MiB (2048 cells, 30 layers), K (f32): 45.00 MiB, V (f32): 45.00 MiB"
    expect(f32KvBytes(smol, 'llama', 2048)).toBe(90 * 2 ** 20);
    expect(f32KvBytes({ ...smol, 'llama.attention.key_length': 128 }, 'llama', 2048)).toBe(
      135 * 2 ** 20,
    );
    expect(f32KvBytes({ 'llama.block_count': 30 }, 'llama', 2048)).toBeNull();
    expect(scoreBytes(smol, 'llama', 4096)).toBe(72 * 2 ** 20); // 4096 x 512 x 9 heads x 4
    expect(scoreBytes({}, 'llama', 4096)).toBeNull();
  });

  it('by default keeps the f16 cache and turns flash attention off when the scores fit', () => {
    const small = chooseKvCache(smol, 'llama', 4096);
    expect(small).toEqual({ cache: 'f16', bytes: 72 * 2 ** 20, params: { flash_attn: false } });
    // 8192 tokens: 144 MiB of scores, still under 160 MiB; 16384: 288 MiB, over
    expect(chooseKvCache(smol, 'llama', 8192).cache).toBe('f16');
    const long = chooseKvCache(smol, 'llama', 16384);
    expect(long.cache).toBe('default');
    expect(long.params).toEqual({});
    // a model with 32 heads at 4096 tokens: 256 MiB of scores, flash attention stays
    expect(chooseKvCache({ ...smol, 'llama.attention.head_count': 32 }, 'llama', 4096).cache).toBe(
      'default',
    );
    expect(chooseKvCache({}, 'llama', 4096).cache).toBe('default');
    expect(chooseKvCache(smol, 'llama', 4096, 'default')).toEqual({
      cache: 'default',
      bytes: 72 * 2 ** 20,
      params: {},
    });
  });

  it("'f32' picks f32 without flash attention when cache and scores fit, else the defaults", () => {
    const small = chooseKvCache(smol, 'llama', 4096, 'f32');
    expect(small.cache).toBe('f32');
    expect(small.bytes).toBe((180 + 72) * 2 ** 20);
    expect(small.params).toEqual({ cache_type_k: 'f32', cache_type_v: 'f32', flash_attn: false });
    expect(chooseKvCache(smol, 'llama', 8192, 'f32').cache).toBe('default');
    const big = chooseKvCache({ ...smol, 'llama.block_count': 100 }, 'llama', 4096, 'f32');
    expect(big.cache).toBe('default');
    expect(big.params).toEqual({});
    expect(chooseKvCache({}, 'llama', 4096, 'f32').cache).toBe('default');
  });

  it("reads llama.cpp's load log", () => {
    expect(
      kvFactsFromLog([
        'llama_context: flash_attn            = disabled',
        'llama_kv_cache: size =   90.00 MiB (  2048 cells,  30 layers,  1/1 seqs), K (f32):   45.00 MiB, V (f32):   45.00 MiB',
      ]),
    ).toEqual({ kvType: 'f32', flashAttn: 'disabled' });
    expect(
      kvFactsFromLog([
        'llama_context: flash_attn            = auto',
        'llama_kv_cache: size = 45.00 MiB, K (f16): 22.50 MiB, V (f16): 22.50 MiB',
        'llama_context: flash attention is enabled',
      ]),
    ).toEqual({ kvType: 'f16', flashAttn: 'enabled' });
  });
});
