/** The CPU engine as the worker sees it: wllama behind the engine-neutral ChatEngine. */
import { WllamaEngine, type ModelSource as WllamaSource } from './wllamaEngine';
import { tokenText } from '../gguf';
import { contextOverflowError, type ChatEngine, type GenerateArgs } from '../runChat';
import type { LoadOptions, LoadProgress, ModelInfo, TokenMatch } from '../protocol';
import type { EngineEnd } from '../../response/types';
import type { LoadedEngine } from '../loadedEngine';
import { toLlamaCppSampling } from '../sampling';

/** llama.cpp's own words for a prompt longer than the context, turned into a clear 400. */
function overflowOf(e: unknown) {
  const m = /\((\d+) tokens\) exceeds the available context size \((\d+) tokens\)/.exec(
    e instanceof Error ? e.message : String(e),
  );
  return m ? contextOverflowError(Number(m[1]), Number(m[2])) : null;
}

export async function loadCpuEngine(
  source: WllamaSource,
  name: string,
  onProgress: (p: LoadProgress) => void,
  options: LoadOptions = {},
): Promise<LoadedEngine> {
  const wllama = new WllamaEngine();
  const loaded = await wllama.load(source, onProgress, {
    ...(options.contextSize !== undefined ? { nCtx: options.contextSize } : {}),
    ...(options.threads !== undefined ? { nThreads: options.threads } : {}),
  });
  const md = loaded.metadata;
  const texts = md.tokens.map((t) => tokenText(t, md.tokenizerModel));
  const special = (id: number | undefined) => (id === undefined ? undefined : texts[id]);
  const info: ModelInfo = {
    engine: 'cpu',
    // The file name identifies the model (and quantisation) better than general.name.
    name: name.replace(/\.gguf$/i, '') || md.name || 'model',
    contextLength: loaded.nCtx,
    chatTemplate: md.chatTemplate ?? null,
    ...(md.namedTemplates ? { namedTemplates: md.namedTemplates } : {}),
    bosToken: special(md.bosTokenId) ?? null,
    eosToken: special(md.eosTokenId) ?? null,
    vocabSize: loaded.nVocab,
    threads: loaded.threads,
    ...(loaded.kvCache ? { kvCache: { type: loaded.kvCache, flashAttn: loaded.flashAttn } } : {}),
  };
  const engine: ChatEngine & LoadedEngine = {
    info,
    specialTokens: {
      ...(info.bosToken !== null ? { bos_token: info.bosToken } : {}),
      ...(info.eosToken !== null ? { eos_token: info.eosToken } : {}),
    },
    addBosToken: md.addBosToken ?? false,
    async generate(args: GenerateArgs): Promise<EngineEnd> {
      const r = await wllama
        .generate(
          args.prompt,
          toLlamaCppSampling(args.sampling, args.constraint?.gbnf, Math.random, loaded.nVocab),
          (t) => args.onToken(t),
          args.signal,
        )
        .catch((e: unknown) => {
          throw overflowOf(e) ?? e;
        });
      return {
        finishReason: r.finishReason,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        cachedPromptTokens: r.cachedPromptTokens,
      };
    },
    countTokens: (text) => wllama.countTokens(text),
    vocabIdsOf: (text) => vocabIdsOf(texts, text),
    unsupported: (s) =>
      s.min_tokens > 0
        ? {
            param: 'min_tokens',
            message:
              'min_tokens is not supported by the CPU engine: llama.cpp has no minimum length (ignore_eos with max_tokens gives a fixed length).',
          }
        : null,
    lookupToken: (text) => lookupInVocab(texts, text),
    unload: () => wllama.unload(),
  };
  return engine;
}

/** Token ids whose text is exactly `text`. */
export function vocabIdsOf(texts: readonly string[], text: string): number[] {
  const ids: number[] = [];
  texts.forEach((t, id) => {
    if (t === text) ids.push(id);
  });
  return ids;
}

/** Token ids whose text equals `text` (best), then those whose text contains it. */
export function lookupInVocab(texts: readonly string[], text: string, limit = 20): TokenMatch[] {
  if (text === '') return [];
  const exact: TokenMatch[] = [];
  const partial: TokenMatch[] = [];
  texts.forEach((t, id) => {
    if (t === text || t.trim() === text) exact.push({ id, text: t });
    else if (t.includes(text) && partial.length < limit) partial.push({ id, text: t });
  });
  return [...exact, ...partial].slice(0, limit);
}
