// Re-quantises a GGUF whose matrices are Q4_1 (no SIMD dot product in wllama's wasm build) to
// types that have wasm SIMD kernels: Q4_K where a row is a whole number of 256-element
// super-blocks, Q5_1 elsewhere (K-quants need rows of 256: SmolLM2-135M's 576-wide rows are
// not; Q5_1 holds every Q4_1 block exactly). Other tensors are copied as they are. The result is cached under .cache/models/, keyed
// by the input's SHA-256 and CONVERTER_VERSION, so `npm run models` converts once.
// Usage: npx tsx tools/convert-model.ts IN.gguf OUT.gguf [q5_0|q5_1|q8_0] [--no-k] [--stats]

import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { elementCount, readGgufFile, tensorData, writeGgufFile, type TensorInfo } from './ggufFile';
import { GgmlType, dequantize, quantize, typeName } from './quantize';

/** Bump when the output of convert() changes: cached conversions are then redone. */
export const CONVERTER_VERSION = 1;

export type WideType = typeof GgmlType.Q5_0 | typeof GgmlType.Q5_1 | typeof GgmlType.Q8_0;

/** The type a tensor is converted to (its own type: copied unchanged). */
export function targetType(t: TensorInfo, wide: WideType = GgmlType.Q5_1, kQuant = true): number {
  if (t.type !== GgmlType.Q4_1) return t.type;
  return kQuant && (t.dims[0] as number) % 256 === 0 ? GgmlType.Q4_K : wide;
}

export interface ConvertStats {
  /** Per target type: tensors, weights, sum |new - old|, sum |old|, max |new - old|. */
  byType: Record<
    string,
    { tensors: number; weights: number; absErr: number; absVal: number; maxErr: number }
  >;
  seconds: number;
}

export function convert(
  input: Uint8Array,
  opts: { wide?: WideType; kQuant?: boolean; stats?: boolean } = {},
): { bytes: Uint8Array; stats: ConvertStats } {
  const t0 = performance.now();
  const src = readGgufFile(input);
  const stats: ConvertStats = { byType: {}, seconds: 0 };
  const tensors = src.tensors.map((info) => {
    const data = tensorData(src, info);
    const to = targetType(info, opts.wide, opts.kQuant);
    if (to === info.type)
      return { info: { name: info.name, dims: info.dims, type: info.type }, data };
    const n = elementCount(info);
    const x = dequantize(info.type, data, n);
    const q = quantize(to, x);
    if (opts.stats) {
      const y = dequantize(to, q, n);
      const s = (stats.byType[typeName(to)] ??= {
        tensors: 0,
        weights: 0,
        absErr: 0,
        absVal: 0,
        maxErr: 0,
      });
      s.tensors++;
      s.weights += n;
      for (let i = 0; i < n; i++) {
        const e = Math.abs((y[i] as number) - (x[i] as number));
        s.absErr += e;
        s.absVal += Math.abs(x[i] as number);
        if (e > s.maxErr) s.maxErr = e;
      }
    }
    return { info: { name: info.name, dims: info.dims, type: to }, data: q };
  });
  const bytes = writeGgufFile(
    src,
    [
      // llama.cpp's file type for "mostly Q4_K_M"-like mixes is informational only.
      { key: 'general.file_type', type: 'u32', value: 15 },
      {
        key: 'general.quantized_by',
        type: 'string',
        value: `intab-playground tools/convert-model.ts v${CONVERTER_VERSION} from Q4_1`,
      },
    ],
    tensors,
  );
  stats.seconds = (performance.now() - t0) / 1000;
  return { bytes, stats };
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Writes `out` converted from `input`, from the cache when the same input was converted by the
 * same converter version before. Returns a line saying what happened.
 */
export function convertCached(
  input: string,
  out: string,
  cacheDir = resolve('.cache/models'),
): string {
  const key = `${basename(input, '.gguf')}.${sha256(input).slice(0, 16)}.convert-v${CONVERTER_VERSION}.gguf`;
  const cached = join(cacheDir, key);
  let how = 'from the cache';
  if (!existsSync(cached)) {
    const { bytes, stats } = convert(readFileSync(input));
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cached + '.tmp', bytes);
    renameSync(cached + '.tmp', cached);
    how = `converted in ${stats.seconds.toFixed(1)} s`;
  }
  if (
    !existsSync(out) ||
    statSync(out).size !== statSync(cached).size ||
    Buffer.compare(readFileSync(out), readFileSync(cached)) !== 0
  ) {
    // a new file, renamed into place: never rewrite a file that may be a hard link
    copyFileSync(cached, out + '.tmp');
    renameSync(out + '.tmp', out);
  }
  return `wrote ${out} (${how})`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [input, output] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!input || !output) {
    console.error(
      'usage: tsx tools/convert-model.ts IN.gguf OUT.gguf [--wide q5_0|q8_0] [--stats]',
    );
    process.exit(2);
  }
  const wide = process.argv.includes('q8_0')
    ? GgmlType.Q8_0
    : process.argv.includes('q5_0')
      ? GgmlType.Q5_0
      : GgmlType.Q5_1;
  const { bytes, stats } = convert(readFileSync(input), {
    wide,
    stats: process.argv.includes('--stats'),
  });
  writeFileSync(output, bytes);
  console.log(`wrote ${output}: ${bytes.length} bytes in ${stats.seconds.toFixed(1)} s`);
  for (const [t, s] of Object.entries(stats.byType))
    console.log(
      `${t}: ${s.tensors} tensors, ${s.weights} weights, mean |err| ${(s.absErr / s.weights).toExponential(3)}` +
        ` (${((s.absErr / s.absVal) * 100).toFixed(2)}% of mean |w| ${(s.absVal / s.weights).toExponential(3)}), max |err| ${s.maxErr.toExponential(3)}`,
    );
}
