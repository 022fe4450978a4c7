/**
 * Request -> engine sampling settings, for both engines. Pure, so each mapping is
 * unit-tested without an engine.
 */
import type { ChatRequest } from '../request/types';

export interface SamplingSettings {
  temperature: number;
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  logit_bias: Record<string, number>;
  /** null: no seed, each run differs. */
  seed: number | null;
  max_tokens: number;
  /** Whether the sampled tokens' logprobs are wanted. */
  logprobs: boolean;
  /** How many alternatives to compute per position (0..20). */
  top_logprobs: number;
  /** Sample among the k most likely tokens; 0 = off (vLLM's -1 too). */
  top_k: number;
  /** Drop tokens below min_p times the most likely token's probability; 0 = off. */
  min_p: number;
  /** vLLM's (and llama.cpp's) repetition penalty over prompt and output; 1 = off. */
  repetition_penalty: number;
  /** The end-of-sequence tokens cannot be sampled. */
  ignore_eos: boolean;
  /** The only token ids that may be sampled; null = every token. */
  allowed_token_ids: number[] | null;
  /** Token ids that may never be sampled (one-token bad_words). */
  banned_token_ids: number[];
  /** Tokens to generate before an end-of-sequence or stop token may be sampled. */
  min_tokens: number;
  /** vLLM's stop_token_ids (the response layer stops on them; min_tokens holds them back). */
  stop_token_ids: number[];
}

/** A request field that an engine cannot honour: the run answers 400 naming it. */
export interface Unsupported {
  param: string;
  message: string;
}

/** The most tokens a choice may generate: the request's bound, else what the context leaves. */
export function maxTokensFor(
  req: ChatRequest,
  contextLength: number,
  promptTokens: number,
): number {
  const room = Math.max(0, contextLength - promptTokens);
  const asked = req.max_completion_tokens ?? req.max_tokens ?? null;
  return asked === null ? room : Math.min(asked, room);
}

/**
 * Settings for choice `index` of the request. With a seed, choice i uses seed + i so that
 * n choices differ from each other yet reproduce run after run.
 */
export function samplingFor(
  req: ChatRequest,
  index: number,
  maxTokens: number,
  bannedTokenIds: readonly number[] = [],
): SamplingSettings {
  const seed = typeof req.seed === 'number' && req.seed >= 0 ? req.seed + index : null;
  return {
    temperature: req.temperature ?? 1,
    top_p: req.top_p ?? 1,
    presence_penalty: req.presence_penalty ?? 0,
    frequency_penalty: req.frequency_penalty ?? 0,
    logit_bias: { ...(req.logit_bias ?? {}) },
    seed,
    max_tokens: maxTokens,
    logprobs: req.logprobs === true,
    top_logprobs: req.logprobs ? (req.top_logprobs ?? 0) : 0,
    top_k: Math.max(0, req.top_k ?? 0),
    min_p: req.min_p ?? 0,
    repetition_penalty: req.repetition_penalty ?? 1,
    ignore_eos: req.ignore_eos === true,
    allowed_token_ids: req.allowed_token_ids ? [...new Set(req.allowed_token_ids)] : null,
    banned_token_ids: [...bannedTokenIds],
    min_tokens: req.min_tokens ?? 0,
    stop_token_ids: [...(req.stop_token_ids ?? [])],
  };
}

/**
 * The token ids that vLLM bans for `bad_words` when every word is one token: each word
 * (leading spaces stripped) and, when that is one token too, the word after a space. `idsOf`
 * gives the vocabulary ids whose text is exactly its argument. A word of several tokens
 * needs a look at the tokens before each step, which the engines here cannot take: it is
 * reported as unsupported.
 */
export function badWordTokenIds(
  words: readonly string[],
  idsOf: (text: string) => number[],
): { ids: number[] } | Unsupported {
  const ids = new Set<number>();
  for (const word of words) {
    const bare = word.trimStart();
    const own = idsOf(bare);
    if (own.length === 0)
      return {
        param: 'bad_words',
        message: `bad_words: "${word}" is not one token of the loaded model; the tab bans one-token words only (vLLM also bans longer words, token by token).`,
      };
    ids.add(own[0]!);
    const spaced = idsOf(` ${bare}`);
    if (spaced.length > 0) ids.add(spaced[0]!);
  }
  return { ids: [...ids] };
}

/**
 * The CPU engine's sampling (llama-server's names, built into the request body by the wllama
 * adapter). llama.cpp's extra samplers are off unless the request sets them (top_k, min_p,
 * repeat_penalty: vLLM's names and defaults), so llama.cpp's own defaults (top_k 40, min_p
 * 0.05) never change the result behind the user's back.
 */
export function toLlamaCppSampling(
  s: SamplingSettings,
  grammar: string | undefined,
  random: () => number = Math.random,
  vocabSize = 0,
) {
  return {
    temperature: s.temperature,
    top_p: s.top_p,
    presence_penalty: s.presence_penalty,
    frequency_penalty: s.frequency_penalty,
    logit_bias: llamaCppLogitBias(s, vocabSize),
    top_k: s.top_k,
    min_p: s.min_p,
    repeat_penalty: s.repetition_penalty,
    ignore_eos: s.ignore_eos,
    // Without a seed, llama.cpp would reuse one fixed per load; draw a fresh one per run.
    seed: s.seed ?? Math.floor(random() * 0x7fffffff),
    max_tokens: s.max_tokens,
    // With logprobs, at least one alternative so that each token's own logprob is known.
    n_probs: s.logprobs ? Math.max(1, s.top_logprobs) : 0,
    ...(grammar !== undefined ? { grammar } : {}),
  };
}

/** Far below any logit: llama.cpp never samples a token with this bias (JSON has no -inf). */
export const BANNED_BIAS = -1e30;

/**
 * The request's logit_bias, with allowed_token_ids and the banned ids folded in as biases
 * that no logit survives (vLLM masks those tokens to -inf, whatever their logit_bias).
 */
export function llamaCppLogitBias(s: SamplingSettings, vocabSize: number): Record<string, number> {
  const bias: Record<string, number> = { ...s.logit_bias };
  if (s.allowed_token_ids !== null) {
    const allowed = new Set(s.allowed_token_ids);
    for (let id = 0; id < vocabSize; id++) if (!allowed.has(id)) bias[String(id)] = BANNED_BIAS;
  }
  for (const id of s.banned_token_ids) bias[String(id)] = BANNED_BIAS;
  return bias;
}

/**
 * WebLLM's raw completion parameters. Everything is given explicitly, because WebLLM would
 * otherwise take the model's own generation config (e.g. top_p 0.9) as defaults.
 */
export function toWebLlmParams(s: SamplingSettings) {
  return {
    temperature: s.temperature,
    top_p: s.top_p,
    presence_penalty: s.presence_penalty,
    frequency_penalty: s.frequency_penalty,
    repetition_penalty: s.repetition_penalty,
    logit_bias: s.logit_bias,
    seed: s.seed ?? undefined,
    max_tokens: s.max_tokens,
    n: 1,
    stream: true as const,
    // Logprobs come from the worker's logit processor (WebLLM caps top_logprobs at 5).
    logprobs: false,
  };
}

/**
 * What the WebGPU engine cannot honour: the sampler extension masks tokens on the raw logits,
 * before WebLLM's own logit_bias and penalties, so top_k and min_p match vLLM only without
 * those; WebLLM's repetition penalty counts generated tokens only (vLLM's counts the prompt).
 */
export function webLlmUnsupported(s: SamplingSettings): Unsupported | null {
  const reshaped =
    Object.keys(s.logit_bias).length > 0 || s.presence_penalty !== 0 || s.frequency_penalty !== 0;
  const missing: [boolean, string, string][] = [
    [s.top_k > 0 && reshaped, 'top_k', 'together with logit_bias or a presence/frequency penalty'],
    [s.min_p > 0 && reshaped, 'min_p', 'together with logit_bias or a presence/frequency penalty'],
    [s.repetition_penalty !== 1, 'repetition_penalty', 'WebLLM\u2019s penalty skips the prompt'],
  ];
  const hit = missing.find(([set]) => set);
  return hit
    ? {
        param: hit[1],
        message: `${hit[1]} is not supported by the WebGPU engine (${hit[2]}); the CPU engine (llama.cpp) honours it.`,
      }
    : null;
}

/** The sampler extension's token rules for these settings (the WebGPU engine). */
export function webLlmTokenMask(
  s: SamplingSettings,
  eos: readonly number[],
  stopTokenIds: readonly number[],
) {
  return {
    allowed: s.allowed_token_ids,
    banned: s.banned_token_ids,
    eos,
    ignoreEos: s.ignore_eos,
    stopTokens: stopTokenIds,
    minTokens: s.min_tokens,
    topK: s.top_k,
    minP: s.min_p,
    temperature: s.temperature,
  };
}
