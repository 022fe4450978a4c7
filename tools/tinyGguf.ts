// Writes a tiny, seeded, random-weight llama model as GGUF v3 (test fixture for the CPU engine).
// Byte-level BPE (gpt2-style) vocabulary, ChatML special tokens, a ChatML chat template.

import { GgufType, gpt2ByteToChar } from '../src/engine/gguf';

export const TINY_DIMS = {
  embedding: 64,
  blocks: 2,
  heads: 4,
  feedForward: 128,
  context: 2048,
} as const;

/** Special tokens appended after the BPE vocabulary, with their GGUF token types. */
export const TINY_SPECIAL_TOKENS: readonly { text: string; type: number }[] = [
  { text: '<|endoftext|>', type: 3 },
  { text: '<|im_start|>', type: 3 },
  { text: '<|im_end|>', type: 3 },
  { text: '<think>', type: 4 },
  { text: '</think>', type: 4 },
  { text: '<tool_call>', type: 4 },
  { text: '</tool_call>', type: 4 },
];

/**
 * ChatML template (system/user/assistant/tool, `tools` listing, add_generation_prompt,
 * enable_thinking=false inserts an empty think block after the generation prompt).
 */
export const TINY_CHAT_TEMPLATE = [
  '{%- macro render_content(content) -%}',
  '{%- if content is string -%}{{- content -}}',
  '{%- elif content is iterable -%}{%- for part in content -%}{%- if part.type == "text" -%}{{- part.text -}}{%- endif -%}{%- endfor -%}',
  '{%- endif -%}',
  '{%- endmacro -%}',
  '{%- set has_system = messages and messages[0].role == "system" -%}',
  '{%- if tools -%}',
  "{{- '<|im_start|>system\\n' -}}",
  "{%- if has_system -%}{{- render_content(messages[0].content) + '\\n\\n' -}}{%- endif -%}",
  "{{- 'Functions you can call are listed between <tools> and </tools>, one JSON object per line:\\n<tools>' -}}",
  "{%- for tool in tools -%}{{- '\\n' + (tool | tojson) -}}{%- endfor -%}",
  '{{- \'\\n</tools>\\n\\nTo call a function, answer with <tool_call>\\n{"name": <name>, "arguments": <arguments as JSON>}\\n</tool_call> for each call.<|im_end|>\\n\' -}}',
  '{%- elif has_system -%}',
  "{{- '<|im_start|>system\\n' + render_content(messages[0].content) + '<|im_end|>\\n' -}}",
  '{%- endif -%}',
  '{%- for message in messages -%}',
  '{%- if message.role == "system" -%}',
  "{%- if not loop.first -%}{{- '<|im_start|>system\\n' + render_content(message.content) + '<|im_end|>\\n' -}}{%- endif -%}",
  '{%- elif message.role == "user" -%}',
  "{{- '<|im_start|>user\\n' + render_content(message.content) + '<|im_end|>\\n' -}}",
  '{%- elif message.role == "assistant" -%}',
  "{{- '<|im_start|>assistant\\n' -}}",
  "{%- if message.reasoning_content is string and message.reasoning_content -%}{{- '<think>\\n' + message.reasoning_content + '\\n</think>\\n\\n' -}}{%- endif -%}",
  '{%- set text = render_content(message.content) -%}',
  '{{- text -}}',
  '{%- if message.tool_calls -%}',
  '{%- for call in message.tool_calls -%}',
  '{%- set fn = call.function if call.function is defined else call -%}',
  "{%- if text or not loop.first -%}{{- '\\n' -}}{%- endif -%}",
  '{{- \'<tool_call>\\n{"name": "\' + fn.name + \'", "arguments": \' -}}',
  '{%- if fn.arguments is string -%}{{- fn.arguments -}}{%- else -%}{{- fn.arguments | tojson -}}{%- endif -%}',
  "{{- '}\\n</tool_call>' -}}",
  '{%- endfor -%}',
  '{%- endif -%}',
  "{{- '<|im_end|>\\n' -}}",
  '{%- elif message.role == "tool" -%}',
  "{%- if loop.first or messages[loop.index0 - 1].role != 'tool' -%}{{- '<|im_start|>user' -}}{%- endif -%}",
  "{{- '\\n<tool_response>\\n' + render_content(message.content) + '\\n</tool_response>' -}}",
  "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' -%}{{- '<|im_end|>\\n' -}}{%- endif -%}",
  '{%- endif -%}',
  '{%- endfor -%}',
  '{%- if add_generation_prompt -%}',
  "{{- '<|im_start|>assistant\\n' -}}",
  "{%- if enable_thinking is defined and not enable_thinking -%}{{- '<think>\\n\\n</think>\\n\\n' -}}{%- endif -%}",
  '{%- endif -%}',
].join('\n');

// Words the BPE merges are learned from (frequency = position weight, so early words merge first).
const WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this ' +
  'from or had by hot word but what some we can out other were all there when up use your how ' +
  'said an each she which do their time if will way about many then them write would like so ' +
  'these her long make thing see him two has look more day could go come did number sound no ' +
  'most people my over know water than call first who may down side been now find any new work ' +
  'part take get place made live where after back little only round man year came show every ' +
  'good me give our under name very through just form sentence great think say help low line ' +
  'differ turn cause much mean before move right boy old too same tell does set three want air ' +
  'well also play small end put home read hand port large spell add even land here must big ' +
  'high such follow act why ask men change went light kind off need house picture try us again ' +
  'animal point mother world near build self earth father hello model token random test answer ' +
  'yes no true false null json name arguments function tool call think'
).split(' ');

const MAX_MERGES = 320;

/** Learn up to `max` BPE merges from the word list (deterministic: ties break by pair text). */
export function learnMerges(words: readonly string[], max: number): string[] {
  const b2c = gpt2ByteToChar();
  const enc = new TextEncoder();
  const toSymbols = (w: string) => [...enc.encode(w)].map((b) => b2c[b] as string);
  const corpus: { syms: string[]; freq: number }[] = [];
  words.forEach((w, i) => {
    const freq = words.length - i;
    corpus.push({ syms: toSymbols(' ' + w), freq: freq * 2 });
    corpus.push({ syms: toSymbols(w), freq });
  });
  const merges: string[] = [];
  while (merges.length < max) {
    const counts = new Map<string, number>();
    for (const { syms, freq } of corpus) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]} ${syms[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + freq);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [k, n] of counts) {
      if (n > bestCount || (n === bestCount && best !== undefined && k < best)) {
        best = k;
        bestCount = n;
      }
    }
    if (!best) break;
    merges.push(best);
    const [a, b] = best.split(' ') as [string, string];
    for (const entry of corpus) {
      const out: string[] = [];
      for (let i = 0; i < entry.syms.length; i++) {
        if (i + 1 < entry.syms.length && entry.syms[i] === a && entry.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else {
          out.push(entry.syms[i] as string);
        }
      }
      entry.syms = out;
    }
  }
  return merges;
}

export interface TinyVocab {
  tokens: string[];
  types: number[];
  merges: string[];
  bosId: number;
  eosId: number;
}

export function buildTinyVocab(): TinyVocab {
  const tokens = [...gpt2ByteToChar()];
  const types = tokens.map(() => 1);
  const merges = learnMerges(WORDS, MAX_MERGES);
  const seen = new Set(tokens);
  for (const m of merges) {
    const t = m.replace(' ', '');
    if (!seen.has(t)) {
      seen.add(t);
      tokens.push(t);
      types.push(1);
    }
  }
  for (const s of TINY_SPECIAL_TOKENS) {
    tokens.push(s.text);
    types.push(s.type);
  }
  return {
    tokens,
    types,
    merges,
    bosId: tokens.indexOf('<|endoftext|>'),
    eosId: tokens.indexOf('<|im_end|>'),
  };
}

/** mulberry32: small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- binary writer ----

class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private readonly enc = new TextEncoder();

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  str(s: string): void {
    const b = this.enc.encode(s);
    this.u64(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  pad(align: number): void {
    while (this.length % align !== 0) this.u8(0);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

type KvValue =
  | { type: 'string'; v: string }
  | { type: 'u32'; v: number }
  | { type: 'i32'; v: number }
  | { type: 'f32'; v: number }
  | { type: 'bool'; v: boolean }
  | { type: 'strings'; v: string[] }
  | { type: 'i32s'; v: number[] };

function writeKv(w: ByteWriter, key: string, value: KvValue): void {
  w.str(key);
  switch (value.type) {
    case 'string':
      w.u32(GgufType.STRING);
      w.str(value.v);
      break;
    case 'u32':
      w.u32(GgufType.UINT32);
      w.u32(value.v);
      break;
    case 'i32':
      w.u32(GgufType.INT32);
      w.i32(value.v);
      break;
    case 'f32':
      w.u32(GgufType.FLOAT32);
      w.f32(value.v);
      break;
    case 'bool':
      w.u32(GgufType.BOOL);
      w.u8(value.v ? 1 : 0);
      break;
    case 'strings':
      w.u32(GgufType.ARRAY);
      w.u32(GgufType.STRING);
      w.u64(value.v.length);
      for (const s of value.v) w.str(s);
      break;
    case 'i32s':
      w.u32(GgufType.ARRAY);
      w.u32(GgufType.INT32);
      w.u64(value.v.length);
      for (const n of value.v) w.i32(n);
      break;
  }
}

interface TensorSpec {
  name: string;
  /** ggml order: ne[0] (the contiguous dimension) first. */
  dims: number[];
  /** 'ones' for norm weights, otherwise uniform random in [-scale, scale]. */
  init: 'ones' | number;
  /** Overrides one value: (row, column) -> value, or undefined to keep the random one. */
  fix?: (row: number, col: number) => number | undefined;
}

/**
 * Dimension 0 of the residual stream is a constant (every embedding has EMBD_CONST there and no
 * layer writes to it), so `output.weight[token][0]` acts as a per-token logit bias. Tokens that
 * must not appear spontaneously (bytes that are not printable ASCII, which would make the output
 * invalid UTF-8, and all special tokens, EOS included) get a large negative weight there: with
 * random weights the model then produces printable ASCII text and never stops before max_tokens
 * on its own. A request can still force any token with logit_bias.
 */
const EMBD_CONST = 3;
const BLOCKED_WEIGHT = -4;

function isSpontaneousToken(id: number, vocab: TinyVocab): boolean {
  if (vocab.types[id] !== 1) return false;
  if (id >= 256) return true; // merged tokens are built from ASCII words
  return (id >= 0x20 && id <= 0x7e) || id === 0x0a;
}

function tensorSpecs(vocab: TinyVocab): TensorSpec[] {
  const nVocab = vocab.tokens.length;
  const { embedding: e, blocks, feedForward: ff } = TINY_DIMS;
  const specs: TensorSpec[] = [
    {
      name: 'token_embd.weight',
      dims: [e, nVocab],
      init: 0.5,
      fix: (_tok, col) => (col === 0 ? EMBD_CONST : undefined),
    },
    { name: 'output_norm.weight', dims: [e], init: 'ones' },
    {
      name: 'output.weight',
      dims: [e, nVocab],
      init: 0.25,
      fix: (tok, col) =>
        col === 0 ? (isSpontaneousToken(tok, vocab) ? 0 : BLOCKED_WEIGHT) : undefined,
    },
  ];
  const noWriteToDim0 = (row: number) => (row === 0 ? 0 : undefined);
  for (let i = 0; i < blocks; i++) {
    const p = `blk.${i}.`;
    specs.push(
      { name: `${p}attn_norm.weight`, dims: [e], init: 'ones' },
      { name: `${p}attn_q.weight`, dims: [e, e], init: 0.2 },
      { name: `${p}attn_k.weight`, dims: [e, e], init: 0.2 },
      { name: `${p}attn_v.weight`, dims: [e, e], init: 0.2 },
      { name: `${p}attn_output.weight`, dims: [e, e], init: 0.2, fix: noWriteToDim0 },
      { name: `${p}ffn_norm.weight`, dims: [e], init: 'ones' },
      { name: `${p}ffn_gate.weight`, dims: [e, ff], init: 0.2 },
      { name: `${p}ffn_up.weight`, dims: [e, ff], init: 0.2 },
      { name: `${p}ffn_down.weight`, dims: [ff, e], init: 0.15, fix: noWriteToDim0 },
    );
  }
  return specs;
}

const ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;

export interface TinyGgufOptions {
  seed?: number;
  chatTemplate?: string;
}

/** A complete GGUF v3 file: same options -> same bytes. */
export function writeTinyGguf(opts: TinyGgufOptions = {}): Uint8Array {
  const seed = opts.seed ?? 42;
  const vocab = buildTinyVocab();
  const { embedding: e, blocks, heads, feedForward: ff, context } = TINY_DIMS;
  const kvs: [string, KvValue][] = [
    ['general.architecture', { type: 'string', v: 'llama' }],
    ['general.name', { type: 'string', v: 'tiny-random' }],
    ['general.alignment', { type: 'u32', v: ALIGNMENT }],
    ['llama.vocab_size', { type: 'u32', v: vocab.tokens.length }],
    ['llama.context_length', { type: 'u32', v: context }],
    ['llama.embedding_length', { type: 'u32', v: e }],
    ['llama.block_count', { type: 'u32', v: blocks }],
    ['llama.feed_forward_length', { type: 'u32', v: ff }],
    ['llama.attention.head_count', { type: 'u32', v: heads }],
    ['llama.attention.head_count_kv', { type: 'u32', v: heads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', v: 1e-5 }],
    ['llama.rope.dimension_count', { type: 'u32', v: e / heads }],
    ['llama.rope.freq_base', { type: 'f32', v: 10000 }],
    ['tokenizer.ggml.model', { type: 'string', v: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', v: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'strings', v: vocab.tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32s', v: vocab.types }],
    ['tokenizer.ggml.merges', { type: 'strings', v: vocab.merges }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', v: vocab.bosId }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', v: vocab.eosId }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', v: vocab.bosId }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', v: false }],
    ['tokenizer.chat_template', { type: 'string', v: opts.chatTemplate ?? TINY_CHAT_TEMPLATE }],
  ];
  const tensors = tensorSpecs(vocab);

  const w = new ByteWriter();
  w.u32(0x46554747); // "GGUF"
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const [k, v] of kvs) writeKv(w, k, v);

  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    const size = t.dims.reduce((a, b) => a * b, 1) * 4;
    offset += Math.ceil(size / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);

  const rand = prng(seed);
  for (const t of tensors) {
    const rowLen = t.dims[0] as number;
    const n = t.dims.reduce((a, b) => a * b, 1);
    for (let j = 0; j < n; j++) {
      const v = t.init === 'ones' ? 1 : (rand() * 2 - 1) * t.init;
      w.f32(t.fix?.(Math.floor(j / rowLen), j % rowLen) ?? v);
    }
    w.pad(ALIGNMENT);
  }
  return w.bytes();
}

/** Number of weights in the tiny model (for documentation/tests). */
export function tinyParamCount(): number {
  return tensorSpecs(buildTinyVocab()).reduce(
    (acc, t) => acc + t.dims.reduce((a, b) => a * b, 1),
    0,
  );
}
