// Block quantisation formats of ggml (GGUF tensor types), written from the published block
// layouts: dequantisers for Q4_1, Q8_0, Q5_0 and Q4_K, quantisers for Q8_0, Q5_0 and Q4_K.
// Used at `npm run models` time to turn the Q4_1 model (no SIMD kernel in wllama's wasm) into
// types that have wasm SIMD dot products. Pure functions over typed arrays; no I/O.

export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
} as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];

/** Elements per block and bytes per block of each type this module knows. */
export const BLOCK: Record<number, { elems: number; bytes: number }> = {
  [GgmlType.F32]: { elems: 1, bytes: 4 },
  [GgmlType.F16]: { elems: 1, bytes: 2 },
  [GgmlType.Q4_0]: { elems: 32, bytes: 18 },
  [GgmlType.Q4_1]: { elems: 32, bytes: 20 },
  [GgmlType.Q5_0]: { elems: 32, bytes: 22 },
  [GgmlType.Q5_1]: { elems: 32, bytes: 24 },
  [GgmlType.Q8_0]: { elems: 32, bytes: 34 },
  [GgmlType.Q4_K]: { elems: 256, bytes: 144 },
  [GgmlType.Q5_K]: { elems: 256, bytes: 176 },
  [GgmlType.Q6_K]: { elems: 256, bytes: 210 },
};

export function typeName(t: number): string {
  return Object.entries(GgmlType).find(([, v]) => v === t)?.[0] ?? `type ${t}`;
}

/** Bytes that `n` elements of type `t` take (n must be a multiple of the block size). */
export function tensorBytes(t: number, n: number): number {
  const b = BLOCK[t];
  if (!b) throw new Error(`unknown ggml type ${t}`);
  if (n % b.elems !== 0)
    throw new Error(`${n} elements is not a whole number of ${typeName(t)} blocks`);
  return (n / b.elems) * b.bytes;
}

// ---- IEEE half precision ----

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** float -> IEEE 754 binary16 bits, round to nearest even (overflow -> infinity). */
export function toHalf(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++; // may carry into the exponent: correct
  return sign | r;
}

/** IEEE 754 binary16 bits -> float. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const roundHalf = (v: number): number => fromHalf(toHalf(v));

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

// ---- dequantisers ----

/** Q4_1 block (32): half d, half m, 16 bytes of nibbles; x[j] = d*lo(j)+m, x[j+16] = d*hi(j)+m. */
function dequantQ4_1(src: Uint8Array, out: Float32Array): void {
  const dv = view(src);
  for (let o = 0, y = 0; y < out.length; o += 20, y += 32) {
    const d = fromHalf(dv.getUint16(o, true));
    const m = fromHalf(dv.getUint16(o + 2, true));
    for (let j = 0; j < 16; j++) {
      const q = src[o + 4 + j] as number;
      out[y + j] = (q & 15) * d + m;
      out[y + j + 16] = (q >> 4) * d + m;
    }
  }
}

/** Q8_0 block (32): half d, 32 signed bytes; x = d*q. */
function dequantQ8_0(src: Uint8Array, out: Float32Array): void {
  const dv = view(src);
  for (let o = 0, y = 0; y < out.length; o += 34, y += 32) {
    const d = fromHalf(dv.getUint16(o, true));
    for (let j = 0; j < 32; j++) out[y + j] = d * dv.getInt8(o + 2 + j);
  }
}

/**
 * Q5_0 block (32): half d, 32 high bits (bit j = element j), 16 bytes of low nibbles
 * (low nibble: element j, high nibble: element j+16); x = d*(q-16), q in 0..31.
 */
function dequantQ5_0(src: Uint8Array, out: Float32Array): void {
  const dv = view(src);
  for (let o = 0, y = 0; y < out.length; o += 22, y += 32) {
    const d = fromHalf(dv.getUint16(o, true));
    const qh = dv.getUint32(o + 2, true);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 6 + j] as number;
      const lo = (q & 15) | (((qh >>> j) & 1) << 4);
      const hi = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[y + j] = d * (lo - 16);
      out[y + j + 16] = d * (hi - 16);
    }
  }
}

/** Q5_1 block (32): half d, half m, 32 high bits, 16 bytes of low nibbles; x = d*q + m. */
function dequantQ5_1(src: Uint8Array, out: Float32Array): void {
  const dv = view(src);
  for (let o = 0, y = 0; y < out.length; o += 24, y += 32) {
    const d = fromHalf(dv.getUint16(o, true));
    const m = fromHalf(dv.getUint16(o + 2, true));
    const qh = dv.getUint32(o + 4, true);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 8 + j] as number;
      out[y + j] = d * ((q & 15) | (((qh >>> j) & 1) << 4)) + m;
      out[y + j + 16] = d * ((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) + m;
    }
  }
}

/** The 6-bit scale and min of sub-block j (0..7) from Q4_K's 12 packed bytes at `p`. */
function q4kScaleMin(b: Uint8Array, p: number, j: number): [number, number] {
  if (j < 4) return [(b[p + j] as number) & 63, (b[p + j + 4] as number) & 63];
  const packed = b[p + j + 4] as number;
  return [
    (packed & 15) | (((b[p + j - 4] as number) >> 6) << 4),
    (packed >> 4) | (((b[p + j] as number) >> 6) << 4),
  ];
}

/**
 * Q4_K super-block (256 = 8 sub-blocks of 32): half d, half dmin, 12 bytes of 6-bit scales and
 * mins, 128 bytes of nibbles. Each 32 bytes of nibbles hold two sub-blocks: low nibbles the
 * first, high nibbles the second. x = d*scale*q - dmin*min.
 */
function dequantQ4_K(src: Uint8Array, out: Float32Array): void {
  const dv = view(src);
  for (let o = 0, y = 0; y < out.length; o += 144, y += 256) {
    const d = fromHalf(dv.getUint16(o, true));
    const dmin = fromHalf(dv.getUint16(o + 2, true));
    for (let c = 0; c < 4; c++) {
      const [s1, m1] = q4kScaleMin(src, o + 4, 2 * c);
      const [s2, m2] = q4kScaleMin(src, o + 4, 2 * c + 1);
      for (let l = 0; l < 32; l++) {
        const q = src[o + 16 + c * 32 + l] as number;
        out[y + c * 64 + l] = d * s1 * (q & 15) - dmin * m1;
        out[y + c * 64 + 32 + l] = d * s2 * (q >> 4) - dmin * m2;
      }
    }
  }
}

/** Dequantise `n` elements of type `t`. */
export function dequantize(t: number, src: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const need = tensorBytes(t, n);
  if (src.byteLength < need)
    throw new Error(`${typeName(t)}: ${src.byteLength} bytes, need ${need}`);
  switch (t) {
    case GgmlType.F32:
      out.set(new Float32Array(src.slice(0, need).buffer));
      break;
    case GgmlType.F16: {
      const dv = view(src);
      for (let i = 0; i < n; i++) out[i] = fromHalf(dv.getUint16(i * 2, true));
      break;
    }
    case GgmlType.Q4_1:
      dequantQ4_1(src, out);
      break;
    case GgmlType.Q8_0:
      dequantQ8_0(src, out);
      break;
    case GgmlType.Q5_0:
      dequantQ5_0(src, out);
      break;
    case GgmlType.Q5_1:
      dequantQ5_1(src, out);
      break;
    case GgmlType.Q4_K:
      dequantQ4_K(src, out);
      break;
    default:
      throw new Error(`no dequantiser for ${typeName(t)}`);
  }
  return out;
}

// ---- quantisers ----

/** Q8_0: d = max|x|/127, q = round(x/d). */
function quantQ8_0(x: Float32Array, out: Uint8Array): void {
  const dv = view(out);
  for (let y = 0, o = 0; y < x.length; y += 32, o += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[y + j] as number));
    const d = roundHalf(amax / 127);
    const id = d ? 1 / d : 0;
    dv.setUint16(o, toHalf(d), true);
    for (let j = 0; j < 32; j++)
      dv.setInt8(o + 2 + j, Math.max(-127, Math.min(127, Math.round((x[y + j] as number) * id))));
  }
}

/** Sum of squared errors of x[y..y+32) on the grid d*(q-16), q in 0..31 (with weights w). */
function q5Error(x: Float32Array, y: number, d: number): number {
  const id = d ? 1 / d : 0;
  let err = 0;
  for (let j = 0; j < 32; j++) {
    const v = x[y + j] as number;
    const q = Math.max(-16, Math.min(15, Math.round(v * id)));
    const e = v - d * q;
    err += e * e;
  }
  return err;
}

/**
 * Q5_0: a symmetric 32-level grid per block. The scale is chosen by search: the one that maps
 * the element of largest magnitude to -16 or +15, and nearby scales, each rounded to half
 * precision as stored; the one with the least squared error wins.
 */
function quantQ5_0(x: Float32Array, out: Uint8Array): void {
  const dv = view(out);
  for (let y = 0, o = 0; y < x.length; y += 32, o += 22) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[y + j] as number;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    let best = 0;
    if (amax > 0) {
      let bestErr = Infinity;
      // max/-16 puts the extreme at q = -16 (the grid reaches -16 but only +15).
      for (let k = -6; k <= 6; k++) {
        for (const base of [max / -16, max / 15]) {
          const d = roundHalf(base * (1 + k * 0.02));
          if (!d) continue;
          const err = q5Error(x, y, d);
          if (err < bestErr) {
            bestErr = err;
            best = d;
          }
        }
      }
    }
    dv.setUint16(o, toHalf(best), true);
    const id = best ? 1 / best : 0;
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const lo = Math.max(-16, Math.min(15, Math.round((x[y + j] as number) * id))) + 16;
      const hi = Math.max(-16, Math.min(15, Math.round((x[y + j + 16] as number) * id))) + 16;
      out[o + 6 + j] = (lo & 15) | ((hi & 15) << 4);
      qh |= ((lo >> 4) << j) | ((hi >> 4) << (j + 16));
    }
    dv.setUint32(o + 2, qh >>> 0, true);
  }
}

/**
 * Q5_1: an affine 32-level grid per block, x = d*q + m. Two grids are tried, the block's range
 * in 31 steps and in 15 steps (the latter holds a Q4_1 block exactly: its 16 levels are a
 * subset), each with d and m rounded to half precision as stored; the smaller error wins.
 */
function quantQ5_1(x: Float32Array, out: Uint8Array): void {
  const dv = view(out);
  for (let y = 0, o = 0; y < x.length; y += 32, o += 24) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < 32; j++) {
      const v = x[y + j] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const m = roundHalf(lo);
    let best = 0;
    let bestErr = Infinity;
    for (const steps of [31, 15]) {
      const d = roundHalf((hi - m) / steps);
      if (!(d > 0)) continue;
      let err = 0;
      for (let j = 0; j < 32; j++) {
        const v = x[y + j] as number;
        const e = v - (d * Math.max(0, Math.min(31, Math.round((v - m) / d))) + m);
        err += e * e;
      }
      if (err < bestErr) {
        bestErr = err;
        best = d;
      }
      if (err === 0) break;
    }
    dv.setUint16(o, toHalf(best), true);
    dv.setUint16(o + 2, toHalf(m), true);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const q0 = best
        ? Math.max(0, Math.min(31, Math.round(((x[y + j] as number) - m) / best)))
        : 0;
      const q1 = best
        ? Math.max(0, Math.min(31, Math.round(((x[y + j + 16] as number) - m) / best)))
        : 0;
      out[o + 8 + j] = (q0 & 15) | ((q1 & 15) << 4);
      qh |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
    }
    dv.setUint32(o + 4, qh >>> 0, true);
  }
}

/**
 * Best scale s >= 0 and offset m >= 0 for x[y..y+32) ~ s*q - m, q in 0..15: start from the
 * min/max grid, then alternate rounding and a least-squares refit a few times.
 */
function fitAffine4(x: Float32Array, y: number, q: Uint8Array): [number, number] {
  let lo = 0;
  let hi = -Infinity;
  for (let j = 0; j < 32; j++) {
    const v = x[y + j] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi <= lo) return [0, -lo];
  let s = (hi - lo) / 15;
  let m = -lo;
  let bestS = s;
  let bestM = m;
  let bestErr = Infinity;
  for (let it = 0; it < 4; it++) {
    let err = 0;
    let sq = 0;
    let sqq = 0;
    let sx = 0;
    let sxq = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[y + j] as number;
      const k = Math.max(0, Math.min(15, Math.round((v + m) / s)));
      q[j] = k;
      const e = v - (s * k - m);
      err += e * e;
      sq += k;
      sqq += k * k;
      sx += v;
      sxq += v * k;
    }
    if (err < bestErr) {
      bestErr = err;
      bestS = s;
      bestM = m;
    }
    // least squares of x = s*q - m over the current q
    const det = 32 * sqq - sq * sq;
    if (det <= 0) break;
    const ns = (32 * sxq - sq * sx) / det;
    const nm = -(sx - ns * sq) / 32;
    if (!(ns > 0)) break;
    if (nm < 0) {
      m = 0;
      s = sxq / sqq;
    } else {
      s = ns;
      m = nm;
    }
  }
  return [bestS, bestM];
}

/**
 * Q4_K: per sub-block of 32 an affine 4-bit grid (fitAffine4), then the 8 scales and 8 mins
 * quantised to 6 bits against the super-block's half-precision d and dmin, and finally every
 * element re-rounded on the grid it will really be decoded with.
 */
function quantQ4_K(x: Float32Array, out: Uint8Array): void {
  const dv = view(out);
  const q = new Uint8Array(32);
  const scales = new Float64Array(8);
  const mins = new Float64Array(8);
  const L = new Uint8Array(256);
  for (let y = 0, o = 0; y < x.length; y += 256, o += 144) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const [s, m] = fitAffine4(x, y + j * 32, q);
      scales[j] = s;
      mins[j] = m;
      maxScale = Math.max(maxScale, s);
      maxMin = Math.max(maxMin, m);
    }
    const d = roundHalf(maxScale / 63);
    const dmin = roundHalf(maxMin / 63);
    const sc = new Uint8Array(8);
    const mn = new Uint8Array(8);
    for (let j = 0; j < 8; j++) {
      sc[j] = d ? Math.min(63, Math.round((scales[j] as number) / d)) : 0;
      mn[j] = dmin ? Math.min(63, Math.round((mins[j] as number) / dmin)) : 0;
    }
    dv.setUint16(o, toHalf(d), true);
    dv.setUint16(o + 2, toHalf(dmin), true);
    for (let j = 0; j < 4; j++) {
      out[o + 4 + j] = ((sc[j] as number) & 63) | (((sc[j + 4] as number) >> 4) << 6);
      out[o + 8 + j] = ((mn[j] as number) & 63) | (((mn[j + 4] as number) >> 4) << 6);
      out[o + 12 + j] = ((sc[j + 4] as number) & 15) | (((mn[j + 4] as number) & 15) << 4);
    }
    for (let j = 0; j < 8; j++) {
      const s = d * (sc[j] as number);
      const m = dmin * (mn[j] as number);
      for (let l = 0; l < 32; l++) {
        const v = x[y + j * 32 + l] as number;
        L[j * 32 + l] = s ? Math.max(0, Math.min(15, Math.round((v + m) / s))) : 0;
      }
    }
    for (let c = 0; c < 4; c++)
      for (let l = 0; l < 32; l++)
        out[o + 16 + c * 32 + l] =
          (L[c * 64 + l] as number) | ((L[c * 64 + 32 + l] as number) << 4);
  }
}

/** Quantise `x` (length a multiple of the block size) to type `t`. */
export function quantize(t: number, x: Float32Array): Uint8Array {
  const out = new Uint8Array(tensorBytes(t, x.length));
  switch (t) {
    case GgmlType.F32:
      out.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      break;
    case GgmlType.Q8_0:
      quantQ8_0(x, out);
      break;
    case GgmlType.Q5_0:
      quantQ5_0(x, out);
      break;
    case GgmlType.Q5_1:
      quantQ5_1(x, out);
      break;
    case GgmlType.Q4_K:
      quantQ4_K(x, out);
      break;
    default:
      throw new Error(`no quantiser for ${typeName(t)}`);
  }
  return out;
}
