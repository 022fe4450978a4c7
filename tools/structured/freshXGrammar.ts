/**
 * A fresh xgrammar instance (Node only). xgrammar 0.1.27 breaks for good after some 30 refused
 * inputs (each abort leaks wasm stack), so the corpus runs start a new instance after every
 * refusal. The UMD bundle sets `globalThis.xgrammar` when evaluated; a query string makes Node
 * evaluate it again.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { loadXGrammar } from '../../src/constraints/xgrammar';
import type { XGrammar } from '../../src/constraints/xgrammar';

let generation = 0;

export async function freshXGrammar(): Promise<XGrammar> {
  await loadXGrammar(); // sets the globals the bundle needs in Node, wraps the console once
  const g = globalThis as Record<string, unknown>;
  delete g.xgrammar;
  const file = createRequire(import.meta.url).resolve('@mlc-ai/web-xgrammar');
  await import(/* @vite-ignore */ `${pathToFileURL(file).href}?fresh=${++generation}`);
  const xg = g.xgrammar as XGrammar | undefined;
  if (!xg?.Grammar) throw new Error('a fresh @mlc-ai/web-xgrammar exposed no Grammar');
  return xg;
}
