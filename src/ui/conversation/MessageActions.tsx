import { useState } from 'react';
import {
  addToolReply,
  truncateForRerun,
  unansweredToolCalls,
  type Message,
} from '../../request/conversation';
import { useRequestStore } from '../../store/requestStore';
import { focusMessage, runIfValid } from './runDraft';
import './loop.css';

/**
 * Per-message actions of the messages editor: rerun the conversation from this message
 * (the later messages are dropped; the run history keeps the earlier request), and answer
 * this message's tool calls with a tool message.
 */
export function MessageActions({ messages, index }: { messages: Message[]; index: number }) {
  const [problem, setProblem] = useState<string | null>(null);
  const message = messages[index]!;
  const isAssistant = message.role === 'assistant';
  const calls = unansweredToolCalls(messages, index);
  const set = (next: Message[]) => useRequestStore.getState().setParam('messages', next);

  const rerun = () => {
    const kept = truncateForRerun(messages, index);
    set(kept);
    setProblem(runIfValid({ ...useRequestStore.getState().draft, messages: kept }));
  };

  return (
    <div className="message-actions">
      <button
        type="button"
        onClick={rerun}
        title={
          isAssistant
            ? 'Drop this answer and everything after it, and run again'
            : 'Drop the messages after this one, and run'
        }
      >
        {isAssistant ? `Redo from message ${index + 1}` : `Rerun from message ${index + 1}`}
      </button>
      {calls.map((call) => (
        <button
          type="button"
          key={call.id}
          onClick={() => {
            const reply = addToolReply(messages, index, call);
            set(reply.messages);
            focusMessage(reply.index);
          }}
          title={`Add a tool message answering ${call.id}`}
        >
          Answer {call.name || 'tool call'} ({call.id})
        </button>
      ))}
      {problem && (
        <div className="field-error" role="alert">
          {problem}
        </div>
      )}
    </div>
  );
}
