/*
 * Dot product of an f16 row with an f32 row, for wllama.wasm (memory64): replaces the body of
 * ggml's `ggml_vec_dot_f16_f32` (same signature as q5_1_q8_1.c). In this llama.cpp build it is
 * the vec_dot of every F16 matrix (its vec_dot_type is F32): attention's K x Q for each cached
 * position and head, and without flash attention also V x softmax(KQ).
 *
 * ggml's wasm build converts the f16 row through its 65,536-entry table, four scalar lookups
 * per four values, into a stack buffer, then runs its f32 dot product on the buffer. Here the
 * halves are widened in registers with an interleave, a shift, a mask and a multiply (exact for
 * every finite value; a chunk of 64 with an Inf or NaN among its halves takes a longer exact
 * conversion: the check is an unsigned max over the chunk's magnitudes, made once per chunk of
 * the halves already loaded), and the float
 * steps are those of the original, in its order:
 *   sumf (double) = 0
 *   for each whole chunk of 64: four f32x4 sums, sum[j] over the values at 16 k + 4 j
 *     (each starts at 0, then sum[j] + x * y), reduced as (sum0 + sum2) + (sum1 + sum3), then
 *     lanes ((l0 + l1) + l2) + l3, and sumf += (double) that;
 *   the rest (r values): the same four sums over the first r & ~15, reduced the same way, then
 *     the last values one at a time (f += x * y in f32), and sumf += (double) f;
 *   *s = (float) sumf.
 * So the result is bit-identical (NaN payloads aside).
 */
#include "simd.h"

/* Halves 0..3 (low) or 4..7 (high) of a vector of eight, each into the high half of a lane:
 * 16-bit lanes interleaved with zeros (one punpcklwd / punpckhwd on x64). */
static inline v128_t low_to_high16(v128_t h) {
  return wasm_i16x8_shuffle(wasm_i32x4_splat(0), h, 0, 8, 1, 9, 2, 10, 3, 11);
}
static inline v128_t high_to_high16(v128_t h) {
  return wasm_i16x8_shuffle(wasm_i32x4_splat(0), h, 4, 12, 5, 13, 6, 14, 7, 15);
}

/* sum[j] += x[j] * y[4 j .. 4 j + 3], j = 0..3 (x: 16 values as four f32x4). */
static inline void mul_add16(v128_t x0, v128_t x1, v128_t x2, v128_t x3, const float *y,
                             v128_t sum[4]) {
  sum[0] = wasm_f32x4_add(sum[0], wasm_f32x4_mul(x0, wasm_v128_load(y)));
  sum[1] = wasm_f32x4_add(sum[1], wasm_f32x4_mul(x1, wasm_v128_load(y + 4)));
  sum[2] = wasm_f32x4_add(sum[2], wasm_f32x4_mul(x2, wasm_v128_load(y + 8)));
  sum[3] = wasm_f32x4_add(sum[3], wasm_f32x4_mul(x3, wasm_v128_load(y + 12)));
}

/* One step of 16 values (halves h0, h1) none of which is Inf or NaN. */
static inline void step16_finite(v128_t h0, v128_t h1, const float *y, v128_t sum[4]) {
  mul_add16(finite_high_halves_to_float(low_to_high16(h0)),
            finite_high_halves_to_float(high_to_high16(h0)),
            finite_high_halves_to_float(low_to_high16(h1)),
            finite_high_halves_to_float(high_to_high16(h1)), y, sum);
}

/* One step of 16 values, any halves. */
static inline void step16_any(v128_t h0, v128_t h1, const float *y, v128_t sum[4]) {
  mul_add16(half_to_float(wasm_u32x4_extend_low_u16x8(h0)),
            half_to_float(wasm_u32x4_extend_high_u16x8(h0)),
            half_to_float(wasm_u32x4_extend_low_u16x8(h1)),
            half_to_float(wasm_u32x4_extend_high_u16x8(h1)), y, sum);
}

static inline float reduce(const v128_t sum[4]) {
  const v128_t r = wasm_f32x4_add(wasm_f32x4_add(sum[0], sum[2]), wasm_f32x4_add(sum[1], sum[3]));
  float f = wasm_f32x4_extract_lane(r, 0) + wasm_f32x4_extract_lane(r, 1);
  f = f + wasm_f32x4_extract_lane(r, 2);
  return f + wasm_f32x4_extract_lane(r, 3);
}

/* Whether any of the halves is Inf or NaN: their largest magnitude (an unsigned max per 16-bit
 * lane; or-ing the halves instead would raise false alarms all the time, as the exponents of
 * ordinary values or together to all ones) reaches 0x7c00. */
static inline v128_t magnitude(v128_t h) { return wasm_v128_and(h, wasm_i16x8_splat(0x7fff)); }
static inline int special(v128_t top) {
  return wasm_v128_any_true(wasm_u16x8_ge(top, wasm_i16x8_splat(0x7c00)));
}

/* 16 values (halves h0, h1) from x, y into sum, checked for Inf and NaN. */
static inline void step16(v128_t h0, v128_t h1, const float *y, v128_t sum[4]) {
  if (!special(wasm_u16x8_max(magnitude(h0), magnitude(h1))))
    step16_finite(h0, h1, y, sum);
  else
    step16_any(h0, h1, y, sum);
}

/* One of ggml's chunks of 64 values, reduced: the 64 halves are checked once. */
static inline float chunk64(const uint16_t *x, const float *y) {
  v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                   wasm_f32x4_splat(0.0f)};
  const v128_t h0 = wasm_v128_load(x), h1 = wasm_v128_load(x + 8);
  const v128_t h2 = wasm_v128_load(x + 16), h3 = wasm_v128_load(x + 24);
  const v128_t h4 = wasm_v128_load(x + 32), h5 = wasm_v128_load(x + 40);
  const v128_t h6 = wasm_v128_load(x + 48), h7 = wasm_v128_load(x + 56);
  const v128_t top = wasm_u16x8_max(
      wasm_u16x8_max(wasm_u16x8_max(magnitude(h0), magnitude(h1)),
                     wasm_u16x8_max(magnitude(h2), magnitude(h3))),
      wasm_u16x8_max(wasm_u16x8_max(magnitude(h4), magnitude(h5)),
                     wasm_u16x8_max(magnitude(h6), magnitude(h7))));
  if (!special(top)) {
    step16_finite(h0, h1, y, sum);
    step16_finite(h2, h3, y + 16, sum);
    step16_finite(h4, h5, y + 32, sum);
    step16_finite(h6, h7, y + 48, sum);
  } else {
    step16_any(h0, h1, y, sum);
    step16_any(h2, h3, y + 16, sum);
    step16_any(h4, h5, y + 32, sum);
    step16_any(h6, h7, y + 48, sum);
  }
  return reduce(sum);
}

__attribute__((export_name("ggml_vec_dot_f16_f32"))) void
vec_dot_f16_f32(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by,
                int nrc) {
  (void)bs;
  (void)bx;
  (void)by;
  (void)nrc;
  const uint16_t *x = (const uint16_t *)vx;
  const float *y = (const float *)vy;
  double sumf = 0.0;
  int i = 0;
  for (; i + 64 <= n; i += 64) sumf += (double)chunk64(x + i, y + i);
  if (i < n) {
    const int rest = n - i;
    const int np = rest & ~15;
    v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                     wasm_f32x4_splat(0.0f)};
    for (int k = 0; k < np; k += 16)
      step16(wasm_v128_load(x + i + k), wasm_v128_load(x + i + k + 8), y + i + k, sum);
    float f = reduce(sum);
    for (int k = np; k < rest; k++) {
      const float xf = wasm_f32x4_extract_lane(half_to_float(wasm_i32x4_splat(x[i + k])), 0);
      const float p = xf * y[i + k];
      f = f + p;
    }
    sumf += (double)f;
  }
  *s = (float)sumf;
}
