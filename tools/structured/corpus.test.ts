import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileConstraint } from '../../src/constraints/compile';
import { ConstraintError } from '../../src/constraints/errors';
import { checkGrammar, parseGbnf } from '../../src/constraints/grammar';
import { callXGrammar } from '../../src/constraints/xgrammar';
import { gbnfAccepts, specAccepts } from '../../src/constraints/testing/support';
import { compileCorpus, summarize } from './compileStats';
import { loadCorpus } from './corpus';
import { freshXGrammar } from './freshXGrammar';
import { schemaArb } from './schemaArb';

const countsWithinLimit = (gbnf: string): boolean =>
  [...gbnf.matchAll(/\{(\d+)(?:,(\d*))?\}/g)].every(
    (m) => Number(m[1]) <= 2000 && (!m[2] || Number(m[2]) <= 2000),
  );

describe('real-world schemas (npm packages, see corpus.ts)', () => {
  it('loads several hundred schemas from four packages', async () => {
    const corpus = await loadCorpus();
    expect(corpus.length).toBeGreaterThan(500);
    expect(new Set(corpus.map((c) => c.source)).size).toBe(4);
  });

  it('every third schema: no internal error, and everything raw xgrammar compiles compiles', async () => {
    const sample = (await loadCorpus()).filter((_, i) => i % 3 === 0);
    const rows = await compileCorpus(sample);
    const s = summarize(rows);
    expect(rows.filter((r) => r.outcome === 'internal')).toEqual([]);
    expect(s.ofXGrammar).toBeGreaterThanOrEqual(0.98);
    for (const r of rows.filter((x) => x.outcome === 'refused')) {
      expect(r.message).toMatch(/^(unsupported by the grammar engine|invalid JSON schema)/);
    }
  }, 240_000);
});

describe('generated schemas (schemaArb)', () => {
  it('compile or give a ConstraintError; compile whenever raw xgrammar does; both forms agree', async () => {
    let xg = await freshXGrammar();
    await fc.assert(
      fc.asyncProperty(schemaArb, fc.jsonValue({ maxDepth: 2 }), async (schema, probe) => {
        let raw = true;
        try {
          await callXGrammar('x', 'x', async () => {
            const g = await xg.Grammar.fromJSONSchema(
              JSON.stringify(schema),
              true,
              undefined,
              undefined,
              true,
            );
            g.dispose();
          });
        } catch {
          raw = false;
          xg = await freshXGrammar(); // a refusal leaks wasm stack
        }
        try {
          const c = await compileConstraint({ guided_json: schema }, { xgrammar: xg });
          if (c.kind === 'none') throw new Error('no grammar');
          checkGrammar(parseGbnf(c.gbnf));
          expect(countsWithinLimit(c.gbnf)).toBe(true);
          const text = JSON.stringify(probe);
          expect(await gbnfAccepts(c.gbnf, text), text).toBe(await specAccepts(c.xgrammar, text));
        } catch (e) {
          if (!(e instanceof ConstraintError)) throw e;
          xg = await freshXGrammar();
          expect(raw, `refused what xgrammar compiles: ${e.message}`).toBe(false);
        }
      }),
      { numRuns: 40, seed: 12 },
    );
  }, 240_000);
});

describe('xgrammar 0.1.27 after many refusals', () => {
  it('one instance breaks for good, and the compiler says so and what comes next', async () => {
    const xg = await freshXGrammar();
    const refused = { guided_json: { type: 'string', pattern: '^(|a)$' } };
    let last = '';
    for (let i = 0; i < 100 && !/stopped working/.test(last); i++) {
      try {
        await compileConstraint(refused, { xgrammar: xg });
      } catch (e) {
        expect(e).toBeInstanceOf(ConstraintError);
        last = (e as Error).message;
      }
    }
    expect(last).toMatch(
      /^the grammar engine \(xgrammar 0\.1\.27\) has stopped working: .*The next request starts a fresh instance\.$/,
    );
    // the compiler's own instance (a fresh one after that failure) compiles
    const c = await compileConstraint({ guided_json: { type: 'string' } });
    expect(c.kind).toBe('json_schema');
  }, 120_000);
});
