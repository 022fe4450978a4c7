/*
 * Dot product of an f16 row with an f32 row, for wllama.wasm (memory64): replaces the body of
 * ggml's `ggml_vec_dot_f16_f32` (same signature as q5_1_q8_1.c). In this llama.cpp build it is
 * the vec_dot of every F16 matrix (its vec_dot_type is F32): attention's K x Q for each cached
 * position and head, and without flash attention also V x softmax(KQ).
 *
 * ggml's wasm build converts the f16 row through its 65,536-entry table, four scalar lookups
 * per four values, into a stack buffer, then runs its f32 dot product on the buffer. Here the
 * halves are widened in registers with a shift, a mask and a multiply (exact for every finite
 * value; 16 values with an Inf or NaN among them take a longer exact conversion), and the float
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
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

/* IEEE half (low 16 bits of each lane) -> float, exact for every finite value and Inf/NaN. */
static inline v128_t half_to_float(v128_t h) {
  const v128_t magnitude = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  v128_t f = wasm_f32x4_mul(magnitude, wasm_f32x4_splat(0x1p112f));
  const v128_t is_special = wasm_i32x4_eq(wasm_v128_and(h, wasm_i32x4_splat(0x7c00)),
                                          wasm_i32x4_splat(0x7c00));
  f = wasm_v128_bitselect(wasm_v128_or(magnitude, wasm_i32x4_splat(0x7f800000)), f, is_special);
  return wasm_v128_or(f, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

/* Halves placed in the high 16 bits of each lane -> floats, exact for every finite value: the
 * arithmetic shift keeps the sign in bit 31 and puts exponent and mantissa in bits 27..13, an
 * f32 2^112 times too small (subnormal halves become f32 subnormals), which the multiply fixes
 * exactly. Inf and NaN come out wrong: the caller checks for them first. */
static inline v128_t finite_high_halves_to_float(v128_t v) {
  return wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shr(v, 3), wasm_i32x4_splat((int32_t)0x8fffe000)),
                        wasm_f32x4_splat(0x1p112f));
}

/* Halves 0..3 (low) or 4..7 (high) of a vector of eight, each into the high half of a lane. */
static inline v128_t low_to_high16(v128_t h) {
  return wasm_i8x16_shuffle(wasm_i32x4_splat(0), h, 0, 0, 16, 17, 0, 0, 18, 19, 0, 0, 20, 21, 0,
                            0, 22, 23);
}
static inline v128_t high_to_high16(v128_t h) {
  return wasm_i8x16_shuffle(wasm_i32x4_splat(0), h, 0, 0, 24, 25, 0, 0, 26, 27, 0, 0, 28, 29, 0,
                            0, 30, 31);
}

/* One step of 16 values: sum[j] += x[4 j .. 4 j + 3] * y[4 j .. 4 j + 3]. */
static inline void step16(const uint16_t *x, const float *y, v128_t sum[4]) {
  const v128_t h0 = wasm_v128_load(x);
  const v128_t h1 = wasm_v128_load(x + 8);
  v128_t x0, x1, x2, x3;
  const v128_t e = wasm_i16x8_splat(0x7c00);
  if (!wasm_v128_any_true(wasm_i16x8_eq(wasm_v128_and(wasm_v128_or(h0, h1), e), e))) {
    x0 = finite_high_halves_to_float(low_to_high16(h0));
    x1 = finite_high_halves_to_float(high_to_high16(h0));
    x2 = finite_high_halves_to_float(low_to_high16(h1));
    x3 = finite_high_halves_to_float(high_to_high16(h1));
  } else {
    /* Inf or NaN among the 16 (or a false alarm: their bits are or-ed) */
    x0 = half_to_float(wasm_u32x4_extend_low_u16x8(h0));
    x1 = half_to_float(wasm_u32x4_extend_high_u16x8(h0));
    x2 = half_to_float(wasm_u32x4_extend_low_u16x8(h1));
    x3 = half_to_float(wasm_u32x4_extend_high_u16x8(h1));
  }
  sum[0] = wasm_f32x4_add(sum[0], wasm_f32x4_mul(x0, wasm_v128_load(y)));
  sum[1] = wasm_f32x4_add(sum[1], wasm_f32x4_mul(x1, wasm_v128_load(y + 4)));
  sum[2] = wasm_f32x4_add(sum[2], wasm_f32x4_mul(x2, wasm_v128_load(y + 8)));
  sum[3] = wasm_f32x4_add(sum[3], wasm_f32x4_mul(x3, wasm_v128_load(y + 12)));
}

static inline float reduce(const v128_t sum[4]) {
  const v128_t r = wasm_f32x4_add(wasm_f32x4_add(sum[0], sum[2]), wasm_f32x4_add(sum[1], sum[3]));
  float f = wasm_f32x4_extract_lane(r, 0) + wasm_f32x4_extract_lane(r, 1);
  f = f + wasm_f32x4_extract_lane(r, 2);
  return f + wasm_f32x4_extract_lane(r, 3);
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
  for (; i + 64 <= n; i += 64) {
    v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                     wasm_f32x4_splat(0.0f)};
    for (int k = 0; k < 64; k += 16) step16(x + i + k, y + i + k, sum);
    sumf += (double)reduce(sum);
  }
  if (i < n) {
    const int rest = n - i;
    const int np = rest & ~15;
    v128_t sum[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f),
                     wasm_f32x4_splat(0.0f)};
    for (int k = 0; k < np; k += 16) step16(x + i + k, y + i + k, sum);
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
