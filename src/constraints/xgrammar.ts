/**
 * Loading @mlc-ai/web-xgrammar and turning its failures into readable errors.
 *
 * Facts about @mlc-ai/web-xgrammar 0.1.27 this relies on:
 * - The package is a UMD bundle inside a `"type": "module"` package: imported as ESM it exports
 *   nothing and sets `globalThis.xgrammar`. In Node it also needs `require`, `__filename` and
 *   `__dirname` as globals (its Emscripten loader calls them); browsers and workers need nothing.
 * - The wasm starts lazily, on the first call of any factory, and binds `console.error` /
 *   `console.log` at that moment to print its messages.
 * - On bad input it prints the real reason ("[FATAL] <file>:<line>: <reason>") and throws
 *   `RuntimeError: Aborted()`; the module keeps working afterwards. It prints "[WARNING] ..."
 *   lines when it silently loosens a schema.
 * So the console is wrapped once, before the wasm starts, and every call that may fail runs in
 * `callXGrammar`, which collects those lines and throws a ConstraintError with the reason.
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

let loading: Promise<XGrammar> | undefined;

/** Loads xgrammar once (lazily: the wasm is about 1 MB). Works in Node, browsers and workers. */
export function loadXGrammar(): Promise<XGrammar> {
  loading ??= (async () => {
    wrapConsole();
    const g = globalThis as Record<string, unknown>;
    if (!g.xgrammar) {
      if (isNode()) {
        // a non-literal specifier keeps bundlers from pulling node:module into browser builds
        const nodeModule = 'node:module';
        const { createRequire } = (await import(/* @vite-ignore */ nodeModule)) as {
          createRequire: (from: string) => NodeJS.Require;
        };
        const req = createRequire(import.meta.url);
        const file = req.resolve('@mlc-ai/web-xgrammar');
        g.require ??= req;
        g.__filename ??= file;
        g.__dirname ??= file.slice(0, Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')));
      }
      const mod = (await import('@mlc-ai/web-xgrammar')) as Partial<XGrammar> & {
        default?: Partial<XGrammar>;
      };
      if (mod.Grammar) return mod as XGrammar;
      if (mod.default?.Grammar) return mod.default as XGrammar;
    }
    const found = g.xgrammar as Partial<XGrammar> | undefined;
    if (!found?.Grammar) throw new Error('@mlc-ai/web-xgrammar loaded but exposed no Grammar');
    return found as XGrammar;
  })();
  return loading;
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
 * What xgrammar 0.1.27 throws once it is broken: an abort (its way of refusing input) leaves the
 * wasm stack pointer where it was, so after some 30 refusals (measured: 31 to 54, see
 * tools/structured/corpus.test.ts) every call fails with a memory fault.
 */
const BROKEN_WASM = /memory access out of bounds|table index is out of bounds|call stack exhausted/;

/** How the message starts when xgrammar has broken (see BROKEN_WASM). */
export const XGRAMMAR_BROKEN = 'the grammar engine (xgrammar 0.1.27) has stopped working:';

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
    if (BROKEN_WASM.test(thrown)) {
      throw new ConstraintError(
        param,
        `${XGRAMMAR_BROKEN} after some 30 refused schemas or grammars its wasm runs out of stack (each refusal leaks some), and every later call fails. Reload the page to start it afresh. (${thrown})`,
      );
    }
    const reason = reasons.join('; ') || fallback || thrown;
    throw new ConstraintError(param, `${what}: ${reason}`);
  } finally {
    if (outer) outer.push(...lines);
    sink = outer;
  }
}
