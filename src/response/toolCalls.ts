/**
 * Model output -> OpenAI tool_calls, whole or streamed.
 *
 * Formats, by tool_choice (the constraints layer must force required / named outputs into the
 * shape vLLM's guided decoding produces, so an exported request behaves the same on vLLM):
 * - "auto", format "hermes" (Hermes, Qwen): `<tool_call>{"name": …, "arguments": {…}}</tool_call>`,
 *   any number of them; an unclosed last block counts (vLLM does the same).
 * - "auto", format "llama3_json": output starting with `{` or `<|python_tag|>`, one or more
 *   `{"name": …, "parameters" | "arguments": {…}}` separated by `;`.
 * - "required": a JSON array `[{"name": …, "parameters": {…}}, …]`.
 * - a named function: the whole output is that function's arguments, verbatim.
 * - "none": nothing is parsed.
 *
 * `arguments` are re-printed as vLLM prints them (Python json.dumps, see pythonJson.ts), except
 * for a named function, where vLLM passes the text through. Text outside calls is content;
 * once a call block has been opened, whitespace-only text between or after calls is dropped.
 * With parallelToolCalls false only the first call is kept (its followers vanish, text and all).
 *
 * Non-stream parsing is all-or-nothing like vLLM: if any call block is malformed, there are no
 * tool calls and the whole output is content. The stream cannot take back what it has sent: a
 * malformed block whose name was not yet sent is streamed as content, one whose name was sent
 * stays a call with whatever arguments were streamed (vLLM's streaming parsers behave alike).
 */
import { partialTagLength } from './reasoning';
import { scanCallObject, skipWs, type CallScan } from './jsonScan';
import { PythonJsonPrinter } from './pythonJson';
import type { ToolCall, ToolCallDelta } from './types';

export type ToolCallFormat = 'hermes' | 'llama3_json';
export type ToolChoiceOption =
  'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export interface ToolCallOptions {
  /** The model's own call format, used for tool_choice "auto". Default "hermes". */
  format?: ToolCallFormat;
  toolChoice?: ToolChoiceOption;
  parallelToolCalls?: boolean;
  newId?: () => string;
}

export interface ToolStreamDelta {
  content: string;
  toolCalls: ToolCallDelta[];
}

export interface ToolCallStream {
  push(text: string): ToolStreamDelta;
  finish(): ToolStreamDelta;
  /** Calls whose header (id and name) has been sent. */
  readonly callCount: number;
  /** Whether some call block turned out malformed. */
  readonly hadInvalid: boolean;
}

export interface ParsedToolCalls {
  content: string | null;
  tool_calls: ToolCall[];
}

export const HERMES_OPEN = '<tool_call>';
export const HERMES_CLOSE = '</tool_call>';
export const PYTHON_TAG = '<|python_tag|>';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** OpenAI-style id: `call_` and 24 random letters or digits. */
export function newToolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = 'call_';
  for (const b of bytes) id += ALNUM[b % ALNUM.length];
  return id;
}

/** OpenAI (and vLLM since it aligned): "tool_calls" when calls were made, except "stop" for a
 * forced named function. A cut-off ("length") answer keeps "length". */
export function toolFinishReason(
  engine: 'stop' | 'length',
  callCount: number,
  toolChoice: ToolChoiceOption | undefined,
): 'stop' | 'length' | 'tool_calls' {
  if (engine !== 'stop' || callCount === 0) return engine;
  return typeof toolChoice === 'object' ? 'stop' : 'tool_calls';
}

interface Ctx {
  out: ToolStreamDelta;
  nextIndex: number;
  parallel: boolean;
  newId: () => string;
  hadInvalid: boolean;
}

/** One call object as it streams in: header once the name is known, then argument text.
 * Linear in the call's length: the arguments value is printed incrementally, and the object
 * around it is only re-scanned while its head or tail (a few bytes) is being written. */
class CallBuilder {
  private index = -1;
  private raw = '';
  private phase: 'head' | 'args' | 'tail' = 'head';
  private readonly printer = new PythonJsonPrinter();
  private args = '';
  private sent = 0;
  private scan: CallScan = { status: 'partial', end: -1 };
  headerSent = false;

  constructor(private readonly ctx: Ctx) {}

  /** Everything pushed so far (may run past the object's end). */
  get text(): string {
    return this.raw;
  }

  /** Appends model text; the scan's offsets are into `text`. */
  push(text: string): CallScan {
    this.raw += text;
    if (this.phase === 'args') this.feedArgs(text);
    else {
      this.scan = scanCallObject(this.raw);
      if (this.phase === 'head' && this.scan.argsStart !== undefined) {
        this.phase = 'args';
        this.feedArgs(this.raw.slice(this.scan.argsStart));
      }
    }
    if (this.scan.name !== undefined) this.sendHeader(this.scan.name);
    this.sendArgs();
    return this.scan;
  }

  /** The block is over; `object` is its text. Returns false when it was malformed. */
  finish(object: string): boolean {
    if (this.phase === 'args') this.args += this.printer.end();
    this.sendArgs();
    const ok = isCallObject(object);
    if (!ok) this.ctx.hadInvalid = true;
    return ok;
  }

  private feedArgs(text: string): void {
    const r = this.printer.push(text);
    this.args += r.out;
    if (r.end !== null) {
      this.phase = 'tail';
      this.scan = scanCallObject(this.raw);
    }
  }

  private sendHeader(name: string): void {
    if (this.headerSent) return;
    this.headerSent = true;
    if (this.ctx.parallel || this.ctx.nextIndex === 0) {
      this.index = this.ctx.nextIndex;
      this.ctx.out.toolCalls.push({
        index: this.index,
        id: this.ctx.newId(),
        type: 'function',
        function: { name, arguments: '' },
      });
    }
    this.ctx.nextIndex++;
  }

  private sendArgs(): void {
    if (this.index < 0 || this.args.length <= this.sent) return;
    const fragment = this.args.slice(this.sent);
    this.sent = this.args.length;
    this.ctx.out.toolCalls.push({ index: this.index, function: { arguments: fragment } });
  }
}

function isCallObject(raw: string): boolean {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    return typeof o.name === 'string' && ('arguments' in o || 'parameters' in o);
  } catch {
    return false;
  }
}

interface Mode {
  push(text: string): void;
  finish(): void;
}

/** Text outside calls: once a call was opened, whitespace-only stretches are dropped. */
class ContentGate {
  private pending = '';
  private segmentHasText = false;
  opened = false;

  constructor(private readonly ctx: Ctx) {}

  text(s: string): void {
    if (this.segmentHasText) {
      this.ctx.out.content += s;
    } else if (/\S/.test(s)) {
      this.ctx.out.content += this.pending + s;
      this.pending = '';
      this.segmentHasText = true;
    } else {
      this.pending += s;
    }
  }

  callOpened(): void {
    this.opened = true;
    this.pending = '';
    this.segmentHasText = false;
  }

  finish(): void {
    if (!this.opened) this.ctx.out.content += this.pending;
    this.pending = '';
  }
}

function hermesMode(ctx: Ctx): Mode {
  const gate = new ContentGate(ctx);
  let inCall = false;
  let held = '';
  let block = '';
  let builder = new CallBuilder(ctx);

  function endBlock(closed: boolean) {
    if (!builder.finish(block) && !builder.headerSent) {
      gate.text(HERMES_OPEN + block + (closed ? HERMES_CLOSE : ''));
    }
    inCall = false;
  }

  return {
    push(text) {
      let buf = held + text;
      held = '';
      while (buf) {
        const tag = inCall ? HERMES_CLOSE : HERMES_OPEN;
        const at = buf.indexOf(tag);
        if (at < 0) {
          const keep = partialTagLength(buf, tag);
          held = buf.slice(buf.length - keep);
          buf = buf.slice(0, buf.length - keep);
          if (inCall) {
            block += buf;
            builder.push(buf);
          } else gate.text(buf);
          return;
        }
        if (inCall) {
          const part = buf.slice(0, at);
          block += part;
          builder.push(part);
          endBlock(true);
        } else {
          gate.text(buf.slice(0, at));
          gate.callOpened();
          inCall = true;
          block = '';
          builder = new CallBuilder(ctx);
        }
        buf = buf.slice(at + tag.length);
      }
    },
    finish() {
      if (inCall) {
        block += held;
        builder.push(held);
        endBlock(false);
      } else gate.text(held);
      held = '';
      gate.finish();
    },
  };
}

interface SequenceShape {
  /** Text that may open the sequence and is not part of the first object. */
  opener: string;
  /** Whether the sequence may also open directly with `{`. */
  bareObject: boolean;
  separator: string;
  closer: string;
}

const LLAMA_SHAPE: SequenceShape = {
  opener: PYTHON_TAG,
  bareObject: true,
  separator: ';',
  closer: '',
};
const ARRAY_SHAPE: SequenceShape = { opener: '[', bareObject: false, separator: ',', closer: ']' };

/** A sequence of call objects at the start of the output (Llama 3 JSON, or a JSON array). */
function sequenceMode(ctx: Ctx, shape: SequenceShape): Mode {
  let state: 'start' | 'between' | 'object' | 'content' = 'start';
  let held = '';
  let builder = new CallBuilder(ctx);

  return {
    push(text) {
      let buf = held + text;
      held = '';
      while (buf) {
        if (state === 'start') {
          const t = buf.trimStart();
          if (t.startsWith(shape.opener)) {
            buf = t.slice(shape.opener.length);
            state = 'between';
          } else if (shape.bareObject && t.startsWith('{')) {
            buf = t;
            state = 'between';
          } else if (shape.opener.startsWith(t)) {
            held = buf;
            return;
          } else state = 'content';
        } else if (state === 'between') {
          let i = skipWs(buf, 0);
          while (i < buf.length && buf.startsWith(shape.separator, i)) {
            i = skipWs(buf, i + shape.separator.length);
          }
          buf = buf.slice(i);
          if (!buf) return;
          if (buf.startsWith('{')) {
            state = 'object';
            builder = new CallBuilder(ctx);
          } else if (shape.closer && buf.startsWith(shape.closer)) {
            buf = buf.slice(shape.closer.length);
            state = 'content';
          } else state = 'content';
        } else if (state === 'object') {
          const scan = builder.push(buf);
          if (scan.status === 'partial') return;
          const all = builder.text;
          const obj = scan.status === 'complete' ? all.slice(0, scan.end) : all;
          buf = scan.status === 'complete' ? all.slice(scan.end) : '';
          if (builder.finish(obj)) state = 'between';
          else {
            state = 'content';
            if (!builder.headerSent) ctx.out.content += obj;
          }
        } else {
          ctx.out.content += buf;
          return;
        }
      }
    },
    finish() {
      if (state === 'object' && !builder.finish(builder.text) && !builder.headerSent) {
        ctx.out.content += builder.text;
      }
      if (state === 'start' || state === 'content') ctx.out.content += held;
      held = '';
    },
  };
}

function namedMode(ctx: Ctx, name: string): Mode {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    ctx.out.toolCalls.push({
      index: 0,
      id: ctx.newId(),
      type: 'function',
      function: { name, arguments: '' },
    });
    ctx.nextIndex = 1;
  };
  return {
    push(text) {
      start();
      if (text) ctx.out.toolCalls.push({ index: 0, function: { arguments: text } });
    },
    finish: start,
  };
}

function plainMode(ctx: Ctx): Mode {
  return {
    push(text) {
      ctx.out.content += text;
    },
    finish() {},
  };
}

export function toolCallStream(opts: ToolCallOptions = {}): ToolCallStream {
  const ctx: Ctx = {
    out: { content: '', toolCalls: [] },
    nextIndex: 0,
    parallel: opts.parallelToolCalls ?? true,
    newId: opts.newId ?? newToolCallId,
    hadInvalid: false,
  };
  const choice = opts.toolChoice ?? 'auto';
  const mode: Mode =
    choice === 'none'
      ? plainMode(ctx)
      : typeof choice === 'object'
        ? namedMode(ctx, choice.function.name)
        : choice === 'required'
          ? sequenceMode(ctx, ARRAY_SHAPE)
          : opts.format === 'llama3_json'
            ? sequenceMode(ctx, LLAMA_SHAPE)
            : hermesMode(ctx);

  const take = (): ToolStreamDelta => {
    const out = ctx.out;
    ctx.out = { content: '', toolCalls: [] };
    return out;
  };
  return {
    get callCount() {
      return Math.min(ctx.nextIndex, ctx.parallel ? Infinity : 1);
    },
    get hadInvalid() {
      return ctx.hadInvalid;
    },
    push(text) {
      mode.push(text);
      return take();
    },
    finish() {
      mode.finish();
      return take();
    },
  };
}

/** Folds streamed tool-call deltas into complete calls. */
export function mergeToolCallDeltas(deltas: readonly ToolCallDelta[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const d of deltas) {
    const existing = calls[d.index];
    if (existing) existing.function.arguments += d.function?.arguments ?? '';
    else {
      calls[d.index] = {
        id: d.id ?? '',
        type: 'function',
        function: { name: d.function?.name ?? '', arguments: d.function?.arguments ?? '' },
      };
    }
  }
  return calls;
}

/** Whole-output parse (non-stream responses). */
export function parseToolCalls(text: string, opts: ToolCallOptions = {}): ParsedToolCalls {
  const s = toolCallStream(opts);
  const a = s.push(text);
  const b = s.finish();
  if (s.hadInvalid) return { content: text === '' ? null : text, tool_calls: [] };
  const content = a.content + b.content;
  return {
    content: content === '' ? null : content,
    tool_calls: mergeToolCallDeltas([...a.toolCalls, ...b.toolCalls]),
  };
}
