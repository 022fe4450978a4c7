/**
 * The prompt a vLLM server would build for a chat request: the chat template rendered the way
 * Hugging Face transformers' `apply_chat_template` renders it, byte for byte, after vLLM's own
 * request normalisation (see vllm.ts). Pure module: no DOM, no engine.
 *
 * Steps, in the order the server takes them:
 * 1. vLLM refuses continue_final_message together with add_generation_prompt.
 * 2. vLLM normalises messages and tools for the template's content format (vllm.ts).
 * 3. transformers drops message keys whose value is null, copies a message's reasoning to
 *    `reasoning_content` and `thinking`, and for continue_final_message appends a marker to
 *    the final message's text (the last text part of a list).
 * 4. The template is rendered in a Jinja2-compatible interpreter (pyInterpreter.ts) with
 *    trim_blocks and lstrip_blocks, the special tokens, messages, tools, documents,
 *    add_generation_prompt, and chat_template_kwargs on top of the special tokens.
 * 5. continue_final_message: the prompt is cut at the last marker; if the template trimmed
 *    the space after it, trailing whitespace is trimmed too. Where the marker or the final
 *    text is missing from the output, this fails as transformers does.
 * 6. add_special_tokens: the BOS token is prepended once on top of the template's output, as
 *    the tokenizer does when asked to add special tokens.
 */
import { Environment } from '@huggingface/jinja';
import { TemplateError } from './errors';
import {
  DEFAULT_RENDER_BUDGET,
  PyInterpreter,
  TemplateBudgetError,
  TemplateRaise,
  wrapOutputs,
  type RenderBudget,
} from './pyInterpreter';
import { PyError, pyStrip } from './pyValues';
import {
  type JNode,
  type JProgram,
  type RV,
  isDict,
  isNone,
  isSeq,
  isStr,
  mk,
  toRuntime,
} from './runtime';
import { locateRaise, parseWithLocation } from './syntax';
import { type ContentFormat, detectContentFormat, vllmMessages, vllmTools } from './vllm';

export { TemplateError } from './errors';
export { DEFAULT_RENDER_BUDGET, type RenderBudget } from './pyInterpreter';
export type { ContentFormat } from './vllm';

/** A text content part. Other part types (images, audio) are refused. */
export interface ChatTextPart {
  type: 'text' | 'input_text' | 'output_text' | 'refusal';
  text?: string | null;
  refusal?: string | null;
}

/** An assistant's tool call; `arguments` is a JSON string (OpenAI) or an object. */
export interface ChatToolCall {
  id?: string;
  type?: string;
  /** Required at run time: a call without it is refused. */
  function?: { name: string; arguments?: string | Record<string, unknown> | null };
}

/**
 * A message in OpenAI's shape (system, developer, user, assistant with tool_calls, tool with
 * tool_call_id), plus vLLM's `reasoning` / `reasoning_content` on assistant messages. The
 * openai package's ChatCompletionMessageParam is assignable to it.
 */
export interface ChatMessage {
  role: string;
  content?: string | null | readonly (ChatTextPart | string | { type: string })[];
  name?: string;
  tool_calls?: readonly ChatToolCall[] | null;
  tool_call_id?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
}

export interface RenderInput {
  /** The model's chat_template, or the request's chat_template. */
  template: string;
  messages: readonly ChatMessage[];
  /** OpenAI tools array ({type: 'function', function: {name, description, parameters}}). */
  tools?: readonly unknown[] | null;
  documents?: readonly unknown[] | null;
  /** vLLM's default is true. */
  addGenerationPrompt: boolean;
  /** Error when both this and addGenerationPrompt are true (vLLM's check). */
  continueFinalMessage: boolean;
  /** Spread into the template's variables on top of the special tokens. */
  chatTemplateKwargs?: Record<string, unknown> | null;
  /** The tokenizer's special tokens map (bos_token, eos_token, ...). */
  specialTokens: { bos_token?: string; eos_token?: string; [k: string]: string | undefined };
  /** true: prepend bos_token on top of the template (as the tokenizer adds special tokens). */
  addSpecialTokens?: boolean;
  /**
   * Whether the tokenizer adds a BOS when it adds special tokens (default: it does whenever
   * there is a bos_token). Qwen-style tokenizers have no bos_token and add nothing.
   */
  addBosToken?: boolean;
  /** The clock `strftime_now` reads (default: the current local time). */
  now?: () => Date;
  /** Time and output limits of the render (default: DEFAULT_RENDER_BUDGET). */
  budget?: RenderBudget;
}

/** The marker transformers appends to the final message for continue_final_message. */
const CONTINUE_TAG = 'CONTINUE_FINAL_MESSAGE_TAG ';
const CONTINUE_TAG_STRIPPED = CONTINUE_TAG.trim();

/** apply_chat_template parameters that never reach the template as variables. */
const CONSUMED_KWARGS = new Set([
  'sanitize_control_tokens',
  'padding',
  'truncation',
  'max_length',
  'return_tensors',
  'return_dict',
  'return_assistant_tokens_mask',
  'tokenizer_kwargs',
]);

interface Compiled {
  program: JProgram;
  format: ContentFormat;
}

const cache = new Map<string, Compiled>();
const CACHE_SIZE = 8;

function compile(template: string): Compiled {
  const hit = cache.get(template);
  if (hit) {
    cache.delete(template);
    cache.set(template, hit);
    return hit;
  }
  const parsed = parseWithLocation(template);
  if ('problem' in parsed) {
    const { message, line, column } = parsed.problem;
    throw new TemplateError(`chat template syntax error: ${message}`, {
      line,
      column,
      kind: 'TemplateSyntaxError',
    });
  }
  // The format is detected on the template as written, before we rewrite its output nodes.
  const format = detectContentFormat(parsed.program);
  wrapOutputs(parsed.program as unknown as JNode);
  const compiled = { program: parsed.program, format };
  cache.set(template, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/** The syntax problem of a template as one line ("message (line L, column C)"), or null. */
export function templateSyntaxProblem(template: string): string | null {
  const r = checkTemplateSyntax(template);
  if (r.ok) return null;
  const col = r.column !== undefined ? `, column ${r.column}` : '';
  return `${r.message}${r.line !== undefined ? ` (line ${r.line}${col})` : ''}`;
}

/** "chat_template must parse as Jinja": ok, or the parser's message and location. */
export function checkTemplateSyntax(
  template: string,
): { ok: true } | { ok: false; message: string; line?: number; column?: number } {
  const parsed = parseWithLocation(template);
  if ('program' in parsed) return { ok: true };
  const { message, line, column } = parsed.problem;
  return {
    ok: false,
    message,
    ...(line !== undefined ? { line } : {}),
    ...(column !== undefined ? { column } : {}),
  };
}

/** The content format vLLM detects for a template ("openai": content as a list of parts). */
export function templateContentFormat(template: string): ContentFormat {
  return compile(template).format;
}

const pyBoolOf = (v: unknown): boolean =>
  !(
    v === false ||
    v === null ||
    v === undefined ||
    v === 0 ||
    v === '' ||
    (Array.isArray(v) && v.length === 0)
  );

/** transformers: drop null-valued keys, then alias the reasoning fields. */
function transformersMessage(m: Map<string, RV>): Map<string, RV> {
  const kept = new Map([...m].filter(([, v]) => !isNone(v)));
  const reasoning = ['reasoning_content', 'thinking', 'reasoning']
    .map((k) => kept.get(k))
    .find((v) => v !== undefined);
  if (reasoning === undefined) return kept;
  const out = new Map<string, RV>([['thinking', reasoning]]);
  for (const [k, v] of kept) if (k !== 'thinking') out.set(k, v);
  out.set('reasoning_content', reasoning);
  return out;
}

/** Appends the continue marker to the final message's text; returns that text. */
function markFinalMessage(chat: Map<string, RV>[], template: string): string {
  const last = chat[chat.length - 1];
  if (!last)
    throw new TemplateError('continue_final_message is set but the conversation is empty!');
  const content = last.get('content');
  if (content === undefined) {
    throw new TemplateError(
      'continue_final_message is set but the final message has no "content" to continue!',
    );
  }
  if (!template.includes('content')) {
    throw new TemplateError(
      'continue_final_message is set to "content" but this is not an accepted field in the chat_template',
    );
  }
  if (isSeq(content)) {
    for (let i = content.value.length - 1; i >= 0; i--) {
      const part = content.value[i] as RV;
      const text = isDict(part) ? part.value.get('text') : undefined;
      if (text !== undefined && isDict(part)) {
        const original = isStr(text) ? text.value : '';
        const parts = [...content.value];
        parts[i] = mk.dict(new Map([...part.value, ['text', mk.str(original + CONTINUE_TAG)]]));
        last.set('content', mk.list(parts));
        return original;
      }
    }
    throw new TemplateError(
      'continue_final_message is set but we could not find any text to continue in the final message!',
    );
  }
  const text = isStr(content) ? content.value : '';
  last.set('content', mk.str(text + CONTINUE_TAG));
  return text;
}

function toTemplateError(e: unknown): TemplateError {
  if (e instanceof TemplateError) return e;
  if (e instanceof TemplateRaise) return new TemplateError(e.message, { kind: 'TemplateError' });
  if (e instanceof TemplateBudgetError)
    return new TemplateError(`chat_template: ${e.message}`, { kind: 'BudgetExceeded' });
  if (e instanceof PyError) return new TemplateError(e.message, { kind: e.pyType });
  if (e instanceof RangeError)
    return new TemplateError(`chat template error: ${e.message}`, { kind: 'RecursionError' });
  const message = e instanceof Error ? e.message : String(e);
  return new TemplateError(`chat template error: ${message}`);
}

export function renderPrompt(input: RenderInput): string {
  if (input.continueFinalMessage && input.addGenerationPrompt) {
    throw new TemplateError(
      'Cannot set both `continue_final_message` and `add_generation_prompt` to True.',
    );
  }
  const kwargs = { ...(input.chatTemplateKwargs ?? {}) };
  const unexpected = ['chat_template', 'tokenize'].filter((k) => k in kwargs);
  if (unexpected.length > 0) {
    throw new TemplateError(
      `Found unexpected chat template kwargs from request: {${unexpected.map((k) => `'${k}'`).join(', ')}}`,
    );
  }
  for (const k of ['messages', 'conversation']) {
    if (k in kwargs) throw new TemplateError(`chat_template_kwargs cannot set '${k}'`);
  }
  // vLLM passes chat_template_kwargs to apply_chat_template, so they override these inputs.
  const addGenerationPrompt =
    'add_generation_prompt' in kwargs
      ? pyBoolOf(kwargs.add_generation_prompt)
      : input.addGenerationPrompt;
  const continueFinal =
    'continue_final_message' in kwargs
      ? pyBoolOf(kwargs.continue_final_message)
      : input.continueFinalMessage;
  const agpValue =
    'add_generation_prompt' in kwargs ? toRuntime(kwargs.add_generation_prompt ?? null) : null;
  const tools = 'tools' in kwargs ? (kwargs.tools as readonly unknown[] | null) : input.tools;
  const documents =
    'documents' in kwargs ? (kwargs.documents as readonly unknown[] | null) : input.documents;
  for (const k of [
    'add_generation_prompt',
    'continue_final_message',
    'tools',
    'documents',
    ...CONSUMED_KWARGS,
  ]) {
    delete kwargs[k];
  }
  if (continueFinal && addGenerationPrompt) {
    throw new TemplateError(
      'continue_final_message and add_generation_prompt are not compatible. Use continue_final_message when you want the model to continue the final message, and add_generation_prompt when you want to add a header that will prompt it to start a new assistant message instead.',
    );
  }
  if (input.messages.length === 0) {
    throw new TemplateError(
      'Cannot apply chat template to an empty conversation. Provide at least one message.',
    );
  }
  if (
    documents !== undefined &&
    documents !== null &&
    (!Array.isArray(documents) ||
      documents.some((d) => typeof d !== 'object' || d === null || Array.isArray(d)))
  ) {
    throw new TemplateError("Documents should be a list of dicts with 'title' and 'text' keys!");
  }

  const { program, format } = compile(input.template);
  const chat = vllmMessages(input.messages, format).map(transformersMessage);
  const finalText = continueFinal ? markFinalMessage(chat, input.template) : '';

  const env = new Environment();
  PyInterpreter.installGlobals(env, { now: input.now ?? (() => new Date()) });
  for (const [k, v] of Object.entries(input.specialTokens))
    if (typeof v === 'string') env.setVariable(k, mk.str(v));
  for (const [k, v] of Object.entries(kwargs))
    if (v !== undefined) env.setVariable(k, toRuntime(v));
  env.setVariable('messages', mk.list(chat.map((m) => mk.dict(m))));
  env.setVariable('tools', vllmTools(tools));
  env.setVariable(
    'documents',
    documents === undefined || documents === null ? mk.none() : toRuntime(documents),
  );
  // The template sees a kwargs override as given (transformers passes it through).
  env.setVariable('add_generation_prompt', agpValue ?? mk.bool(addGenerationPrompt));

  let prompt: string;
  try {
    const budget = input.budget ?? DEFAULT_RENDER_BUDGET;
    const result = new PyInterpreter(env, budget).run(program);
    prompt = isStr(result) ? result.value : '';
    if (prompt.length > budget.maxOutputChars)
      throw new TemplateBudgetError(
        `rendering stopped: the template produced more than ${budget.maxOutputChars} characters`,
      );
  } catch (e) {
    const err = toTemplateError(e);
    if (e instanceof TemplateRaise) {
      const where = locateRaise(input.template, err.message);
      if (where) Object.assign(err, where);
    }
    throw err;
  }

  if (continueFinal) {
    if (!prompt.includes(pyStrip(finalText, null)) || !prompt.includes(CONTINUE_TAG_STRIPPED)) {
      throw new TemplateError(
        `continue_final_message is set but the final message does not appear in the chat after applying the chat template! This can happen if the chat template deletes portions of the final message. Final message to continue: ${pyStrip(finalText, null)}`,
      );
    }
    const at = prompt.lastIndexOf(CONTINUE_TAG_STRIPPED);
    prompt = prompt.startsWith(CONTINUE_TAG, at)
      ? prompt.slice(0, at)
      : pyStrip(prompt.slice(0, at), null, false, true);
  }

  const bos = input.specialTokens.bos_token;
  if (
    input.addSpecialTokens &&
    typeof bos === 'string' &&
    bos !== '' &&
    input.addBosToken !== false
  ) {
    prompt = bos + prompt;
  }
  return prompt;
}
