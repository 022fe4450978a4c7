/**
 * Engine tokens -> OpenAI/vLLM response objects, for one request.
 *
 * Per choice, text flows: stop-string hold-back -> <think> split -> tool-call parse -> deltas.
 * Choices are independent and may be interleaved by index. The same events give both the
 * stream (`start`, `token`, `end`, `finish`) and the non-stream answer (`completion`).
 *
 * Semantics chosen (see README.md in this folder for the reasoning):
 * - A stop string ends the choice: `token()` answers `stop: true`, the caller stops the engine
 *   and still calls `end()`. finish_reason is "stop" even if the engine said "length".
 * - Logprobs follow vLLM: every sampled token up to and including the one that completed the
 *   stop string has an entry, even though the stop string's text is cut from the content;
 *   tokens that arrive after that are ignored and not counted in usage. A token's entry rides
 *   on the chunk of the step that sampled it, while its text may be held back for a while.
 * - echo (vLLM): when the last request message is the assistant's, its text is sent right after
 *   the role chunk and prepended to the non-stream content (which then is always a string).
 */
import type {
  ChatCompletionChunk,
  ChatCompletionTokenLogprob,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { holdBackStop, type StopMatcher } from './holdBackStop';
import {
  reasoningSplitter,
  splitReasoning,
  type ReasoningOptions,
  type ReasoningSplitter,
} from './reasoning';
import {
  newToolCallId,
  parseToolCalls,
  toolCallStream,
  toolFinishReason,
  type ToolCallFormat,
  type ToolCallOptions,
  type ToolCallStream,
  type ToolChoiceOption,
} from './toolCalls';
import type {
  EngineEnd,
  EngineToken,
  ToolCallDelta,
  VllmChatCompletion,
  VllmChatCompletionChunk,
  VllmChoice,
  VllmChunkChoice,
  VllmDelta,
} from './types';

/** The request fields that shape the response (a validated ChatRequest fits). */
export interface AssembleRequest {
  model: string;
  n?: number | null;
  stream_options?: { include_usage?: boolean | null } | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  echo?: boolean | null;
  include_reasoning?: boolean | null;
  stop?: string | readonly string[] | null;
  /** vLLM: keep the stop string at the end of the text. */
  include_stop_str_in_output?: boolean | null;
  /** vLLM: token ids that end the choice (the token stays in the output). */
  stop_token_ids?: readonly number[] | null;
  /** vLLM: logprobs write each token as "token_id:<id>". */
  return_tokens_as_token_ids?: boolean | null;
  tools?: readonly unknown[] | null;
  tool_choice?: unknown;
  parallel_tool_calls?: boolean | null;
  request_id?: string | null;
}

export interface LastMessage {
  role: string;
  content?: unknown;
}

export interface AssembleOptions {
  /** The request's last message, for echo. */
  lastMessage?: LastMessage | null;
  /** Unix seconds; default now. */
  created?: number;
  systemFingerprint?: string;
  /** The loaded model's tool-call format (tool_choice "auto"). Default "hermes". */
  toolCallFormat?: ToolCallFormat;
  /** Think-tag handling; false when the model has no reasoning block. Default: <think> tags. */
  reasoning?: ReasoningOptions | false;
  newToolCallId?: () => string;
  /** Used when the request has no request_id. Default: a random uuid without dashes (vLLM). */
  newRequestId?: () => string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

interface ChoiceState {
  index: number;
  started: boolean;
  ended: boolean;
  stop: StopMatcher;
  reasoning: ReasoningSplitter | null;
  tools: ToolCallStream | null;
  /** Text that passed the stop matcher: the choice's raw output. */
  text: string;
  logprobs: ChatCompletionTokenLogprob[];
  accepted: number;
  /** The stop_token_ids entry that ended the choice. */
  stopToken: number | null;
  end: EngineEnd | null;
  finishReason: FinishReason | null;
}

interface Parts {
  reasoning: string;
  content: string;
  toolCalls: ToolCallDelta[];
}

/** vLLM clamps -inf to this, so that the JSON stays valid. */
const MIN_LOGPROB = -9999.0;

export class ResponseAssembler {
  readonly id: string;
  readonly created: number;
  private readonly n: number;
  private readonly choices = new Map<number, ChoiceState>();
  private readonly toolOpts: ToolCallOptions | null;
  private readonly toolChoice: ToolChoiceOption;
  private readonly echoText: string | null;
  private readonly stopTokenIds: ReadonlySet<number>;

  constructor(
    private readonly req: AssembleRequest,
    private readonly opts: AssembleOptions = {},
  ) {
    const requestId = req.request_id ?? (opts.newRequestId ?? randomRequestId)();
    this.id = `chatcmpl-${requestId}`;
    this.created = opts.created ?? Math.floor(Date.now() / 1000);
    this.n = req.n ?? 1;
    this.toolChoice = normalizeToolChoice(req.tool_choice, (req.tools?.length ?? 0) > 0);
    this.toolOpts =
      this.toolChoice === 'none'
        ? null
        : {
            format: opts.toolCallFormat ?? 'hermes',
            toolChoice: this.toolChoice,
            parallelToolCalls: req.parallel_tool_calls ?? true,
            newId: opts.newToolCallId ?? newToolCallId,
          };
    this.echoText = req.echo ? echoTextOf(opts.lastMessage) : null;
    this.stopTokenIds = new Set(req.stop_token_ids ?? []);
  }

  /** Role (and echo) chunks for every choice not yet started; optional, else sent lazily. */
  start(): VllmChatCompletionChunk[] {
    const out: VllmChatCompletionChunk[] = [];
    for (let i = 0; i < this.n; i++) out.push(...this.prelude(this.state(i)));
    return out;
  }

  /** One sampled token. `stop: true` tells the caller to stop generating this choice. */
  token(index: number, token: EngineToken): { chunks: VllmChatCompletionChunk[]; stop: boolean } {
    const st = this.state(index);
    if (st.ended || this.stopped(st)) return { chunks: [], stop: this.stopped(st) };
    const chunks = this.prelude(st);
    st.accepted++;
    const entry = this.req.logprobs ? this.logprobEntry(token) : null;
    if (entry) st.logprobs.push(entry);
    const r = st.stop.push(token.text);
    st.text += r.emit;
    chunks.push(...this.deltaChunks(st, this.pipe(st, r.emit, false), entry));
    if (!r.stopped && this.stopTokenIds.has(token.id)) st.stopToken = token.id;
    return { chunks, stop: this.stopped(st) };
  }

  /** The engine is done with this choice. */
  end(index: number, end: EngineEnd): VllmChatCompletionChunk[] {
    const st = this.state(index);
    if (st.ended) return [];
    const chunks = this.prelude(st);
    const rest = st.stop.flush();
    st.text += rest;
    chunks.push(...this.deltaChunks(st, this.pipe(st, rest, true), null));
    st.ended = true;
    st.end = end;
    const base = this.stopped(st) ? 'stop' : end.finishReason;
    st.finishReason = toolFinishReason(base, st.tools?.callCount ?? 0, this.toolChoice);
    chunks.push(
      this.chunk({
        index,
        delta: {},
        logprobs: null,
        finish_reason: st.finishReason,
        stop_reason: st.stop.matched ?? st.stopToken,
      }),
    );
    return chunks;
  }

  /** After every choice ended: the usage chunk when stream_options.include_usage is set. */
  finish(): VllmChatCompletionChunk[] {
    const usage = this.usage();
    if (!this.includeUsage) return [];
    return [{ ...this.chunk(), choices: [], usage }];
  }

  isStopped(index: number): boolean {
    const st = this.choices.get(index);
    return st ? this.stopped(st) : false;
  }

  /** Ended by a stop string or a stop token. */
  private stopped(st: ChoiceState): boolean {
    return st.stop.stopped || st.stopToken !== null;
  }

  get done(): boolean {
    return [...Array(this.n).keys()].every((i) => this.choices.get(i)?.ended);
  }

  /** The non-stream answer built from the same events. */
  completion(): VllmChatCompletion {
    const usage = this.usage();
    const choices: VllmChoice[] = [];
    for (let i = 0; i < this.n; i++) choices.push(this.finalChoice(this.state(i)));
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.req.model,
      ...(this.opts.systemFingerprint ? { system_fingerprint: this.opts.systemFingerprint } : {}),
      choices,
      usage,
    };
  }

  private get includeUsage(): boolean {
    return this.req.stream_options?.include_usage === true;
  }

  private get includeReasoning(): boolean {
    return this.req.include_reasoning ?? true;
  }

  private state(index: number): ChoiceState {
    if (!Number.isInteger(index) || index < 0 || index >= this.n) {
      throw new RangeError(`choice index ${index} is outside 0..${this.n - 1}`);
    }
    let st = this.choices.get(index);
    if (!st) {
      const reasoning = this.opts.reasoning === false ? null : (this.opts.reasoning ?? {});
      st = {
        index,
        started: false,
        ended: false,
        stop: holdBackStop(this.req.stop, this.req.include_stop_str_in_output === true),
        reasoning: reasoning ? reasoningSplitter(reasoning) : null,
        tools: this.toolOpts ? toolCallStream(this.toolOpts) : null,
        text: '',
        logprobs: [],
        accepted: 0,
        stopToken: null,
        end: null,
        finishReason: null,
      };
      this.choices.set(index, st);
    }
    return st;
  }

  private prelude(st: ChoiceState): VllmChatCompletionChunk[] {
    if (st.started) return [];
    st.started = true;
    const base = { index: st.index, logprobs: null, finish_reason: null };
    const out = [this.chunk({ ...base, delta: { role: 'assistant', content: '' } })];
    if (this.echoText) out.push(this.chunk({ ...base, delta: { content: this.echoText } }));
    return out;
  }

  private pipe(st: ChoiceState, text: string, final: boolean): Parts {
    let reasoning = '';
    let content = text;
    if (st.reasoning) {
      const a = st.reasoning.push(text);
      const b = final ? st.reasoning.flush() : { reasoning: '', content: '' };
      reasoning = a.reasoning + b.reasoning;
      content = a.content + b.content;
    }
    let toolCalls: ToolCallDelta[] = [];
    if (st.tools) {
      const a = st.tools.push(content);
      const b = final ? st.tools.finish() : { content: '', toolCalls: [] };
      content = a.content + b.content;
      toolCalls = [...a.toolCalls, ...b.toolCalls];
    }
    return { reasoning: this.includeReasoning ? reasoning : '', content, toolCalls };
  }

  /** Text first, then one chunk per tool-call delta (OpenAI's pattern); logprobs on the first. */
  private deltaChunks(
    st: ChoiceState,
    parts: Parts,
    entry: ChatCompletionTokenLogprob | null,
  ): VllmChatCompletionChunk[] {
    const out: VllmChatCompletionChunk[] = [];
    let logprobs: ChatCompletionChunk.Choice.Logprobs | null = entry
      ? { content: [entry], refusal: null }
      : null;
    const take = () => {
      const l = logprobs;
      logprobs = null;
      return l;
    };
    const text: VllmDelta = {};
    if (parts.reasoning) text.reasoning_content = parts.reasoning;
    if (parts.content) text.content = parts.content;
    if (Object.keys(text).length > 0 || (logprobs && parts.toolCalls.length === 0)) {
      out.push(this.chunk({ index: st.index, delta: text, logprobs: take(), finish_reason: null }));
    }
    for (const call of parts.toolCalls) {
      out.push(
        this.chunk({
          index: st.index,
          delta: { tool_calls: [call] },
          logprobs: take(),
          finish_reason: null,
        }),
      );
    }
    return out;
  }

  private chunk(choice?: VllmChunkChoice): VllmChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.req.model,
      ...(this.opts.systemFingerprint ? { system_fingerprint: this.opts.systemFingerprint } : {}),
      choices: choice ? [choice] : [],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }

  private logprobEntry(t: EngineToken): ChatCompletionTokenLogprob {
    const top = Math.max(0, this.req.top_logprobs ?? 0);
    // vLLM: "token_id:<id>", with that text's bytes, so that no token is ambiguous text.
    const asIds = this.req.return_tokens_as_token_ids === true;
    const entry = (x: { id: number; text: string; bytes: number[]; logprob: number }) => {
      const token = asIds ? `token_id:${x.id}` : tokenString(x);
      return {
        token,
        logprob: clampLogprob(x.logprob),
        bytes: asIds ? [...new TextEncoder().encode(token)] : x.bytes,
      };
    };
    return { ...entry(t), top_logprobs: t.top.slice(0, top).map(entry) };
  }

  private finalChoice(st: ChoiceState): VllmChoice {
    if (!st.ended || !st.end) throw new Error(`choice ${st.index} has not ended`);
    const split = st.reasoning
      ? splitReasoning(st.text, this.opts.reasoning || {})
      : { reasoning: null, content: st.text === '' ? null : st.text };
    let content = split.content;
    let toolCalls: VllmChoice['message']['tool_calls'] = [];
    if (this.toolOpts) {
      const parsed = parseToolCalls(content ?? '', this.toolOpts);
      content = parsed.content;
      toolCalls = parsed.tool_calls;
    }
    if (this.echoText !== null) content = this.echoText + (content ?? '');
    const base = this.stopped(st) ? 'stop' : st.end.finishReason;
    const reasoning = this.includeReasoning ? split.reasoning : null;
    return {
      index: st.index,
      message: {
        role: 'assistant',
        content,
        refusal: null,
        ...(reasoning ? { reasoning_content: reasoning } : {}),
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      },
      logprobs: this.req.logprobs ? { content: st.logprobs, refusal: null } : null,
      finish_reason: toolFinishReason(base, toolCalls.length, this.toolChoice),
      stop_reason: st.stop.matched ?? st.stopToken,
    };
  }

  private usage(): CompletionUsage {
    let prompt = 0;
    let completion = 0;
    for (let i = 0; i < this.n; i++) {
      const st = this.choices.get(i);
      if (!st?.ended || !st.end) throw new Error(`choice ${i} has not ended`);
      prompt = st.end.promptTokens;
      completion += this.stopped(st)
        ? Math.min(st.accepted, st.end.completionTokens)
        : st.end.completionTokens;
    }
    // The request's prompt was evaluated for choice 0; later choices reuse it by design.
    const cached = this.choices.get(0)?.end?.cachedPromptTokens;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      ...(cached !== undefined ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
    };
  }
}

const utf8 = new TextDecoder('utf-8');

/**
 * A token's own text in its logprobs entry: its bytes decoded, U+FFFD where it holds only part
 * of a character (`bytes` keeps the raw bytes, as OpenAI's do). `text`, what the token added to
 * the output, differs for such tokens: the character appears on the token that completes it.
 */
function tokenString(t: { text: string; bytes: number[] }): string {
  return t.bytes.length > 0 ? utf8.decode(new Uint8Array(t.bytes)) : t.text;
}

function clampLogprob(x: number): number {
  return Number.isNaN(x) ? MIN_LOGPROB : Math.max(x, MIN_LOGPROB);
}

function randomRequestId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/** OpenAI's defaults: "none" without tools, "auto" with them. */
export function normalizeToolChoice(choice: unknown, hasTools: boolean): ToolChoiceOption {
  if (!hasTools || choice === 'none') return 'none';
  if (choice === 'required') return 'required';
  if (typeof choice === 'object' && choice !== null) {
    const fn = (choice as { function?: { name?: unknown } }).function;
    if (typeof fn?.name === 'string') return { type: 'function', function: { name: fn.name } };
  }
  return 'auto';
}

/** vLLM echoes the last message only when its role is the answer's ("assistant"); text parts
 * of a content array are joined with "\n". */
export function echoTextOf(message: LastMessage | null | undefined): string {
  if (!message || message.role !== 'assistant') return '';
  const c = message.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c
      .map((p: unknown) => (p as { text?: unknown } | null)?.text)
      .filter((t): t is string => typeof t === 'string')
      .join('\n');
  }
  return '';
}

export type EngineEvent =
  | { type: 'token'; index: number; token: EngineToken }
  | { type: 'end'; index: number; end: EngineEnd };

/** Drives an assembler from engine events into the chunk stream (role chunks first, usage last).
 * `onStop(index)` is called when a stop string ends a choice. */
export async function* assembleStream(
  asm: ResponseAssembler,
  events: AsyncIterable<EngineEvent>,
  onStop?: (index: number) => void,
): AsyncGenerator<VllmChatCompletionChunk> {
  yield* asm.start();
  for await (const ev of events) {
    if (ev.type === 'end') {
      yield* asm.end(ev.index, ev.end);
      continue;
    }
    const wasStopped = asm.isStopped(ev.index);
    const r = asm.token(ev.index, ev.token);
    yield* r.chunks;
    if (r.stop && !wasStopped) onStop?.(ev.index);
  }
  yield* asm.finish();
}

/** Drives an assembler from engine events to the non-stream answer. */
export async function assembleCompletion(
  asm: ResponseAssembler,
  events: AsyncIterable<EngineEvent>,
  onStop?: (index: number) => void,
): Promise<VllmChatCompletion> {
  for await (const ev of events) {
    if (ev.type === 'end') {
      asm.end(ev.index, ev.end);
      continue;
    }
    const wasStopped = asm.isStopped(ev.index);
    if (asm.token(ev.index, ev.token).stop && !wasStopped) onStop?.(ev.index);
  }
  return asm.completion();
}
