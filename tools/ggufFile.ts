// Whole-file GGUF v3 access for the model tools: the tensor table after the metadata that
// src/engine/gguf.ts reads, and a writer that keeps the key/value section byte for byte
// (patching or adding a few keys) while replacing tensor data.

import { GgufType, readGgufMetadata } from '../src/engine/gguf';
import { tensorBytes } from './quantize';

export interface TensorInfo {
  name: string;
  /** ggml order: dims[0] is the contiguous (row) dimension. */
  dims: number[];
  type: number;
  /** Offset from the start of the data section. */
  offset: number;
}

export interface GgufFile {
  bytes: Uint8Array;
  kv: Record<string, unknown>;
  /** Byte ranges of each key/value pair in `bytes`, in file order. */
  kvRanges: { key: string; start: number; end: number }[];
  tensors: TensorInfo[];
  alignment: number;
  dataStart: number;
}

export function elementCount(t: TensorInfo): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

const TYPE_SIZE: Record<number, number> = {
  [GgufType.UINT8]: 1,
  [GgufType.INT8]: 1,
  [GgufType.BOOL]: 1,
  [GgufType.UINT16]: 2,
  [GgufType.INT16]: 2,
  [GgufType.UINT32]: 4,
  [GgufType.INT32]: 4,
  [GgufType.FLOAT32]: 4,
  [GgufType.UINT64]: 8,
  [GgufType.INT64]: 8,
  [GgufType.FLOAT64]: 8,
};

/** Skips one value of GGUF type `type` at `o`; returns the offset after it. */
function skipValue(dv: DataView, o: number, type: number): number {
  if (type === GgufType.STRING) return o + 8 + Number(dv.getBigUint64(o, true));
  if (type === GgufType.ARRAY) {
    const inner = dv.getUint32(o, true);
    const n = Number(dv.getBigUint64(o + 4, true));
    let p = o + 12;
    const size = TYPE_SIZE[inner];
    if (size !== undefined) return p + n * size;
    for (let i = 0; i < n; i++) p = skipValue(dv, p, inner);
    return p;
  }
  const size = TYPE_SIZE[type];
  if (size === undefined) throw new Error(`unknown GGUF value type ${type}`);
  return o + size;
}

export function readGgufFile(bytes: Uint8Array): GgufFile {
  const md = readGgufMetadata(bytes);
  if (md.version !== 3) throw new Error(`GGUF version ${md.version}: only version 3 is written`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder();
  const kvRanges: GgufFile['kvRanges'] = [];
  let o = 24;
  const kvCount = Number(dv.getBigUint64(16, true));
  for (let i = 0; i < kvCount; i++) {
    const start = o;
    const len = Number(dv.getBigUint64(o, true));
    const key = dec.decode(bytes.subarray(o + 8, o + 8 + len));
    o += 8 + len;
    const type = dv.getUint32(o, true);
    o = skipValue(dv, o + 4, type);
    kvRanges.push({ key, start, end: o });
  }
  if (o !== md.metadataEnd) throw new Error('GGUF key/value section: inconsistent length');
  const tensors: TensorInfo[] = [];
  for (let i = 0; i < md.tensorCount; i++) {
    const len = Number(dv.getBigUint64(o, true));
    const name = dec.decode(bytes.subarray(o + 8, o + 8 + len));
    o += 8 + len;
    const nd = dv.getUint32(o, true);
    o += 4;
    const dims: number[] = [];
    for (let j = 0; j < nd; j++, o += 8) dims.push(Number(dv.getBigUint64(o, true)));
    const type = dv.getUint32(o, true);
    const offset = Number(dv.getBigUint64(o + 4, true));
    o += 12;
    tensors.push({ name, dims, type, offset });
  }
  const alignment =
    typeof md.kv['general.alignment'] === 'number' ? md.kv['general.alignment'] : 32;
  const dataStart = Math.ceil(o / alignment) * alignment;
  return { bytes, kv: md.kv, kvRanges, tensors, alignment, dataStart };
}

/** The raw bytes of a tensor's data. */
export function tensorData(f: GgufFile, t: TensorInfo): Uint8Array {
  const start = f.dataStart + t.offset;
  return f.bytes.subarray(start, start + tensorBytes(t.type, elementCount(t)));
}

export type NewKv = { key: string } & (
  { type: 'u32'; value: number } | { type: 'string'; value: string }
);

function encodeKv(kv: NewKv): Uint8Array {
  const enc = new TextEncoder();
  const key = enc.encode(kv.key);
  const val = kv.type === 'string' ? enc.encode(kv.value) : null;
  const size = 8 + key.length + 4 + (val ? 8 + val.length : 4);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(key.length), true);
  out.set(key, 8);
  const o = 8 + key.length;
  if (val) {
    dv.setUint32(o, GgufType.STRING, true);
    dv.setBigUint64(o + 4, BigInt(val.length), true);
    out.set(val, o + 12);
  } else {
    dv.setUint32(o, GgufType.UINT32, true);
    dv.setUint32(o + 4, (kv as { value: number }).value, true);
  }
  return out;
}

/**
 * A new GGUF: the source's key/value pairs in order (those named in `kvs` replaced by the new
 * value, the others added at the end), then the given tensors with their data, each aligned.
 */
export function writeGgufFile(
  src: GgufFile,
  kvs: NewKv[],
  tensors: { info: Omit<TensorInfo, 'offset'>; data: Uint8Array }[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0x46554747, true);
  hv.setUint32(4, 3, true);
  hv.setBigUint64(8, BigInt(tensors.length), true);
  const replaced = new Set<string>();
  const kvParts: Uint8Array[] = [];
  for (const r of src.kvRanges) {
    const repl = kvs.find((k) => k.key === r.key);
    if (repl) {
      replaced.add(r.key);
      kvParts.push(encodeKv(repl));
    } else kvParts.push(src.bytes.subarray(r.start, r.end));
  }
  for (const k of kvs) if (!replaced.has(k.key)) kvParts.push(encodeKv(k));
  hv.setBigUint64(16, BigInt(kvParts.length), true);
  parts.push(header, ...kvParts);

  const enc = new TextEncoder();
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const name = enc.encode(t.info.name);
    const info = new Uint8Array(8 + name.length + 4 + 8 * t.info.dims.length + 4 + 8);
    const dv = new DataView(info.buffer);
    dv.setBigUint64(0, BigInt(name.length), true);
    info.set(name, 8);
    let o = 8 + name.length;
    dv.setUint32(o, t.info.dims.length, true);
    o += 4;
    for (const d of t.info.dims) {
      dv.setBigUint64(o, BigInt(d), true);
      o += 8;
    }
    dv.setUint32(o, t.info.type, true);
    dv.setBigUint64(o + 4, BigInt(offset), true);
    parts.push(info);
    offsets.push(offset);
    offset += Math.ceil(t.data.length / src.alignment) * src.alignment;
  }
  const headLen = parts.reduce((n, p) => n + p.length, 0);
  const dataStart = Math.ceil(headLen / src.alignment) * src.alignment;
  const out = new Uint8Array(dataStart + offset);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  tensors.forEach((t, i) => out.set(t.data, dataStart + (offsets[i] as number)));
  return out;
}
