import { describe, expect, it } from 'vitest';
import { maxTokensFor, samplingFor, toLlamaCppSampling, toWebLlmParams } from './sampling';
import type { ChatRequest } from '../request/types';

const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('samplingFor', () => {
  it('uses the OpenAI defaults for every unset sampler', () => {
    expect(samplingFor(base, 0, 10)).toEqual({
      temperature: 1,
      top_p: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      logit_bias: {},
      seed: null,
      max_tokens: 10,
      logprobs: false,
      top_logprobs: 0,
    });
  });
  it('carries every sampling field of the request', () => {
    const req: ChatRequest = {
      ...base,
      temperature: 0.2,
      top_p: 0.5,
      presence_penalty: 1.5,
      frequency_penalty: -1,
      logit_bias: { '7': 100 },
      seed: 42,
      logprobs: true,
      top_logprobs: 20,
    };
    expect(samplingFor(req, 0, 5)).toMatchObject({
      temperature: 0.2,
      top_p: 0.5,
      presence_penalty: 1.5,
      frequency_penalty: -1,
      logit_bias: { '7': 100 },
      seed: 42,
      top_logprobs: 20,
    });
  });
  it('gives choice i the seed + i, and treats a negative seed as none (vLLM: -1 = no seed)', () => {
    expect(samplingFor({ ...base, seed: 10 }, 2, 5).seed).toBe(12);
    expect(samplingFor({ ...base, seed: -1 }, 0, 5).seed).toBeNull();
  });
  it('top_logprobs only counts with logprobs true', () => {
    expect(samplingFor({ ...base, top_logprobs: 3 }, 0, 5).top_logprobs).toBe(0);
  });
});

describe('maxTokensFor', () => {
  it('prefers max_completion_tokens, then max_tokens, bounded by the context left', () => {
    expect(maxTokensFor({ ...base, max_tokens: 50, max_completion_tokens: 20 }, 100, 10)).toBe(20);
    expect(maxTokensFor({ ...base, max_tokens: 50 }, 100, 10)).toBe(50);
    expect(maxTokensFor({ ...base, max_tokens: 500 }, 100, 10)).toBe(90);
    expect(maxTokensFor(base, 100, 10)).toBe(90);
  });
});

describe('engine parameter mapping', () => {
  const s = samplingFor(
    {
      ...base,
      temperature: 0,
      top_p: 0.9,
      logit_bias: { '5': -100, '9': 3 },
      seed: 3,
      logprobs: true,
      top_logprobs: 4,
    },
    0,
    16,
  );
  it('CPU engine: llama-server names, logprob of each token always asked, grammar passed', () => {
    expect(toLlamaCppSampling(s, 'root ::= "a"')).toEqual({
      temperature: 0,
      top_p: 0.9,
      presence_penalty: 0,
      frequency_penalty: 0,
      logit_bias: { '5': -100, '9': 3 },
      seed: 3,
      max_tokens: 16,
      n_probs: 4,
      grammar: 'root ::= "a"',
    });
  });
  it('draws a fresh llama.cpp seed when the request has none; asks for probabilities only with logprobs', () => {
    const p = toLlamaCppSampling(samplingFor(base, 0, 1), undefined, () => 0.5);
    expect(p.seed).toBe(Math.floor(0.5 * 0x7fffffff));
    expect(p.n_probs).toBe(0);
    expect(
      toLlamaCppSampling(samplingFor({ ...base, logprobs: true }, 0, 1), undefined).n_probs,
    ).toBe(1);
    expect('grammar' in p).toBe(false);
  });
  it('WebLLM gets every sampler explicitly, never the model config defaults', () => {
    expect(toWebLlmParams(s)).toEqual({
      temperature: 0,
      top_p: 0.9,
      presence_penalty: 0,
      frequency_penalty: 0,
      repetition_penalty: 1,
      logit_bias: { '5': -100, '9': 3 },
      seed: 3,
      max_tokens: 16,
      n: 1,
      stream: true,
      logprobs: false,
    });
  });
});
