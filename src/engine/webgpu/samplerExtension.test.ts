import { describe, expect, it } from 'vitest';
import {
  applyTokenMask,
  logSumExp,
  SamplerExtension,
  topK,
  type GrammarStep,
  type TokenMask,
} from './samplerExtension';
import { mulberry32, qwen } from '../../constraints/testing/support';
import type { GrammarLogitProcessor } from '../../constraints/grammarProcessor';

/** Qwen3's logits width (151936) with seeded values, like a model's raw output. */
function syntheticLogits(seed: number, size = 151936, spread = 12): Float32Array {
  const rng = mulberry32(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng() - 0.5) * spread;
  return out;
}

/** log-softmax in float64, the reference. */
function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (x) => x - lse);
}

/** The ids of the n largest logits, the reference (stable sort: ties by lower id). */
function referenceTop(logits: Float32Array, n: number): number[] {
  return Array.from(logits.keys())
    .sort((a, b) => logits[b]! - logits[a]! || a - b)
    .slice(0, n);
}

/** Drives one step as WebLLM does: processLogits, then processSampledToken. */
function step(ext: SamplerExtension, logits: Float32Array, pick: (l: Float32Array) => number) {
  const out = ext.processLogits(logits);
  const token = pick(out);
  ext.processSampledToken(token);
  return { out, token };
}

const argmax = (l: Float32Array) => {
  let best = 0;
  for (let i = 1; i < l.length; i++) if (l[i]! > l[best]!) best = i;
  return best;
};

describe('logSumExp and topK', () => {
  it('logSumExp matches the float64 reference and ignores -Infinity', () => {
    const l = syntheticLogits(1, 5000);
    const ref = Math.log(Array.from(l).reduce((s, x) => s + Math.exp(x), 0));
    expect(logSumExp(l)).toBeCloseTo(ref, 5);
    const masked = Float32Array.from([1, -Infinity, 2, -Infinity]);
    expect(logSumExp(masked)).toBeCloseTo(Math.log(Math.E + Math.E ** 2), 6);
    expect(logSumExp(Float32Array.from([-Infinity, -Infinity]))).toBe(-Infinity);
  });

  it('topK returns the k largest, largest first, ties by lower id', () => {
    const l = Float32Array.from([0.5, 3, 3, -1, 7, 0.5, 2]);
    expect(topK(l, 4).map((t) => t.id)).toEqual([4, 1, 2, 6]);
    expect(topK(l, 0)).toEqual([]);
    expect(topK(l, 20).map((t) => t.id)).toEqual([4, 1, 2, 6, 0, 5, 3]);
  });
});

describe('SamplerExtension without a grammar', () => {
  it('records the sampled token with its raw log-softmax logprob', () => {
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 0, grammar: null });
    const logits = syntheticLogits(7);
    const ref = logSoftmax(logits);
    for (const token of [0, 42, 151642, 99999]) {
      ext.processLogits(logits.slice());
      ext.processSampledToken(token);
    }
    const recs = ext.takeRecords();
    expect(recs.map((r) => r.id)).toEqual([0, 42, 151642, 99999]);
    for (const r of recs) {
      expect(r.logprob).toBeCloseTo(ref[r.id]!, 4);
      expect(r.top).toEqual([]);
    }
    // the probabilities it implies sum to one
    const total = Array.from(ref).reduce((s, x) => s + Math.exp(x), 0);
    expect(total).toBeCloseTo(1, 6);
  });

  it('gives the top-20 alternatives of the raw distribution, sorted, with logprobs', () => {
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 20, grammar: null });
    const logits = syntheticLogits(11);
    const ref = logSoftmax(logits);
    const { token } = step(ext, logits.slice(), argmax);
    const [rec] = ext.takeRecords();
    expect(rec!.id).toBe(token);
    expect(rec!.top).toHaveLength(20);
    expect(rec!.top.map((t) => t.id)).toEqual(referenceTop(logits, 20));
    for (let i = 1; i < 20; i++)
      expect(rec!.top[i - 1]!.logprob).toBeGreaterThanOrEqual(rec!.top[i]!.logprob);
    for (const t of rec!.top) expect(t.logprob).toBeCloseTo(ref[t.id]!, 4);
    // the argmax is the first alternative, with the same logprob as the token itself
    expect(rec!.top[0]!.id).toBe(token);
    expect(rec!.top[0]!.logprob).toBeCloseTo(rec!.logprob, 6);
  });

  it('clamps top_logprobs to 0..20 and honours each count', () => {
    const ext = new SamplerExtension();
    const logits = syntheticLogits(3, 1000);
    for (const [asked, got] of [
      [0, 0],
      [1, 1],
      [5, 5],
      [20, 20],
      [50, 20],
      [-3, 0],
    ] as const) {
      ext.configure({ topLogprobs: asked, grammar: null });
      step(ext, logits.slice(), argmax);
      expect(ext.takeRecords()[0]!.top).toHaveLength(got);
    }
  });

  it('leaves the logits unchanged without a grammar', () => {
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 5, grammar: null });
    const logits = syntheticLogits(5, 2000);
    const copy = logits.slice();
    expect(ext.processLogits(logits)).toEqual(copy);
  });

  it('takeRecords drains; resetState and configure clear the records', () => {
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 2, grammar: null });
    const logits = syntheticLogits(9, 300);
    step(ext, logits.slice(), () => 1);
    step(ext, logits.slice(), () => 2);
    expect(ext.takeRecords().map((r) => r.id)).toEqual([1, 2]);
    expect(ext.takeRecords()).toEqual([]);
    step(ext, logits.slice(), () => 3);
    expect(ext.sampledCount).toBe(3);
    ext.resetState();
    expect(ext.takeRecords()).toEqual([]);
    expect(ext.sampledCount).toBe(0);
    step(ext, logits.slice(), () => 4);
    ext.configure({ topLogprobs: 2, grammar: null });
    expect(ext.takeRecords()).toEqual([]);
    // resetState keeps the configuration (WebLLM calls it at the start of every completion)
    ext.resetState();
    step(ext, logits.slice(), () => 5);
    expect(ext.takeRecords()[0]!.top).toHaveLength(2);
  });

  it('marks a token sampled without logits as unknown (NaN) rather than inventing a value', () => {
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 3, grammar: null });
    ext.processSampledToken(17);
    const [rec] = ext.takeRecords();
    expect(rec!.id).toBe(17);
    expect(Number.isNaN(rec!.logprob)).toBe(true);
    expect(rec!.top).toEqual([]);
  });
});

describe('SamplerExtension with a grammar (xgrammar on the real Qwen3 tokenizer)', () => {
  async function yesNo(): Promise<{
    processor: GrammarLogitProcessor;
    yes: number;
    no: number;
    stop: number[];
  }> {
    const setup = await qwen();
    const processor = await setup.grammars.processor(
      { type: 'ebnf', ebnf: 'root ::= "yes" | "no"', rootRule: 'root' },
      { stopTokenIds: setup.stopTokenIds },
    );
    return {
      processor,
      yes: setup.vocab.indexOf('yes'),
      no: setup.vocab.indexOf('no'),
      stop: setup.stopTokenIds,
    };
  }

  it('forbids the tokens the grammar does not allow, but reports raw logprobs', async () => {
    const { processor, yes, no } = await yesNo();
    try {
      const ext = new SamplerExtension();
      ext.configure({ topLogprobs: 20, grammar: processor });
      ext.resetState(); // as WebLLM's resetChat at the start of the completion
      const logits = syntheticLogits(21);
      logits[yes] = 1; // allowed but not the most likely under the raw distribution
      const ref = logSoftmax(logits);
      const raw = logits.slice(); // processLogits masks in place
      const out = ext.processLogits(logits);
      const allowed = [];
      for (let i = 0; i < out.length; i++) if (out[i]! > -Infinity) allowed.push(i);
      // "yes" and "no" are allowed; so are prefixes of them ("y", "n", "ye"), nothing else
      expect(allowed).toContain(yes);
      expect(allowed).toContain(no);
      expect(allowed.length).toBeLessThan(20);
      expect(out[referenceTop(raw, 1)[0]!]).toBe(-Infinity);
      ext.processSampledToken(yes);
      const [rec] = ext.takeRecords();
      expect(rec!.id).toBe(yes);
      expect(rec!.logprob).toBeCloseTo(ref[yes]!, 4);
      // alternatives come from the raw distribution, not the masked one
      expect(rec!.top.map((t) => t.id)).toEqual(referenceTop(raw, 20));
      expect(ext.grammarTerminated()).toBe(false);
    } finally {
      processor.dispose();
    }
  });

  it('allows only stop tokens once complete, then reports termination; reset rewinds', async () => {
    const { processor, yes, stop } = await yesNo();
    try {
      const ext = new SamplerExtension();
      ext.configure({ topLogprobs: 0, grammar: processor });
      ext.resetState();
      step(ext, syntheticLogits(1), () => yes);
      const out = ext.processLogits(syntheticLogits(2));
      const allowed = [];
      for (let i = 0; i < out.length; i++) if (out[i]! > -Infinity) allowed.push(i);
      expect(allowed.sort()).toEqual([...stop].sort());
      ext.processSampledToken(stop[0]!);
      expect(ext.grammarTerminated()).toBe(true);
      expect(ext.takeRecords().map((r) => r.id)).toEqual([yes, stop[0]]);

      ext.resetState();
      expect(ext.grammarTerminated()).toBe(false);
      const again = ext.processLogits(syntheticLogits(3));
      expect(again[yes]).toBeGreaterThan(-Infinity);
      expect(again[stop[0]!]).toBe(-Infinity);
    } finally {
      processor.dispose();
    }
  });

  it('delegates to any grammar step and stops delegating once configured without one', () => {
    const calls: string[] = [];
    const fake: GrammarStep = {
      processLogits: (l) => {
        calls.push('logits');
        l.fill(-Infinity, 1);
        return l;
      },
      processSampledToken: (t) => void calls.push(`token ${t}`),
      resetState: () => void calls.push('reset'),
      isTerminated: () => false,
    };
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 1, grammar: fake });
    ext.resetState();
    const out = ext.processLogits(Float32Array.from([0, 5, 1]));
    expect(Array.from(out)).toEqual([0, -Infinity, -Infinity]);
    ext.processSampledToken(0);
    // raw top-1 is id 1 even though the grammar forbade it
    expect(ext.takeRecords()[0]!.top.map((t) => t.id)).toEqual([1]);
    expect(calls).toEqual(['reset', 'logits', 'token 0']);
    ext.configure({ topLogprobs: 1, grammar: null });
    ext.processLogits(Float32Array.from([0, 5, 1]));
    expect(calls).toHaveLength(3);
  });
});

describe('token mask (vLLM samplers WebLLM lacks)', () => {
  const NONE: TokenMask = {
    allowed: null,
    banned: [],
    eos: [9],
    ignoreEos: false,
    stopTokens: [8],
    minTokens: 0,
    topK: 0,
    minP: 0,
    temperature: 1,
  };
  const logits = () => Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const kept = (l: Float32Array) => [...l.keys()].filter((i) => l[i]! > -Infinity);
  const masked = (m: Partial<TokenMask>, sampled = 0) => {
    const l = logits();
    applyTokenMask(l, { ...NONE, ...m }, sampled);
    return kept(l);
  };

  it('allowed_token_ids and banned ids', () => {
    expect(masked({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(masked({ allowed: [2, 5] })).toEqual([2, 5]);
    expect(masked({ banned: [0, 9] })).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('ignore_eos bans EOS always; min_tokens bans EOS and stop tokens only early', () => {
    expect(masked({ ignoreEos: true }, 50)).not.toContain(9);
    expect(masked({ minTokens: 3 }, 2)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(masked({ minTokens: 3 }, 3)).toContain(9);
  });

  it('top_k keeps the k largest; min_p keeps p >= min_p * p_max at the temperature', () => {
    expect(masked({ topK: 3 })).toEqual([7, 8, 9]);
    // exp((l - 9) / 1) >= 0.1  <=>  l >= 9 + ln 0.1 = 6.697...
    expect(masked({ minP: 0.1 })).toEqual([7, 8, 9]);
    // At temperature 2 the ratios are flatter: l >= 9 + 2 ln 0.1 = 4.39...
    expect(masked({ minP: 0.1, temperature: 2 })).toEqual([5, 6, 7, 8, 9]);
  });

  it('the extension applies it before sampling, counting the sampled tokens', () => {
    const ext = new SamplerExtension();
    ext.configure({ topLogprobs: 1, grammar: null, mask: { ...NONE, minTokens: 1 } });
    const first = ext.processLogits(logits());
    expect(kept(first)).not.toContain(9);
    ext.processSampledToken(7);
    // Logprobs stay those of the raw distribution.
    expect(ext.takeRecords()[0]!.top[0]!.id).toBe(9);
    expect(kept(ext.processLogits(logits()))).toContain(9);
  });
});
