/**
 * Loading @mlc-ai/web-xgrammar and turning its failures into readable errors.
 *
 * Facts about @mlc-ai/web-xgrammar 0.1.27 this relies on:
 * - The package is a UMD bundle (with the wasm inlined) inside a `"type": "module"` package:
 *   imported as ESM it exports nothing and sets `globalThis.xgrammar`; evaluated with `exports`
 *   and `module` in scope it fills `exports`. In Node its Emscripten loader also calls `require`,
 *   `__filename` and `__dirname`; browsers and workers need nothing.
 * - The wasm starts lazily, on the first call of any factory, and binds `console.error` /
 *   `console.log` at that moment to print its messages.
 * - On bad input it prints the real reason ("[FATAL] <file>:<line>: <reason>") and throws
 *   `RuntimeError: Aborted()`. The instance keeps working for a while, but each abort leaks wasm
 *   stack and some 20 to 55 of them break it for good (see BROKEN_WASM). It prints
 *   "[WARNING] ..." lines when it silently loosens a schema.
 * - Its state (the Emscripten module, the wasm memory) lives in the bundle's closure: a fresh
 *   instance needs a fresh evaluation of the bundle.
 * So the console is wrapped once, before the wasm starts; every call that may fail runs in
 * `callXGrammar`, which collects those lines, throws a ConstraintError with the reason, and
 * retires the instance so that the next `loadXGrammar` evaluates the bundle afresh.
 */
import type * as XGrammarModule from '@mlc-ai/web-xgrammar';
import { ConstraintError } from './errors';

export type XGrammar = Pick<
  typeof XGrammarModule,
  'Grammar' | 'GrammarCompiler' | 'GrammarMatcher' | 'TokenizerInfo' | 'Testings'
>;

type ConsoleLevel = 'error' | 'log' | 'warn';
let sink: string[] | null = null;
let consoleWrapped = false;

function wrapConsole(): void {
  if (consoleWrapped) return;
  consoleWrapped = true;
  for (const level of ['error', 'log', 'warn'] as ConsoleLevel[]) {
    const original = console[level];
    console[level] = (...args: unknown[]): void => {
      if (sink) sink.push(args.map(String).join(' '));
      else original.apply(console, args);
    };
  }
}

const isNode = (): boolean =>
  typeof process !== 'undefined' &&
  typeof process.versions === 'object' &&
  typeof process.versions.node === 'string' &&
  typeof (globalThis as { window?: unknown }).window === 'undefined';

/** Evaluates the bundle once more: a new module scope, so a new wasm instance. */
type Instantiate = () => XGrammar;

let instantiate: Promise<Instantiate> | undefined;
let current: Promise<XGrammar> | undefined;
let started = 0;

/**
 * Reads the bundle's text once and returns a function that evaluates it as the CommonJS module
 * it also is (its UMD header takes `exports` when `module` exists). Each evaluation has its own
 * closure, so its own Emscripten module and wasm memory; nothing is set on globalThis, and an
 * instance nobody references any more is garbage-collected (a re-imported ES module would stay
 * in the module map for good).
 */
async function bundleInstantiator(): Promise<Instantiate> {
  if (isNode()) {
    // a non-literal specifier keeps bundlers from pulling node:module into browser builds
    const nodeModule = 'node:module';
    const { createRequire } = (await import(/* @vite-ignore */ nodeModule)) as {
      createRequire: (from: string) => NodeJS.Require;
    };
    const req = createRequire(import.meta.url);
    const file = req.resolve('@mlc-ai/web-xgrammar');
    const fs = req('node:fs') as typeof import('node:fs');
    const text = fs.readFileSync(file, 'utf8');
    // Node's own CommonJS loader (a new Module each time, never cached), not new Function: the
    // Emscripten loader does `await import('module')` in Node, which needs a real module's
    // dynamic-import support.
    const CjsModule = req('node:module') as unknown as new (id: string) => CommonJsModule;
    return () => {
      const m = new CjsModule(file);
      m.filename = file;
      m._compile(text, file);
      return exposed(m.exports);
    };
  }
  // Vite inlines the file as a string (a lazy chunk of the same size as the module itself)
  const text = (await import('@mlc-ai/web-xgrammar/lib/index.js?raw')).default;
  return () => {
    const exports: Record<string, unknown> = {};
    const run = new Function('exports', 'module', text) as (...args: unknown[]) => void;
    run(exports, { exports });
    return exposed(exports);
  };
}

/** Node's CommonJS module, the part used here. */
interface CommonJsModule {
  filename: string;
  exports: Record<string, unknown>;
  _compile(content: string, filename: string): void;
}

function exposed(exports: Record<string, unknown>): XGrammar {
  if (!(exports as Partial<XGrammar>).Grammar)
    throw new Error('@mlc-ai/web-xgrammar loaded but exposed no Grammar');
  return exports as unknown as XGrammar;
}

/**
 * The current xgrammar instance, started on first use (lazily: the wasm is about 1 MB). Works in
 * Node, browsers and workers. After a refusal `callXGrammar` retires the instance (see
 * BROKEN_WASM), and the next call here starts a fresh one.
 */
export function loadXGrammar(): Promise<XGrammar> {
  if (!current) {
    const next = (async () => {
      wrapConsole(); // before the wasm starts: it binds console.error then
      instantiate ??= bundleInstantiator();
      instantiate.catch(() => (instantiate = undefined));
      const xg = (await instantiate)();
      started++;
      return xg;
    })();
    next.catch(() => {
      if (current === next) current = undefined; // let a later call try again
    });
    current = next;
  }
  return current;
}

/**
 * Drops the current instance: the next `loadXGrammar` starts a fresh one. Objects made by the old
 * one (grammars, compilers, matchers) keep working with it as long as someone holds them.
 */
export function retireXGrammar(): void {
  current = undefined;
}

/** How many xgrammar instances this page (or process) has started (diagnostics, tests). */
export function xgrammarInstancesStarted(): number {
  return started;
}

/** Strips "[FATAL] /path/file.cc:123: " and Emscripten's own abort lines. */
function reasonsFrom(lines: string[], kind: 'FATAL' | 'WARNING'): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = new RegExp(`\\[${kind}\\]\\s*(?:\\S+?:\\d+:\\s*)?([\\s\\S]*)`).exec(line);
    if (m?.[1]) out.push(m[1].trim());
  }
  return out;
}

/**
 * What xgrammar 0.1.27 throws once it is broken. An abort (its way of refusing input) leaves the
 * wasm stack pointer where it was; after some 20 to 55 refusals in one instance (measured with
 * tools/structured) calls fail with a memory fault, a call through a null function, or never
 * return (a lookahead pattern `^(?!a)` loops after about 20). `callXGrammar` therefore retires the
 * instance after every failed call, so none of this should be seen; when it still is (an instance
 * someone else holds, such as the caller's own in `CompileOptions.xgrammar`), the message says so.
 */
const BROKEN_WASM =
  /memory access out of bounds|table index is out of bounds|call stack exhausted|null function|signature mismatch|unreachable/;

/** How the message starts when an xgrammar instance has broken (see BROKEN_WASM). */
export const XGRAMMAR_BROKEN = 'the grammar engine (xgrammar 0.1.27) has stopped working:';

/** Whether `e` is the error `callXGrammar` throws for a broken instance. */
export const isXGrammarBroken = (e: unknown): boolean =>
  e instanceof ConstraintError && e.message.startsWith(XGRAMMAR_BROKEN);

export interface XGrammarCallResult<T> {
  value: T;
  /** "[WARNING]" lines xgrammar printed during the call (silent loosening). */
  warnings: string[];
}

/**
 * Runs one xgrammar call, capturing what it prints. On failure throws
 * ConstraintError(param, `${what}: <xgrammar's reason>`).
 */
export async function callXGrammar<T>(
  param: string,
  what: string,
  fn: () => Promise<T> | T,
): Promise<XGrammarCallResult<T>> {
  wrapConsole();
  const outer = sink;
  const lines: string[] = [];
  sink = lines;
  try {
    const value = await fn();
    return { value, warnings: reasonsFrom(lines, 'WARNING') };
  } catch (e) {
    const reasons = reasonsFrom(lines, 'FATAL');
    const fallback = lines
      .filter((l) => !/^Aborted\(/.test(l))
      .join('\n')
      .trim();
    const thrown =
      e instanceof Error
        ? e.message
        : typeof e === 'number'
          ? `an internal C++ exception (${e}) without a message`
          : String(e);
    // Every refusal leaks wasm stack in that instance: the next call gets a fresh one.
    retireXGrammar();
    if (BROKEN_WASM.test(thrown)) {
      throw new ConstraintError(
        param,
        `${XGRAMMAR_BROKEN} its wasm failed (${thrown}), as it does after many refused schemas or grammars in one instance (each refusal leaks some of its stack). The next request starts a fresh instance.`,
      );
    }
    const reason = reasons.join('; ') || fallback || thrown;
    throw new ConstraintError(param, `${what}: ${reason}`);
  } finally {
    if (outer) outer.push(...lines);
    sink = outer;
  }
}
