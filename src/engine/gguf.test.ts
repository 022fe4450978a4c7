import { describe, expect, it } from 'vitest';
import {
  GgufFormatError,
  GgufTruncatedError,
  GgufType,
  gpt2ByteToChar,
  readGgufMetadata,
  readGgufMetadataFromBlob,
  tokenBytes,
  tokenText,
} from './gguf';
import { writeTinyGguf } from '../../tools/tinyGguf';

/** Little GGUF builder for hand-made headers. */
class Bytes {
  private parts: number[] = [];
  private view(n: number, set: (v: DataView) => void): this {
    const b = new Uint8Array(n);
    set(new DataView(b.buffer));
    this.parts.push(...b);
    return this;
  }
  u8 = (v: number) => this.view(1, (d) => d.setUint8(0, v));
  i8 = (v: number) => this.view(1, (d) => d.setInt8(0, v));
  u16 = (v: number) => this.view(2, (d) => d.setUint16(0, v, true));
  i16 = (v: number) => this.view(2, (d) => d.setInt16(0, v, true));
  u32 = (v: number) => this.view(4, (d) => d.setUint32(0, v, true));
  i32 = (v: number) => this.view(4, (d) => d.setInt32(0, v, true));
  f32 = (v: number) => this.view(4, (d) => d.setFloat32(0, v, true));
  f64 = (v: number) => this.view(8, (d) => d.setFloat64(0, v, true));
  u64 = (v: bigint | number) => this.view(8, (d) => d.setBigUint64(0, BigInt(v), true));
  i64 = (v: bigint | number) => this.view(8, (d) => d.setBigInt64(0, BigInt(v), true));
  str = (s: string) => {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.parts.push(...b);
    return this;
  };
  key = (k: string, type: number) => this.str(k).u32(type);
  bytes = () => new Uint8Array(this.parts);
}

function header(kvCount: number, version = 3): Bytes {
  return new Bytes().u32(0x46554747).u32(version).u64(0).u64(kvCount);
}

describe('readGgufMetadata', () => {
  it('reads every value type', () => {
    const b = header(15)
      .key('general.architecture', GgufType.STRING)
      .str('llama')
      .key('a.u8', GgufType.UINT8)
      .u8(200)
      .key('a.i8', GgufType.INT8)
      .i8(-5)
      .key('a.u16', GgufType.UINT16)
      .u16(60000)
      .key('a.i16', GgufType.INT16)
      .i16(-300)
      .key('llama.context_length', GgufType.UINT32)
      .u32(4096)
      .key('a.i32', GgufType.INT32)
      .i32(-70000)
      .key('a.f32', GgufType.FLOAT32)
      .f32(0.5)
      .key('a.bool', GgufType.BOOL)
      .u8(1)
      .key('a.u64', GgufType.UINT64)
      .u64(123)
      .key('a.u64big', GgufType.UINT64)
      .u64(2n ** 60n)
      .key('a.i64', GgufType.INT64)
      .i64(-9)
      .key('a.f64', GgufType.FLOAT64)
      .f64(-1.25)
      .key('a.arr', GgufType.ARRAY)
      .u32(GgufType.INT32)
      .u64(3)
      .i32(1)
      .i32(-2)
      .i32(3)
      .key('tokenizer.chat_template', GgufType.STRING)
      .str('{{ x }} ✓')
      .bytes();
    const m = readGgufMetadata(b);
    expect(m.version).toBe(3);
    expect(m.architecture).toBe('llama');
    expect(m.contextLength).toBe(4096);
    expect(m.chatTemplate).toBe('{{ x }} ✓');
    expect(m.metadataEnd).toBe(b.length);
    expect(m.tokens).toEqual([]);
    expect(m.kv).toEqual({
      'general.architecture': 'llama',
      'a.u8': 200,
      'a.i8': -5,
      'a.u16': 60000,
      'a.i16': -300,
      'llama.context_length': 4096,
      'a.i32': -70000,
      'a.f32': 0.5,
      'a.bool': true,
      'a.u64': 123,
      'a.u64big': 2n ** 60n,
      'a.i64': -9,
      'a.f64': -1.25,
      'a.arr': [1, -2, 3],
      'tokenizer.chat_template': '{{ x }} ✓',
    });
  });

  it('reads named chat templates (tokenizer.chat_template.<name>); the plain one is default', () => {
    const b = header(3)
      .key('general.architecture', GgufType.STRING)
      .str('command-r')
      .key('tokenizer.chat_template', GgufType.STRING)
      .str('D')
      .key('tokenizer.chat_template.tool_use', GgufType.STRING)
      .str('T')
      .bytes();
    const m = readGgufMetadata(b);
    expect(m.chatTemplate).toBe('D');
    expect(m.namedTemplates).toEqual({ tool_use: 'T', default: 'D' });
    const single = header(2)
      .key('general.architecture', GgufType.STRING)
      .str('llama')
      .key('tokenizer.chat_template', GgufType.STRING)
      .str('D')
      .bytes();
    expect(readGgufMetadata(single).namedTemplates).toBeUndefined();
  });

  it('accepts an ArrayBuffer and GGUF v2', () => {
    const b = header(1, 2).key('general.architecture', GgufType.STRING).str('qwen2').bytes();
    expect(readGgufMetadata(b.slice().buffer).architecture).toBe('qwen2');
  });

  it('rejects files that are not GGUF, other versions and missing architecture', () => {
    expect(() => readGgufMetadata(new TextEncoder().encode('<!doctype html>'))).toThrow(
      GgufFormatError,
    );
    expect(() => readGgufMetadata(header(0, 4).bytes())).toThrow(/version 4/);
    expect(() => readGgufMetadata(header(0).bytes())).toThrow(/general.architecture/);
    const unknownType = header(1).key('x', 99).bytes();
    expect(() => readGgufMetadata(unknownType)).toThrow(/unknown value type 99/);
  });

  it('reads the tiny model, and any prefix that holds the metadata', () => {
    const file = writeTinyGguf({ seed: 1 });
    const full = readGgufMetadata(file);
    expect(full.tokens.length).toBeGreaterThan(500);
    expect(full.tokenizerModel).toBe('gpt2');
    expect(full.tokens[full.eosTokenId ?? -1]).toBe('<|im_end|>');
    expect(full.tokens[full.bosTokenId ?? -1]).toBe('<|endoftext|>');
    expect(full.addBosToken).toBe(false);
    expect(full.tokenTypes?.length).toBe(full.tokens.length);
    const prefix = readGgufMetadata(file.subarray(0, full.metadataEnd));
    expect(prefix).toEqual(full);
  });

  it('throws GgufTruncatedError for a prefix that ends inside the metadata', () => {
    const file = writeTinyGguf({ seed: 1 });
    const { metadataEnd } = readGgufMetadata(file);
    for (const n of [0, 3, 10, 23, 24, 100, 5000, metadataEnd - 1]) {
      let err: unknown;
      try {
        readGgufMetadata(file.subarray(0, n));
      } catch (e) {
        err = e;
      }
      expect(err, `prefix of ${n} bytes`).toBeInstanceOf(GgufTruncatedError);
      expect((err as GgufTruncatedError).available).toBe(n);
      expect((err as Error).message).toMatch(/cut short/);
    }
  });

  it('reads a Blob with growing prefixes and explains short files', async () => {
    const file = writeTinyGguf({ seed: 1 });
    const m = await readGgufMetadataFromBlob(new Blob([file.slice()]), 64);
    expect(m).toEqual(readGgufMetadata(file));
    await expect(readGgufMetadataFromBlob(new Blob(['ok']))).rejects.toThrow(
      /Not a GGUF file \(only 2 bytes\)/,
    );
    await expect(readGgufMetadataFromBlob(new Blob([file.slice(0, 3000)]), 64)).rejects.toThrow(
      /ends inside its GGUF metadata/,
    );
  });
});

describe('tokenText / tokenBytes', () => {
  it('maps GPT-2 byte characters back to bytes', () => {
    const table = gpt2ByteToChar();
    expect(new Set(table).size).toBe(256);
    for (let b = 0; b < 256; b++) expect(tokenBytes(table[b] as string)).toEqual([b]);
    expect(table[32]).toBe('Ġ');
    expect(table[10]).toBe('Ċ');
    expect(tokenText('Ġthe')).toBe(' the');
    expect(tokenText('ĊĊ')).toBe('\n\n');
    expect(tokenText('<|im_end|>')).toBe('<|im_end|>');
    // "é" is 0xC3 0xA9 -> GPT-2 characters "Ã" and "©"
    expect(tokenText('Ã©')).toBe('é');
    // a lone lead byte is not text on its own
    expect(tokenBytes('âĢ')).toEqual([0xe2, 0x80]);
    expect(tokenText('âĢ')).toBe('\uFFFD');
  });

  it('handles characters outside the byte table and SentencePiece vocabularies', () => {
    expect(tokenBytes('日')).toEqual([...new TextEncoder().encode('日')]);
    expect(tokenText('▁Hello', 'llama')).toBe(' Hello');
    expect(tokenBytes('<0x0A>', 'llama')).toEqual([10]);
    expect(tokenText('<0x41>', 'llama')).toBe('A');
    expect(tokenText('Ġx', 'bert')).toBe('Ġx');
  });
});
