/**
 * A copy of @wllama/wllama 3.13.0's wllama.wasm (llama.cpp b12211) with three instructions
 * changed, so that no generated token can fail a run:
 *
 * 1. and 2. nlohmann::json's `dump_escaped` reads the serializer's error handler from memory in
 *    two places; both now read the constant 1 ("replace"). llama-server dumps every result with
 *    the default handler ("strict"), which throws `type_error.316` on any byte sequence that is
 *    not valid UTF-8: a lone byte token among the top logprobs, or generated text such as a lead
 *    byte followed by ASCII. With "replace" those bytes become U+FFFD in JSON strings; the raw
 *    bytes still arrive intact in the `bytes` arrays (numbers), which is what the adapter uses.
 * 3. `server_context_impl::process_token` sends a token only when the generated text does not
 *    end inside a UTF-8 character (`validate_utf8(text) >= text.size()`); otherwise the token
 *    gets no result at all, so its id and logprobs are lost. The comparison is now `<=`, which
 *    always holds: every token is sent with its own bytes, and the adapter holds incomplete
 *    characters back itself, as vLLM's incremental detokenizer does.
 *
 * Each change swaps bytes for bytes of the same length (a value load becomes a constant padded
 * with `nop`s; one comparison opcode becomes another), found inside the named function by an
 * exact pattern that must occur once. The input and output are pinned by SHA-256: a different
 * wllama build fails loudly instead of being patched blindly. To check a new build, read the
 * named functions in its text form (`npx -p binaryen wasm-dis --all-features wllama.wasm`): the
 * string "invalid UTF-8 byte at index " is referenced only by `dump_escaped`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

export const WLLAMA_WASM_SHA256 =
  '79ac5be917b71d50571a4f584436a9f6baf6b6e57719d094ed8bd950e9a65780';
export const PATCHED_WASM_SHA256 =
  '466668d8e48d6ce5bdebd209207bb9bc1e82ed8f5162092e1ea265bb46d27b02';

/** Opcodes used below (WebAssembly core spec, with memory64 addresses). */
const OP = {
  call: 0x10,
  localGet: 0x20,
  i32Load: 0x28,
  i64Load32U: 0x35,
  i32Const: 0x41,
  i64Const: 0x42,
  nop: 0x01,
  if: 0x04,
  voidBlock: 0x40,
  i64GeU: 0x5a,
  i64LeU: 0x58,
} as const;

/** Offset of nlohmann's `serializer::error_handler` member in this build (LEB128 of 632). */
const ERROR_HANDLER_OFFSET = [0xf8, 0x04];
const REPLACE = 1; // nlohmann::detail::error_handler_t::replace

interface Patch {
  /** Function name as the module's name section spells it. */
  fn: string;
  /** Bytes to find (exactly once) in the function's body; a string is a called function. */
  find: (number | { call: string })[];
  /** Bytes written over the last bytes of the match. */
  replace: number[];
  why: string;
}

export const PATCHES: Patch[] = [
  {
    fn: 'nlohmann::json_abi_v3_12_0::detail::serializer<nlohmann::...>::dump_escaped',
    // local.get $this; i32.load offset=632 (error_handler, for the invalid-byte switch)
    find: [OP.localGet, 0, OP.i32Load, 2, ...ERROR_HANDLER_OFFSET],
    replace: [OP.i32Const, REPLACE, OP.nop, OP.nop, OP.nop, OP.nop],
    why: 'invalid UTF-8 byte: replace with U+FFFD instead of throwing type_error.316',
  },
  {
    fn: 'nlohmann::json_abi_v3_12_0::detail::serializer<nlohmann::...>::dump_escaped',
    // local.get $this; i64.load32_u offset=632 (error_handler, for an incomplete last character)
    find: [OP.localGet, 0, OP.i64Load32U, 2, ...ERROR_HANDLER_OFFSET],
    replace: [OP.i64Const, REPLACE, OP.nop, OP.nop, OP.nop, OP.nop],
    why: 'incomplete UTF-8 string: replace with U+FFFD instead of throwing type_error.316',
  },
  {
    fn: 'server_context_impl::process_token',
    // if (validate_utf8(generated_text) >= generated_text.size()) { send the token }
    find: [
      ...[OP.localGet, 7, { call: 'validate_utf8' }],
      // generated_text.size() (libc++ short-string layout), kept in a local
      ...[0x20, 0x02, 0x29, 0x03, 0xc0, 0x16, 0x20, 0x02, 0x2c, 0x00, 0xcf, 0x16, 0x22, 0x0d],
      ...[0xad, 0x42, 0xff, 0x01, 0x83, 0x20, 0x0d, 0x41, 0x00, 0x48, 0x22, 0x0d, 0x1b, 0x22, 0x06],
      ...[OP.i64GeU, OP.if, OP.voidBlock],
    ],
    replace: [OP.i64LeU, OP.if, OP.voidBlock],
    why: 'send every token, also one that ends inside a UTF-8 character',
  },
];

export class WasmPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmPatchError';
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

class Reader {
  constructor(
    readonly b: Uint8Array,
    public p = 0,
  ) {}
  byte(): number {
    const v = this.b[this.p++];
    if (v === undefined) throw new WasmPatchError('unexpected end of the wasm module');
    return v;
  }
  /** Unsigned LEB128 (up to 53 bits, enough for sizes, counts and indices). */
  u(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const x = this.byte();
      result += (x & 0x7f) * scale;
      if (x < 0x80) return result;
      scale *= 128;
    }
  }
  name(): string {
    const n = this.u();
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
  limits(): void {
    const flags = this.byte();
    this.u();
    if (flags & 1) this.u();
  }
  /** Skips one import-section entry; returns its type index when it imports a function. */
  importEntry(): number | null {
    this.name();
    this.name();
    const kind = this.byte();
    if (kind === 0) return this.u();
    if (kind === 1) {
      this.byte();
      this.limits();
    } else if (kind === 2) this.limits();
    else if (kind === 3) this.p += 2;
    else if (kind === 4) {
      this.byte();
      this.u();
    } else throw new WasmPatchError(`unknown import kind ${kind}`);
    return null;
  }
}

export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let x = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) x |= 0x80;
    out.push(x);
  } while (v > 0);
  return out;
}

/** Signed LEB128 of a non-negative number below 2^53. */
function sleb(value: number): number[] {
  const out = uleb(value);
  if ((out[out.length - 1]! & 0x40) !== 0) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return out;
}

interface ModuleIndex {
  /** Function index by name (name section). */
  index: Map<string, number>;
  /** Byte range of each defined function's body, by function index. */
  bodies: Map<number, { start: number; end: number }>;
}

/** Just enough of the binary format to find function bodies by name. */
export function indexModule(b: Uint8Array): ModuleIndex {
  const r = new Reader(b, 8);
  if (b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) {
    throw new WasmPatchError('not a wasm module');
  }
  let importedFuncs = 0;
  const index = new Map<string, number>();
  const bodies = new Map<number, { start: number; end: number }>();
  while (r.p < b.length) {
    const id = r.byte();
    const size = r.u();
    const end = r.p + size;
    if (id === 2) {
      const n = r.u();
      for (let i = 0; i < n; i++) if (r.importEntry() !== null) importedFuncs++;
    } else if (id === 10) {
      const n = r.u();
      for (let i = 0; i < n; i++) {
        const len = r.u();
        bodies.set(importedFuncs + i, { start: r.p, end: r.p + len });
        r.p += len;
      }
    } else if (id === 0 && r.name() === 'name') {
      while (r.p < end) {
        const sub = r.byte();
        const subEnd = r.u() + r.p;
        if (sub === 1) {
          const n = r.u();
          for (let i = 0; i < n; i++) {
            const fn = r.u();
            index.set(r.name(), fn);
          }
        }
        r.p = subEnd;
      }
    }
    r.p = end;
  }
  return { index, bodies };
}

function indexOfAll(hay: Uint8Array, needle: number[], from: number, to: number): number[] {
  const hits: number[] = [];
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    hits.push(i);
  }
  return hits;
}

/**
 * Returns the patched module. Throws WasmPatchError when the input is not the pinned wllama
 * build, a pattern is not found exactly once, or the result is not the pinned output.
 */
export function patchWllamaWasm(
  input: Uint8Array,
  pins: { input: string; output: string } = {
    input: WLLAMA_WASM_SHA256,
    output: PATCHED_WASM_SHA256,
  },
): Uint8Array {
  const got = sha256(input);
  if (got !== pins.input) {
    throw new WasmPatchError(
      `wllama.wasm is not the build this patch was made for (sha256 ${got}, expected ${pins.input}). ` +
        'Re-check tools/wllamaWasm.ts against the new build before changing the pins.',
    );
  }
  const out = new Uint8Array(input);
  const mod = indexModule(input);
  const fnIndex = (name: string): number => {
    const i = mod.index.get(name);
    if (i === undefined) throw new WasmPatchError(`no function named ${name} in wllama.wasm`);
    return i;
  };
  for (const patch of PATCHES) {
    const body = mod.bodies.get(fnIndex(patch.fn));
    if (!body) throw new WasmPatchError(`${patch.fn} has no body`);
    const needle = patch.find.flatMap((x) =>
      typeof x === 'number' ? [x] : [OP.call, ...uleb(fnIndex(x.call))],
    );
    const hits = indexOfAll(input, needle, body.start, body.end);
    if (hits.length !== 1) {
      throw new WasmPatchError(
        `${patch.fn}: expected the pattern for "${patch.why}" once, found it ${hits.length} times`,
      );
    }
    const at = hits[0]! + needle.length - patch.replace.length;
    out.set(patch.replace, at);
  }
  const result = sha256(out);
  if (result !== pins.output) {
    throw new WasmPatchError(`patched wllama.wasm has sha256 ${result}, expected ${pins.output}`);
  }
  return out;
}

/**
 * A faster kernel spliced into the patched module: the body (locals and code) of the one
 * function of a small module compiled from kernels/<name>.c (`npm run kernels`), written over
 * the body of the wllama function of the same name. The kernel module is checked to be a leaf
 * that can be moved: it imports only its memory, defines exactly one function of the same type,
 * and has no tables' elements, globals it could use, or data. (tools/kernels.ts also checks,
 * when it compiles them, that the code has no call, global or table instruction.)
 */
export interface Kernel {
  /** Name of the replaced function in wllama.wasm's name section = the kernel's export name. */
  fn: string;
  /** The compiled kernel module. */
  wasm: Uint8Array;
}

/** Where kernels/*.wasm live, relative to the project root, and which functions they replace. */
export const KERNEL_FILES: { fn: string; file: string }[] = [
  { fn: 'ggml_vec_dot_q5_1_q8_1', file: 'kernels/q5_1_q8_1.wasm' },
  { fn: 'ggml_vec_dot_q8_0_q8_0', file: 'kernels/q8_0_q8_0.wasm' },
  { fn: 'ggml_vec_dot_q4_K_q8_K', file: 'kernels/q4_K_q8_K.wasm' },
  { fn: 'ggml_vec_dot_f16_f32', file: 'kernels/f16_f32.wasm' },
  { fn: 'ggml_vec_dot_q4_1_q8_1', file: 'kernels/q4_1_q8_1.wasm' },
];

/** The patched module with the kernels spliced in (needs relaxed SIMD: see the worker). */
export const SPLICED_WASM_SHA256 =
  '86d5865c91864d27a091712a407686da7416ae781eed2a276071dcf654ffae65';

interface Section {
  id: number;
  header: number; // the section's id byte
  start: number; // first byte of the section's content
  end: number;
}

function sections(b: Uint8Array): Section[] {
  const r = new Reader(b, 8);
  const out: Section[] = [];
  while (r.p < b.length) {
    const header = r.p;
    const id = r.byte();
    const size = r.u();
    out.push({ id, header, start: r.p, end: r.p + size });
    r.p += size;
  }
  return out;
}

/** Skips one value type (a one-byte type, or `ref`/`ref null` with a heap type). */
function valueType(r: Reader): void {
  const t = r.byte();
  if (t === 0x63 || t === 0x64) r.u();
}

/** The type (params and results, as bytes) of each function, by function index. */
function functionTypes(b: Uint8Array): string[] {
  const types: string[] = [];
  const funcs: string[] = [];
  for (const s of sections(b)) {
    const r = new Reader(b, s.start);
    if (s.id === 1) {
      const n = r.u();
      for (let i = 0; i < n; i++) {
        const from = r.p;
        if (r.byte() !== 0x60) throw new WasmPatchError('unsupported type form');
        for (let k = 0; k < 2; k++) {
          // params, then results
          const count = r.u();
          for (let j = 0; j < count; j++) valueType(r);
        }
        types.push([...b.subarray(from, r.p)].join(','));
      }
    } else if (s.id === 2) {
      const n = r.u();
      for (let i = 0; i < n; i++) {
        const type = r.importEntry();
        if (type !== null) funcs.push(types[type] ?? '?');
      }
    } else if (s.id === 3) {
      const n = r.u();
      for (let i = 0; i < n; i++) funcs.push(types[r.u()] ?? '?');
    }
  }
  return funcs;
}

/** Checks that a kernel module is one movable leaf function and returns its body bytes. */
export function kernelBody(kernel: Kernel): { body: Uint8Array; type: string } {
  const b = kernel.wasm;
  if (b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) {
    throw new WasmPatchError(`kernel ${kernel.fn} is not a wasm module`);
  }
  let exported: string | undefined;
  let body: Uint8Array | undefined;
  for (const s of sections(b)) {
    const r = new Reader(b, s.start);
    if (s.id === 2) {
      const n = r.u();
      for (let i = 0; i < n; i++) {
        r.name();
        r.name();
        if (r.byte() !== 2)
          throw new WasmPatchError(`kernel ${kernel.fn} imports more than memory`);
        r.limits();
      }
    } else if (s.id === 3) {
      if (r.u() !== 1) throw new WasmPatchError(`kernel ${kernel.fn} must define one function`);
    } else if (s.id === 7) {
      const n = r.u();
      for (let i = 0; i < n; i++) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u();
        if (kind === 0 && index === 0) exported = name;
      }
    } else if (s.id === 9 || s.id === 11) {
      throw new WasmPatchError(`kernel ${kernel.fn} has element or data segments`);
    } else if (s.id === 10) {
      if (r.u() !== 1) throw new WasmPatchError(`kernel ${kernel.fn} must define one function`);
      const len = r.u();
      body = b.subarray(r.p, r.p + len);
    }
  }
  if (exported !== kernel.fn) {
    throw new WasmPatchError(`kernel module exports ${exported ?? 'nothing'}, not ${kernel.fn}`);
  }
  if (!body) throw new WasmPatchError(`kernel ${kernel.fn} has no code`);
  return { body, type: functionTypes(b)[0] ?? '?' };
}

/**
 * Writes each kernel's body over the body of the wllama function it replaces, rewriting the
 * code section's size and the bodies' sizes. Throws unless the input is the pinned patched
 * module, every kernel has the replaced function's exact type, and the result is pinned.
 */
export function spliceKernels(
  patched: Uint8Array,
  kernels: Kernel[],
  pins: { input: string; output: string } = {
    input: PATCHED_WASM_SHA256,
    output: SPLICED_WASM_SHA256,
  },
): Uint8Array {
  const got = sha256(patched);
  if (got !== pins.input) {
    throw new WasmPatchError(`the patched wllama.wasm has sha256 ${got}, expected ${pins.input}`);
  }
  const mod = indexModule(patched);
  const types = functionTypes(patched);
  const replace = new Map<number, Uint8Array>();
  for (const k of kernels) {
    const index = mod.index.get(k.fn);
    if (index === undefined) throw new WasmPatchError(`no function named ${k.fn} in wllama.wasm`);
    const { body, type } = kernelBody(k);
    if (types[index] !== type) {
      throw new WasmPatchError(`kernel ${k.fn} has type ${type}, wllama's has ${types[index]}`);
    }
    replace.set(index, body);
  }
  const code = sections(patched).find((s) => s.id === 10);
  if (!code) throw new WasmPatchError('wllama.wasm has no code section');
  const imported = Math.min(...mod.bodies.keys());
  const r = new Reader(patched, code.start);
  const count = r.u();
  const parts: Uint8Array[] = [new Uint8Array(uleb(count))];
  for (let i = 0; i < count; i++) {
    const { start, end } = mod.bodies.get(imported + i)!;
    const body = replace.get(imported + i) ?? patched.subarray(start, end);
    parts.push(new Uint8Array(uleb(body.length)), body);
  }
  const content = concat(parts);
  const out = concat([
    patched.subarray(0, code.header),
    new Uint8Array([10, ...uleb(content.length)]),
    content,
    patched.subarray(code.end),
  ]);
  const result = sha256(out);
  if (result !== pins.output) {
    throw new WasmPatchError(`spliced wllama.wasm has sha256 ${result}, expected ${pins.output}`);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Where ggml's fp16 -> f32 table (`ggml_table_f32_f16`, 65,536 floats) lies in this build's
 * memory: the original dot products read their scales from it (`f32.load offset=2259824`).
 */
export const FP16_TABLE_ADDRESS = 2259824;

/** The specifier the CPU engine imports the patched module by (`${WLLAMA_WASM_ID}?url`). */
export const WLLAMA_WASM_ID = 'virtual:wllama-patched.wasm';
/** The specifier of the patched module with the kernels spliced in (`${KERNELS_WASM_ID}?url`). */
export const KERNELS_WASM_ID = 'virtual:wllama-kernels.wasm';

/**
 * Vite plugin: resolves `virtual:wllama-patched.wasm?url` to the patched copy and
 * `virtual:wllama-kernels.wasm?url` to the patched copy with kernels/*.wasm spliced in, written
 * once to .cache/wllama/ from node_modules (so dev, build and the worker bundle all use them).
 */
export function patchedWllamaWasm(): Plugin {
  let root = process.cwd();
  const cached = (sha: string) => join(root, '.cache', 'wllama', `wllama-${sha.slice(0, 16)}.wasm`);
  const write = (sha: string, make: () => Uint8Array): string => {
    const target = cached(sha);
    if (existsSync(target) && sha256(readFileSync(target)) === sha) return target;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, make());
    return target;
  };
  const patched = (): Uint8Array => {
    const require = createRequire(join(root, 'package.json'));
    const source = require.resolve('@wllama/wllama/esm/wasm/wllama.wasm');
    return patchWllamaWasm(readFileSync(source));
  };
  const ensurePatched = () => write(PATCHED_WASM_SHA256, patched);
  const ensureKernels = () =>
    write(SPLICED_WASM_SHA256, () =>
      spliceKernels(readFileSync(ensurePatched()), readKernels(root)),
    );
  return {
    name: 'patched-wllama-wasm',
    enforce: 'pre',
    configResolved(config) {
      root = config.root;
    },
    resolveId(source) {
      if (source === `${WLLAMA_WASM_ID}?url`) return `${ensurePatched()}?url`;
      if (source === `${KERNELS_WASM_ID}?url`) return `${ensureKernels()}?url`;
      return null;
    },
  };
}

/** The committed kernel modules (kernels/*.wasm), read from the project root. */
export function readKernels(root: string): Kernel[] {
  return KERNEL_FILES.map((k) => ({ fn: k.fn, wasm: readFileSync(join(root, k.file)) }));
}

/**
 * For tests: a module with, for each kernel, wllama's original function (`old:<fn>`) and the
 * kernel (`new:<fn>`), both working on the module's own memory64 (exported as `memory`, `pages`
 * of 64 KiB). The original bodies are leaves too; ggml's reads its fp16 table from the address
 * it has in wllama's memory, which the caller fills in. Global 0 is a stack pointer at 1 MiB.
 */
export function kernelTestModule(patched: Uint8Array, kernels: Kernel[], pages = 64): Uint8Array {
  const mod = indexModule(patched);
  const wllamaTypes = functionTypes(patched);
  const types: string[] = [];
  const funcTypes: number[] = [];
  const bodies: Uint8Array[] = [];
  const exports: number[] = [];
  const str = (s: string) => {
    const b = [...new TextEncoder().encode(s)];
    return [...uleb(b.length), ...b];
  };
  for (const k of kernels) {
    const index = mod.index.get(k.fn);
    if (index === undefined) throw new WasmPatchError(`no function named ${k.fn} in wllama.wasm`);
    const range = mod.bodies.get(index)!;
    const { body, type } = kernelBody(k);
    if (type !== wllamaTypes[index]) throw new WasmPatchError(`kernel ${k.fn}: type differs`);
    if (!types.includes(type)) types.push(type);
    for (const [name, b] of [
      [`old:${k.fn}`, patched.subarray(range.start, range.end)],
      [`new:${k.fn}`, body],
    ] as const) {
      exports.push(...str(name), 0, ...uleb(bodies.length));
      funcTypes.push(types.indexOf(type));
      bodies.push(b);
    }
  }
  const section = (id: number, content: Uint8Array) =>
    concat([new Uint8Array([id, ...uleb(content.length)]), content]);
  const typeBytes = types.map((t) => new Uint8Array(t.split(',').map(Number)));
  return concat([
    new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    section(1, concat([new Uint8Array(uleb(types.length)), ...typeBytes])),
    section(3, new Uint8Array([...uleb(funcTypes.length), ...funcTypes.flatMap((t) => uleb(t))])),
    section(5, new Uint8Array([1, 0x04, ...uleb(pages)])), // one memory64, no maximum
    // global 0: emscripten's stack pointer (some originals keep a frame), 1 MiB down
    section(6, new Uint8Array([1, 0x7e, 1, OP.i64Const, ...sleb(1 << 20), 0x0b])),
    section(7, new Uint8Array([...uleb(bodies.length + 1), ...exports, ...str('memory'), 2, 0])),
    section(
      10,
      concat([
        new Uint8Array(uleb(bodies.length)),
        ...bodies.flatMap((b) => [new Uint8Array(uleb(b.length)), b]),
      ]),
    ),
  ]);
}
