import { useState } from 'react';
import {
  addAnswer,
  addToolReply,
  continueRequest,
  continuesFinalMessage,
  messagesOf,
  type Answer,
  type Message,
} from '../../request/conversation';
import { useRequestStore } from '../../store/requestStore';
import type { ChoiceView, RunView } from '../../store/runStore';
import { focusMessage, runIfValid } from './runDraft';
import './loop.css';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const answerOf = (c: ChoiceView): Answer => ({ content: c.content, toolCalls: c.toolCalls });

/**
 * Carrying the conversation on from the latest run: add an answer to the messages (tool
 * calls included), answer one of its tool calls, continue it, or regenerate it.
 */
export function ConversationActions({ run }: { run: RunView }) {
  const [problem, setProblem] = useState<string | null>(null);
  const busy = run.status === 'queued' || run.status === 'running';
  const request = run.request;
  if (request === null || busy || run.choices.length === 0) return null;
  const continued = continuesFinalMessage(request);
  const several = run.choices.length > 1;

  /** The draft's messages with this answer in them (added now unless it already is). */
  const withAnswer = (choice: ChoiceView): { messages: Message[]; added: boolean } => {
    const current = messagesOf(useRequestStore.getState().draft);
    const answered = addAnswer(messagesOf(request), answerOf(choice), continued);
    if (same(current, answered)) return { messages: current, added: false };
    return { messages: addAnswer(current, answerOf(choice), continued), added: true };
  };
  const setMessages = (messages: Message[]) =>
    useRequestStore.getState().setParam('messages', messages);

  const add = (choice: ChoiceView) => {
    const { messages } = withAnswer(choice);
    setMessages(messages);
    setProblem(null);
    focusMessage(messages.length - 1);
  };

  const answerCall = (choice: ChoiceView, call: { id: string; name: string }) => {
    const { messages } = withAnswer(choice);
    const at = messages.length - 1;
    const reply = addToolReply(messages, at, call);
    setMessages(reply.messages);
    setProblem(null);
    focusMessage(reply.index);
  };

  const continueAnswer = (choice: ChoiceView) => {
    const { messages } = withAnswer(choice);
    setMessages(messages);
    // The flags go with this run only: the draft stays a request that starts a new turn.
    setProblem(runIfValid(continueRequest({ ...useRequestStore.getState().draft, messages })));
  };

  const regenerate = () => {
    // The same request again; an answer added to the messages since is the one replaced.
    setMessages(messagesOf(request));
    setProblem(runIfValid(request));
  };

  const regenerateButton = (
    <button
      type="button"
      onClick={regenerate}
      title="Run this run's request again; its answer is replaced"
    >
      Regenerate
    </button>
  );

  return (
    <div className="conversation-actions" data-testid="conversation-actions">
      {run.choices.map((choice) => {
        const suffix = several ? ` (choice ${choice.index})` : '';
        return (
          <div className="button-row" key={choice.index}>
            <button
              type="button"
              onClick={() => add(choice)}
              title="Add this answer, with its tool calls, to the messages"
            >
              Add to messages{suffix}
            </button>
            {choice.toolCalls.map((call) => (
              <button
                type="button"
                key={call.id}
                onClick={() => answerCall(choice, call)}
                title={`Add the answer and a tool message for ${call.id}`}
              >
                Answer {call.name || 'tool call'} ({call.id})
              </button>
            ))}
            <button
              type="button"
              onClick={() => continueAnswer(choice)}
              title="Add the answer as the final assistant message and let the model go on writing it (continue_final_message: true, add_generation_prompt: false)"
            >
              Continue{suffix}
            </button>
            {!several && regenerateButton}
          </div>
        );
      })}
      {several && <div className="button-row">{regenerateButton}</div>}
      {problem && (
        <div className="field-error" role="alert" data-testid="conversation-problem">
          {problem}
        </div>
      )}
    </div>
  );
}
