/**
 * Compiles every schema of the corpus twice: with the tab's compiler (compileConstraint, as
 * guided_json) and with raw xgrammar (Grammar.fromJSONSchema, strict mode, as vLLM calls it).
 * Node only. Shared by tools/bench-structured.ts and tools/structured/corpus.test.ts.
 */
import { compileConstraint } from '../../src/constraints/compile';
import { ConstraintError } from '../../src/constraints/errors';
import { callXGrammar } from '../../src/constraints/xgrammar';
import type { CorpusSchema } from './corpus';
import { freshXGrammar } from './freshXGrammar';

export type Outcome = 'compiled' | 'refused' | 'internal';

export interface CompileRow {
  id: string;
  outcome: Outcome;
  /** Raw xgrammar compiled it. */
  xgrammar: boolean;
  ms: number;
  /** Keywords the form shows as not enforced (it "flags" the schema). */
  flagged: boolean;
  message?: string;
  /** GBNF length in characters (compiled only). */
  gbnfChars?: number;
}

export async function compileCorpus(corpus: CorpusSchema[]): Promise<CompileRow[]> {
  let xg = await freshXGrammar();
  const rows: CompileRow[] = [];
  for (const entry of corpus) {
    // a refusal leaks wasm stack (see freshXGrammar): start afresh after each one
    if (rows.length > 0 && (rows.at(-1)!.outcome !== 'compiled' || !rows.at(-1)!.xgrammar)) {
      xg = await freshXGrammar();
    }
    let xgrammar = true;
    try {
      await callXGrammar('x', 'x', async () => {
        const g = await xg.Grammar.fromJSONSchema(
          JSON.stringify(entry.schema),
          true,
          undefined,
          undefined,
          true,
        );
        g.dispose();
      });
    } catch {
      xgrammar = false;
    }
    const t0 = performance.now();
    try {
      const c = await compileConstraint({ guided_json: entry.schema as object }, { xgrammar: xg });
      const ms = performance.now() - t0;
      if (c.kind === 'none') throw new Error('no grammar for a schema');
      rows.push({
        id: entry.id,
        outcome: 'compiled',
        xgrammar,
        ms,
        flagged: c.notEnforced.length > 0,
        gbnfChars: c.gbnf.length,
      });
    } catch (e) {
      const ms = performance.now() - t0;
      rows.push({
        id: entry.id,
        outcome: e instanceof ConstraintError ? 'refused' : 'internal',
        xgrammar,
        ms,
        flagged: false,
        message: (e as Error).message.slice(0, 300),
      });
    }
  }
  return rows;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface CompileSummary {
  total: number;
  compiled: number;
  refused: number;
  internal: number;
  xgrammarCompiled: number;
  /** Of what raw xgrammar compiles, the share the tab's compiler compiles too. */
  ofXGrammar: number;
  p50: number;
  p95: number;
}

export function summarize(rows: CompileRow[]): CompileSummary {
  const raw = rows.filter((r) => r.xgrammar);
  const count = (o: Outcome): number => rows.filter((r) => r.outcome === o).length;
  const ms = rows.filter((r) => r.outcome === 'compiled').map((r) => r.ms);
  return {
    total: rows.length,
    compiled: count('compiled'),
    refused: count('refused'),
    internal: count('internal'),
    xgrammarCompiled: raw.length,
    ofXGrammar: raw.filter((r) => r.outcome === 'compiled').length / Math.max(1, raw.length),
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
  };
}
