/**
 * The WebGPU engine's sampler extension: the one WebLLM `LogitProcessor` registered for the
 * loaded model. WebLLM calls it for every generated token, on the CPU, with the model's raw
 * logits (before its own logit_bias, penalties, temperature and top_p):
 *
 * - `processLogits`: computes the raw log-softmax statistics (logsumexp and the top-N
 *   alternatives; WebLLM itself caps top_logprobs at 5 and gives nothing for logprobs alone),
 *   then lets the grammar (if any) forbid tokens;
 * - `processSampledToken`: records the token WebLLM sampled, with its raw logprob and the
 *   alternatives, and advances the grammar;
 * - `resetState`: WebLLM calls it at the start of every raw completion (resetChat); it clears
 *   the records and rewinds the grammar, but keeps the configuration.
 *
 * The adapter configures it before each request and drains the records while streaming.
 * Pure: nothing here imports WebLLM; tests drive it in Node with synthetic logits.
 */

/** WebLLM's LogitProcessor interface (lib/types.d.ts), restated so this module stays import-free. */
export interface LogitProcessor {
  processLogits: (logits: Float32Array) => Float32Array;
  processSampledToken: (token: number) => void;
  resetState: () => void;
}

/** What the extension needs from a grammar (GrammarLogitProcessor in src/constraints). */
export interface GrammarStep extends LogitProcessor {
  isTerminated(): boolean;
}

export interface TopAlternative {
  id: number;
  /** Raw-distribution log-probability. */
  logprob: number;
}

export interface SampledRecord {
  id: number;
  /** The sampled token's log-probability under the raw distribution. */
  logprob: number;
  /** The `topLogprobs` most likely tokens of the raw distribution, most likely first. */
  top: TopAlternative[];
}

export interface SamplerConfig {
  /** How many alternatives to record per position (clamped to 0..20). */
  topLogprobs: number;
  /** The grammar to enforce, or null. */
  grammar: GrammarStep | null;
  /** vLLM's token rules, applied before the grammar; absent: none. */
  mask?: TokenMask;
}

/**
 * The vLLM samplers WebLLM lacks that only remove tokens: they are applied here, to the raw
 * logits, and WebLLM samples from what is left (the adapter refuses them where WebLLM's own
 * later steps, logit_bias or penalties, would change which tokens they keep).
 */
export interface TokenMask {
  /** The only tokens that may be sampled; null: all. */
  allowed: readonly number[] | null;
  /** Tokens never sampled (one-token bad_words). */
  banned: readonly number[];
  /** End-of-sequence tokens: banned with ignore_eos, and before minTokens tokens. */
  eos: readonly number[];
  ignoreEos: boolean;
  /** stop_token_ids: banned before minTokens tokens too (vLLM). */
  stopTokens: readonly number[];
  minTokens: number;
  /** Keep the k most likely tokens; 0: off. */
  topK: number;
  /** Keep tokens with at least minP times the top probability at `temperature`; 0: off. */
  minP: number;
  temperature: number;
}

/** Applies `mask` to `logits` in place, for the step after `sampled` tokens. */
export function applyTokenMask(logits: Float32Array, mask: TokenMask, sampled: number): void {
  if (mask.allowed !== null) {
    const keep = new Set(mask.allowed);
    for (let i = 0; i < logits.length; i++) if (!keep.has(i)) logits[i] = -Infinity;
  }
  for (const id of mask.banned) if (id < logits.length) logits[id] = -Infinity;
  const early = sampled < mask.minTokens;
  if (mask.ignoreEos || early)
    for (const id of mask.eos) if (id < logits.length) logits[id] = -Infinity;
  if (early) for (const id of mask.stopTokens) if (id < logits.length) logits[id] = -Infinity;
  if (mask.topK > 0 && mask.topK < logits.length) {
    const kth = topK(logits, mask.topK).at(-1)?.value ?? -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! < kth) logits[i] = -Infinity;
  }
  if (mask.minP > 0 && mask.temperature > 0) {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    // p_i / p_max = exp((l_i - l_max) / T) >= min_p
    const floor = max + mask.temperature * Math.log(mask.minP);
    for (let i = 0; i < logits.length; i++) if (logits[i]! < floor) logits[i] = -Infinity;
  }
}

export const MAX_TOP_LOGPROBS = 20;

/** logsumexp over the finite entries (-Infinity when none is finite). */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i]!;
    if (x > max) max = x;
  }
  if (max === -Infinity || Number.isNaN(max)) return max;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i]!;
    if (x > -Infinity) sum += Math.exp(x - max);
  }
  return max + Math.log(sum);
}

/**
 * The k largest entries, largest first; ties keep the lower id first. O(n·k) worst case, but
 * almost every entry fails the first comparison against the current k-th value.
 */
export function topK(logits: ArrayLike<number>, k: number): Array<{ id: number; value: number }> {
  const out: Array<{ id: number; value: number }> = [];
  if (k <= 0) return out;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (Number.isNaN(v)) continue;
    if (out.length === k && v <= out[k - 1]!.value) continue;
    let j = out.length < k ? out.length : k - 1;
    if (out.length < k) out.push({ id: i, value: v });
    else out[j] = { id: i, value: v };
    while (j > 0 && out[j - 1]!.value < v) {
      out[j] = out[j - 1]!;
      out[j - 1] = { id: i, value: v };
      j--;
    }
  }
  return out;
}

export class SamplerExtension implements LogitProcessor {
  private topLogprobs = 0;
  private grammar: GrammarStep | null = null;
  private mask: TokenMask | null = null;
  /** Raw logits of the current step (a copy: the grammar masks the array WebLLM passes). */
  private raw = new Float32Array(0);
  private rawLse = Number.NaN;
  private pendingTop: TopAlternative[] | null = null;
  private records: SampledRecord[] = [];
  /** Tokens sampled since the last reset (drained or not). */
  sampledCount = 0;

  configure(config: SamplerConfig): void {
    this.topLogprobs = Math.max(0, Math.min(MAX_TOP_LOGPROBS, Math.floor(config.topLogprobs)));
    this.grammar = config.grammar;
    this.mask = config.mask ?? null;
    this.clearStep();
    this.records = [];
    this.sampledCount = 0;
  }

  /** True once the grammar is complete (the adapter then ends the generation). */
  grammarTerminated(): boolean {
    return this.grammar?.isTerminated() ?? false;
  }

  processLogits(logits: Float32Array): Float32Array {
    if (this.raw.length !== logits.length) this.raw = new Float32Array(logits.length);
    this.raw.set(logits);
    const lse = logSumExp(logits);
    this.rawLse = lse;
    this.pendingTop = topK(logits, this.topLogprobs).map((t) => ({
      id: t.id,
      logprob: t.value - lse,
    }));
    if (this.mask) applyTokenMask(logits, this.mask, this.sampledCount);
    return this.grammar ? this.grammar.processLogits(logits) : logits;
  }

  processSampledToken(token: number): void {
    const known = this.pendingTop !== null && token >= 0 && token < this.raw.length;
    this.records.push({
      id: token,
      // NaN when WebLLM sampled without showing us the logits (not expected on the raw path)
      logprob: known ? this.raw[token]! - this.rawLse : Number.NaN,
      top: this.pendingTop ?? [],
    });
    this.sampledCount++;
    this.clearStep();
    this.grammar?.processSampledToken(token);
  }

  resetState(): void {
    this.clearStep();
    this.records = [];
    this.sampledCount = 0;
    this.grammar?.resetState();
  }

  /** The records since the last call, oldest first. */
  takeRecords(): SampledRecord[] {
    const out = this.records;
    this.records = [];
    return out;
  }

  private clearStep(): void {
    this.pendingTop = null;
    this.rawLse = Number.NaN;
  }
}
