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
      for (let i = 0; i < n; i++) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) {
          r.u();
          importedFuncs++;
        } else if (kind === 1) {
          r.byte();
          r.limits();
        } else if (kind === 2) r.limits();
        else if (kind === 3) r.p += 2;
        else if (kind === 4) {
          r.byte();
          r.u();
        } else throw new WasmPatchError(`unknown import kind ${kind}`);
      }
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

/** The specifier the CPU engine imports the patched module by (`${WLLAMA_WASM_ID}?url`). */
export const WLLAMA_WASM_ID = 'virtual:wllama-patched.wasm';

/**
 * Vite plugin: resolves `virtual:wllama-patched.wasm?url` to the patched copy, written once to
 * .cache/wllama/ from node_modules (so dev, build and the worker bundle all use it).
 */
export function patchedWllamaWasm(): Plugin {
  let root = process.cwd();
  const file = () =>
    join(root, '.cache', 'wllama', `wllama-${PATCHED_WASM_SHA256.slice(0, 16)}.wasm`);
  const ensure = (): string => {
    const target = file();
    if (existsSync(target) && sha256(readFileSync(target)) === PATCHED_WASM_SHA256) return target;
    const require = createRequire(join(root, 'package.json'));
    const source = require.resolve('@wllama/wllama/esm/wasm/wllama.wasm');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, patchWllamaWasm(readFileSync(source)));
    return target;
  };
  return {
    name: 'patched-wllama-wasm',
    enforce: 'pre',
    configResolved(config) {
      root = config.root;
    },
    resolveId(source) {
      if (source === `${WLLAMA_WASM_ID}?url`) return `${ensure()}?url`;
      return null;
    },
  };
}
