import { describe, expect, it } from 'vitest';
import {
  BANNED_BIAS,
  badWordTokenIds,
  llamaCppLogitBias,
  maxTokensFor,
  samplingFor,
  toLlamaCppSampling,
  toWebLlmParams,
  webLlmUnsupported,
} from './sampling';
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
      top_k: 0,
      min_p: 0,
      repetition_penalty: 1,
      ignore_eos: false,
      allowed_token_ids: null,
      banned_token_ids: [],
      min_tokens: 0,
      stop_token_ids: [],
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
      top_k: 0,
      min_p: 0,
      repeat_penalty: 1,
      ignore_eos: false,
      seed: 3,
      max_tokens: 16,
      n_probs: 4,
      grammar: 'root ::= "a"',
    });
  });
  it('CPU engine: vLLM\u2019s extra samplers under llama-server\u2019s names', () => {
    const x = samplingFor(
      { ...base, top_k: -1, min_p: 0.1, repetition_penalty: 1.3, ignore_eos: true },
      0,
      8,
    );
    expect(toLlamaCppSampling(x, undefined)).toMatchObject({
      top_k: 0, // vLLM's -1 is "off", llama.cpp's 0 too
      min_p: 0.1,
      repeat_penalty: 1.3,
      ignore_eos: true,
    });
    expect(toLlamaCppSampling(samplingFor({ ...base, top_k: 1 }, 0, 8), undefined).top_k).toBe(1);
  });
  it('CPU engine: allowed_token_ids and banned ids become biases no logit survives', () => {
    const x = samplingFor(
      { ...base, allowed_token_ids: [1, 3, 3], logit_bias: { '1': 5, '2': 7 } },
      0,
      8,
      [3],
    );
    expect(x.allowed_token_ids).toEqual([1, 3]);
    expect(llamaCppLogitBias(x, 5)).toEqual({
      '0': BANNED_BIAS,
      '1': 5,
      '2': BANNED_BIAS,
      '3': BANNED_BIAS,
      '4': BANNED_BIAS,
    });
    expect(llamaCppLogitBias(samplingFor(base, 0, 8), 5)).toEqual({});
  });
  it('bad_words: each one-token word and its spaced form; longer words are unsupported', () => {
    const vocab = ['a', 'darn', ' darn', 'heck', 'dar'];
    const idsOf = (t: string) => vocab.flatMap((v, i) => (v === t ? [i] : []));
    expect(badWordTokenIds(['darn', ' heck'], idsOf)).toEqual({ ids: [1, 2, 3] });
    expect(badWordTokenIds(['darnit'], idsOf)).toMatchObject({ param: 'bad_words' });
  });
  it('the WebGPU engine refuses what its token mask cannot do as vLLM does, naming the field', () => {
    expect(webLlmUnsupported(samplingFor(base, 0, 8))).toBeNull();
    expect(
      webLlmUnsupported(
        samplingFor({ ...base, top_k: 5, min_p: 0.1, min_tokens: 2, ignore_eos: true }, 0, 8),
      ),
    ).toBeNull();
    const biased = { ...base, logit_bias: { '3': 1 } };
    expect(webLlmUnsupported(samplingFor({ ...biased, top_k: 5 }, 0, 8))?.param).toBe('top_k');
    expect(
      webLlmUnsupported(samplingFor({ ...base, presence_penalty: 1, min_p: 0.2 }, 0, 8))?.param,
    ).toBe('min_p');
    expect(webLlmUnsupported(samplingFor({ ...base, repetition_penalty: 1.2 }, 0, 8))?.param).toBe(
      'repetition_penalty',
    );
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
