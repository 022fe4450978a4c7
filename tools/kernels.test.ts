import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildKernels, CLANG, compileKernel, OBJDUMP } from './kernels';
import {
  indexModule,
  KERNEL_FILES,
  kernelBody,
  patchWllamaWasm,
  PATCHED_WASM_SHA256,
  readKernels,
  sha256,
  spliceKernels,
  SPLICED_WASM_SHA256,
  uleb,
  WasmPatchError,
} from './wllamaWasm';

const root = new URL('..', import.meta.url).pathname;
const patched = patchWllamaWasm(
  readFileSync(createRequire(import.meta.url).resolve('@wllama/wllama/esm/wasm/wllama.wasm')),
);
const kernels = readKernels(root);

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const section = (id: number, c: number[]) => [id, ...uleb(c.length), ...c];

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('spliceKernels', () => {
  it('writes each committed kernel over the body of its wllama function, and nothing else', () => {
    const out = spliceKernels(patched, kernels);
    expect(sha256(out)).toBe(SPLICED_WASM_SHA256);
    expect(sha256(patched)).toBe(PATCHED_WASM_SHA256);
    const before = indexModule(patched);
    const after = indexModule(out);
    expect([...after.index]).toEqual([...before.index]);
    const replaced = new Map(kernels.map((k) => [before.index.get(k.fn)!, kernelBody(k).body]));
    expect(replaced.size).toBe(KERNEL_FILES.length);
    let same = 0;
    for (const [fn, b] of before.bodies) {
      const a = after.bodies.get(fn)!;
      const body = out.subarray(a.start, a.end);
      const want = replaced.get(fn) ?? patched.subarray(b.start, b.end);
      expect(Buffer.compare(Buffer.from(body), Buffer.from(want)), `function ${fn}`).toBe(0);
      if (!replaced.has(fn)) same++;
    }
    expect(same).toBe(before.bodies.size - kernels.length);
    // the sections after the code section are unchanged
    const lastBefore = Math.max(...[...before.bodies.values()].map((b) => b.end));
    const lastAfter = Math.max(...[...after.bodies.values()].map((b) => b.end));
    expect(
      Buffer.compare(
        Buffer.from(out.subarray(lastAfter)),
        Buffer.from(patched.subarray(lastBefore)),
      ),
    ).toBe(0);
  });

  it('refuses a module other than the pinned patched build', () => {
    const other = new Uint8Array(patched);
    other[200] = other[200]! ^ 1;
    expect(() => spliceKernels(other, kernels)).toThrow(/patched wllama.wasm has sha256/);
  });

  it('refuses a kernel whose name or type differs from the function it replaces', () => {
    const k = kernels[0]!;
    expect(() =>
      spliceKernels(patched, [{ fn: 'quantize_row_q8_1', wasm: k.wasm }], {
        input: PATCHED_WASM_SHA256,
        output: 'x',
      }),
    ).toThrow(/exports ggml_vec_dot_q5_1_q8_1, not quantize_row_q8_1/);
    // a () -> () function exported under the dot product's name
    const name = [...new TextEncoder().encode(k.fn)];
    const wrongType = new Uint8Array([
      ...header,
      ...section(1, [1, 0x60, 0, 0]),
      ...section(3, [1, 0]),
      ...section(7, [1, ...uleb(name.length), ...name, 0, 0]),
      ...section(10, [1, 2, 0, 0x0b]),
    ]);
    expect(() =>
      spliceKernels(patched, [{ fn: k.fn, wasm: wrongType }], {
        input: PATCHED_WASM_SHA256,
        output: 'x',
      }),
    ).toThrow(/has type 96,0,0, wllama's has/);
  });

  it('refuses a kernel module that is not one movable function', () => {
    const type = section(1, [1, 0x60, 0, 0]);
    const twoFuncs = new Uint8Array([
      ...header,
      ...type,
      ...section(3, [2, 0, 0]),
      ...section(10, [2, 2, 0, 0x0b, 2, 0, 0x0b]),
    ]);
    expect(() => kernelBody({ fn: 'f', wasm: twoFuncs })).toThrow(WasmPatchError);
    expect(() => kernelBody({ fn: 'f', wasm: twoFuncs })).toThrow(/must define one function/);
    const withData = new Uint8Array([
      ...header,
      ...type,
      ...section(3, [1, 0]),
      ...section(10, [1, 2, 0, 0x0b]),
      ...section(11, [0]),
    ]);
    expect(() => kernelBody({ fn: 'f', wasm: withData })).toThrow(/data segments/);
  });
});

describe('compileKernel', () => {
  const shape =
    'void k(int n, float *s, size_t bs, const void *vx, size_t bx, const void *vy, size_t by, int nrc)';
  const kernel = (body: string) =>
    `#include <stddef.h>\n#include <wasm_simd128.h>\n__attribute__((export_name("f"))) ${shape} {\n${body}\n}\n`;
  const compile = (source: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-test-'));
    try {
      writeFileSync(join(dir, 'k.c'), source);
      return compileKernel(dir, 'f', 'k.wasm');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!has(CLANG) || !has(OBJDUMP))(
    'refuses a kernel with a stack frame or a relaxed multiply-add, and takes a plain one',
    () => {
      // a plain leaf compiles
      expect(
        compile(kernel('*s = ((const float *)vx)[0] * ((const float *)vy)[0];')).length,
      ).toBeGreaterThan(8);
      // an array indexed at run time lives on the stack: the stack pointer is a global
      expect(() =>
        compile(
          kernel(
            'volatile float t[8];\nfor (int i = 0; i < 8; i++) t[i] = ((const float *)vx)[i];\n*s = t[n & 7];',
          ),
        ),
      ).toThrow(/not a leaf[\s\S]*global\.get/);
      // fused or not as the engine likes: results would differ from ggml's separate steps
      expect(() =>
        compile(
          kernel(
            'v128_t a = wasm_v128_load(vx), b = wasm_v128_load(vy);\n*s = wasm_f32x4_extract_lane(wasm_f32x4_relaxed_madd(a, b, a), 0);',
          ),
        ),
      ).toThrow(/not a leaf[\s\S]*fd 85 02\s+<unknown>/);
    },
    60_000,
  );
});

describe('kernels/*.wasm', () => {
  it.skipIf(!has(CLANG) || !has(OBJDUMP))(
    `are what ${CLANG} compiles from kernels/*.c (npm run kernels)`,
    () => {
      expect(buildKernels(root, false)).toEqual([]);
    },
    120_000,
  );
});
