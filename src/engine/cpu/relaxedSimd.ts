// Whether this browser's WebAssembly has relaxed SIMD, which the build of wllama.wasm with the
// spliced kernels needs (kernels/, tools/wllamaWasm.ts). Imported by the engine worker only.

const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0

/**
 * A module with one function () -> v128 that pushes three zero vectors and applies `op` (a
 * three-operand v128 instruction) to them.
 */
export function probeModule(op: number[]): Uint8Array<ArrayBuffer> {
  const body = [0x00, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, ...op, 0x0b];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // one function of that type
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
}

/** i32x4.relaxed_dot_i8x16_i7x16_add_s, the instruction the Q5_1 kernel relies on. */
export const RELAXED_DOT_ADD = [0xfd, 0x93, 0x02];

export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(probeModule(RELAXED_DOT_ADD));
  } catch {
    return false;
  }
}
