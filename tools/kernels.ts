/**
 * `npm run kernels`: compiles kernels/*.c (the relaxed-SIMD dot products spliced into wllama.wasm
 * by tools/wllamaWasm.ts) with Debian's clang-19 and lld-19 to kernels/*.wasm, which are
 * committed: the build itself never needs clang. `--check` compiles to memory and fails unless
 * the result equals the committed bytes (tools/kernels.test.ts runs it when clang-19 exists).
 *
 * Each kernel must be a leaf that can be moved into another module: besides the structural
 * checks of `kernelBody`, its disassembly (llvm-objdump-19) must contain no call, global or table
 * instruction, and no relaxed-SIMD instruction but the two integer dot products.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_FILES, kernelBody } from './wllamaWasm';

export const CLANG = process.env.CLANG ?? 'clang-19';
export const OBJDUMP = process.env.LLVM_OBJDUMP ?? 'llvm-objdump-19';

export const CLANG_FLAGS = [
  '--target=wasm64-unknown-unknown',
  '-O3',
  '-msimd128',
  '-mrelaxed-simd',
  '-nostdlib',
  '-ffreestanding',
  '-Wall',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--strip-all',
];

/** Instructions a spliced body must not contain: they refer to the kernel module's own space. */
const FORBIDDEN =
  /\b(call|call_indirect|return_call\w*|global\.(get|set)|table\.\w+|memory\.(grow|size))\b/;

/**
 * The relaxed-SIMD instructions a kernel may use: the two integer dot products, exact for the
 * operand ranges the kernels give them. The others (multiply-adds fused or not, lane selects,
 * min/max, swizzles and truncations whose edge cases vary by engine) could make results differ
 * from ggml's. llvm-objdump-19 prints every relaxed instruction as `<unknown>`, so they are told
 * apart by opcode: 0xfd then the LEB128 index (0x112 i16x8.relaxed_dot_i8x16_i7x16_s, 0x113
 * i32x4.relaxed_dot_i8x16_i7x16_add_s).
 */
const ALLOWED_UNKNOWN = new Set(['fd 92 02', 'fd 93 02']);

/** The lines of `llvm-objdump -d` output a spliced kernel must not contain. */
export function refusedInstructions(disassembly: string): string[] {
  return disassembly.split('\n').filter((l) => {
    if (FORBIDDEN.test(l)) return true;
    if (!l.includes('<unknown>')) return false;
    const bytes = /:\s+((?:[0-9a-f]{2} )+)/.exec(l)?.[1]?.trim() ?? '';
    return !ALLOWED_UNKNOWN.has(bytes);
  });
}

export function compileKernel(root: string, fn: string, file: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-'));
  try {
    const out = join(dir, 'k.wasm');
    execFileSync(CLANG, [...CLANG_FLAGS, '-o', out, join(root, file.replace(/\.wasm$/, '.c'))], {
      stdio: 'inherit',
    });
    const wasm = new Uint8Array(readFileSync(out));
    kernelBody({ fn, wasm });
    const asm = execFileSync(OBJDUMP, ['-d', out], { encoding: 'utf8' });
    const bad = refusedInstructions(asm);
    if (bad.length > 0) throw new Error(`${file} is not a leaf:\n${bad.join('\n')}`);
    return wasm;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles every kernel; returns the files whose bytes differ from the committed ones. */
export function buildKernels(root: string, write: boolean): string[] {
  const differ: string[] = [];
  for (const { fn, file } of KERNEL_FILES) {
    const wasm = compileKernel(root, fn, file);
    const path = join(root, file);
    const old = existsSync(path) ? readFileSync(path) : null;
    if (!old || Buffer.compare(old, Buffer.from(wasm)) !== 0) {
      differ.push(file);
      if (write) writeFileSync(path, wasm);
    }
  }
  return differ;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const root = resolve(fileURLToPath(import.meta.url), '..', '..');
  const differ = buildKernels(root, !check);
  if (check && differ.length > 0) {
    console.error(`differ from their C sources: ${differ.join(', ')} (run npm run kernels)`);
    process.exit(1);
  }
  console.log(
    differ.length ? `wrote ${differ.join(', ')}` : 'kernels/*.wasm match their C sources',
  );
  console.log('Update SPLICED_WASM_SHA256 in tools/wllamaWasm.ts when a kernel changes.');
}
