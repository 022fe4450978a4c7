/*
 * Dot product of an f16 row with an f32 row, for wllama.wasm (memory64): replaces the body of
 * ggml's `ggml_vec_dot_f16_f32` (same signature as q5_1_q8_1.c). In this llama.cpp build it is
 * the vec_dot of every F16 matrix (its vec_dot_type is F32): attention's K x Q for each cached
 * position and head, and without flash attention also V x softmax(KQ).
 *
 * ggml's wasm build converts the f16 row through its 65,536-entry table, four scalar lookups
 * per four values, into a stack buffer, then runs its f32 dot product on the buffer. Here the
 * halves are widened in registers with an interleave, a shift, a mask and a multiply (exact for
 * every finite value; a row with an Inf or NaN among its halves takes a longer exact
 * conversion: the check is one pass over the row first, as checking every 16 halves in the loop
 * cost a third of the time), and the float
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

/* Whether any half of the row is Inf or NaN: the largest magnitude's bits (an unsigned max
 * per 16-bit lane; or-ing the halves instead would raise false alarms all the time, as the
 * exponents of ordinary values or together to all ones) reach 0x7c00. */
static inline int row_special(const uint16_t *x, int n) {
  const v128_t magnitude = wasm_i16x8_splat(0x7fff);
  v128_t top = wasm_i32x4_splat(0);
  int k = 0;
  for (; k + 8 <= n; k += 8) top = wasm_u16x8_max(top, wasm_v128_and(wasm_v128_load(x + k), magnitude));
  uint32_t tail = 0;
  for (; k < n; k++) tail = (x[k] & 0x7fff) > tail ? (x[k] & 0x7fff) : tail;
  top = wasm_u16x8_max(top, wasm_i16x8_splat((int16_t)tail));
  return wasm_v128_any_true(wasm_u16x8_ge(top, wasm_i16x8_splat(0x7c00)));
}

/* 16 values from x, y into sum; `finite` is a constant in each copy of dot(). */
static inline void step16(const uint16_t *x, const float *y, v128_t sum[4], int finite) {
  const v128_t h0 = wasm_v128_load(x);
  const v128_t h1 = wasm_v128_load(x + 8);
  if (finite)
    step16_finite(h0, h1, y, sum);
  else
    step16_any(h0, h1, y, sum);
}

static inline float half_at(const uint16_t *x, int finite) {
  const v128_t h = wasm_i32x4_splat(*x);
  return wasm_f32x4_extract_lane(
      finite ? finite_high_halves_to_float(wasm_i32x4_shl(h, 16)) : half_to_float(h), 0);
}

static inline __attribute__((always_inline)) float dot(int n, const uint16_t *x, const float *y, int finite) {
  double sumf = 0.0;
  int i = 0;
  for (; i + 64 <= n; i += 64) {
    v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                     wasm_f32x4_splat(0.0f)};
    for (int k = 0; k < 64; k += 16) step16(x + i + k, y + i + k, sum, finite);
    sumf += (double)reduce(sum);
  }
  if (i < n) {
    const int rest = n - i;
    const int np = rest & ~15;
    v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                     wasm_f32x4_splat(0.0f)};
    for (int k = 0; k < np; k += 16) step16(x + i + k, y + i + k, sum, finite);
    float f = reduce(sum);
    for (int k = np; k < rest; k++) {
      const float p = half_at(x + i + k, finite) * y[i + k];
      f = f + p;
    }
    sumf += (double)f;
  }
  return (float)sumf;
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
  *s = row_special(x, n) ? dot(n, x, y, 0) : dot(n, x, y, 1);
}
