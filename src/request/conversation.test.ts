import { describe, expect, it } from 'vitest';
import { validateRequest } from './validate';
import {
  addAnswer,
  addToolReply,
  assistantMessage,
  cannotContinue,
  continueRequest,
  truncateForRerun,
  unansweredToolCalls,
  type Message,
} from './conversation';

const sys = { role: 'system', content: 'S' };
const user = { role: 'user', content: 'U' };
const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };

describe('addAnswer', () => {
  it('appends the answer as an assistant message', () => {
    expect(addAnswer([sys, user], { content: 'Hi', toolCalls: [] }, false)).toEqual([
      sys,
      user,
      { role: 'assistant', content: 'Hi' },
    ]);
  });

  it('keeps tool calls in the request shape, content null when there is no text', () => {
    const messages = addAnswer([user], { content: '', toolCalls: [call] }, false);
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ],
    });
    // The result is a request a server accepts.
    const r = validateRequest({
      model: 'm',
      messages: [...messages, { role: 'tool', tool_call_id: 'call_1', content: '18 C' }],
    });
    expect(r.ok).toBe(true);
  });

  it('a continued answer extends the final assistant message instead of adding one', () => {
    const messages = [user, { role: 'assistant', content: 'Once upon' }];
    expect(addAnswer(messages, { content: ' a time', toolCalls: [] }, true)).toEqual([
      user,
      { role: 'assistant', content: 'Once upon a time' },
    ]);
  });

  it('does not change its input', () => {
    const messages: Message[] = [user];
    addAnswer(messages, { content: 'x', toolCalls: [] }, false);
    expect(messages).toEqual([user]);
  });
});

describe('truncateForRerun', () => {
  const messages = [
    sys,
    user,
    { role: 'assistant', content: 'A' },
    { role: 'user', content: 'U2' },
  ];
  it('keeps a user message and drops everything after it', () => {
    expect(truncateForRerun(messages, 1)).toEqual([sys, user]);
    expect(truncateForRerun(messages, 3)).toEqual(messages);
  });
  it('drops an assistant message itself: it is the answer being redone', () => {
    expect(truncateForRerun(messages, 2)).toEqual([sys, user]);
  });
  it('leaves the messages as they are for an index out of range', () => {
    expect(truncateForRerun(messages, 9)).toEqual(messages);
  });
});

describe('continue', () => {
  it('sends continue_final_message with an explicit add_generation_prompt false', () => {
    const draft = { model: 'm', messages: [user, { role: 'assistant', content: 'Once' }] };
    const r = continueRequest(draft);
    expect(r.continue_final_message).toBe(true);
    expect(r.add_generation_prompt).toBe(false);
    expect(validateRequest(r).ok).toBe(true);
    expect(cannotContinue(draft)).toBeNull();
  });
  it('is refused, with the reason, when the last message is not an assistant message', () => {
    expect(cannotContinue({ messages: [user] })).toMatch(/assistant message last/);
  });
});

describe('tool replies', () => {
  const withCalls = addAnswer(
    [user],
    { content: '', toolCalls: [call, { id: 'call_2', name: 'get_time', arguments: '{}' }] },
    false,
  );

  it('lists the calls that no tool message answers yet', () => {
    expect(unansweredToolCalls(withCalls, 1)).toEqual([
      { id: 'call_1', name: 'get_weather' },
      { id: 'call_2', name: 'get_time' },
    ]);
    expect(unansweredToolCalls(withCalls, 0)).toEqual([]);
  });

  it('adds a tool message with the call id after the other answers of that message', () => {
    const one = addToolReply(withCalls, 1, { id: 'call_1', name: 'get_weather' });
    expect(one.index).toBe(2);
    expect(one.messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '' });
    expect(unansweredToolCalls(one.messages, 1)).toEqual([{ id: 'call_2', name: 'get_time' }]);
    const two = addToolReply([...one.messages, { role: 'user', content: 'later' }], 1, {
      id: 'call_2',
      name: 'get_time',
    });
    expect(two.index).toBe(3);
    expect(two.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
  });

  it('a plain answer carries no tool_calls field', () => {
    expect(assistantMessage({ content: 'x', toolCalls: [] })).toEqual({
      role: 'assistant',
      content: 'x',
    });
  });
});
