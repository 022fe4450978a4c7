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
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define QK 32
#define X_BLOCK 24
#define Y_BLOCK 36

static inline v128_t load_u32(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return wasm_i32x4_splat((int32_t)v);
}

static inline uint32_t u32_at(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

/* The halves in the high 16 bits of each lane -> floats, exact for every finite value: the
 * arithmetic shift keeps the sign in bit 31 and puts exponent and mantissa in bits 27..13, an
 * f32 2^112 times too small (subnormal halves become f32 subnormals), which the multiply fixes
 * exactly. Inf and NaN come out wrong: callers check for them first. */
static inline v128_t finite_high_halves_to_float(v128_t v) {
  return wasm_f32x4_mul(wasm_v128_and(wasm_i32x4_shr(v, 3), wasm_i32x4_splat((int32_t)0x8fffe000)),
                        wasm_f32x4_splat(0x1p112f));
}

/* Whether any of the eight halves in a vector may be Inf or NaN. */
static inline int any_special(v128_t halves) {
  const v128_t e = wasm_i16x8_splat(0x7c00);
  return wasm_v128_any_true(wasm_i16x8_eq(wasm_v128_and(halves, e), e));
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

/* Four i32 lanes summed pairwise into one dot product per input vector. */
static inline v128_t sum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5),
                                   wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5),
                                   wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* 32 products of one block, as four partial i32 sums. x in 0..31, y in -128..127. With
 * `no_high_bits` the caller has checked that qh is 0 (bit 4 of every weight is clear), and the
 * bits are not expanded. */
static inline v128_t block_dot(const uint8_t *x, const uint8_t *y, int no_high_bits) {
  const v128_t qs = wasm_v128_load(x + 8);
  const v128_t nibble = wasm_i8x16_splat(0x0f);
  v128_t xlo = wasm_v128_and(qs, nibble);
  /* a 16-bit shift then the mask: each byte keeps its own high nibble */
  v128_t xhi = wasm_v128_and(wasm_u16x8_shr(qs, 4), nibble);
  if (!no_high_bits) {
    v128_t hlo, hhi;
    high_bits(x + 4, &hlo, &hhi);
    xlo = wasm_v128_or(xlo, hlo);
    xhi = wasm_v128_or(xhi, hhi);
  }
  const v128_t ylo = wasm_v128_load(y + 4);
  const v128_t yhi = wasm_v128_load(y + 20);
#ifdef __wasm_relaxed_simd__
  /* x fits the 7-bit operand, so every engine computes the exact sum. */
  v128_t acc = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(ylo, xlo, wasm_i32x4_splat(0));
  return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(yhi, xhi, acc);
#else
  /* x * y fits in i16 (31 * 128); pairs summed into i32 by the i16 dot product. */
  const v128_t p0 = wasm_i16x8_extmul_low_i8x16(xlo, ylo);
  const v128_t p1 = wasm_i16x8_extmul_high_i8x16(xlo, ylo);
  const v128_t p2 = wasm_i16x8_extmul_low_i8x16(xhi, yhi);
  const v128_t p3 = wasm_i16x8_extmul_high_i8x16(xhi, yhi);
  const v128_t one = wasm_i16x8_splat(1);
  return wasm_i32x4_add(
      wasm_i32x4_add(wasm_i32x4_dot_i16x8(p0, one), wasm_i32x4_dot_i16x8(p1, one)),
      wasm_i32x4_add(wasm_i32x4_dot_i16x8(p2, one), wasm_i32x4_dot_i16x8(p3, one)));
#endif
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

__attribute__((export_name("ggml_vec_dot_q5_1_q8_1"))) void
vec_dot_q5_1_q8_1(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy,
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
  for (; i + 4 <= nb; i += 4) {
    const uint8_t *x0 = x + (size_t)i * X_BLOCK;
    const uint8_t *y0 = y + (size_t)i * Y_BLOCK;
    const v128_t sumi = block_dots4(x0, y0);
    /* (d, m) of four x blocks and (d, s) of four y blocks, one u32 each. */
    const v128_t xdm = wasm_u32x4_make(u32_at(x0), u32_at(x0 + X_BLOCK), u32_at(x0 + 2 * X_BLOCK),
                                       u32_at(x0 + 3 * X_BLOCK));
    const v128_t yds = wasm_u32x4_make(u32_at(y0), u32_at(y0 + Y_BLOCK), u32_at(y0 + 2 * Y_BLOCK),
                                       u32_at(y0 + 3 * Y_BLOCK));
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
    const v128_t t = wasm_f32x4_add(
        wasm_f32x4_mul(wasm_f32x4_mul(dx, dy), wasm_f32x4_convert_i32x4(sumi)),
        wasm_f32x4_mul(mx, sy));
    sum += wasm_f32x4_extract_lane(t, 0);
    sum += wasm_f32x4_extract_lane(t, 1);
    sum += wasm_f32x4_extract_lane(t, 2);
    sum += wasm_f32x4_extract_lane(t, 3);
  }
  for (; i < nb; i++) {
    const uint8_t *x0 = x + (size_t)i * X_BLOCK;
    const uint8_t *y0 = y + (size_t)i * Y_BLOCK;
    const v128_t zero = wasm_i32x4_splat(0);
    const v128_t sumi = sum4(block_dot(x0, y0, u32_at(x0 + 4) == 0), zero, zero, zero);
    const v128_t xdm = wasm_u32x4_make(u32_at(x0), 0, 0, 0);
    const v128_t yds = wasm_u32x4_make(u32_at(y0), 0, 0, 0);
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
    const v128_t t = wasm_f32x4_add(
        wasm_f32x4_mul(wasm_f32x4_mul(dx, dy), wasm_f32x4_convert_i32x4(sumi)),
        wasm_f32x4_mul(mx, sy));
    sum += wasm_f32x4_extract_lane(t, 0);
  }
  *s = sum;
}
