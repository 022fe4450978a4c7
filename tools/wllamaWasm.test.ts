import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  indexModule,
  PATCHED_WASM_SHA256,
  PATCHES,
  patchWllamaWasm,
  sha256,
  uleb,
  WasmPatchError,
} from './wllamaWasm';

const shipped = readFileSync(
  createRequire(import.meta.url).resolve('@wllama/wllama/esm/wasm/wllama.wasm'),
);

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}
function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** A module with only what the patcher reads: code bodies and their names. */
function syntheticModule(bodies: { name: string; code: number[] }[]): Uint8Array {
  const code = [
    ...uleb(bodies.length),
    ...bodies.flatMap((b) => [...uleb(b.code.length), ...b.code]),
  ];
  const names = [...uleb(bodies.length), ...bodies.flatMap((b, i) => [...uleb(i), ...str(b.name)])];
  const nameSection = [...str('name'), 1, ...uleb(names.length), ...names];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(10, code),
    ...section(0, nameSection),
  ]);
}

describe('patchWllamaWasm', () => {
  it('changes exactly the three instructions in the shipped wllama 3.13.0 build', () => {
    const out = patchWllamaWasm(shipped);
    expect(sha256(out)).toBe(PATCHED_WASM_SHA256);
    expect(out.length).toBe(shipped.length);
    const changed: number[] = [];
    for (let i = 0; i < out.length; i++) if (out[i] !== shipped[i]) changed.push(i);
    // two 6-byte loads become constants with nops; one comparison opcode
    expect(changed.length).toBe(13);
    const mod = indexModule(shipped);
    const owner = (offset: number) =>
      [...mod.index].find(([, fn]) => {
        const b = mod.bodies.get(fn);
        return b !== undefined && offset >= b.start && offset < b.end;
      })?.[0];
    expect(new Set(changed.map(owner))).toEqual(new Set(PATCHES.map((p) => p.fn)));
  });

  it('refuses another build of wllama.wasm', () => {
    const other = new Uint8Array(shipped);
    other[100] = other[100]! ^ 1;
    expect(() => patchWllamaWasm(other)).toThrow(WasmPatchError);
    expect(() => patchWllamaWasm(other)).toThrow(/not the build this patch was made for/);
  });

  it('finds each pattern inside the named function, and refuses one found twice', () => {
    const [p1, p2, p3] = PATCHES as [(typeof PATCHES)[0], (typeof PATCHES)[0], (typeof PATCHES)[0]];
    const bytes = (p: typeof p1, callee: number) =>
      p.find.flatMap((x) => (typeof x === 'number' ? [x] : [0x10, ...uleb(callee)]));
    const build = (dumpTwice: boolean) =>
      syntheticModule([
        { name: 'validate_utf8', code: [0x00, 0x0b] },
        {
          name: p1.fn,
          code: [0x00, ...bytes(p1, 0), ...bytes(p2, 0), ...(dumpTwice ? bytes(p1, 0) : []), 0x0b],
        },
        { name: p3.fn, code: [0x00, ...bytes(p3, 0), 0x0b] },
        // the same bytes in another function are left alone
        { name: 'other', code: [0x00, ...bytes(p1, 0), 0x0b] },
      ]);
    const ok = build(false);
    const expected = new Uint8Array(ok);
    // The pins of the real build do not hold here: compute what the patch must produce.
    const mod = indexModule(ok);
    for (const p of PATCHES) {
      const body = mod.bodies.get(mod.index.get(p.fn)!)!;
      const needle = bytes(p, 0);
      const at = [...ok.keys()].find(
        (i) => i >= body.start && needle.every((b, j) => ok[i + j] === b),
      )!;
      expected.set(p.replace, at + needle.length - p.replace.length);
    }
    expect(() => patchWllamaWasm(ok, { input: sha256(ok), output: 'x' })).toThrow(
      `has sha256 ${sha256(expected)}`,
    );
    const patched = patchWllamaWasm(ok, { input: sha256(ok), output: sha256(expected) });
    expect([...patched]).toEqual([...expected]);
    const other = mod.bodies.get(mod.index.get('other')!)!;
    expect([...patched.subarray(other.start, other.end)]).toEqual([
      ...ok.subarray(other.start, other.end),
    ]);

    const twice = build(true);
    expect(() => patchWllamaWasm(twice, { input: sha256(twice), output: 'x' })).toThrow(
      /found it 2 times/,
    );
  });
});
