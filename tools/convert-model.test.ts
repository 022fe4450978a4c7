import { describe, expect, it } from 'vitest';
import { readGgufMetadata } from '../src/engine/gguf';
import { convert, CONVERTER_VERSION } from './convert-model';
import { readGgufFile, tensorData, writeGgufFile } from './ggufFile';
import { GgmlType, dequantize, toHalf } from './quantize';
import { writeTinyGguf } from './tinyGguf';

/** The tiny test model plus two Q4_1 matrices: 256 wide (-> Q4_K) and 64 wide (-> Q5_1). */
function modelWithQ4_1(): Uint8Array {
  const src = readGgufFile(writeTinyGguf({ seed: 1 }));
  const q4_1 = (rows: number, cols: number) => {
    const blocks = (rows * cols) / 32;
    const b = new Uint8Array(blocks * 20);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < blocks; i++) {
      dv.setUint16(i * 20, toHalf(0.01 + (i % 7) * 0.002), true);
      dv.setUint16(i * 20 + 2, toHalf(-0.08 - (i % 5) * 0.01), true);
      for (let j = 0; j < 16; j++) b[i * 20 + 4 + j] = (i * 31 + j * 17) & 255;
    }
    return b;
  };
  return writeGgufFile(
    src,
    [],
    [
      ...src.tensors.map((t) => ({
        info: { name: t.name, dims: t.dims, type: t.type },
        data: tensorData(src, t),
      })),
      { info: { name: 'extra.wide', dims: [256, 4], type: GgmlType.Q4_1 }, data: q4_1(256, 4) },
      { info: { name: 'extra.narrow', dims: [64, 4], type: GgmlType.Q4_1 }, data: q4_1(64, 4) },
    ],
  );
}

describe('convert (Q4_1 -> types with wasm SIMD kernels)', () => {
  const input = modelWithQ4_1();
  const { bytes } = convert(input);
  const before = readGgufFile(input);
  const after = readGgufFile(bytes);

  it('re-quantises Q4_1 matrices only: Q4_K where rows are 256-multiples, Q5_1 elsewhere', () => {
    const types = Object.fromEntries(after.tensors.map((t) => [t.name, t.type]));
    expect(types['extra.wide']).toBe(GgmlType.Q4_K);
    expect(types['extra.narrow']).toBe(GgmlType.Q5_1);
    for (const t of before.tensors.filter((t) => t.type !== GgmlType.Q4_1)) {
      expect(types[t.name]).toBe(t.type);
      expect(
        tensorData(
          after,
          after.tensors.find((a) => a.name === t.name)!,
        ),
      ).toEqual(tensorData(before, t));
    }
  });

  it('keeps the metadata, marks the file type and names the converter', () => {
    const md = readGgufMetadata(bytes);
    const orig = readGgufMetadata(input);
    expect(md.tokens).toEqual(orig.tokens);
    expect(md.chatTemplate).toBe(orig.chatTemplate);
    expect(md.kv['general.file_type']).toBe(15);
    expect(md.kv['general.quantized_by']).toContain(`v${CONVERTER_VERSION}`);
    expect(after.dataStart % after.alignment).toBe(0);
    for (const t of after.tensors) expect(t.offset % after.alignment).toBe(0);
  });

  it('the weights stay what they were (Q5_1 exactly, Q4_K closely)', () => {
    const values = (f: typeof before, name: string) => {
      const t = f.tensors.find((x) => x.name === name)!;
      return dequantize(t.type, tensorData(f, t), t.dims[0]! * t.dims[1]!);
    };
    expect(values(after, 'extra.narrow')).toEqual(values(before, 'extra.narrow'));
    const a = values(before, 'extra.wide');
    const b = values(after, 'extra.wide');
    const meanErr = a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    const meanAbs = a.reduce((s, v) => s + Math.abs(v), 0) / a.length;
    expect(meanErr / meanAbs).toBeLessThan(0.03);
  });

  it('is deterministic (the cache key is the input and the converter version)', () => {
    expect(convert(input).bytes).toEqual(bytes);
  });
});
