/*
 * Helpers shared by the kernels (each kernel compiles to its own leaf module; these are inlined).
 */
#ifndef KERNELS_SIMD_H
#define KERNELS_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

static inline uint32_t u16_at(const uint8_t *p) {
  uint16_t v;
  __builtin_memcpy(&v, p, 2);
  return v;
}

static inline uint32_t u32_at(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline v128_t load_u32(const uint8_t *p) {
  return wasm_i32x4_splat((int32_t)u32_at(p));
}

/* IEEE half -> float for 4 lanes, exact for every finite value and for Inf/NaN. */
static inline v128_t half_to_float(v128_t h) {
  const v128_t magnitude = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  v128_t f = wasm_f32x4_mul(magnitude, wasm_f32x4_splat(0x1p112f));
  const v128_t is_special = wasm_i32x4_eq(wasm_v128_and(h, wasm_i32x4_splat(0x7c00)),
                                          wasm_i32x4_splat(0x7c00));
  f = wasm_v128_bitselect(wasm_v128_or(magnitude, wasm_i32x4_splat(0x7f800000)), f, is_special);
  return wasm_v128_or(f, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

/* The halves in the high 16 bits of each lane -> floats, exact for every finite value: the
 * arithmetic shift keeps the sign in bit 31 and puts exponent and mantissa in bits 27..13, an
 * f32 2^112 times too small (subnormal halves become f32 subnormals), which the multiply fixes
 * exactly. Inf and NaN come out wrong: callers check for them first. */
static inline v128_t finite_high_halves_to_float(v128_t v) {
  return wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shr(v, 3), wasm_i32x4_splat((int32_t)0x8fffe000)),
                        wasm_f32x4_splat(0x1p112f));
}

/* Whether any of the eight halves in a vector (or several or-ed) may be Inf or NaN (or-ed bits
 * can raise a false alarm, which only takes the longer exact conversion). */
static inline int any_special(v128_t halves) {
  const v128_t e = wasm_i16x8_splat(0x7c00);
  return wasm_v128_any_true(wasm_i16x8_eq(wasm_v128_and(halves, e), e));
}

/* Four i32 lanes summed pairwise into one dot product per input vector. */
static inline v128_t sum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5),
                                   wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5),
                                   wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* ggml's per-block float accumulation: sum += t[0]; sum += t[1]; ... for `count` lanes. */
static inline float add_lanes(float sum, v128_t t, int count) {
  sum += wasm_f32x4_extract_lane(t, 0);
  if (count > 1) sum += wasm_f32x4_extract_lane(t, 1);
  if (count > 2) sum += wasm_f32x4_extract_lane(t, 2);
  if (count > 3) sum += wasm_f32x4_extract_lane(t, 3);
  return sum;
}

#endif
