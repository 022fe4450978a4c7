/**
 * One chat completion, from request JSON to OpenAI/vLLM response objects: validate, render
 * the prompt with the chat template, compile the constraint, generate each choice with the
 * loaded engine, assemble chunks. Engine-neutral (the engine is passed in), so it is tested
 * in Node with a scripted engine.
 */
import { validateRequest } from '../request/validate';
import { REQUEST_CHECKS } from '../request/checks';
import type { ChatRequest } from '../request/types';
import { renderPrompt, TemplateError, type ChatMessage } from '../template/renderPrompt';
import { selectChatTemplate, TemplateSelectionError } from '../template/selectTemplate';
import {
  compileConstraint,
  type CompiledConstraint,
  type ConstraintRequest,
  stringCapWarning,
} from '../constraints/compile';
import { ConstraintError } from '../constraints/errors';
import { ResponseAssembler } from '../response/assemble';
import type {
  EngineEnd,
  EngineToken,
  HttpApiError,
  VllmChatCompletion,
  VllmChatCompletionChunk,
} from '../response/types';
import {
  badWordTokenIds,
  maxTokensFor,
  samplingFor,
  type SamplingSettings,
  type Unsupported,
} from './sampling';
import { structuredAsGuided } from '../server/structured';
import type { ModelInfo, RunOptions } from './protocol';

export type ActiveConstraint = Exclude<CompiledConstraint, { kind: 'none' }>;

export interface GenerateArgs {
  prompt: string;
  sampling: SamplingSettings;
  constraint: ActiveConstraint | null;
  /** Return false to stop generating (a stop string was hit). */
  onToken: (t: EngineToken) => boolean;
  signal: AbortSignal;
}

/** What runChat needs from a loaded engine. */
export interface ChatEngine {
  readonly info: ModelInfo;
  /** The tokenizer's special tokens, as the chat template sees them. */
  readonly specialTokens: { bos_token?: string; eos_token?: string };
  readonly addBosToken: boolean;
  generate(args: GenerateArgs): Promise<EngineEnd>;
  countTokens(text: string): Promise<number | null>;
  /** Vocabulary ids whose text is exactly `text` (for bad_words); absent: none known. */
  vocabIdsOf?(text: string): number[];
  /** The first sampling setting this engine cannot honour, or null. */
  unsupported?(s: SamplingSettings): Unsupported | null;
}

export function httpError(
  status: number,
  message: string,
  param: string | null = null,
  type = 'invalid_request_error',
): HttpApiError {
  return { status, error: { message, type, param, code: null } };
}

export function validated(raw: unknown): ChatRequest {
  const v = validateRequest(raw, REQUEST_CHECKS);
  if (!v.ok) {
    const e = v.errors[0]!;
    throw httpError(400, e.message, e.param);
  }
  return v.request;
}

/** The loaded model's limits, as vLLM checks them: token ids in its vocabulary, a max_tokens that fits. */
export function checkAgainstModel(info: ModelInfo, req: ChatRequest): void {
  const vocab = info.vocabSize;
  if (vocab > 0 && req.logit_bias) {
    const outside = Object.keys(req.logit_bias).filter((id) => Number(id) >= vocab);
    if (outside.length)
      throw httpError(
        400,
        `token_id(s) [${outside.join(', ')}] in logit_bias contain out-of-vocab token ids. Vocabulary size: ${vocab}`,
        'logit_bias',
      );
  }
  const asked = req.max_completion_tokens ?? req.max_tokens;
  if (typeof asked === 'number' && asked > info.contextLength) {
    const param = req.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    throw httpError(
      400,
      `${param} is ${asked}, but the loaded model's context length is ${info.contextLength} tokens (prompt included). Ask for fewer tokens.`,
      param,
    );
  }
}

/**
 * A prompt that fills the whole context leaves no room for an answer; llama.cpp fails deep
 * inside decoding with its own text. The engine says it this way instead, as a server's 400.
 */
export function contextOverflowError(promptTokens: number, contextSize: number): HttpApiError {
  return httpError(
    400,
    `The prompt is ${promptTokens} tokens, but the loaded model's context size is ${contextSize} tokens, which leaves no room for an answer. Shorten the messages, or load the model again with a larger context size.`,
    'messages',
  );
}

/** Renders the request's prompt as Hugging Face's apply_chat_template would. */
export function promptFor(engine: ChatEngine, req: ChatRequest): string {
  let template: string;
  try {
    template = selectChatTemplate(engine.info, req.chat_template, req.tools);
  } catch (e) {
    if (e instanceof TemplateSelectionError) throw httpError(400, e.message, 'chat_template');
    throw e;
  }
  try {
    return renderPrompt({
      template,
      messages: req.messages as unknown as ChatMessage[],
      tools: req.tools ?? null,
      documents: req.documents ?? null,
      addGenerationPrompt: req.add_generation_prompt ?? true,
      continueFinalMessage: req.continue_final_message ?? false,
      chatTemplateKwargs: req.chat_template_kwargs ?? null,
      specialTokens: engine.specialTokens,
      addSpecialTokens: req.add_special_tokens ?? false,
      addBosToken: engine.addBosToken,
    });
  } catch (e) {
    if (e instanceof TemplateError) {
      const where =
        e.line !== undefined
          ? ` (template line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''})`
          : '';
      throw httpError(
        400,
        `${e.message}${where}`,
        req.chat_template ? 'chat_template' : 'messages',
      );
    }
    throw e;
  }
}

export async function constraintFor(
  req: ChatRequest,
  options: RunOptions = {},
): Promise<ActiveConstraint | null> {
  try {
    const c = await compileConstraint(req as unknown as ConstraintRequest, {
      stringCap: options.stringCap ?? null,
    });
    return c.kind === 'none' ? null : c;
  } catch (e) {
    if (e instanceof ConstraintError) throw httpError(400, e.message, e.param);
    throw e;
  }
}

/**
 * The request as the tab runs it: structured_outputs in the spec's guided_* form (one
 * constraint compiler), and a 400 for what neither engine can do.
 */
export function inTabRequest(req: ChatRequest): ChatRequest {
  const { request, unsupported } = structuredAsGuided(req as unknown as Record<string, unknown>);
  if (unsupported.length > 0)
    throw httpError(
      400,
      `${unsupported[0]} is not supported in the tab (its constraints are json, regex, choice, grammar, json_object and whitespace_pattern).`,
      unsupported[0],
    );
  if (req.prompt_logprobs !== undefined && req.prompt_logprobs !== null)
    throw httpError(
      400,
      'prompt_logprobs is not supported in the tab: neither engine gives the logits of the prompt tokens (wllama 3.13 and WebLLM score generated tokens only).',
      'prompt_logprobs',
    );
  if (req.skip_special_tokens === false)
    throw httpError(
      400,
      'skip_special_tokens false is not supported in the tab: the engines leave special tokens out of the text.',
      'skip_special_tokens',
    );
  return request as unknown as ChatRequest;
}

/**
 * truncate_prompt_tokens: the tab cannot cut a prompt into tokens, but a prompt that already
 * fits is left as it is, which is what vLLM does too.
 */
async function checkTruncation(engine: ChatEngine, req: ChatRequest, prompt: string) {
  const keep = req.truncate_prompt_tokens;
  if (keep === undefined || keep === null) return;
  const limit = keep === -1 ? engine.info.contextLength : keep;
  if (limit > engine.info.contextLength)
    throw httpError(
      400,
      `truncate_prompt_tokens is ${keep}, more than the loaded model's context length (${engine.info.contextLength}).`,
      'truncate_prompt_tokens',
    );
  const count = await engine.countTokens(prompt);
  if (count === null || count > limit)
    throw httpError(
      400,
      `truncate_prompt_tokens: the prompt has ${count ?? 'an unknown number of'} tokens; the tab cannot cut it to ${limit} (shorten the messages instead).`,
      'truncate_prompt_tokens',
    );
}

function bannedTokenIds(engine: ChatEngine, req: ChatRequest): number[] {
  const words = req.bad_words ?? [];
  if (words.length === 0) return [];
  const r = badWordTokenIds(words, (text) => engine.vocabIdsOf?.(text) ?? []);
  if ('param' in r) throw httpError(400, r.message, r.param);
  return r.ids;
}

/** The prompt ended inside an open think block (templates that open it for the model). */
function startsInReasoning(prompt: string): boolean {
  const t = prompt.trimEnd();
  return t.endsWith('<think>');
}

/** The tab-only behaviours the compiled constraint shows were applied (never silent). */
export function tabNotesOf(constraint: ActiveConstraint | null, options: RunOptions): string[] {
  const cap = options.stringCap ?? null;
  if (cap === null || constraint === null) return [];
  const note = stringCapWarning(cap);
  return constraint.warnings.includes(note) ? [note] : [];
}

export interface RunOutput {
  /** Called with each chunk when the request streams. */
  onChunk?: (c: VllmChatCompletionChunk) => void;
  /**
   * Called once the prompt is rendered, before generation, with the tab-only behaviours
   * applied to the run (tabNotes).
   */
  onPrompt?: (prompt: string, tabNotes: string[]) => void;
}

export class CancelledError extends Error {
  constructor() {
    super('The request was cancelled.');
    this.name = 'CancelledError';
  }
}

/** Runs one chat completion; resolves to the non-stream answer (also built when streaming). */
export async function runChat(
  engine: ChatEngine,
  raw: unknown,
  signal: AbortSignal,
  out: RunOutput = {},
  options: RunOptions = {},
): Promise<VllmChatCompletion> {
  const req = inTabRequest(validated(raw));
  checkAgainstModel(engine.info, req);
  const prompt = promptFor(engine, req);
  await checkTruncation(engine, req, prompt);
  const constraint = await constraintFor(req, options);
  // The engine stops at the end of its context by itself; the prompt is not counted twice.
  const maxTokens = maxTokensFor(req, engine.info.contextLength, 0);
  const banned = bannedTokenIds(engine, req);
  const refused = engine.unsupported?.(samplingFor(req, 0, maxTokens, banned)) ?? null;
  if (refused) throw httpError(400, refused.message, refused.param);
  out.onPrompt?.(prompt, tabNotesOf(constraint, options));
  const lastMessage = req.messages[req.messages.length - 1] ?? null;
  const asm = new ResponseAssembler(req, {
    lastMessage,
    reasoning: { startsInReasoning: startsInReasoning(prompt) },
    // The model's own call syntax, parsed for tool_choice auto (forced calls use vLLM's shapes).
    toolCallFormat: 'hermes',
  });
  const emit = (chunks: VllmChatCompletionChunk[]) => {
    if (req.stream) for (const c of chunks) out.onChunk?.(c);
  };
  emit(asm.start());
  const n = req.n ?? 1;
  for (let i = 0; i < n; i++) {
    if (signal.aborted) throw new CancelledError();
    const end = await engine.generate({
      prompt,
      sampling: samplingFor(req, i, maxTokens, banned),
      constraint,
      signal,
      onToken: (t) => {
        const r = asm.token(i, t);
        emit(r.chunks);
        return !r.stop;
      },
    });
    if (signal.aborted) throw new CancelledError();
    emit(asm.end(i, end));
  }
  emit(asm.finish());
  return asm.completion();
}
