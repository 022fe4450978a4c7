// CPU engine: llama.cpp compiled to wasm (@wllama/wllama 3.13), raw completion over a prompt
// that the worker has already rendered. Only the engine worker imports this module.
//
// Facts this adapter relies on (checked with wllama 3.13.0 in headless Chromium):
// - createCompletion({prompt}) goes to llama-server's own request parser: only llama-server's
//   parameter names work, special tokens written as text in the prompt are parsed as special
//   tokens, and a BOS is added only when the model's add_bos_token says so.
// - Token ids and log-probabilities come only from `n_probs` (logprobs.content[] of each chunk:
//   id, token, bytes, logprob of the sampled token, top_logprobs). There is no tokenize,
//   detokenize or logits API in v3.
// - Request and load errors often reach JavaScript as "Invalid typed array length: ..."; the
//   real reason is in wllama's logger (llama.cpp logs the root cause first), which this adapter
//   captures and reports instead.

import { Wllama, WllamaAbortError, type LoadModelParams } from '@wllama/wllama';
// wllama's wasm with llama-server's UTF-8 failure points patched out (tools/wllamaWasm.ts).
import wasmUrl from 'virtual:wllama-patched.wasm?url';
// The same, with faster relaxed-SIMD dot products spliced in (kernels/, tools/wllamaWasm.ts).
import kernelsWasmUrl from 'virtual:wllama-kernels.wasm?url';
import type { EngineToken as BaseEngineToken, EngineTopToken } from '../../response/types';
import { canUseThreads, defaultThreads } from '../threads';
import { hasRelaxedSimd } from './relaxedSimd';
import { chooseKvCache, kvFactsFromLog, type KvMode } from './kvCache';
import { readGgufMetadataFromBlob, tokenBytes, tokenText, type GgufMetadata } from '../gguf';

/** A generated token (the response layer's type), plus whether it ended generation. */
export interface EngineToken extends BaseEngineToken {
  /** True for end-of-generation tokens (EOS/EOT): generation stops after it. */
  eog?: boolean;
}

export interface EngineSampling {
  temperature: number;
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  /** Token id (decimal string) -> bias added to the logit. */
  logit_bias: Record<string, number>;
  seed?: number;
  max_tokens: number;
  /** Number of top log-probabilities to report per token (0..20). */
  n_probs: number;
  /** GBNF grammar. */
  grammar?: string;
  /** JSON schema; llama.cpp turns it into a grammar. Not together with `grammar`. */
  json_schema?: unknown;
  /** llama.cpp samplers that the OpenAI API has no name for; off unless set here. */
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
  /** llama.cpp bans the end-of-generation tokens. */
  ignore_eos?: boolean;
}

export interface LoadProgress {
  loaded: number;
  total: number;
  /** 'download' (bytes of the model file), 'load' (into llama.cpp), 'ready'. */
  phase: string;
}

export type ModelSource = { url: string; cache?: boolean } | { file: Blob };

export interface LoadOptions {
  /** Context size; default min(training context, 4096). */
  nCtx?: number;
  /**
   * Threads; default 1 without cross-origin isolation (wasm threads need it), with it one less
   * than the cores the browser reports (one core stays free for the page: oversubscribed
   * threads spin and run many times slower).
   */
  nThreads?: number;
  /**
   * Use the build with the relaxed-SIMD kernels (default: whenever the browser supports
   * relaxed SIMD; without it the build without them runs).
   */
  kernels?: boolean;
  /**
   * The KV cache and attention path (src/engine/cpu/kvCache.ts). 'auto' (default): an f16
   * cache without flash attention when the attention scores fit SCORES_BUDGET, else wllama's
   * defaults (f16, flash attention auto). 'default': wllama's defaults. 'f32': an f32 cache
   * without flash attention when it fits KV_F32_BUDGET: faster decode still, but in this build
   * it moves first-token logprobs by 0.15+ nats against native llama.cpp with the same
   * settings, so greedy answers change (docs/benchmarks.md, "KV cache type and attention path").
   */
  kvCache?: KvMode;
}

export interface LoadResult {
  metadata: GgufMetadata;
  nCtx: number;
  nVocab: number;
  eogTokenIds: number[];
  threads: number;
  /** Whether the build with the relaxed-SIMD kernels runs. */
  kernels: boolean;
  /** The KV cache type llama.cpp reports in its load log (e.g. 'f32'), if it said. */
  kvCache: string | null;
  /** llama.cpp's flash attention setting from its load log ('disabled', 'auto', ...). */
  flashAttn: string | null;
}

export interface GenerateResult {
  promptTokens: number;
  /** Prompt tokens whose KV cache was reused from the previous request (not evaluated). */
  cachedPromptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
  timings?: { promptMs: number; predictedMs: number };
}

export interface WllamaEngineOptions {
  /**
   * Reuse the KV cache of the previous request for the longest shared prompt prefix (llama-server's
   * `cache_prompt`): a rerun evaluates only its last token, a continued conversation only what
   * was added. On by default. llama-server does not promise bit-identical logits across batch
   * sizes on every backend; on this CPU build, seeded reruns and continuations gave identical
   * tokens and logprobs with and without reuse (e2e/prompt-cache.spec.ts checks it).
   */
  cachePrompt?: boolean;
  /** Receives every log line of wllama / llama.cpp (level, text). */
  onLog?: (level: 'debug' | 'log' | 'warn' | 'error', text: string) => void;
}

/** An error from wllama with the real reason taken from its log. */
export class WllamaEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WllamaEngineError';
  }
}

interface LogLine {
  level: 'debug' | 'log' | 'warn' | 'error';
  text: string;
}

interface OaiLogprob {
  id: number;
  token: string;
  bytes: number[] | null;
  logprob: number;
}
interface OaiLogprobContent extends OaiLogprob {
  top_logprobs?: OaiLogprob[];
}
interface RawChunk {
  choices?: {
    text?: string;
    finish_reason?: string | null;
    logprobs?: { content?: OaiLogprobContent[] | null } | null;
  }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
  };
  timings?: { prompt_ms?: number; predicted_ms?: number };
  prompt_progress?: { total?: number; cache?: number };
}

const MAX_LOG_LINES = 300;

function formatLogArgs(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.message;
      try {
        return JSON.stringify(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

/** Lines that wllama logs around an error but that say nothing about its cause. */
function isNoiseLine(text: string): boolean {
  const t = text.trim();
  return (
    t === '' ||
    t === '{}' ||
    t.startsWith('Stack trace') ||
    t.startsWith('Model returned an error') ||
    t.startsWith('Failed to parse JSON') ||
    t.includes('Invalid typed array length')
  );
}

const decoder = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function abortError(): DOMException {
  return new DOMException('The generation was aborted', 'AbortError');
}

export class WllamaEngine {
  private wllama: Wllama | null = null;
  private logLines: LogLine[] = [];
  private logSeq = 0;
  private metadata: GgufMetadata | null = null;
  private nCtx = 0;
  private nVocab = 0;
  private eog = new Set<number>();
  private busy = false;
  private readonly options: WllamaEngineOptions;
  /** See WllamaEngineOptions.cachePrompt; may be changed between requests. */
  cachePrompt: boolean;

  constructor(options: WllamaEngineOptions = {}) {
    this.options = options;
    this.cachePrompt = options.cachePrompt ?? true;
  }

  private makeLogger() {
    const push =
      (level: LogLine['level']) =>
      (...args: unknown[]): void => {
        const text = formatLogArgs(args);
        this.logLines.push({ level, text });
        this.logSeq++;
        if (this.logLines.length > MAX_LOG_LINES) this.logLines.shift();
        this.options.onLog?.(level, text);
      };
    return { debug: push('debug'), log: push('log'), warn: push('warn'), error: push('error') };
  }

  /**
   * The first log line since log sequence number `since` that states an error: llama.cpp logs
   * the root cause first, then the consequences ("failed to load model", "failed to launch
   * slot", ...).
   */
  private firstErrorSince(since: number): string | undefined {
    const fresh = Math.min(this.logSeq - since, this.logLines.length);
    const lines = this.logLines.slice(this.logLines.length - fresh);
    const hit = lines.find(
      (l) =>
        !isNoiseLine(l.text) &&
        (l.level === 'error' || (l.level !== 'debug' && /\berror\b/i.test(l.text))),
    );
    return hit?.text.trim();
  }

  private wrapError(e: unknown, since: number, what: string): WllamaEngineError {
    const logged = this.firstErrorSince(since);
    const original = e instanceof Error ? e.message : String(e);
    const originalSaysSomething =
      !isNoiseLine(original) && !/^\(ABORT\)|unknown error/i.test(original);
    let reason = logged ?? original;
    if (logged && originalSaysSomething && !logged.includes(original)) {
      reason = `${logged} (${original})`;
    }
    return new WllamaEngineError(`${what}: ${reason}`, { cause: e });
  }

  get isLoaded(): boolean {
    return this.wllama !== null;
  }

  async load(
    source: ModelSource,
    onProgress: (p: LoadProgress) => void,
    opts: LoadOptions = {},
  ): Promise<LoadResult> {
    await this.unload();
    const kernels = (opts.kernels ?? true) && hasRelaxedSimd();
    const wllama = new Wllama(
      { default: kernels ? kernelsWasmUrl : wasmUrl },
      { logger: this.makeLogger(), allowOffline: true, parallelDownloads: 3 },
    );
    // Never fetch the CDN "compat" build: Chromium has JSPI and Memory64.
    wllama.setCompat(null);
    const since = this.logSeq;
    try {
      const blobs = await this.fetchModel(wllama, source, onProgress);
      const first = blobs[0];
      if (!first) throw new WllamaEngineError('No model file');
      const metadata = await readGgufMetadataFromBlob(first);
      const total = blobs.reduce((n, b) => n + b.size, 0);
      onProgress({ loaded: 0, total, phase: 'load' });
      const nThreads = canUseThreads() ? (opts.nThreads ?? defaultThreads()) : 1;
      const trainCtx = metadata.contextLength > 0 ? metadata.contextLength : 4096;
      const nCtx = opts.nCtx ?? Math.min(trainCtx, 4096);
      const kv = chooseKvCache(metadata.kv, metadata.architecture, nCtx, opts.kvCache ?? 'auto');
      const params: LoadModelParams = {
        n_ctx: nCtx,
        n_gpu_layers: 0,
        n_parallel: 1,
        ctx_shift: false,
        ...kv.params,
        // no `seed` here: a load-time seed would override every request's seed
      };
      params.n_threads = nThreads;
      await wllama.loadModel(blobs, params);
      const info = wllama.getLoadedContextInfo();
      // wllama 3.13 resolves even when llama.cpp failed to load the model.
      if ((info as { success?: boolean }).success === false || info.n_vocab <= 0) {
        throw this.wrapError(
          new Error('llama.cpp did not load the model'),
          since,
          'Could not load the model',
        );
      }
      const fresh = Math.min(this.logSeq - since, this.logLines.length);
      const said = kvFactsFromLog(
        this.logLines.slice(this.logLines.length - fresh).map((l) => l.text),
      );
      this.wllama = wllama;
      this.metadata = metadata;
      this.nCtx = info.n_ctx;
      this.nVocab = info.n_vocab;
      this.eog = new Set(info.list_tokens_eog);
      onProgress({ loaded: total, total, phase: 'ready' });
      return {
        metadata,
        nCtx: info.n_ctx,
        nVocab: info.n_vocab,
        eogTokenIds: [...info.list_tokens_eog],
        threads: wllama.getNumThreads(),
        kernels,
        kvCache: said.kvType,
        flashAttn: said.flashAttn,
      };
    } catch (e) {
      await wllama.exit().catch(() => undefined);
      if (e instanceof WllamaEngineError) throw e;
      throw this.wrapError(e, since, 'Could not load the model');
    }
  }

  private async fetchModel(
    wllama: Wllama,
    source: ModelSource,
    onProgress: (p: LoadProgress) => void,
  ): Promise<Blob[]> {
    if ('file' in source) {
      onProgress({ loaded: source.file.size, total: source.file.size, phase: 'download' });
      return [source.file];
    }
    if (source.cache) {
      // wllama's model manager: OPFS cache, split models (-00001-of-0000N.gguf).
      const model = await wllama.modelManager.getModelOrDownload(
        { url: source.url },
        {
          progressCallback: ({ loaded, total }) => onProgress({ loaded, total, phase: 'download' }),
        },
      );
      return await model.open();
    }
    let res: Response;
    try {
      res = await fetch(source.url);
    } catch (e) {
      // fetch gives no reason on purpose; say what it usually is.
      throw new WllamaEngineError(
        `Could not download the model from ${source.url}: the server could not be reached, or it does not allow this page's origin to fetch from it (CORS). Check the URL, or download the file and open it with "Open GGUF…".`,
        { cause: e },
      );
    }
    if (!res.ok || !res.body) {
      throw new WllamaEngineError(
        `Could not download the model: HTTP ${res.status} for ${source.url}`,
      );
    }
    if (res.headers.get('content-type')?.includes('text/html')) {
      await res.body.cancel();
      throw new WllamaEngineError(
        `Could not download the model: ${source.url} is an HTML page, not a GGUF file (wrong URL?)`,
      );
    }
    const total = Number(res.headers.get('content-length') ?? 0);
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    let loaded = 0;
    onProgress({ loaded, total, phase: 'download' });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.byteLength;
      // Without a length (a compressed transfer) the total stays unknown (0), not "loaded".
      onProgress({ loaded, total: total >= loaded ? total : 0, phase: 'download' });
    }
    return [new Blob(parts as BlobPart[])];
  }

  async unload(): Promise<void> {
    const w = this.wllama;
    this.wllama = null;
    this.metadata = null;
    this.eog = new Set();
    if (w) await w.exit();
  }

  private requireLoaded(): Wllama {
    if (!this.wllama) throw new WllamaEngineError('No model is loaded');
    return this.wllama;
  }

  /** llama-server request body for a raw completion (only llama-server's names work). */
  private requestBody(prompt: string, s: EngineSampling): Record<string, unknown> {
    const logitBias: Record<string, number> = {};
    for (const [key, bias] of Object.entries(s.logit_bias ?? {})) {
      // llama-server tokenizes a non-numeric key as text and silently drops unknown ids.
      if (!/^\d+$/.test(key) || Number(key) >= this.nVocab) {
        throw new WllamaEngineError(
          `logit_bias key "${key}" is not a token id of the loaded model (0..${this.nVocab - 1})`,
        );
      }
      logitBias[String(Number(key))] = bias;
    }
    const body: Record<string, unknown> = {
      prompt,
      temperature: s.temperature,
      top_p: s.top_p,
      presence_penalty: s.presence_penalty,
      frequency_penalty: s.frequency_penalty,
      // llama.cpp penalises the last repeat_last_n tokens of prompt + output (default 64).
      repeat_last_n: this.nCtx,
      n_predict: s.max_tokens > 0 ? s.max_tokens : -1,
      // Always ask for at least one: the id and raw bytes of each token only come with n_probs.
      n_probs: Math.max(1, s.n_probs),
      post_sampling_probs: false,
      logit_bias: logitBias,
      // llama.cpp's defaults (top_k 40, min_p 0.05, ...) would change sampling silently.
      top_k: s.top_k ?? 0,
      min_p: s.min_p ?? 0,
      repeat_penalty: s.repeat_penalty ?? 1,
      typical_p: 1,
      dry_multiplier: 0,
      xtc_probability: 0,
      top_n_sigma: -1,
      dynatemp_range: 0,
      mirostat: 0,
      ignore_eos: s.ignore_eos ?? false,
      cache_prompt: this.cachePrompt,
      return_progress: true,
    };
    if (s.seed !== undefined && s.seed >= 0) body.seed = s.seed;
    if (s.grammar !== undefined && s.json_schema !== undefined) {
      // llama-server would silently use the grammar and drop the schema.
      throw new WllamaEngineError('Give either a grammar or a JSON schema, not both');
    }
    if (s.grammar !== undefined) body.grammar = s.grammar;
    if (s.json_schema !== undefined) body.json_schema = s.json_schema;
    return body;
  }

  /**
   * A token's own bytes. From the GGUF vocabulary for normal, byte and user-defined tokens:
   * llama-server's `bytes` of a sampled token also carry bytes it held back from the previous
   * token. Control tokens keep llama-server's rendering (empty).
   */
  private ownBytes(lp: OaiLogprob): number[] {
    const m = this.metadata;
    const entry = m?.tokens[lp.id];
    const type = m?.tokenTypes?.[lp.id] ?? 1;
    if (m && entry !== undefined) {
      if (type === 1 || type === 6) return tokenBytes(entry, m.tokenizerModel);
      if (type === 4) return [...encoder.encode(entry)];
    }
    return lp.bytes ?? [...encoder.encode(lp.token)];
  }

  private tokenFrom(lp: OaiLogprob): EngineTopToken {
    const bytes = this.ownBytes(lp);
    return { id: lp.id, text: decoder.decode(new Uint8Array(bytes)), bytes, logprob: lp.logprob };
  }

  /**
   * Complete `prompt` (already rendered; special tokens as text are parsed as special tokens).
   * `onToken` runs for every generated token; returning false stops generation (finishReason
   * 'stop'). An aborted `signal` rejects with an AbortError.
   *
   * Every sampled token arrives with its own bytes (the patched wasm sends each one, see
   * tools/wllamaWasm.ts). A token's `text` is what it completes: bytes that end inside a UTF-8
   * character are held until the character is complete (then they ride on the token that
   * completes it), an invalid sequence becomes U+FFFD, and an incomplete character left at the
   * end is dropped, as vLLM's incremental detokenizer does.
   */
  async generate(
    prompt: string,
    s: EngineSampling,
    onToken: (t: EngineToken) => boolean,
    signal?: AbortSignal,
  ): Promise<GenerateResult> {
    const wllama = this.requireLoaded();
    if (signal?.aborted) throw abortError();
    if (this.busy) throw new WllamaEngineError('The CPU engine is already generating');
    const body = this.requestBody(prompt, s);
    const nTop = Math.max(0, Math.min(s.n_probs, 20));

    this.busy = true;
    const since = this.logSeq;
    const stopper = new AbortController();
    const onAbort = () => stopper.abort();
    signal?.addEventListener('abort', onAbort);
    let stoppedByCaller = false;
    let promptTokens = 0;
    let cachedPromptTokens = 0;
    let emitted = 0;
    let finishReason: 'stop' | 'length' = 'stop';
    let usage: RawChunk['usage'];
    let timings: RawChunk['timings'];
    let callbackError: unknown;
    // The text of the tokens so far, character by character (holds an incomplete character).
    const characters = new TextDecoder('utf-8');

    const onData = (chunk: RawChunk): void => {
      if (stopper.signal.aborted) return;
      if (chunk.prompt_progress?.total !== undefined) promptTokens = chunk.prompt_progress.total;
      if (chunk.prompt_progress?.cache !== undefined)
        cachedPromptTokens = chunk.prompt_progress.cache;
      if (chunk.usage) usage = chunk.usage;
      if (chunk.timings) timings = chunk.timings;
      const choice = chunk.choices?.[0];
      if (!choice) return;
      if (choice.finish_reason === 'length') finishReason = 'length';
      const content = choice.logprobs?.content ?? [];
      const tokens: EngineToken[] = content.map((lp) => {
        const own = this.tokenFrom(lp);
        const tok: EngineToken = {
          ...own,
          text: characters.decode(new Uint8Array(own.bytes), { stream: true }),
          top: (lp.top_logprobs ?? []).slice(0, nTop).map((t) => this.tokenFrom(t)),
        };
        if (this.eog.has(lp.id)) tok.eog = true;
        return tok;
      });
      const text = choice.text ?? '';
      if (tokens.length === 0 && text !== '') {
        // Not expected with n_probs >= 1; keep the text rather than lose it.
        tokens.push({ id: -1, text, bytes: [...encoder.encode(text)], logprob: 0, top: [] });
      }
      for (const t of tokens) {
        emitted++;
        let keepGoing = false;
        try {
          keepGoing = onToken(t);
        } catch (err) {
          callbackError = err;
        }
        if (!keepGoing) {
          stoppedByCaller = true;
          stopper.abort();
          return;
        }
      }
    };

    try {
      await wllama.createCompletion({
        ...(body as { prompt: string }),
        stream: true,
        abortSignal: stopper.signal,
        onData: onData as (c: unknown) => void,
      } as Parameters<Wllama['createCompletion']>[0] & {
        stream: true;
        onData: (c: never) => void;
      });
    } catch (e) {
      if (!(e instanceof WllamaAbortError)) {
        throw this.wrapError(e, since, 'Generation failed');
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.busy = false;
    }
    if (callbackError !== undefined) throw callbackError;
    if (signal?.aborted && !stoppedByCaller) throw abortError();
    if (stoppedByCaller) {
      return { promptTokens, cachedPromptTokens, completionTokens: emitted, finishReason: 'stop' };
    }
    const result: GenerateResult = {
      promptTokens: usage?.prompt_tokens ?? promptTokens,
      cachedPromptTokens: usage?.prompt_tokens_details?.cached_tokens ?? cachedPromptTokens,
      completionTokens: usage?.completion_tokens ?? emitted,
      finishReason,
    };
    if (timings) {
      result.timings = {
        promptMs: timings.prompt_ms ?? 0,
        predictedMs: timings.predicted_ms ?? 0,
      };
    }
    return result;
  }

  /**
   * Number of tokens llama.cpp makes of `prompt` (special tokens parsed). wllama 3.13 has no
   * tokenize API, so this evaluates the prompt and samples one token: it costs a prompt pass,
   * which the prompt cache then lets the next run of the same prompt skip.
   */
  async countTokens(prompt: string): Promise<number> {
    const r = await this.generate(
      prompt,
      {
        temperature: 0,
        top_p: 1,
        presence_penalty: 0,
        frequency_penalty: 0,
        logit_bias: {},
        max_tokens: 1,
        n_probs: 0,
      },
      () => true,
    );
    return r.promptTokens;
  }

  /** Vocabulary entry of a token id as text (from the GGUF metadata). */
  tokenText(id: number): string | undefined {
    const tok = this.metadata?.tokens[id];
    return tok === undefined ? undefined : tokenText(tok, this.metadata?.tokenizerModel);
  }
}
