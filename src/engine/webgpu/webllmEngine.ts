/**
 * The WebGPU engine as the worker sees it: @mlc-ai/web-llm's MLCEngine behind the
 * engine-neutral ChatEngine. Thin on purpose (WebLLM cannot run in the test machines); the
 * logic lives in pure modules beside it:
 * - samplerExtension.ts: the one LogitProcessor registered for the model (raw logprobs, top 20,
 *   grammar bitmask, sampled ids);
 * - generate.ts: the raw-completion stream -> EngineTokens, stopping;
 * - vocab.ts: token bytes and text; tokenizerConfig.ts: chat template and special tokens;
 * - modelCatalog.ts / webllmReports.ts: app config, progress, errors.
 *
 * Facts about @mlc-ai/web-llm 0.2.86 relied on here (checked in its lib/index.js):
 * - `logitProcessorRegistry.get(modelId)` is read once, in reload(); the pipeline calls
 *   processLogits / processSampledToken for every sampled token (prefill's first one too), and
 *   resetState() from resetChat(), which the raw path runs at the start of every completion.
 * - The streamed raw completion yields after every decode step; interruptGenerate() makes it
 *   stop before the next step and still send the final (and usage) chunk.
 * - The loaded tokenizer and chat config are only reachable through the engine's private maps
 *   `loadedModelIdToPipeline` / `loadedModelIdToChatConfig` (read once, checked below).
 */
import { MLCEngine } from '@mlc-ai/web-llm';
import type { CompletionCreateParamsStreaming, ModelRecord } from '@mlc-ai/web-llm';
import type { LoadProgress, ModelInfo, ModelSource, WorkerError } from '../protocol';
import type { LoadedEngine } from '../loadedEngine';
import { httpError, type ChatEngine, type GenerateArgs } from '../runChat';
import type { EngineEnd } from '../../response/types';
import { ConstraintError } from '../../constraints/errors';
import {
  createTokenizerInfo,
  GrammarLogitProcessor,
  TokenizerGrammars,
} from '../../constraints/grammarProcessor';
import { loadXGrammar } from '../../constraints/xgrammar';
import {
  catalogEntries,
  cleanModelUrl,
  f32Alternative,
  modelFileUrl,
  needsShaderF16,
} from './modelCatalog';
import { appConfigWith, probeGpu, storageEstimate } from './webllmManager';
import {
  classifyWebLlmError,
  parseInitProgress,
  shaderF16Missing,
  webGpuUnavailable,
  type ErrorContext,
} from './webllmReports';
import { SamplerExtension } from './samplerExtension';
import { streamCompletion, type RawCompletionEngine } from './generate';
import { webLlmTokenMask, webLlmUnsupported } from '../sampling';
import { detectVocabType, TokenVocab, type VocabType } from './vocab';
import {
  fetchCachedText,
  readTokenizerConfig,
  templateSpecialTokens,
  TOKENIZER_CONFIG_CACHE,
  type TokenizerConfigInfo,
} from './tokenizerConfig';

/** WebLLM's tokenizer (@mlc-ai/web-tokenizers, bundled in web-llm). */
interface TokenizerLike {
  encode(text: string): Int32Array;
  getVocabSize(): number;
  idToToken(id: number): string;
}

/** The mlc-chat-config.json fields read here (with the record's overrides applied). */
interface ChatConfigLike {
  vocab_size: number;
  context_window_size?: number;
  sliding_window_size?: number;
  tokenizer_info?: { token_postproc_method?: string; prepend_space_in_encode?: boolean };
  token_table_postproc_method?: string;
  conv_template?: { stop_token_ids?: number[] };
}

function internalsOf(engine: MLCEngine, modelId: string) {
  const e = engine as unknown as {
    loadedModelIdToPipeline?: Map<string, { tokenizer?: TokenizerLike; stopTokens?: unknown }>;
    loadedModelIdToChatConfig?: Map<string, ChatConfigLike>;
  };
  const pipeline = e.loadedModelIdToPipeline?.get(modelId);
  const config = e.loadedModelIdToChatConfig?.get(modelId);
  const tokenizer = pipeline?.tokenizer;
  if (
    !tokenizer ||
    typeof tokenizer.encode !== 'function' ||
    typeof tokenizer.idToToken !== 'function' ||
    !config ||
    typeof config.vocab_size !== 'number'
  )
    throw new Error(
      'Cannot reach the loaded model\u2019s tokenizer inside WebLLM (this adapter expects ' +
        '@mlc-ai/web-llm 0.2.86).',
    );
  const stop = Array.isArray(pipeline.stopTokens)
    ? (pipeline.stopTokens as number[])
    : (config.conv_template?.stop_token_ids ?? []);
  return { tokenizer, config, stopTokenIds: stop.filter((x) => Number.isInteger(x)) };
}

const VOCAB_TYPES: VocabType[] = ['byte_level', 'byte_fallback', 'raw'];

/** tokenizer_config.json (cached), with chat_template.jinja when the config has no template. */
async function loadTokenizerConfig(modelUrl: string): Promise<TokenizerConfigInfo> {
  const cache =
    typeof caches !== 'undefined'
      ? await caches.open(TOKENIZER_CONFIG_CACHE).catch(() => null)
      : null;
  const deps = { fetch: (u: string) => fetch(u), cache } as Parameters<typeof fetchCachedText>[1];
  const text = await fetchCachedText(modelFileUrl(modelUrl, 'tokenizer_config.json'), deps);
  const info = readTokenizerConfig(JSON.parse(text));
  if (info.chatTemplate === null) {
    const jinja = await fetchCachedText(modelFileUrl(modelUrl, 'chat_template.jinja'), deps).catch(
      () => null,
    );
    if (jinja) info.chatTemplate = jinja;
  }
  return info;
}

export async function loadWebLlmEngine(
  source: Extract<ModelSource, { kind: 'webllm' }>,
  onProgress: (p: LoadProgress) => void,
): Promise<LoadedEngine> {
  const modelId = source.modelId;
  const custom = source.custom ? [{ modelId, ...source.custom }] : [];
  const appConfig = appConfigWith(custom);
  const record = (appConfig.model_list as ModelRecord[]).find((r) => r.model_id === modelId);
  const ctx: ErrorContext = { modelId };
  const fail = async (e: unknown): Promise<never> => {
    const estimate = await storageEstimate();
    throw classifyWebLlmError(e, { ...ctx, estimate }) ?? e;
  };
  if (!record) return fail({ name: 'ModelNotFoundError', message: modelId });
  const modelUrl = cleanModelUrl(record.model, location.href);
  ctx.modelUrl = modelUrl;
  ctx.f32Alternative = f32Alternative(modelId, catalogEntries(appConfig.model_list, null));

  onProgress({ phase: 'checking WebGPU', loaded: 0, total: 1, unit: 'fraction' });
  const gpu = await probeGpu();
  if (gpu.status.kind !== 'ok') throw webGpuUnavailable(gpu.status.message);
  if (needsShaderF16(record) && !gpu.adapter?.features.has('shader-f16'))
    throw shaderF16Missing(ctx);

  const sampler = new SamplerExtension();
  const engine = new MLCEngine({
    appConfig,
    initProgressCallback: (r) => onProgress(parseInitProgress(r)),
    logitProcessorRegistry: new Map([[modelId, sampler]]),
    logLevel: 'WARN',
  });
  // Fetched beside the weights; a failure only matters once the model itself has loaded.
  const tokenizerConfig = loadTokenizerConfig(modelUrl).then(
    (info) => ({ info, error: null }),
    (error: unknown) => ({ info: null, error }),
  );
  try {
    await engine.reload(modelId);
  } catch (e) {
    await engine.unload().catch(() => undefined);
    return fail(e);
  }

  let internals: ReturnType<typeof internalsOf>;
  try {
    internals = internalsOf(engine, modelId);
  } catch (e) {
    await engine.unload().catch(() => undefined);
    throw e;
  }
  const { tokenizer, config, stopTokenIds } = internals;
  const { info: tc, error: tcError } = await tokenizerConfig;
  if (tcError)
    console.warn(
      `tokenizer_config.json of ${modelId} could not be read; no chat template`,
      tcError,
    );
  const pieces = Array.from({ length: tokenizer.getVocabSize() }, (_, i) => tokenizer.idToToken(i));
  const method = config.tokenizer_info?.token_postproc_method ?? config.token_table_postproc_method;
  const vocabType = VOCAB_TYPES.includes(method as VocabType)
    ? (method as VocabType)
    : detectVocabType(pieces);
  const added = tc?.addedTokens ?? [];
  const vocab = new TokenVocab(pieces, vocabType, {
    specialIds: added.filter((t) => t.special).map((t) => t.id),
  });

  let grammar: Promise<{ grammars: TokenizerGrammars; processor: GrammarLogitProcessor }> | null =
    null;
  const grammarSetup = () => {
    grammar ??= (async () => {
      const xg = await loadXGrammar();
      const info = await createTokenizerInfo(
        xg,
        {
          encodedVocab: pieces,
          vocabType,
          prependSpace: config.tokenizer_info?.prepend_space_in_encode === true,
        },
        { vocabSize: config.vocab_size, stopTokenIds },
      );
      const grammars = await TokenizerGrammars.create(xg, info);
      return {
        grammars,
        processor: new GrammarLogitProcessor(xg, info.getVocabSize(), { stopTokenIds }),
      };
    })();
    grammar.catch(() => {
      grammar = null; // let a later request try again
    });
    return grammar;
  };

  const contextLength =
    config.context_window_size !== undefined && config.context_window_size > 0
      ? config.context_window_size
      : (config.sliding_window_size ?? 4096);
  const info: ModelInfo = {
    engine: 'webgpu',
    name: modelId,
    contextLength,
    chatTemplate: tc?.chatTemplate ?? null,
    ...(tc && Object.keys(tc.namedTemplates).length > 0
      ? { namedTemplates: tc.namedTemplates }
      : {}),
    bosToken: tc?.bosToken ?? null,
    eosToken: tc?.eosToken ?? null,
    vocabSize: config.vocab_size,
  };
  const raw: RawCompletionEngine = {
    createStream: (request) =>
      engine.completions.create(request as unknown as CompletionCreateParamsStreaming),
    interruptGenerate: () => void engine.interruptGenerate(),
  };
  const countPromptTokens = (text: string) => tokenizer.encode(text).length;
  const stopSet = new Set(stopTokenIds);

  const loaded: ChatEngine & LoadedEngine = {
    info,
    specialTokens: tc ? templateSpecialTokens(tc) : {},
    addBosToken: tc?.addBosToken ?? false,
    async generate(args: GenerateArgs): Promise<EngineEnd> {
      let processor: GrammarLogitProcessor | null = null;
      try {
        if (args.constraint) {
          const g = await grammarSetup();
          const compiled = await g.grammars.compile(args.constraint.xgrammar);
          try {
            await g.processor.setGrammar(compiled);
          } finally {
            compiled.dispose(); // the matcher keeps its own reference
          }
          processor = g.processor;
        } else if (grammar) {
          await (await grammar).processor.setGrammar(null);
        }
      } catch (e) {
        if (e instanceof ConstraintError) {
          // xgrammar refused (each refusal leaks wasm stack in that instance, and some 20 to 55
          // break it): the next constrained request sets up afresh, on a fresh instance
          const failed = grammar;
          grammar = null;
          void failed
            ?.then((g) => {
              g.processor.dispose();
              g.grammars.dispose();
            })
            .catch(() => undefined);
          throw httpError(400, e.message, e.param);
        }
        throw e;
      }
      sampler.configure({
        topLogprobs: args.sampling.top_logprobs,
        grammar: processor,
        mask: webLlmTokenMask(args.sampling, stopTokenIds, args.sampling.stop_token_ids),
      });
      try {
        return await streamCompletion(
          { engine: raw, sampler, vocab, stopTokenIds: stopSet, countPromptTokens },
          args,
        );
      } catch (e) {
        // While running, only a lost device is worth rewording (the model is gone: reload).
        const classified: WorkerError | null = classifyWebLlmError(e, ctx);
        throw classified?.code === 'device_lost' ? classified : e;
      }
    },
    countTokens: (text) => Promise.resolve(countPromptTokens(text)),
    vocabIdsOf: (text) =>
      vocab
        .lookup(text)
        .filter((m) => m.text === text)
        .map((m) => m.id),
    unsupported: webLlmUnsupported,
    lookupToken: (text) => vocab.lookup(text),
    async unload() {
      await engine.unload();
      if (grammar) {
        const g = await grammar.catch(() => null);
        g?.processor.dispose();
        g?.grammars.dispose();
      }
    },
  };
  return loaded;
}
