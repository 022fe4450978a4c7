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
