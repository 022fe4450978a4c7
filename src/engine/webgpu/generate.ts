/**
 * One generation on WebLLM's raw completion path, with the sampler extension's records turned
 * into EngineTokens. Engine-shaped but import-free: the adapter passes WebLLM's engine, the
 * tests a scripted one that drives the extension the way WebLLM does (processLogits, then
 * processSampledToken, then a stream chunk per decode step).
 */
import type { EngineEnd, EngineToken } from '../../response/types';
import { toWebLlmParams, type SamplingSettings } from '../sampling';
import type { SampledRecord, SamplerExtension } from './samplerExtension';
import { TokenTextStream, type TokenVocab } from './vocab';

/** The parts of a WebLLM `Completion` chunk read here. */
export interface CompletionChunkLike {
  choices: Array<{ finish_reason?: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

/** The parts of WebLLM's MLCEngine used to generate. */
export interface RawCompletionEngine {
  createStream(request: Record<string, unknown>): Promise<AsyncIterable<CompletionChunkLike>>;
  interruptGenerate(): void;
}

export interface GenerateDeps {
  engine: RawCompletionEngine;
  sampler: SamplerExtension;
  vocab: TokenVocab;
  /** The model's stop tokens: they end the generation and are not part of the text. */
  stopTokenIds: ReadonlySet<number>;
  /** Prompt token count, when WebLLM's usage chunk does not come. */
  countPromptTokens: (prompt: string) => number;
}

export interface StreamArgs {
  prompt: string;
  sampling: SamplingSettings;
  onToken: (t: EngineToken) => boolean;
  signal: AbortSignal;
}

/** The raw completion request: the prompt, the sampling, streaming with usage. */
export function rawCompletionRequest(prompt: string, sampling: SamplingSettings) {
  return {
    prompt,
    ...toWebLlmParams(sampling),
    stream: true as const,
    stream_options: { include_usage: true },
  };
}

export function engineToken(rec: SampledRecord, vocab: TokenVocab, text: string): EngineToken {
  return {
    id: rec.id,
    text,
    bytes: [...vocab.bytes(rec.id)],
    logprob: rec.logprob,
    top: rec.top.map((t) => ({
      id: t.id,
      text: vocab.text(t.id),
      bytes: [...vocab.bytes(t.id)],
      logprob: t.logprob,
    })),
  };
}

/**
 * Streams one completion. Ends when WebLLM ends (stop token, max_tokens, context), when
 * `onToken` returns false (a stop string: interruptGenerate), when the grammar is complete, or
 * on abort (interruptGenerate; the caller sees `signal.aborted`).
 */
export async function streamCompletion(deps: GenerateDeps, args: StreamArgs): Promise<EngineEnd> {
  const { engine, sampler, vocab, stopTokenIds } = deps;
  const text = new TokenTextStream(vocab);
  let emitted = 0;
  let sawStopToken = false;
  let stopped = false; // by the caller, the grammar or an abort: ignore what comes after
  let finishReason: EngineEnd['finishReason'] = 'stop';
  let promptTokens: number | null = null;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    engine.interruptGenerate();
  };
  const drain = () => {
    for (const rec of sampler.takeRecords()) {
      if (stopped) return;
      if (stopTokenIds.has(rec.id)) {
        sawStopToken = true;
        continue;
      }
      emitted++;
      if (!args.onToken(engineToken(rec, vocab, text.push(rec.id)))) {
        stop();
        return;
      }
    }
    if (!stopped && sampler.grammarTerminated()) stop();
  };
  if (args.signal.aborted) return { finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
  const onAbort = () => stop();
  args.signal.addEventListener('abort', onAbort);
  try {
    const stream = await engine.createStream(rawCompletionRequest(args.prompt, args.sampling));
    for await (const chunk of stream) {
      drain();
      const reason = chunk.choices[0]?.finish_reason;
      if (reason === 'length') finishReason = 'length';
      if (chunk.usage) promptTokens = chunk.usage.prompt_tokens;
    }
    drain();
  } finally {
    args.signal.removeEventListener('abort', onAbort);
  }
  // A run the caller or the grammar ended is a "stop"; WebLLM's own "abort" never shows.
  if (stopped) finishReason = 'stop';
  return {
    finishReason,
    promptTokens: promptTokens ?? deps.countPromptTokens(args.prompt),
    completionTokens: emitted + (sawStopToken ? 1 : 0),
  };
}
