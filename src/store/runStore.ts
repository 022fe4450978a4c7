import { create } from 'zustand';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionTokenLogprob,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { WorkerError } from '../engine/protocol';

export interface ToolCallView {
  id: string;
  name: string;
  arguments: string;
}

export interface ChoiceView {
  index: number;
  content: string;
  reasoning: string;
  toolCalls: ToolCallView[];
  logprobs: ChatCompletionTokenLogprob[];
  finishReason: string | null;
}

export interface RunView {
  runId: string;
  /** The request as it was run (kept with the run: user, request_id, every parameter). */
  request: Record<string, unknown> | null;
  status: 'queued' | 'running' | 'done' | 'error' | 'cancelled';
  queuePosition: number | null;
  prompt: string | null;
  responseId: string | null;
  choices: ChoiceView[];
  /** With `prompt_tokens_details.cached_tokens` when the engine reused its prompt cache. */
  usage: CompletionUsage | null;
  error: WorkerError | null;
  /** Where an error came from or how to fix it (server runs), shown under it. */
  errorNote?: string;
  /** Tab-only behaviours applied to this in-tab run (e.g. the string cap), shown with it. */
  tabNotes?: string[];
  startedAt: number;
  firstTokenAt: number | null;
  endedAt: number | null;
  completion: ChatCompletion | null;
}

export function emptyRun(runId: string, request: Record<string, unknown> | null = null): RunView {
  return {
    runId,
    request,
    status: 'queued',
    queuePosition: null,
    prompt: null,
    responseId: null,
    choices: [],
    usage: null,
    error: null,
    startedAt: performance.now(),
    firstTokenAt: null,
    endedAt: null,
    completion: null,
  };
}

type ReasoningDelta = { reasoning_content?: string | null; reasoning?: string | null };

/** Applies stream chunks to a run view (pure: returns a new view). */
export function applyChunks(run: RunView, chunks: readonly ChatCompletionChunk[]): RunView {
  const choices = run.choices.map((c) => ({
    ...c,
    toolCalls: c.toolCalls.map((t) => ({ ...t })),
    logprobs: [...c.logprobs],
  }));
  let usage = run.usage;
  let responseId = run.responseId;
  for (const chunk of chunks) {
    responseId = chunk.id;
    if (chunk.usage) usage = chunk.usage;
    for (const ch of chunk.choices) {
      let view = choices.find((c) => c.index === ch.index);
      if (!view) {
        view = {
          index: ch.index,
          content: '',
          reasoning: '',
          toolCalls: [],
          logprobs: [],
          finishReason: null,
        };
        choices.push(view);
        choices.sort((a, b) => a.index - b.index);
      }
      const d = ch.delta as typeof ch.delta & ReasoningDelta;
      if (d.content) view.content += d.content;
      const r = d.reasoning_content ?? d.reasoning;
      if (r) view.reasoning += r;
      for (const tc of d.tool_calls ?? []) {
        const t = (view.toolCalls[tc.index] ??= { id: '', name: '', arguments: '' });
        if (tc.id) t.id = tc.id;
        if (tc.function?.name) t.name += tc.function.name;
        if (tc.function?.arguments) t.arguments += tc.function.arguments;
      }
      if (ch.logprobs?.content) view.logprobs.push(...ch.logprobs.content);
      if (ch.finish_reason) view.finishReason = ch.finish_reason;
    }
  }
  const firstTokenAt =
    run.firstTokenAt ??
    (choices.some((c) => c.content || c.reasoning || c.toolCalls.length)
      ? performance.now()
      : null);
  return { ...run, choices, usage, responseId, firstTokenAt };
}

/** The view of a whole (non-streamed) completion. */
export function viewOfCompletion(run: RunView, c: ChatCompletion): RunView {
  const choices: ChoiceView[] = c.choices.map((ch) => {
    const m = ch.message as typeof ch.message & ReasoningDelta;
    return {
      index: ch.index,
      content: m.content ?? '',
      reasoning: m.reasoning_content ?? m.reasoning ?? '',
      toolCalls: (m.tool_calls ?? []).flatMap((t) =>
        t.type === 'function'
          ? [{ id: t.id, name: t.function.name, arguments: t.function.arguments }]
          : [],
      ),
      logprobs: ch.logprobs?.content ?? [],
      finishReason: ch.finish_reason,
    };
  });
  return {
    ...run,
    choices,
    usage: c.usage ?? run.usage,
    responseId: c.id,
    completion: c,
    // A whole completion arrives at once: there is no separate first-token time to show.
    firstTokenAt: run.firstTokenAt,
  };
}

interface RunState {
  runs: RunView[];
  active: string | null;
  start: (runId: string, request?: Record<string, unknown>) => void;
  patch: (runId: string, f: (r: RunView) => RunView) => void;
  clear: () => void;
}

export const useRunStore = create<RunState>()((set) => ({
  runs: [],
  active: null,
  start: (runId, request) =>
    set((s) => ({ runs: [emptyRun(runId, request), ...s.runs].slice(0, 20), active: runId })),
  patch: (runId, f) => set((s) => ({ runs: s.runs.map((r) => (r.runId === runId ? f(r) : r)) })),
  clear: () => set({ runs: [], active: null }),
}));
