// Pure GGUF metadata reader: header and key/value section only, never the tensor data.
// Format reference: GGUF v2/v3 (little-endian). Works on a prefix of the file.

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32

export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

export interface GgufMetadata {
  version: number;
  tensorCount: number;
  architecture: string;
  /** `<arch>.context_length` (training context). */
  contextLength: number;
  name?: string;
  chatTemplate?: string;
  /** tokenizer.chat_template.<name> entries (llama.cpp's form of named templates). */
  namedTemplates?: Record<string, string>;
  /** `tokenizer.ggml.model`, e.g. "gpt2" (byte-level BPE) or "llama" (SentencePiece). */
  tokenizerModel?: string;
  tokens: string[];
  tokenTypes?: number[];
  bosTokenId?: number;
  eosTokenId?: number;
  addBosToken?: boolean;
  /** Byte offset where the key/value section ends (tensor infos start there). */
  metadataEnd: number;
  /**
   * Every key/value pair. Integers are numbers (64-bit values beyond 2^53 stay bigint),
   * arrays are plain arrays.
   */
  kv: Record<string, unknown>;
}

/** Thrown when the bytes end before the key/value section does. */
export class GgufTruncatedError extends Error {
  readonly available: number;
  constructor(available: number, offset: number, what: string) {
    super(
      `GGUF metadata is cut short: the first ${available} bytes end inside ${what} (offset ${offset}); ` +
        'read a longer prefix of the file',
    );
    this.name = 'GgufTruncatedError';
    this.available = available;
  }
}

export class GgufFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufFormatError';
  }
}

class Cursor {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly decoder = new TextDecoder('utf-8');
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.bytes.byteLength) {
      throw new GgufTruncatedError(this.bytes.byteLength, this.offset, what);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }
  i8(what: string): number {
    this.need(1, what);
    return this.view.getInt8(this.offset++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  i16(what: string): number {
    this.need(2, what);
    const v = this.view.getInt16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }
  f32(what: string): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return v;
  }
  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }
  u64(what: string): number | bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  i64(what: string): number | bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(v)
      : v;
  }
  /** A length/count: must fit in a JS number. */
  count(what: string): number {
    const v = this.u64(what);
    if (typeof v === 'bigint') throw new GgufFormatError(`GGUF ${what} is too large (${v})`);
    return v;
  }
  str(what: string): string {
    const len = this.count(`the length of ${what}`);
    this.need(len, what);
    const s = this.decoder.decode(this.bytes.subarray(this.offset, this.offset + len));
    this.offset += len;
    return s;
  }
}

function readValue(c: Cursor, type: number, what: string): unknown {
  switch (type) {
    case GgufType.UINT8:
      return c.u8(what);
    case GgufType.INT8:
      return c.i8(what);
    case GgufType.UINT16:
      return c.u16(what);
    case GgufType.INT16:
      return c.i16(what);
    case GgufType.UINT32:
      return c.u32(what);
    case GgufType.INT32:
      return c.i32(what);
    case GgufType.FLOAT32:
      return c.f32(what);
    case GgufType.BOOL:
      return c.u8(what) !== 0;
    case GgufType.STRING:
      return c.str(what);
    case GgufType.UINT64:
      return c.u64(what);
    case GgufType.INT64:
      return c.i64(what);
    case GgufType.FLOAT64:
      return c.f64(what);
    case GgufType.ARRAY: {
      const elemType = c.u32(`the element type of ${what}`);
      const n = c.count(`the length of ${what}`);
      if (elemType === GgufType.ARRAY) {
        throw new GgufFormatError(`GGUF ${what}: nested arrays are not supported`);
      }
      const out: unknown[] = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(c, elemType, what);
      return out;
    }
    default:
      throw new GgufFormatError(`GGUF ${what} has unknown value type ${type}`);
  }
}

function toBytes(input: ArrayBuffer | Uint8Array): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

const optNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const optString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Parse the GGUF header and key/value metadata from the start of a file.
 * `bytes` may be a prefix; a prefix that ends inside the metadata throws GgufTruncatedError.
 */
export function readGgufMetadata(input: ArrayBuffer | Uint8Array): GgufMetadata {
  const bytes = toBytes(input);
  const c = new Cursor(bytes);
  const magic = c.u32('the magic number');
  if (magic !== GGUF_MAGIC) {
    throw new GgufFormatError('Not a GGUF file (the first four bytes are not "GGUF")');
  }
  const version = c.u32('the version');
  if (version < 2 || version > 3) {
    throw new GgufFormatError(`Unsupported GGUF version ${version} (2 and 3 are supported)`);
  }
  const tensorCount = c.count('the tensor count');
  const kvCount = c.count('the metadata count');
  const kv: Record<string, unknown> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = c.str(`metadata key #${i}`);
    const type = c.u32(`the type of "${key}"`);
    kv[key] = readValue(c, type, `"${key}"`);
  }

  const architecture = optString(kv['general.architecture']);
  if (!architecture) throw new GgufFormatError('GGUF metadata has no general.architecture');
  const tokens = kv['tokenizer.ggml.tokens'];
  const tokenTypes = kv['tokenizer.ggml.token_type'];
  const addBos = kv['tokenizer.ggml.add_bos_token'];
  return {
    version,
    tensorCount,
    architecture,
    contextLength: optNumber(kv[`${architecture}.context_length`]) ?? 0,
    name: optString(kv['general.name']),
    chatTemplate: optString(kv['tokenizer.chat_template']),
    ...namedTemplatesOf(kv),
    tokenizerModel: optString(kv['tokenizer.ggml.model']),
    tokens: Array.isArray(tokens) ? (tokens as string[]) : [],
    tokenTypes: Array.isArray(tokenTypes) ? (tokenTypes as number[]) : undefined,
    bosTokenId: optNumber(kv['tokenizer.ggml.bos_token_id']),
    eosTokenId: optNumber(kv['tokenizer.ggml.eos_token_id']),
    addBosToken: typeof addBos === 'boolean' ? addBos : undefined,
    metadataEnd: c.offset,
    kv,
  };
}

/**
 * Read the metadata of a GGUF Blob/File, reading growing prefixes (from `firstChunk` bytes,
 * doubling) until the key/value section fits.
 */
export async function readGgufMetadataFromBlob(
  blob: Blob,
  firstChunk = 1 << 20,
): Promise<GgufMetadata> {
  let size = Math.min(firstChunk, blob.size);
  for (;;) {
    const buf = new Uint8Array(await blob.slice(0, size).arrayBuffer());
    try {
      return readGgufMetadata(buf);
    } catch (e) {
      if (!(e instanceof GgufTruncatedError)) throw e;
      if (size >= blob.size) {
        throw new GgufFormatError(
          blob.size < 8
            ? `Not a GGUF file (only ${blob.size} bytes)`
            : `The file (${blob.size} bytes) ends inside its GGUF metadata: it is incomplete`,
        );
      }
      size = Math.min(size * 2, blob.size);
    }
  }
}

// ---- GPT-2 byte-level BPE: token string <-> bytes ----

let byteToCharTable: string[] | undefined;
let charToByteTable: Map<string, number> | undefined;

/** GPT-2's reversible byte -> printable unicode character mapping (256 entries). */
export function gpt2ByteToChar(): readonly string[] {
  if (!byteToCharTable) {
    const table = new Array<string>(256);
    let extra = 0;
    for (let b = 0; b < 256; b++) {
      const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
      table[b] = String.fromCodePoint(printable ? b : 256 + extra++);
    }
    byteToCharTable = table;
  }
  return byteToCharTable;
}

function gpt2CharToByte(): Map<string, number> {
  if (!charToByteTable) {
    charToByteTable = new Map(gpt2ByteToChar().map((ch, b) => [ch, b]));
  }
  return charToByteTable;
}

const utf8 = new TextEncoder();

/**
 * Raw bytes of a vocabulary entry. `model` is tokenizer.ggml.model: "gpt2" (byte-level BPE,
 * the default) maps GPT-2's byte characters back to bytes (characters outside that table, as
 * in added tokens, count as their UTF-8); "llama" (SentencePiece) maps "▁" to a space and
 * "<0xNN>" to one byte; other models use the UTF-8 of the string.
 */
export function tokenBytes(token: string, model = 'gpt2'): number[] {
  if (model === 'gpt2') {
    const map = gpt2CharToByte();
    const out: number[] = [];
    for (const ch of token) {
      const b = map.get(ch);
      if (b !== undefined) out.push(b);
      else out.push(...utf8.encode(ch));
    }
    return out;
  }
  if (model === 'llama') {
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
    if (m?.[1]) return [parseInt(m[1], 16)];
    return [...utf8.encode(token.replaceAll('\u2581', ' '))];
  }
  return [...utf8.encode(token)];
}

/** Text of a vocabulary entry (a partial UTF-8 sequence decodes to U+FFFD). */
export function tokenText(token: string, model = 'gpt2'): string {
  return new TextDecoder('utf-8').decode(new Uint8Array(tokenBytes(token, model)));
}

/** GGUF keeps a model's named chat templates as tokenizer.chat_template.<name>. */
function namedTemplatesOf(kv: Record<string, unknown>): {
  namedTemplates?: Record<string, string>;
} {
  const prefix = 'tokenizer.chat_template.';
  const named: Record<string, string> = {};
  for (const [key, value] of Object.entries(kv))
    if (key.startsWith(prefix) && typeof value === 'string')
      named[key.slice(prefix.length)] = value;
  if (Object.keys(named).length === 0) return {};
  // The plain key is the default one (llama.cpp's convert script writes it so).
  const plain = kv['tokenizer.chat_template'];
  if (typeof plain === 'string' && named.default === undefined) named.default = plain;
  return { namedTemplates: named };
}
