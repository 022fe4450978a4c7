/**
 * Grammar enforcement for the WebGPU engine through WebLLM's `LogitProcessor` hook.
 *
 * WebLLM calls, for every generated token, `processLogits(logits)` (synchronously, on the CPU,
 * before its own logit_bias / penalties / temperature / top_p) and then
 * `processSampledToken(token)`; `resetState()` on resetChat. This class keeps an xgrammar
 * GrammarMatcher: tokens the grammar does not allow get -Infinity, the sampled token advances
 * the matcher, and `isTerminated()` turns true once the grammar is complete and a stop token
 * was sampled (the only tokens allowed at that point).
 *
 * xgrammar is injected (see xgrammar.ts `loadXGrammar`); nothing here imports WebLLM.
 *
 * The bitmask: `processLogits` must be synchronous. The mask for the next step is computed
 * from the matcher's wasm handle in a microtask right after each accepted token, i.e. while
 * WebLLM awaits the GPU forward pass, so it is normally ready; when it is not, it is read
 * synchronously then. (xgrammar's own async getNextTokenBitmask is not used: a request still in
 * flight when the grammar ends makes the wasm abort.)
 */
import type {
  CompiledGrammar,
  GrammarCompiler,
  GrammarMatcher,
  TokenizerInfo,
} from '@mlc-ai/web-xgrammar';
import type { XGrammarSpec } from './compile';
import { callXGrammar } from './xgrammar';
import type { XGrammar } from './xgrammar';

/** WebLLM's LogitProcessor interface (@mlc-ai/web-llm lib/types.d.ts), restated to stay import-free. */
export interface LogitProcessor {
  processLogits: (logits: Float32Array) => Float32Array;
  processSampledToken: (token: number) => void;
  resetState: () => void;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

export type VocabType = 'byte_level' | 'byte_fallback' | 'raw';

export interface VocabInfo {
  /** Token strings as the tokenizer stores them, indexed by id (gaps are ""). */
  encodedVocab: string[];
  vocabType: VocabType;
  prependSpace: boolean;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

function mentionsType(node: unknown, type: string): boolean {
  const o = asObj(node);
  if (!o) return false;
  if (o.type === type) return true;
  for (const key of ['decoders', 'pretokenizers', 'normalizers']) {
    const list = o[key];
    if (Array.isArray(list) && list.some((d) => mentionsType(d, type))) return true;
  }
  return false;
}

/**
 * Reads a Hugging Face `tokenizer.json`: the vocabulary by id (model vocab + added tokens) and
 * how its token strings map to bytes (byte-level BPE as GPT-2/Qwen/Llama 3, SentencePiece
 * byte fallback as Llama 2/Gemma, or raw).
 */
export function vocabFromTokenizerJson(tokenizerJson: unknown): VocabInfo {
  const root = asObj(tokenizerJson) ?? {};
  const model = asObj(root.model) ?? {};
  const entries: Array<[string, number]> = [];
  const vocab = model.vocab;
  if (Array.isArray(vocab)) {
    // Unigram: [[piece, score], ...]
    vocab.forEach((v, i) => {
      if (Array.isArray(v) && typeof v[0] === 'string') entries.push([v[0], i]);
    });
  } else if (asObj(vocab)) {
    for (const [piece, id] of Object.entries(vocab as Json)) {
      if (typeof id === 'number') entries.push([piece, id]);
    }
  }
  const added = Array.isArray(root.added_tokens) ? root.added_tokens : [];
  for (const t of added) {
    const o = asObj(t);
    if (o && typeof o.content === 'string' && typeof o.id === 'number')
      entries.push([o.content, o.id]);
  }
  const size = entries.reduce((m, [, id]) => Math.max(m, id + 1), 0);
  const encodedVocab = new Array<string>(size).fill('');
  for (const [piece, id] of entries) encodedVocab[id] = piece;

  let vocabType: VocabType = 'raw';
  if (mentionsType(root.decoder, 'ByteLevel') || mentionsType(root.pre_tokenizer, 'ByteLevel')) {
    vocabType = 'byte_level';
  } else if (model.byte_fallback === true || mentionsType(root.decoder, 'ByteFallback')) {
    vocabType = 'byte_fallback';
  }
  const metaspace = asObj(root.pre_tokenizer);
  const prependSpace =
    mentionsType(root.normalizer, 'Prepend') ||
    (metaspace?.type === 'Metaspace' &&
      (metaspace.add_prefix_space === true ||
        metaspace.prepend_scheme === 'always' ||
        metaspace.prepend_scheme === 'first'));
  return { encodedVocab, vocabType, prependSpace };
}

export interface TokenizerInfoOptions {
  /** Size of the model's logits (config.json vocab_size; may exceed the tokenizer's vocabulary). */
  vocabSize?: number;
  /** The model's stop tokens (eos); xgrammar guesses from token names when absent. */
  stopTokenIds?: number[];
}

export async function createTokenizerInfo(
  xg: XGrammar,
  vocab: VocabInfo,
  options: TokenizerInfoOptions = {},
): Promise<TokenizerInfo> {
  const { value } = await callXGrammar('tokenizer', 'cannot read the tokenizer', () =>
    xg.TokenizerInfo.createTokenizerInfo(
      vocab.encodedVocab,
      vocab.vocabType,
      vocab.prependSpace,
      options.vocabSize ?? vocab.encodedVocab.length,
      options.stopTokenIds,
    ),
  );
  return value;
}

/** Compiles the constraint's xgrammar form for one tokenizer. */
export async function compileForTokenizer(
  compiler: GrammarCompiler,
  spec: XGrammarSpec,
): Promise<CompiledGrammar> {
  const { value } = await callXGrammar('grammar', 'xgrammar could not compile the grammar', () =>
    spec.type === 'json_schema'
      ? compiler.compileJSONSchema(
          spec.schema,
          spec.anyWhitespace,
          undefined,
          undefined,
          spec.strictMode,
        )
      : compiler.compileGrammar(spec.ebnf, spec.rootRule),
  );
  return value;
}

// ---------------------------------------------------------------------------------------------
// The processor
// ---------------------------------------------------------------------------------------------

interface EmbindIntVector {
  size(): number;
  get(i: number): number;
  delete(): void;
}

interface MatcherHandle {
  GetNextTokenBitmask(vocabSize: number): EmbindIntVector;
}

export interface GrammarProcessorOptions {
  /** Stop tokens that stay allowed once the grammar is terminated (model eos). */
  stopTokenIds?: number[];
}

export class GrammarLogitProcessor implements LogitProcessor {
  private matcher: GrammarMatcher | null = null;
  private mask: Int32Array | null = null;
  private generation = 0;
  private readonly stopTokenIds: number[];
  /** A sampled token the grammar refused (should not happen: it had -Infinity). */
  rejectedToken: number | null = null;
  /** Number of tokens accepted since the last reset. */
  acceptedTokens = 0;
  /** How many masks had to be read synchronously (diagnostics). */
  syncMaskReads = 0;

  constructor(
    private readonly xg: XGrammar,
    /** The tokenizer info's vocab size (xgrammar's bitmask width). */
    private readonly vocabSize: number,
    options: GrammarProcessorOptions = {},
  ) {
    this.stopTokenIds = options.stopTokenIds ?? [];
  }

  /** Starts enforcing `compiled` (or nothing, with null) from the next token on. */
  async setGrammar(compiled: CompiledGrammar | null): Promise<void> {
    this.dispose();
    if (compiled) {
      const { value } = await callXGrammar('grammar', 'cannot start the grammar matcher', () =>
        this.xg.GrammarMatcher.createGrammarMatcher(compiled),
      );
      this.matcher = value;
      this.prefetch();
    }
  }

  get active(): boolean {
    return this.matcher !== null;
  }

  isTerminated(): boolean {
    return this.matcher?.isTerminated() ?? false;
  }

  processLogits(logits: Float32Array): Float32Array {
    const matcher = this.matcher;
    if (!matcher) return logits;
    if (matcher.isTerminated()) {
      const keep = new Set(this.stopTokenIds);
      for (let i = 0; i < logits.length; i++) if (!keep.has(i)) logits[i] = -Infinity;
      return logits;
    }
    const mask = this.mask ?? this.readMaskSync(matcher);
    this.mask = mask;
    const n = Math.min(logits.length, this.vocabSize);
    for (let w = 0; w * 32 < n; w++) {
      const bits = mask[w] ?? 0;
      if (bits === -1) continue; // all 32 allowed
      const end = Math.min(n, w * 32 + 32);
      for (let i = w * 32, b = 0; i < end; i++, b++) {
        if (((bits >>> b) & 1) === 0) logits[i] = -Infinity;
      }
    }
    for (let i = n; i < logits.length; i++) logits[i] = -Infinity; // padding beyond the vocab
    return logits;
  }

  processSampledToken(token: number): void {
    const matcher = this.matcher;
    if (!matcher || matcher.isTerminated()) return;
    if (matcher.acceptToken(token)) {
      this.acceptedTokens++;
    } else {
      this.rejectedToken = token;
    }
    this.prefetch();
  }

  resetState(): void {
    this.matcher?.reset();
    this.acceptedTokens = 0;
    this.rejectedToken = null;
    if (this.matcher) this.prefetch();
  }

  dispose(): void {
    this.generation++;
    this.mask = null;
    this.matcher?.dispose();
    this.matcher = null;
  }

  /**
   * Computes the next mask as soon as the current synchronous step is over (a microtask: while
   * WebLLM awaits the GPU), so it is ready when processLogits comes. The state is checked again
   * then: xgrammar aborts when asked for a mask after the grammar has ended.
   */
  private prefetch(): void {
    const matcher = this.matcher;
    this.mask = null;
    if (!matcher || matcher.isTerminated()) return;
    const generation = ++this.generation;
    queueMicrotask(() => {
      if (generation !== this.generation || this.matcher !== matcher || matcher.isTerminated())
        return;
      this.mask = this.readHandle(matcher);
    });
  }

  private readMaskSync(matcher: GrammarMatcher): Int32Array {
    this.syncMaskReads++;
    this.generation++; // an in-flight prefetch must not overwrite a later state
    return this.readHandle(matcher);
  }

  private readHandle(matcher: GrammarMatcher): Int32Array {
    const handle = (matcher as unknown as { handle: MatcherHandle }).handle;
    const vec = handle.GetNextTokenBitmask(this.vocabSize);
    try {
      const size = vec.size();
      const out = new Int32Array(size);
      for (let i = 0; i < size; i++) out[i] = vec.get(i);
      return out;
    } finally {
      vec.delete();
    }
  }
}

/**
 * One tokenizer's grammar compiler (with xgrammar's cache) and a helper to get a processor for a
 * compiled constraint. Create once per loaded model.
 */
export class TokenizerGrammars {
  private constructor(
    readonly xg: XGrammar,
    readonly tokenizerInfo: TokenizerInfo,
    readonly compiler: GrammarCompiler,
  ) {}

  static async create(xg: XGrammar, tokenizerInfo: TokenizerInfo): Promise<TokenizerGrammars> {
    const compiler = await xg.GrammarCompiler.createGrammarCompiler(tokenizerInfo, true);
    return new TokenizerGrammars(xg, tokenizerInfo, compiler);
  }

  compile(spec: XGrammarSpec): Promise<CompiledGrammar> {
    return compileForTokenizer(this.compiler, spec);
  }

  /** A processor enforcing `spec` (the caller disposes it, or reuses it via setGrammar). */
  async processor(
    spec: XGrammarSpec,
    options: GrammarProcessorOptions = {},
  ): Promise<GrammarLogitProcessor> {
    const compiled = await this.compile(spec);
    const p = new GrammarLogitProcessor(this.xg, this.tokenizerInfo.getVocabSize(), options);
    try {
      await p.setGrammar(compiled);
    } finally {
      compiled.dispose(); // the matcher keeps its own reference
    }
    return p;
  }

  dispose(): void {
    this.compiler.dispose();
  }
}
