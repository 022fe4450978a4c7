/**
 * The conversation loop on a request's messages: add an answer, continue it, rerun from a
 * message, answer a tool call. Pure: every function returns new values.
 */
import type { RequestDraft } from './types';

export type Message = Record<string, unknown>;

/** An answer as the response view holds it (one choice). */
export interface Answer {
  content: string;
  toolCalls: readonly { id: string; name: string; arguments: string }[];
}

export interface ToolCallRef {
  id: string;
  name: string;
}

const isObject = (v: unknown): v is Message =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The draft's messages as a list of objects (anything else reads as no messages). */
export function messagesOf(draft: RequestDraft): Message[] {
  return Array.isArray(draft.messages) ? draft.messages.filter(isObject) : [];
}

/** The assistant message an answer becomes; tool calls in OpenAI's request shape. */
export function assistantMessage(answer: Answer): Message {
  const message: Message = { role: 'assistant', content: answer.content };
  if (answer.toolCalls.length > 0) {
    if (answer.content === '') message.content = null;
    message.tool_calls = answer.toolCalls.map((t) => ({
      id: t.id,
      type: 'function',
      function: { name: t.name, arguments: t.arguments },
    }));
  }
  return message;
}

/** True when a run continued the final (assistant) message instead of starting a turn. */
export function continuesFinalMessage(request: RequestDraft | null): boolean {
  return request?.continue_final_message === true;
}

/**
 * Adds an answer to the messages: a new assistant message, or, for the answer of a run that
 * continued the final assistant message, the rest of that message.
 */
export function addAnswer(
  messages: readonly Message[],
  answer: Answer,
  continued: boolean,
): Message[] {
  const last = messages.at(-1);
  if (continued && last?.role === 'assistant') {
    const before = typeof last.content === 'string' ? last.content : '';
    const merged: Message = { ...last, content: before + answer.content };
    const calls = assistantMessage(answer).tool_calls as unknown[] | undefined;
    if (calls) {
      merged.tool_calls = [...(Array.isArray(last.tool_calls) ? last.tool_calls : []), ...calls];
    }
    return [...messages.slice(0, -1), merged];
  }
  return [...messages, assistantMessage(answer)];
}

/**
 * The messages a rerun from message `index` sends: up to and with that message, or, for an
 * assistant message (the answer being redone), up to the one before it.
 */
export function truncateForRerun(messages: readonly Message[], index: number): Message[] {
  if (index < 0 || index >= messages.length) return [...messages];
  return messages.slice(0, messages[index]!.role === 'assistant' ? index : index + 1);
}

/**
 * The request that continues the final assistant message. vLLM needs the explicit pair:
 * continue_final_message true and add_generation_prompt false (its default is true).
 */
export function continueRequest(draft: RequestDraft): RequestDraft {
  return { ...draft, continue_final_message: true, add_generation_prompt: false };
}

/** Why the draft cannot be continued, or null when it can. */
export function cannotContinue(draft: RequestDraft): string | null {
  const last = messagesOf(draft).at(-1);
  if (last?.role !== 'assistant')
    return 'Continue needs an assistant message last: add the answer to the messages first.';
  return null;
}

/** The tool calls of message `index` that no later tool message answers yet. */
export function unansweredToolCalls(messages: readonly Message[], index: number): ToolCallRef[] {
  const m = messages[index];
  if (m?.role !== 'assistant' || !Array.isArray(m.tool_calls)) return [];
  const answered = new Set(
    messages
      .slice(index + 1)
      .filter((n) => n.role === 'tool' && typeof n.tool_call_id === 'string')
      .map((n) => n.tool_call_id as string),
  );
  return m.tool_calls.flatMap((tc: unknown) => {
    if (!isObject(tc) || typeof tc.id !== 'string' || answered.has(tc.id)) return [];
    const fn = isObject(tc.function) ? tc.function : {};
    return [{ id: tc.id, name: typeof fn.name === 'string' ? fn.name : '' }];
  });
}

/**
 * Adds the tool message that answers `call` of message `index`, right after that message's
 * other tool answers. Returns the messages and the new message's index.
 */
export function addToolReply(
  messages: readonly Message[],
  index: number,
  call: ToolCallRef,
): { messages: Message[]; index: number } {
  let at = index + 1;
  while (at < messages.length && messages[at]!.role === 'tool') at++;
  const reply: Message = { role: 'tool', tool_call_id: call.id, content: '' };
  return { messages: [...messages.slice(0, at), reply, ...messages.slice(at)], index: at };
}
