import { describe, expect, it } from 'vitest';
import { compileConstraint } from './compile';
import { ConstraintError } from './errors';
import { callXGrammar, isXGrammarBroken, loadXGrammar, xgrammarInstancesStarted } from './xgrammar';
import type { XGrammar } from './xgrammar';

// xgrammar refuses an empty regex alternative (the compiler leaves that check to it)
const refused = { guided_json: { type: 'string', pattern: '^(|a)$' } };

describe('xgrammar instances', () => {
  it('one instance is shared until a call fails; then the next load starts a fresh one', async () => {
    const a = await loadXGrammar();
    expect(await loadXGrammar()).toBe(a);
    const before = xgrammarInstancesStarted();
    await expect(
      callXGrammar('p', 'refused', async () => {
        const g = await a.Grammar.fromEBNF('root ::= undefined_rule', 'root');
        g.dispose();
      }),
    ).rejects.toThrow(ConstraintError);
    const b = await loadXGrammar();
    expect(b).not.toBe(a);
    expect(b.Grammar).not.toBe(a.Grammar); // its own module scope, so its own wasm
    expect(xgrammarInstancesStarted()).toBe(before + 1);
    // what the old instance made still works for whoever holds it
    const g = await a.Grammar.fromJSONSchema('{"type":"boolean"}', true);
    expect(g.toString()).toMatch(/true/);
    g.dispose();
  });

  it('80 refused schemas in a row, each with its reason, and then a schema compiles', async () => {
    // One instance breaks after 31 to 54 such refusals (memory access out of bounds, then every
    // later call fails); the compiler must not notice.
    for (let i = 0; i < 80; i++) {
      const e = await compileConstraint(refused).catch((x: unknown) => x);
      expect(e, `refusal ${i + 1}`).toBeInstanceOf(ConstraintError);
      expect((e as Error).message, `refusal ${i + 1}`).toMatch(
        /^unsupported by the grammar engine \(xgrammar 0\.1\.27\): the pattern "\^\(\|a\)\$"/,
      );
    }
    const c = await compileConstraint({
      guided_json: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    });
    expect(c.kind).toBe('json_schema');
    if (c.kind !== 'none') expect(c.gbnf).toMatch(/ok/);
  }, 240_000);

  it('an instance broken behind its back: the message says so, and the compiler retries on a fresh one', async () => {
    const first = await loadXGrammar();
    expect(await breakInstance(first)).not.toMatch(/Aborted/); // a memory fault or a null function
    const e = await compileConstraint(refused, { xgrammar: first }).catch((x: unknown) => x);
    expect(isXGrammarBroken(e)).toBe(true);
    expect((e as Error).message).toMatch(/The next request starts a fresh instance\.$/);

    const second = await loadXGrammar();
    expect(second).not.toBe(first);
    await breakInstance(second);
    expect(await loadXGrammar()).toBe(second); // broken and still current
    const c = await compileConstraint({ guided_json: { type: 'integer' } });
    expect(c.kind).toBe('json_schema');
    expect(await loadXGrammar()).not.toBe(second);
  }, 240_000);
});

/**
 * Refusals straight to the instance, not through callXGrammar (so nobody retires it), until a
 * call fails with something other than a refusal. Returns that error's text.
 */
async function breakInstance(xg: XGrammar): Promise<string> {
  let thrown = '';
  for (let i = 0; i < 150 && (thrown === '' || /Aborted/.test(thrown)); i++) {
    try {
      const g = await xg.Grammar.fromJSONSchema(JSON.stringify(refused.guided_json), true);
      g.dispose();
    } catch (e) {
      thrown = String(e);
    }
  }
  return thrown;
}
