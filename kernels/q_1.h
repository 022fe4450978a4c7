/*
 * The block loop shared by the dot products of "_1" formats (Q4_1, Q5_1: a scale d and a
 * minimum m per block of 32) with Q8_1 activations (36-byte blocks: f16 d, f16 s = d * sum of
 * the quants, i8 qs[32]), in ggml's float order: per block t = (dx * dy) * sumi + mx * sy;
 * sum += t. Each block's (d, m) halves are its first four bytes.
 */
#ifndef KERNELS_Q_1_H
#define KERNELS_Q_1_H

#include "simd.h"

#define Q8_1_BLOCK 36

/* The 32 weights of a block from its 16 bytes of nibbles: weight j (low nibble of byte j) in
 * `lo`, weight j + 16 (high nibble) in `hi`. */
static inline void q_1_nibbles(v128_t qs, v128_t *lo, v128_t *hi) {
  const v128_t nibble = wasm_i8x16_splat(0x0f);
  *lo = wasm_v128_and(qs, nibble);
  /* a 16-bit shift then the mask: each byte keeps its own high nibble */
  *hi = wasm_v128_and(wasm_u16x8_shr(qs, 4), nibble);
}

/* A block's 32 products with a Q8_1 block y, as four partial i32 sums. The weights (0..31) fit
 * the relaxed dot product's 7-bit operand, so every engine computes each pair's sum exactly
 * (|sum| <= 2 * 31 * 128); the two halves' pair sums still fit i16 (<= 15,872), and one i16 dot
 * with 1s widens them to four i32 sums. */
static inline v128_t q_1_block_sums(v128_t lo, v128_t hi, const uint8_t *y) {
  const v128_t pairs = wasm_i16x8_add(wasm_i16x8_relaxed_dot_i8x16_i7x16(wasm_v128_load(y + 4), lo),
                                      wasm_i16x8_relaxed_dot_i8x16_i7x16(wasm_v128_load(y + 20), hi));
  return wasm_i32x4_dot_i16x8(pairs, wasm_i16x8_splat(1));
}

/* The float terms (dx * dy) * sumi + mx * sy of up to four blocks of a "_1" format (Q4_1,
 * Q5_1: a scale d and a minimum m per block) with Q8_1 blocks (d and s = d * sum of the quants),
 * as ggml computes each block's term: sumi holds the blocks' exact integer sums, xdm and yds
 * their (d, m) and (d, s) halves, one u32 per lane. */
static inline v128_t q_1_terms(v128_t sumi, v128_t xdm, v128_t yds) {
  v128_t dx, mx, dy, sy;
  /* Inf or NaN among the 16 halves (or a false alarm: their bits are or-ed) takes the
   * general conversion. */
  if (!any_special(wasm_v128_or(xdm, yds))) {
    dx = finite_high_halves_to_float(wasm_i32x4_shl(xdm, 16));
    mx = finite_high_halves_to_float(xdm);
    dy = finite_high_halves_to_float(wasm_i32x4_shl(yds, 16));
    sy = finite_high_halves_to_float(yds);
  } else {
    const v128_t lo16 = wasm_i32x4_splat(0xffff);
    dx = half_to_float(wasm_v128_and(xdm, lo16));
    mx = half_to_float(wasm_u32x4_shr(xdm, 16));
    dy = half_to_float(wasm_v128_and(yds, lo16));
    sy = half_to_float(wasm_u32x4_shr(yds, 16));
  }
  return wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(dx, dy), wasm_f32x4_convert_i32x4(sumi)),
                        wasm_f32x4_mul(mx, sy));
}

/* The blocks' integer sums: four at a time (lanes 0..3), or one (as four partial sums). */
typedef v128_t (*q_1_sums)(const uint8_t *x, const uint8_t *y);

static inline __attribute__((always_inline)) float q_1_dot(const uint8_t *x, const uint8_t *y,
                                                           int nb, size_t x_block,
                                                           q_1_sums sums4, q_1_sums sums1) {
  float sum = 0.0f;
  int i = 0;
  for (; i + 4 <= nb; i += 4) {
    const uint8_t *x0 = x + (size_t)i * x_block;
    const uint8_t *y0 = y + (size_t)i * Q8_1_BLOCK;
    const v128_t sumi = sums4(x0, y0);
    /* (d, m) of four x blocks and (d, s) of four y blocks, one u32 each. */
    const v128_t xdm = wasm_u32x4_make(u32_at(x0), u32_at(x0 + x_block), u32_at(x0 + 2 * x_block),
                                       u32_at(x0 + 3 * x_block));
    const v128_t yds =
        wasm_u32x4_make(u32_at(y0), u32_at(y0 + Q8_1_BLOCK), u32_at(y0 + 2 * Q8_1_BLOCK),
                        u32_at(y0 + 3 * Q8_1_BLOCK));
    sum = add_lanes(sum, q_1_terms(sumi, xdm, yds), 4);
  }
  /* a 576-wide row (18 blocks) ends with two: one pass for both */
  if (i + 2 <= nb) {
    const uint8_t *x0 = x + (size_t)i * x_block;
    const uint8_t *y0 = y + (size_t)i * Q8_1_BLOCK;
    const v128_t zero = wasm_i32x4_splat(0);
    const v128_t sumi = sum4(sums1(x0, y0), sums1(x0 + x_block, y0 + Q8_1_BLOCK), zero, zero);
    const v128_t xdm = wasm_u32x4_make(u32_at(x0), u32_at(x0 + x_block), 0, 0);
    const v128_t yds = wasm_u32x4_make(u32_at(y0), u32_at(y0 + Q8_1_BLOCK), 0, 0);
    sum = add_lanes(sum, q_1_terms(sumi, xdm, yds), 2);
    i += 2;
  }
  if (i < nb) {
    const uint8_t *x0 = x + (size_t)i * x_block;
    const uint8_t *y0 = y + (size_t)i * Q8_1_BLOCK;
    const v128_t zero = wasm_i32x4_splat(0);
    const v128_t sumi = sum4(sums1(x0, y0), zero, zero, zero);
    const v128_t xdm = wasm_u32x4_make(u32_at(x0), 0, 0, 0);
    const v128_t yds = wasm_u32x4_make(u32_at(y0), 0, 0, 0);
    sum = add_lanes(sum, q_1_terms(sumi, xdm, yds), 1);
  }
  return sum;
}

#endif
