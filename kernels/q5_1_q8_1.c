/*
 * Dot product of Q5_1 weight rows with Q8_1 activations, for wllama.wasm (memory64).
 *
 * Replaces the body of ggml's `ggml_vec_dot_q5_1_q8_1`, whose wasm build is generic scalar
 * code that the compiler vectorised 4 lanes at a time. Same signature:
 *   void (int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by,
 *         int nrc)
 * and the same arithmetic: each block's integer sum is exact, and the float steps are done in
 * the same order as ggml's reference (per block t = (dx * dy) * sumi + mx * sy; sum += t), so the
 * result is bit-identical.
 *
 * Block layouts (from ggml's format):
 *   Q5_1, 24 bytes per 32 weights: f16 d, f16 m, u32 qh (bit j = bit 4 of weight j),
 *         u8 qs[16] (weight j in the low nibble of byte j, weight j + 16 in the high nibble).
 *         weight = d * q + m, q in 0..31.
 *   Q8_1, 36 bytes per 32 values: f16 d, f16 s (= d * sum of the 32 q), i8 qs[32].
 *
 * A leaf: no calls, no globals, no data; it reads only its arguments' memory.
 */
#include "q_1.h"

#define QK 32
#define X_BLOCK 24
#define Y_BLOCK Q8_1_BLOCK

/* Bit 4 of each of the 32 weights of a block, as bytes 0x10 or 0, weights 0..15 and 16..31. */
static inline void high_bits(const uint8_t *qh, v128_t *lo, v128_t *hi) {
  const v128_t bits = load_u32(qh);
  const v128_t select = wasm_u8x16_const(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
  const v128_t b01 = wasm_i8x16_swizzle(bits, wasm_u8x16_const(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const v128_t b23 = wasm_i8x16_swizzle(bits, wasm_u8x16_const(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const v128_t sixteen = wasm_i8x16_splat(0x10);
  *lo = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b01, select), select), sixteen);
  *hi = wasm_v128_and(wasm_i8x16_eq(wasm_v128_and(b23, select), select), sixteen);
}

/* 32 products of one block, as four partial i32 sums. x in 0..31, y in -128..127. With
 * `no_high_bits` the caller has checked that qh is 0 (bit 4 of every weight is clear), and the
 * bits are not expanded. */
static inline v128_t block_dot(const uint8_t *x, const uint8_t *y, int no_high_bits) {
  v128_t lo, hi;
  q_1_nibbles(wasm_v128_load(x + 8), &lo, &hi);
  if (!no_high_bits) {
    v128_t hlo, hhi;
    high_bits(x + 4, &hlo, &hhi);
    lo = wasm_v128_or(lo, hlo);
    hi = wasm_v128_or(hi, hhi);
  }
  return q_1_block_sums(lo, hi, y);
}

/* Four blocks' integer sums; a row whose blocks use only 16 levels (a Q4_1 block stored as
 * Q5_1 has qh = 0) skips the high-bit expansion. */
static inline v128_t block_dots4(const uint8_t *x0, const uint8_t *y0) {
  const uint32_t qh = u32_at(x0 + 4) | u32_at(x0 + X_BLOCK + 4) | u32_at(x0 + 2 * X_BLOCK + 4) |
                      u32_at(x0 + 3 * X_BLOCK + 4);
  if (qh == 0) {
    return sum4(block_dot(x0, y0, 1), block_dot(x0 + X_BLOCK, y0 + Y_BLOCK, 1),
                block_dot(x0 + 2 * X_BLOCK, y0 + 2 * Y_BLOCK, 1),
                block_dot(x0 + 3 * X_BLOCK, y0 + 3 * Y_BLOCK, 1));
  }
  return sum4(block_dot(x0, y0, 0), block_dot(x0 + X_BLOCK, y0 + Y_BLOCK, 0),
              block_dot(x0 + 2 * X_BLOCK, y0 + 2 * Y_BLOCK, 0),
              block_dot(x0 + 3 * X_BLOCK, y0 + 3 * Y_BLOCK, 0));
}

/* One block's sums, with the high-bit check for it alone. */
static inline v128_t block_dot1(const uint8_t *x0, const uint8_t *y0) {
  return block_dot(x0, y0, u32_at(x0 + 4) == 0);
}

__attribute__((export_name("ggml_vec_dot_q5_1_q8_1"))) void
vec_dot_q5_1_q8_1(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy,
                  size_t by, int nrc) {
  (void)bs;
  (void)bx;
  (void)by;
  (void)nrc;
  *s = q_1_dot((const uint8_t *)vx, (const uint8_t *)vy, n / QK, X_BLOCK, block_dots4, block_dot1);
}
