import { describe, expect, it } from 'vitest';
import { BLOCK, GgmlType, dequantize, fromHalf, quantize, toHalf } from './quantize';

/** Seeded uniform values in [-scale, scale) (mulberry32). */
function randomValues(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** A Q4_1 tensor of random blocks (d, m and nibbles), as a llama.cpp Q4_1 file holds them. */
function randomQ4_1(blocks: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(blocks * 20);
  const dv = new DataView(bytes.buffer);
  const r = randomValues(blocks * 18, seed);
  for (let b = 0; b < blocks; b++) {
    dv.setUint16(b * 20, toHalf(0.01 + Math.abs(r[b * 18]!) * 0.02), true);
    dv.setUint16(b * 20 + 2, toHalf(-0.15 + r[b * 18 + 1]! * 0.05), true);
    for (let j = 0; j < 16; j++) bytes[b * 20 + 4 + j] = Math.floor((r[b * 18 + 2 + j]! + 1) * 128);
    // llama.cpp maps each block's minimum to 0 and its maximum to 15
    bytes[b * 20 + 4 + (b % 16)] = 0xf0;
  }
  return bytes;
}

describe('half precision', () => {
  it('encodes exact values and rounds to nearest even', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(0)).toBe(0);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie goes to the even mantissa
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalf(2 ** -24)).toBe(1); // the smallest subnormal
    expect(fromHalf(0x3555)).toBeCloseTo(0.333251953125, 12);
    for (const v of [0.1, -3.75, 2 ** -20, 1234]) expect(fromHalf(toHalf(v))).toBeCloseTo(v, 3);
  });
});

describe('dequantisers follow the published block layouts', () => {
  it('Q4_1: x[j] = d*low nibble + m, x[j+16] = d*high nibble + m', () => {
    const b = new Uint8Array(20);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, toHalf(0.5), true);
    dv.setUint16(2, toHalf(-1), true);
    for (let j = 0; j < 16; j++) b[4 + j] = j | ((15 - j) << 4);
    const x = dequantize(GgmlType.Q4_1, b, 32);
    for (let j = 0; j < 16; j++) {
      expect(x[j]).toBe(0.5 * j - 1);
      expect(x[j + 16]).toBe(0.5 * (15 - j) - 1);
    }
  });

  it('Q4_K: 6-bit scales and mins of sub-blocks 0-3 and 4-7, two sub-blocks per 32 bytes', () => {
    const b = new Uint8Array(144);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, toHalf(0.25), true); // d
    dv.setUint16(2, toHalf(0.5), true); // dmin
    const sc = [1, 2, 3, 63, 17, 33, 48, 5];
    const mn = [0, 4, 9, 1, 60, 2, 31, 16];
    for (let j = 0; j < 4; j++) {
      b[4 + j] = sc[j]! | ((sc[j + 4]! >> 4) << 6);
      b[8 + j] = mn[j]! | ((mn[j + 4]! >> 4) << 6);
      b[12 + j] = (sc[j + 4]! & 15) | ((mn[j + 4]! & 15) << 4);
    }
    for (let i = 0; i < 128; i++) b[16 + i] = (i % 16) | ((15 - (i % 16)) << 4);
    const x = dequantize(GgmlType.Q4_K, b, 256);
    for (let sub = 0; sub < 8; sub++)
      for (let l = 0; l < 32; l++) {
        const byte = 16 + Math.floor(sub / 2) * 32 + l;
        const q = sub % 2 === 0 ? b[byte]! & 15 : b[byte]! >> 4;
        expect(x[sub * 32 + l]).toBeCloseTo(0.25 * sc[sub]! * q - 0.5 * mn[sub]!, 6);
      }
  });
});

describe('quantisers', () => {
  it('Q5_1 holds Q4_1 weights exactly (the conversion of 576-wide rows loses nothing)', () => {
    const src = randomQ4_1(64, 7);
    const x = dequantize(GgmlType.Q4_1, src, 64 * 32);
    const y = dequantize(GgmlType.Q5_1, quantize(GgmlType.Q5_1, x), x.length);
    expect(y).toEqual(x);
  });

  it('Q4_K re-quantises Q4_1 weights with a small error (6-bit sub-block scales)', () => {
    const src = randomQ4_1(64, 11);
    const x = dequantize(GgmlType.Q4_1, src, 64 * 32);
    const y = dequantize(GgmlType.Q4_K, quantize(GgmlType.Q4_K, x), x.length);
    let err = 0;
    let mag = 0;
    for (let i = 0; i < x.length; i++) {
      err += Math.abs(y[i]! - x[i]!);
      mag += Math.abs(x[i]!);
    }
    expect(err / mag).toBeLessThan(0.03);
    expect(err).toBeGreaterThan(0); // a re-quantisation, not a copy
  });

  it('Q4_K error on random weights stays within half a grid step of its sub-block', () => {
    const x = randomValues(1024, 3, 0.2);
    const y = dequantize(GgmlType.Q4_K, quantize(GgmlType.Q4_K, x), x.length);
    for (let s = 0; s < 1024; s += 32) {
      const sub = x.subarray(s, s + 32);
      const step = (Math.max(...sub) - Math.min(0, ...sub)) / 15;
      for (let i = s; i < s + 32; i++) expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual(step);
    }
  });

  it.each([
    ['Q5_0', GgmlType.Q5_0, 16],
    ['Q8_0', GgmlType.Q8_0, 127],
  ])('%s: every weight within a step of its block', (_name, type, levels) => {
    const x = randomValues(512, 5, 0.3);
    const q = quantize(type, x);
    expect(q.length).toBe((512 / 32) * BLOCK[type]!.bytes);
    const y = dequantize(type, q, x.length);
    for (let b = 0; b < 512; b += 32) {
      const amax = Math.max(...x.subarray(b, b + 32).map(Math.abs));
      for (let i = b; i < b + 32; i++)
        expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual((amax / levels) * 1.15 + 1e-6);
    }
  });

  it('refuses a tensor that is not a whole number of blocks', () => {
    expect(() => quantize(GgmlType.Q4_K, new Float32Array(576))).toThrow(/whole number/);
  });
});
