/**
 * A fresh xgrammar instance, whatever the current one has been through: the harnesses that call
 * raw xgrammar beside the compiler start each comparison on a clean instance.
 */
import { loadXGrammar, retireXGrammar } from '../../src/constraints/xgrammar';
import type { XGrammar } from '../../src/constraints/xgrammar';

export function freshXGrammar(): Promise<XGrammar> {
  retireXGrammar();
  return loadXGrammar();
}
