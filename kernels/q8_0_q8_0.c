/*
 * Dot product of Q8_0 rows with Q8_0 activations, for wllama.wasm (memory64): replaces the body
 * of ggml's `ggml_vec_dot_q8_0_q8_0` (same signature as q5_1_q8_1.c). In SmolLM2 this is the
 * output matrix (the tied token embedding, 49,152 x 576), run once per generated token.
 *
 * Block layout (ggml's format), 34 bytes per 32 values: f16 d, i8 qs[32]; value = d * q.
 *
 * Products of two i8 fit in i16, and i32x4.dot_i16x8_s sums them pairwise exactly: no relaxed
 * instruction is needed, and any i8 (also -128) gives the exact sum. The float steps follow
 * ggml's order (per block sum += (float)sumi * (dx * dy)), so the result is bit-identical.
 */
#include "simd.h"

#define QK 32
#define BLOCK 34

static inline v128_t dot16(v128_t x, v128_t y) {
  return wasm_i32x4_add(
      wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(x), wasm_i16x8_extend_low_i8x16(y)),
      wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(x), wasm_i16x8_extend_high_i8x16(y)));
}

/* 32 products of one block, as four partial i32 sums. */
static inline v128_t block_dot(const uint8_t *x, const uint8_t *y) {
  return wasm_i32x4_add(dot16(wasm_v128_load(x + 2), wasm_v128_load(y + 2)),
                        dot16(wasm_v128_load(x + 18), wasm_v128_load(y + 18)));
}

/* `sum` plus the terms of `count` (4, 2 or 1) blocks, in ggml's order: per block
 * sum += (float)sumi * (dx * dy). */
static inline __attribute__((always_inline)) float blocks(const uint8_t *x0, const uint8_t *y0,
                                                          int count, float sum) {
  const v128_t zero = wasm_i32x4_splat(0);
  const v128_t sumi =
      sum4(block_dot(x0, y0), count > 1 ? block_dot(x0 + BLOCK, y0 + BLOCK) : zero,
           count > 2 ? block_dot(x0 + 2 * BLOCK, y0 + 2 * BLOCK) : zero,
           count > 2 ? block_dot(x0 + 3 * BLOCK, y0 + 3 * BLOCK) : zero);
  const v128_t dx = half_to_float(wasm_u32x4_make(u16_at(x0), count > 1 ? u16_at(x0 + BLOCK) : 0,
                                                  count > 2 ? u16_at(x0 + 2 * BLOCK) : 0,
                                                  count > 2 ? u16_at(x0 + 3 * BLOCK) : 0));
  const v128_t dy = half_to_float(wasm_u32x4_make(u16_at(y0), count > 1 ? u16_at(y0 + BLOCK) : 0,
                                                  count > 2 ? u16_at(y0 + 2 * BLOCK) : 0,
                                                  count > 2 ? u16_at(y0 + 3 * BLOCK) : 0));
  return add_lanes(sum, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sumi), wasm_f32x4_mul(dx, dy)),
                   count);
}

__attribute__((export_name("ggml_vec_dot_q8_0_q8_0"))) void
vec_dot_q8_0_q8_0(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy,
                  size_t by, int nrc) {
  (void)bs;
  (void)bx;
  (void)by;
  (void)nrc;
  const uint8_t *x = (const uint8_t *)vx;
  const uint8_t *y = (const uint8_t *)vy;
  const int nb = n / QK;
  float sum = 0.0f;
  int i = 0;
  for (; i + 4 <= nb; i += 4) sum = blocks(x + (size_t)i * BLOCK, y + (size_t)i * BLOCK, 4, sum);
  /* a 576-wide row (18 blocks) ends with two: one pass for both */
  if (i + 2 <= nb) {
    sum = blocks(x + (size_t)i * BLOCK, y + (size_t)i * BLOCK, 2, sum);
    i += 2;
  }
  if (i < nb) sum = blocks(x + (size_t)i * BLOCK, y + (size_t)i * BLOCK, 1, sum);
  *s = sum;
}
