/*
 * Dot product of Q4_K rows with Q8_K activations, for wllama.wasm (memory64): replaces the body
 * of ggml's `ggml_vec_dot_q4_K_q8_K` (same signature as q5_1_q8_1.c). In the default model this
 * is ffn_down (1,536-wide rows).
 *
 * Block layouts (ggml's format):
 *   Q4_K, 144 bytes per 256 weights: f16 d, f16 dmin, u8 scales[12], u8 qs[128].
 *         Eight sub-blocks of 32, each with a 6-bit scale sc and a 6-bit min m packed in
 *         `scales`: for j < 4, sc = scales[j] & 63 and m = scales[j + 4] & 63; for j >= 4,
 *         sc = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4 and
 *         m = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4.
 *         Bytes qs[32c .. 32c + 31] hold sub-block 2c in their low nibbles and 2c + 1 in their
 *         high nibbles. weight = d * sc * q - dmin * m, q in 0..15.
 *   Q8_K, 292 bytes per 256 values: f32 d, i8 qs[256], i16 bsums[16] (sums of 16 qs each).
 *
 * The result is bit-identical to ggml's wasm build of this function, whose float steps depend
 * on how it groups the integer sums: two i32x4 accumulators per block, lane k of the first
 * summing sc_j * q * y over the weights 8g + k of every sub-block j (g = 0..3), the second the
 * same for 8g + 4 + k. These exact integers are computed here with fewer instructions (i16
 * products summed per lane, then scaled two sub-blocks at a time by i32x4.dot_i16x8_s), and
 * the floats follow the same order: per block mins -= (dmin * dy) * summs and
 * acc += (d * dy) * lanes; at the end mins + the 8 lanes in order.
 */
#include "simd.h"

#define QK 256
#define X_BLOCK 144
#define Y_BLOCK 292

/* One half -> float (exact, Inf and NaN too). */
static inline float half_at(const uint8_t *p) {
  return wasm_f32x4_extract_lane(half_to_float(wasm_i32x4_splat((int32_t)u16_at(p))), 0);
}

static inline float f32_at(const uint8_t *p) {
  float v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* Sum over g of x[8g + k] * y[8g + k], k = 0..7, for one sub-block of 32 (as i16: |sum| <=
 * 4 * 15 * 128). */
static inline v128_t lane_sums(v128_t x0, v128_t x1, const uint8_t *y) {
  const v128_t y0 = wasm_v128_load(y);
  const v128_t y1 = wasm_v128_load(y + 16);
  return wasm_i16x8_add(
      wasm_i16x8_add(wasm_i16x8_extmul_low_i8x16(x0, y0), wasm_i16x8_extmul_high_i8x16(x0, y0)),
      wasm_i16x8_add(wasm_i16x8_extmul_low_i8x16(x1, y1), wasm_i16x8_extmul_high_i8x16(x1, y1)));
}

__attribute__((export_name("ggml_vec_dot_q4_K_q8_K"))) void
vec_dot_q4_K_q8_K(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy,
                  size_t by, int nrc) {
  (void)bs;
  (void)bx;
  (void)by;
  (void)nrc;
  const uint8_t *x = (const uint8_t *)vx;
  const uint8_t *y = (const uint8_t *)vy;
  const int nb = n / QK;
  float mins = 0.0f;
  v128_t acc_lo = wasm_f32x4_splat(0.0f);
  v128_t acc_hi = wasm_f32x4_splat(0.0f);
  const v128_t low_nibble = wasm_i8x16_splat(0x0f);
  for (int i = 0; i < nb; i++) {
    const uint8_t *xb = x + (size_t)i * X_BLOCK;
    const uint8_t *yb = y + (size_t)i * Y_BLOCK;
    /* the eight 6-bit scales and mins, one per byte */
    const uint32_t s0 = u32_at(xb + 4), s1 = u32_at(xb + 8), s2 = u32_at(xb + 12);
    const uint64_t sc = (uint64_t)(s0 & 0x3f3f3f3fu) |
                        (uint64_t)((s2 & 0x0f0f0f0fu) | ((s0 >> 6) & 0x03030303u) << 4) << 32;
    const uint64_t mn = (uint64_t)(s1 & 0x3f3f3f3fu) |
                        (uint64_t)(((s2 >> 4) & 0x0f0f0f0fu) | ((s1 >> 6) & 0x03030303u) << 4)
                            << 32;
    const v128_t sc16 = wasm_u16x8_extend_low_u8x16(wasm_i64x2_splat((int64_t)sc));
    const v128_t mn16 = wasm_u16x8_extend_low_u8x16(wasm_i64x2_splat((int64_t)mn));
    /* mins: sum over j of m_j * (bsums[2j] + bsums[2j + 1]) */
    const v128_t b0 = wasm_v128_load(yb + 260);
    const v128_t b1 = wasm_v128_load(yb + 276);
    const v128_t ms = wasm_i32x4_add(
        wasm_i32x4_dot_i16x8(b0, wasm_i16x8_shuffle(mn16, mn16, 0, 0, 1, 1, 2, 2, 3, 3)),
        wasm_i32x4_dot_i16x8(b1, wasm_i16x8_shuffle(mn16, mn16, 4, 4, 5, 5, 6, 6, 7, 7)));
    const int32_t summs = wasm_i32x4_extract_lane(ms, 0) + wasm_i32x4_extract_lane(ms, 1) +
                          wasm_i32x4_extract_lane(ms, 2) + wasm_i32x4_extract_lane(ms, 3);

    v128_t lo = wasm_i32x4_splat(0);
    v128_t hi = wasm_i32x4_splat(0);
    const uint8_t *q4 = xb + 16;
    const uint8_t *q8 = yb + 4;
    /* Sub-blocks 2c (low nibbles of qs[32c..]) and 2c + 1 (high nibbles); lane k of lo gets
     * s0[k] * sc[2c] + s1[k] * sc[2c + 1], of hi the same for k + 4. */
#define CHUNK(c)                                                                                 \
  do {                                                                                           \
    const v128_t a0 = wasm_v128_load(q4 + 32 * (c));                                             \
    const v128_t a1 = wasm_v128_load(q4 + 32 * (c) + 16);                                        \
    const v128_t t0 = lane_sums(wasm_v128_and(a0, low_nibble), wasm_v128_and(a1, low_nibble),    \
                                q8 + 64 * (c));                                                  \
    const v128_t t1 = lane_sums(wasm_u8x16_shr(a0, 4), wasm_u8x16_shr(a1, 4), q8 + 64 * (c) + 32); \
    const v128_t k = wasm_i16x8_shuffle(sc16, sc16, 2 * (c), 2 * (c) + 1, 2 * (c), 2 * (c) + 1,  \
                                        2 * (c), 2 * (c) + 1, 2 * (c), 2 * (c) + 1);             \
    lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(                                                \
                                wasm_i16x8_shuffle(t0, t1, 0, 8, 1, 9, 2, 10, 3, 11), k));       \
    hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(                                                \
                                wasm_i16x8_shuffle(t0, t1, 4, 12, 5, 13, 6, 14, 7, 15), k));     \
  } while (0)
    CHUNK(0);
    CHUNK(1);
    CHUNK(2);
    CHUNK(3);
#undef CHUNK
    const float dy = f32_at(yb);
    mins = mins - (half_at(xb + 2) * dy) * (float)summs;
    const v128_t d = wasm_f32x4_splat(half_at(xb) * dy);
    acc_lo = wasm_f32x4_add(wasm_f32x4_mul(d, wasm_f32x4_convert_i32x4(lo)), acc_lo);
    acc_hi = wasm_f32x4_add(wasm_f32x4_mul(d, wasm_f32x4_convert_i32x4(hi)), acc_hi);
  }
  float sum = mins;
  sum += wasm_f32x4_extract_lane(acc_lo, 0);
  sum += wasm_f32x4_extract_lane(acc_lo, 1);
  sum += wasm_f32x4_extract_lane(acc_lo, 2);
  sum += wasm_f32x4_extract_lane(acc_lo, 3);
  sum += wasm_f32x4_extract_lane(acc_hi, 0);
  sum += wasm_f32x4_extract_lane(acc_hi, 1);
  sum += wasm_f32x4_extract_lane(acc_hi, 2);
  sum += wasm_f32x4_extract_lane(acc_hi, 3);
  *s = sum;
}
