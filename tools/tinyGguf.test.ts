import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { readGgufMetadata } from '../src/engine/gguf';
import {
  TINY_CHAT_TEMPLATE,
  TINY_DIMS,
  TINY_SPECIAL_TOKENS,
  buildTinyVocab,
  tinyParamCount,
  writeTinyGguf,
} from './tinyGguf';

interface TensorInfo {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

/** Reads the tensor infos that follow the metadata (test-side reader). */
function readTensorInfos(
  bytes: Uint8Array,
  start: number,
  count: number,
): {
  infos: TensorInfo[];
  end: number;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = start;
  const u32 = () => {
    const v = view.getUint32(o, true);
    o += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(view.getBigUint64(o, true));
    o += 8;
    return v;
  };
  const infos: TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const len = u64();
    const name = new TextDecoder().decode(bytes.subarray(o, o + len));
    o += len;
    const nd = u32();
    const dims = Array.from({ length: nd }, u64);
    infos.push({ name, dims, type: u32(), offset: u64() });
  }
  return { infos, end: o };
}

describe('writeTinyGguf', () => {
  it('is deterministic per seed', () => {
    const a = writeTinyGguf({ seed: 7 });
    const b = writeTinyGguf({ seed: 7 });
    const c = writeTinyGguf({ seed: 8 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(c.length).toBe(a.length);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    // the seed only changes weights: the metadata is identical
    const ma = readGgufMetadata(a);
    expect(
      Buffer.from(a.subarray(0, ma.metadataEnd)).equals(Buffer.from(c.subarray(0, ma.metadataEnd))),
    ).toBe(true);
  });

  it('writes a GGUF v3 header and the llama metadata llama.cpp requires', () => {
    const file = writeTinyGguf();
    expect(new TextDecoder().decode(file.subarray(0, 4))).toBe('GGUF');
    expect(new DataView(file.buffer).getUint32(4, true)).toBe(3);
    const m = readGgufMetadata(file);
    expect(m.version).toBe(3);
    expect(m.architecture).toBe('llama');
    expect(m.contextLength).toBe(TINY_DIMS.context);
    expect(m.kv).toMatchObject({
      'llama.embedding_length': TINY_DIMS.embedding,
      'llama.block_count': TINY_DIMS.blocks,
      'llama.feed_forward_length': TINY_DIMS.feedForward,
      'llama.attention.head_count': TINY_DIMS.heads,
      'tokenizer.ggml.model': 'gpt2',
      'tokenizer.ggml.add_bos_token': false,
    });
    expect(m.kv['llama.attention.layer_norm_rms_epsilon']).toBeCloseTo(1e-5, 10);
    expect(m.chatTemplate).toBe(TINY_CHAT_TEMPLATE);
    expect(m.tokens[m.bosTokenId ?? -1]).toBe('<|endoftext|>');
    expect(m.tokens[m.eosTokenId ?? -1]).toBe('<|im_end|>');
    const custom = readGgufMetadata(writeTinyGguf({ chatTemplate: '{{ messages }}' }));
    expect(custom.chatTemplate).toBe('{{ messages }}');
  });

  it('has a byte-level BPE vocabulary with merges and the special tokens', () => {
    const m = readGgufMetadata(writeTinyGguf());
    const vocab = buildTinyVocab();
    expect(m.tokens).toEqual(vocab.tokens);
    expect(m.tokenTypes).toEqual(vocab.types);
    expect(m.kv['tokenizer.ggml.merges']).toEqual(vocab.merges);
    expect(vocab.merges.length).toBeGreaterThanOrEqual(200);
    expect(vocab.merges).toContain('Ġ t');
    expect(m.tokens).toContain('Ġthe');
    const set = new Set(m.tokens);
    expect(set.size).toBe(m.tokens.length);
    for (const merge of vocab.merges) {
      const [a, b, extra] = merge.split(' ');
      expect(extra).toBeUndefined();
      expect(set.has(a as string) && set.has(b as string) && set.has(`${a}${b}`)).toBe(true);
    }
    for (const s of TINY_SPECIAL_TOKENS) {
      const id = m.tokens.indexOf(s.text);
      expect(id).toBeGreaterThan(255);
      expect(m.tokenTypes?.[id]).toBe(s.type);
    }
    expect(TINY_SPECIAL_TOKENS.filter((s) => s.type === 3).map((s) => s.text)).toEqual([
      '<|endoftext|>',
      '<|im_start|>',
      '<|im_end|>',
    ]);
  });

  it('has every llama tensor with ggml shapes, aligned f32 data and the right file size', () => {
    const file = writeTinyGguf();
    const m = readGgufMetadata(file);
    const { infos, end } = readTensorInfos(file, m.metadataEnd, m.tensorCount);
    const { embedding: e, feedForward: ff, blocks } = TINY_DIMS;
    const n = m.tokens.length;
    const byName = new Map(infos.map((t) => [t.name, t.dims]));
    expect(byName.get('token_embd.weight')).toEqual([e, n]);
    expect(byName.get('output_norm.weight')).toEqual([e]);
    expect(byName.get('output.weight')).toEqual([e, n]);
    for (let i = 0; i < blocks; i++) {
      expect(byName.get(`blk.${i}.attn_norm.weight`)).toEqual([e]);
      for (const t of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) {
        expect(byName.get(`blk.${i}.${t}.weight`)).toEqual([e, e]);
      }
      expect(byName.get(`blk.${i}.ffn_norm.weight`)).toEqual([e]);
      expect(byName.get(`blk.${i}.ffn_gate.weight`)).toEqual([e, ff]);
      expect(byName.get(`blk.${i}.ffn_up.weight`)).toEqual([e, ff]);
      expect(byName.get(`blk.${i}.ffn_down.weight`)).toEqual([ff, e]);
    }
    expect(infos).toHaveLength(3 + 9 * blocks);
    expect(infos.every((t) => t.type === 0 && t.offset % 32 === 0)).toBe(true);
    const dataStart = Math.ceil(end / 32) * 32;
    const last = infos[infos.length - 1] as TensorInfo;
    const lastSize = last.dims.reduce((a, b) => a * b, 1) * 4;
    expect(file.length).toBe(dataStart + Math.ceil((last.offset + lastSize) / 32) * 32);
    const params = infos.reduce((acc, t) => acc + t.dims.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(tinyParamCount());
    expect(params).toBeGreaterThan(80_000);
    expect(params).toBeLessThan(200_000);
    // norm weights are ones; other weights are finite and not all equal
    const view = new DataView(file.buffer, file.byteOffset);
    const norm = infos.find((t) => t.name === 'output_norm.weight') as TensorInfo;
    for (let i = 0; i < e; i++) {
      expect(view.getFloat32(dataStart + norm.offset + i * 4, true)).toBe(1);
    }
    const q = infos.find((t) => t.name === 'blk.0.attn_q.weight') as TensorInfo;
    const qv = Array.from({ length: 16 }, (_, i) =>
      view.getFloat32(dataStart + q.offset + i * 4, true),
    );
    expect(new Set(qv).size).toBeGreaterThan(10);
    expect(qv.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
  });
});

describe('TINY_CHAT_TEMPLATE', () => {
  const render = (ctx: Record<string, unknown>) => new Template(TINY_CHAT_TEMPLATE).render(ctx);

  it('renders ChatML with a generation prompt', () => {
    expect(
      render({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: [{ type: 'text', text: 'Again' }] },
        ],
        add_generation_prompt: true,
      }),
    ).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n' +
        '<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    expect(
      render({ messages: [{ role: 'user', content: 'Hi' }], add_generation_prompt: false }),
    ).toBe('<|im_start|>user\nHi<|im_end|>\n');
  });

  it('switches thinking off with enable_thinking=false only', () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    const base = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';
    expect(render({ messages, add_generation_prompt: true, enable_thinking: false })).toBe(
      base + '<think>\n\n</think>\n\n',
    );
    expect(render({ messages, add_generation_prompt: true, enable_thinking: true })).toBe(base);
    expect(render({ messages, add_generation_prompt: true })).toBe(base);
  });

  it('lists tools and renders tool calls, reasoning and grouped tool results', () => {
    const out = render({
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          reasoning_content: 'need tool',
          tool_calls: [
            { type: 'function', function: { name: 'get', arguments: '{"city": "Oslo"}' } },
            { type: 'function', function: { name: 'get', arguments: { city: 'Rome' } } },
          ],
        },
        { role: 'tool', content: 'rain' },
        { role: 'tool', content: 'sun' },
      ],
      tools: [{ type: 'function', function: { name: 'get', parameters: { type: 'object' } } }],
      add_generation_prompt: true,
    });
    expect(out).toContain(
      '<|im_start|>system\nS\n\nFunctions you can call are listed between <tools> and </tools>',
    );
    expect(out).toContain(
      '<tools>\n{"type": "function", "function": {"name": "get", "parameters": {"type": "object"}}}\n</tools>',
    );
    expect(out).toContain(
      '<|im_start|>assistant\n<think>\nneed tool\n</think>\n\n<tool_call>\n{"name": "get", "arguments": {"city": "Oslo"}}\n</tool_call>\n' +
        '<tool_call>\n{"name": "get", "arguments": {"city": "Rome"}}\n</tool_call><|im_end|>\n',
    );
    expect(out).toContain(
      '<|im_start|>user\n<tool_response>\nrain\n</tool_response>\n<tool_response>\nsun\n</tool_response><|im_end|>\n<|im_start|>assistant\n',
    );
    expect(out.match(/<\|im_start\|>system/g)).toHaveLength(1);
  });
});
