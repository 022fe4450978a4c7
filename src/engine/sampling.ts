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
export function samplingFor(req: ChatRequest, index: number, maxTokens: number): SamplingSettings {
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
  };
}

/**
 * The CPU engine's sampling (llama-server's names, built into the request body by the wllama
 * adapter). llama.cpp's extra samplers are switched off there, so its defaults (top_k 40,
 * min_p 0.05, repeat_penalty) never change the result behind the user's back.
 */
export function toLlamaCppSampling(
  s: SamplingSettings,
  grammar: string | undefined,
  random: () => number = Math.random,
) {
  return {
    temperature: s.temperature,
    top_p: s.top_p,
    presence_penalty: s.presence_penalty,
    frequency_penalty: s.frequency_penalty,
    logit_bias: s.logit_bias,
    // Without a seed, llama.cpp would reuse one fixed per load; draw a fresh one per run.
    seed: s.seed ?? Math.floor(random() * 0x7fffffff),
    max_tokens: s.max_tokens,
    // With logprobs, at least one alternative so that each token's own logprob is known.
    n_probs: s.logprobs ? Math.max(1, s.top_logprobs) : 0,
    ...(grammar !== undefined ? { grammar } : {}),
  };
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
    repetition_penalty: 1,
    logit_bias: s.logit_bias,
    seed: s.seed ?? undefined,
    max_tokens: s.max_tokens,
    n: 1,
    stream: true as const,
    // Logprobs come from the worker's logit processor (WebLLM caps top_logprobs at 5).
    logprobs: false,
  };
}
