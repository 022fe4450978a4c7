/**
 * `npm run kernels`: compiles kernels/*.c (the relaxed-SIMD dot products spliced into wllama.wasm
 * by tools/wllamaWasm.ts) with Debian's clang-19 and lld-19 to kernels/*.wasm, which are
 * committed: the build itself never needs clang. `--check` compiles to memory and fails unless
 * the result equals the committed bytes (tools/kernels.test.ts runs it when clang-19 exists).
 *
 * Each kernel must be a leaf that can be moved into another module: besides the structural
 * checks of `kernelBody`, its disassembly (llvm-objdump-19) must contain no call, global or table
 * instruction.
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

/**
 * Instructions a spliced body must not contain: those that refer to the kernel module's own
 * space, and relaxed multiply-adds (fused or not as the engine likes: the float results would no
 * longer be those of ggml's separate multiply and add).
 */
const FORBIDDEN =
  /\b(call|call_indirect|return_call\w*|global\.(get|set)|table\.\w+|memory\.(grow|size)|\w+\.relaxed_n?madd)\b/;

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
    const bad = asm.split('\n').filter((l) => FORBIDDEN.test(l));
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
