/*
 * Dot product of Q4_1 weight rows with Q8_1 activations, for wllama.wasm (memory64): replaces
 * the body of ggml's `ggml_vec_dot_q4_1_q8_1`, whose wasm build is generic scalar code (the
 * original SmolLM2 file that `npm run models` keeps beside the converted default is Q4_1).
 * Same signature as q5_1_q8_1.c, and the same arithmetic: each block's integer sum is exact,
 * and the float steps are ggml's (per block t = (dx * dy) * sumi + mx * sy; sum += t), so the
 * result is bit-identical.
 *
 * Block layouts (ggml's format):
 *   Q4_1, 20 bytes per 32 weights: f16 d, f16 m, u8 qs[16] (weight j in the low nibble of
 *         byte j, weight j + 16 in the high nibble). weight = d * q + m, q in 0..15.
 *   Q8_1, 36 bytes per 32 values: f16 d, f16 s (= d * sum of the 32 q), i8 qs[32].
 *
 * A leaf: no calls, no globals, no data; it reads only its arguments' memory.
 */
#include "q_1.h"

#define QK 32
#define X_BLOCK 20
#define Y_BLOCK Q8_1_BLOCK

/* 32 products of one block, as four partial i32 sums. */
static inline v128_t block_dot(const uint8_t *x, const uint8_t *y) {
  v128_t lo, hi;
  q_1_nibbles(wasm_v128_load(x + 4), &lo, &hi);
  return q_1_block_sums(lo, hi, y);
}

/* Four blocks' sums, one per lane. */
static inline v128_t block_dots4(const uint8_t *x0, const uint8_t *y0) {
  return sum4(block_dot(x0, y0), block_dot(x0 + X_BLOCK, y0 + Y_BLOCK),
              block_dot(x0 + 2 * X_BLOCK, y0 + 2 * Y_BLOCK),
              block_dot(x0 + 3 * X_BLOCK, y0 + 3 * Y_BLOCK));
}

__attribute__((export_name("ggml_vec_dot_q4_1_q8_1"))) void
vec_dot_q4_1_q8_1(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy,
                  size_t by, int nrc) {
  (void)bs;
  (void)bx;
  (void)by;
  (void)nrc;
  *s = q_1_dot((const uint8_t *)vx, (const uint8_t *)vy, n / QK, X_BLOCK, block_dots4, block_dot);
}
