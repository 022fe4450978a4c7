import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  assembleCompletion,
  assembleStream,
  echoTextOf,
  normalizeToolChoice,
  ResponseAssembler,
  type AssembleOptions,
  type AssembleRequest,
  type EngineEvent,
} from './assemble';
import type { EngineEnd, EngineToken, VllmChatCompletionChunk } from './types';

const enc = new TextEncoder();
let nextId = 100;

function tok(text: string, logprob = -0.5): EngineToken {
  const id = nextId++;
  return {
    id,
    text,
    bytes: [...enc.encode(text)],
    logprob,
    top: [
      { id, text, bytes: [...enc.encode(text)], logprob },
      { id: 1, text: 'x', bytes: [120], logprob: -2 },
      { id: 2, text: 'y', bytes: [121], logprob: -Infinity },
    ],
  };
}

const END = (completionTokens: number, finishReason: EngineEnd['finishReason'] = 'stop') => ({
  finishReason,
  promptTokens: 7,
  completionTokens,
});

const OPTS: AssembleOptions = {
  created: 1700000000,
  newToolCallId: () => 'call_abcdefghijklmnopqrstuvwx',
};

function run(req: Partial<AssembleRequest>, texts: string[], end?: EngineEnd, opts = OPTS) {
  const asm = new ResponseAssembler({ model: 'm', request_id: 'r1', ...req }, opts);
  const chunks: VllmChatCompletionChunk[] = [];
  const stops: boolean[] = [];
  for (const t of texts) {
    const r = asm.token(0, tok(t));
    chunks.push(...r.chunks);
    stops.push(r.stop);
  }
  chunks.push(...asm.end(0, end ?? END(texts.length)));
  chunks.push(...asm.finish());
  return { asm, chunks, stops, completion: asm.completion() };
}

function deltas(chunks: VllmChatCompletionChunk[], index = 0) {
  return chunks.flatMap((c) => c.choices.filter((ch) => ch.index === index));
}

function joined(chunks: VllmChatCompletionChunk[], key: 'content' | 'reasoning_content', i = 0) {
  return deltas(chunks, i)
    .map((c) => c.delta[key] ?? '')
    .join('');
}

describe('ResponseAssembler: stream shape', () => {
  it('sends the role first, then text, then finish_reason, with OpenAI chunk fields', () => {
    const { chunks } = run({}, ['Hel', 'lo', ' world']);
    expect(chunks[0]).toEqual({
      id: 'chatcmpl-r1',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'm',
      choices: [
        {
          index: 0,
          delta: { role: 'assistant', content: '' },
          logprobs: null,
          finish_reason: null,
        },
      ],
    });
    expect(joined(chunks, 'content')).toBe('Hello world');
    expect(chunks.at(-1)?.choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: 'stop', stop_reason: null },
    ]);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).length).toBe(1);
  });

  it('include_usage: usage null on every chunk, then a last chunk with no choices', () => {
    const { chunks } = run({ stream_options: { include_usage: true } }, ['a', 'b'], END(3));
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
  });

  it("usage reports the prompt tokens the engine reused from its cache (OpenAI's cached_tokens)", () => {
    const asm = new ResponseAssembler({ model: 'm', request_id: 'r1', n: 2 }, OPTS);
    asm.token(0, tok('a'));
    asm.end(0, { ...END(1), cachedPromptTokens: 5 });
    asm.token(1, tok('b'));
    asm.end(1, { ...END(1), cachedPromptTokens: 6 });
    expect(asm.completion().usage).toEqual({
      prompt_tokens: 7,
      completion_tokens: 2,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 5 },
    });
    // an engine without a prompt cache reports nothing, and usage has no details
    expect(run({}, ['a']).completion.usage).not.toHaveProperty('prompt_tokens_details');
  });

  it('generates a vLLM-style id without request_id and carries system_fingerprint', () => {
    const asm = new ResponseAssembler(
      { model: 'm' },
      { systemFingerprint: 'fp_intab', newRequestId: () => 'abc' },
    );
    expect(asm.id).toBe('chatcmpl-abc');
    expect(asm.start()[0]).toMatchObject({ system_fingerprint: 'fp_intab' });
    expect(new ResponseAssembler({ model: 'm' }).id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
  });
});

describe('ResponseAssembler: stop strings and logprobs', () => {
  it('cuts at the stop string, asks to stop, ignores later tokens, counts like vLLM', () => {
    const asm = new ResponseAssembler(
      { model: 'm', request_id: 'r', stop: ['\n\n'], logprobs: true, top_logprobs: 2 },
      OPTS,
    );
    const chunks: VllmChatCompletionChunk[] = [];
    const answers = ['Hi', ' there\n', '\nBye', 'late'].map((t) => asm.token(0, tok(t)));
    answers.forEach((a) => chunks.push(...a.chunks));
    expect(answers.map((a) => a.stop)).toEqual([false, false, true, true]);
    expect(answers[3]?.chunks).toEqual([]);
    // The engine reports the length limit and more tokens than were accepted.
    chunks.push(...asm.end(0, END(9, 'length')));
    const done = asm.completion();
    expect(joined(chunks, 'content')).toBe('Hi there');
    expect(done.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'Hi there' },
      finish_reason: 'stop',
      stop_reason: '\n\n',
    });
    // Every token up to and including the one that completed the stop string has an entry.
    const entries = done.choices[0]?.logprobs?.content ?? [];
    expect(entries.map((e) => e.token)).toEqual(['Hi', ' there\n', '\nBye']);
    expect(done.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    // The stream carries the same entries, each once, in order.
    const streamed = deltas(chunks).flatMap((c) => c.logprobs?.content ?? []);
    expect(streamed).toEqual(entries);
  });

  it('logprob entries have OpenAI shape; top_logprobs has the requested length; -inf is clamped', () => {
    const { completion } = run({ logprobs: true, top_logprobs: 3 }, ['é']);
    expect(completion.choices[0]?.logprobs).toEqual({
      content: [
        {
          token: 'é',
          logprob: -0.5,
          bytes: [195, 169],
          top_logprobs: [
            { token: 'é', logprob: -0.5, bytes: [195, 169] },
            { token: 'x', logprob: -2, bytes: [120] },
            { token: 'y', logprob: -9999, bytes: [121] },
          ],
        },
      ],
      refusal: null,
    });
    const none = run({ logprobs: true }, ['a']).completion.choices[0]?.logprobs?.content;
    expect(none?.[0]?.top_logprobs).toEqual([]);
  });

  it('include_stop_str_in_output keeps the stop string and holds nothing back (vLLM)', () => {
    const asm = new ResponseAssembler(
      { model: 'm', request_id: 'r', stop: ['END'], include_stop_str_in_output: true },
      OPTS,
    );
    const answers = ['a E', 'N', 'Dxx', 'late'].map((t) => asm.token(0, tok(t)));
    // Each piece is shown at once (no hold-back), cut right after the stop string.
    expect(answers.map((a) => joined(a.chunks, 'content'))).toEqual(['a E', 'N', 'D', '']);
    expect(answers.map((a) => a.stop)).toEqual([false, false, true, true]);
    asm.end(0, END(4));
    expect(asm.completion().choices[0]).toMatchObject({
      message: { content: 'a END' },
      finish_reason: 'stop',
      stop_reason: 'END',
    });
    // Without it the same stop string is cut off.
    expect(run({ stop: ['END'] }, ['a E', 'N', 'Dxx']).completion.choices[0]?.message.content).toBe(
      'a ',
    );
  });

  it('stop_token_ids end the choice at that token, which stays in the text; stop_reason is the id', () => {
    const asm = new ResponseAssembler({ model: 'm', request_id: 'r', stop_token_ids: [7] }, OPTS);
    const t = (id: number, text: string): EngineToken => ({
      id,
      text,
      bytes: [...enc.encode(text)],
      logprob: -1,
      top: [],
    });
    const answers = [t(1, 'a'), t(7, 'b'), t(2, 'c')].map((x) => asm.token(0, x));
    expect(answers.map((a) => a.stop)).toEqual([false, true, true]);
    const chunks = asm.end(0, END(2, 'length'));
    expect(chunks.at(-1)?.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: 7 });
    expect(asm.completion().choices[0]).toMatchObject({
      message: { content: 'ab' },
      finish_reason: 'stop',
      stop_reason: 7,
    });
  });

  it('return_tokens_as_token_ids writes logprob tokens as "token_id:<id>" with those bytes', () => {
    const { completion } = run(
      { logprobs: true, top_logprobs: 2, return_tokens_as_token_ids: true },
      ['é'],
    );
    const entry = completion.choices[0]?.logprobs?.content?.[0];
    const id = entry?.token.replace('token_id:', '');
    expect(entry?.token).toMatch(/^token_id:\d+$/);
    expect(entry?.bytes).toEqual([...enc.encode(`token_id:${id}`)]);
    expect(entry?.top_logprobs.map((a) => a.token)).toEqual([`token_id:${id}`, 'token_id:1']);
    // The text itself is unchanged.
    expect(completion.choices[0]?.message.content).toBe('é');
  });

  it('without logprobs, logprobs is null everywhere', () => {
    const { chunks, completion } = run({}, ['a', 'b']);
    expect(completion.choices[0]?.logprobs).toBeNull();
    expect(deltas(chunks).every((c) => c.logprobs === null)).toBe(true);
  });

  it('a held-back token still sends its logprob entry in its own step', () => {
    const { chunks } = run({ stop: ['END'], logprobs: true }, ['a', 'EN', 'b']);
    const step = deltas(chunks).filter((c) => c.logprobs?.content?.[0]?.token === 'EN');
    expect(step).toEqual([
      {
        index: 0,
        delta: {},
        logprobs: { content: [expect.objectContaining({ token: 'EN' })], refusal: null },
        finish_reason: null,
      },
    ]);
    expect(joined(chunks, 'content')).toBe('aENb');
  });

  it('a character split across tokens: each token has its raw bytes, the text shows it once whole', () => {
    // "’" is e2 80 99; the engine adds it to the text with the token that completes it.
    const asm = new ResponseAssembler(
      { model: 'm', request_id: 'r1', logprobs: true, stream_options: null },
      OPTS,
    );
    const parts: EngineToken[] = [
      { id: 1, text: 'it', bytes: [105, 116], logprob: -1, top: [] },
      { id: 2, text: '', bytes: [0xe2, 0x80], logprob: -2, top: [] },
      { id: 3, text: '’s', bytes: [0x99, 115], logprob: -3, top: [] },
    ];
    const chunks = parts.flatMap((t) => asm.token(0, t).chunks);
    chunks.push(...asm.end(0, END(3)));
    const entries = asm.completion().choices[0]?.logprobs?.content ?? [];
    expect(entries.map((e) => [e.token, e.bytes])).toEqual([
      ['it', [105, 116]],
      ['\ufffd', [0xe2, 0x80]],
      ['\ufffds', [0x99, 115]],
    ]);
    expect(joined(chunks, 'content')).toBe('it’s');
    expect(deltas(chunks).map((c) => c.delta.content ?? null)).toEqual([
      '',
      'it',
      null,
      '’s',
      null,
    ]);
    const bytes = entries.flatMap((e) => e.bytes ?? []);
    expect(new TextDecoder().decode(new Uint8Array(bytes))).toBe(
      asm.completion().choices[0]?.message.content,
    );
  });
});

describe('ResponseAssembler: reasoning, tools, echo', () => {
  const thinking = ['<thi', 'nk>', 'Let me', ' think', '</think>', '\n\nIt is ', '4.'];

  it('include_reasoning true: reasoning_content in deltas and message, never in content', () => {
    const { chunks, completion } = run({ include_reasoning: true }, thinking);
    expect(joined(chunks, 'reasoning_content')).toBe('Let me think');
    expect(joined(chunks, 'content')).toBe('\n\nIt is 4.');
    expect(completion.choices[0]?.message).toEqual({
      role: 'assistant',
      content: '\n\nIt is 4.',
      refusal: null,
      reasoning_content: 'Let me think',
    });
  });

  it('include_reasoning false: reasoning is dropped; its tokens still count', () => {
    const { chunks, completion } = run({ include_reasoning: false, logprobs: true }, thinking);
    expect(joined(chunks, 'reasoning_content')).toBe('');
    expect(joined(chunks, 'content')).toBe('\n\nIt is 4.');
    expect(completion.choices[0]?.message).not.toHaveProperty('reasoning_content');
    expect(completion.choices[0]?.logprobs?.content).toHaveLength(thinking.length);
  });

  it('startsInReasoning: the prompt ended inside <think>', () => {
    const { completion } = run({}, ['plan', '</think>', 'ok'], undefined, {
      ...OPTS,
      reasoning: { startsInReasoning: true },
    });
    expect(completion.choices[0]?.message).toMatchObject({
      reasoning_content: 'plan',
      content: 'ok',
    });
  });

  const callText = [
    '<tool_',
    'call>\n{"name": "get_weather", ',
    '"arguments": {"city": ',
    '"Paris"}}\n</tool_call>',
  ];
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: {} } }];

  it('tool calls: streamed deltas, message tool_calls, finish_reason tool_calls', () => {
    const { chunks, completion } = run({ tools }, callText);
    const calls = deltas(chunks).flatMap((c) => c.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'call_abcdefghijklmnopqrstuvwx',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(calls.map((c) => c.function?.arguments ?? '').join('')).toBe('{"city": "Paris"}');
    expect(joined(chunks, 'content')).toBe('');
    expect(deltas(chunks).at(-1)?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: null,
        tool_calls: [
          {
            id: 'call_abcdefghijklmnopqrstuvwx',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
          },
        ],
      },
    });
  });

  it('tool_choice none, or no tools: the same text is plain content', () => {
    for (const req of [{ tools, tool_choice: 'none' }, {}]) {
      const { completion } = run(req, callText);
      expect(completion.choices[0]).toMatchObject({
        finish_reason: 'stop',
        message: { content: callText.join('') },
      });
      expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    }
  });

  it('named tool_choice: the output is the arguments; finish_reason stays stop (OpenAI)', () => {
    const { completion } = run(
      { tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } },
      ['{"city"', ': "Oslo"}'],
    );
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: null, tool_calls: [{ function: { arguments: '{"city": "Oslo"}' } }] },
    });
  });

  it('echo: the last assistant message comes first, in the stream and the message', () => {
    const lastMessage = { role: 'assistant', content: 'The answer is' };
    const { chunks, completion } = run({ echo: true }, [' 4.'], undefined, {
      ...OPTS,
      lastMessage,
    });
    expect(deltas(chunks)[1]).toEqual({
      index: 0,
      delta: { content: 'The answer is' },
      logprobs: null,
      finish_reason: null,
    });
    expect(joined(chunks, 'content')).toBe('The answer is 4.');
    expect(completion.choices[0]?.message.content).toBe('The answer is 4.');
    const user = run({ echo: true }, ['x'], undefined, {
      ...OPTS,
      lastMessage: { role: 'user', content: 'Q' },
    });
    expect(user.completion.choices[0]?.message.content).toBe('x');
  });

  it('echo text of content parts is joined with newlines; other roles echo nothing', () => {
    const parts = [
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ];
    expect(echoTextOf({ role: 'assistant', content: parts })).toBe('a\nb');
    expect(echoTextOf({ role: 'assistant', content: null })).toBe('');
    expect(echoTextOf({ role: 'user', content: 'q' })).toBe('');
  });
});

describe('ResponseAssembler: n choices', () => {
  it('interleaved choices stay apart; usage sums completion tokens', () => {
    const asm = new ResponseAssembler({ model: 'm', request_id: 'r', n: 2 }, OPTS);
    const chunks: VllmChatCompletionChunk[] = [...asm.start()];
    chunks.push(...asm.token(1, tok('B1')).chunks);
    chunks.push(...asm.token(0, tok('A1')).chunks);
    chunks.push(...asm.token(1, tok('B2')).chunks);
    chunks.push(...asm.end(1, END(2)));
    chunks.push(...asm.token(0, tok('A2')).chunks);
    chunks.push(...asm.end(0, END(3, 'length')));
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(joined(chunks, 'content', 0)).toBe('A1A2');
    expect(joined(chunks, 'content', 1)).toBe('B1B2');
    expect(chunks.slice(0, 2).map((c) => c.choices[0]?.delta.role)).toEqual([
      'assistant',
      'assistant',
    ]);
    const done = asm.completion();
    expect(done.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'A1A2', 'length'],
      [1, 'B1B2', 'stop'],
    ]);
    expect(done.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
  });

  it('refuses out-of-range indexes and a completion before every choice ended', () => {
    const asm = new ResponseAssembler({ model: 'm', n: 2 }, OPTS);
    expect(() => asm.token(2, tok('x'))).toThrow(RangeError);
    asm.end(0, END(0));
    expect(asm.done).toBe(false);
    expect(() => asm.completion()).toThrow(/choice 1/);
  });
});

describe('drivers', () => {
  async function* events(list: EngineEvent[]): AsyncGenerator<EngineEvent> {
    yield* list;
  }

  it('assembleStream and assembleCompletion agree and report the stop once', async () => {
    const list: EngineEvent[] = [
      { type: 'token', index: 0, token: tok('one ') },
      { type: 'token', index: 0, token: tok('two') },
      { type: 'token', index: 0, token: tok(' three') },
      { type: 'end', index: 0, end: END(3) },
    ];
    const req = { model: 'm', request_id: 'x', stop: 'two' };
    const stopsA: number[] = [];
    const chunks: VllmChatCompletionChunk[] = [];
    for await (const c of assembleStream(new ResponseAssembler(req, OPTS), events(list), (i) =>
      stopsA.push(i),
    )) {
      chunks.push(c);
    }
    const stopsB: number[] = [];
    const done = await assembleCompletion(new ResponseAssembler(req, OPTS), events(list), (i) =>
      stopsB.push(i),
    );
    expect(joined(chunks, 'content')).toBe('one ');
    expect(done.choices[0]?.message.content).toBe('one ');
    expect(stopsA).toEqual([0]);
    expect(stopsB).toEqual([0]);
    expect(done.usage?.completion_tokens).toBe(2);
  });
});

describe('property: the stream and the non-stream answer agree', () => {
  const piece = fc.string({
    unit: fc.constantFrom('a', ' ', '\n', '<think>', '</think>', '<', '>', 'S', 'T'),
    maxLength: 4,
  });
  it('content and reasoning, for any tokens, stop strings and options', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.constantFrom('ST', 'a\n', '>', 'TS a'), { maxLength: 2 }),
        fc.boolean(),
        fc.boolean(),
        (texts, stop, includeReasoning, echo) => {
          const { chunks, completion } = run(
            { stop, include_reasoning: includeReasoning, echo, logprobs: true },
            texts,
            undefined,
            { ...OPTS, lastMessage: { role: 'assistant', content: 'E:' } },
          );
          const msg = completion.choices[0]?.message;
          expect(joined(chunks, 'content')).toBe(msg?.content ?? '');
          expect(joined(chunks, 'reasoning_content')).toBe(msg?.reasoning_content ?? '');
          const streamed = deltas(chunks).flatMap((c) => c.logprobs?.content ?? []);
          expect(streamed).toEqual(completion.choices[0]?.logprobs?.content);
          expect(streamed.length).toBe(completion.usage?.completion_tokens);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('normalizeToolChoice', () => {
  it('follows OpenAI defaults', () => {
    expect(normalizeToolChoice(undefined, false)).toBe('none');
    expect(normalizeToolChoice('auto', false)).toBe('none');
    expect(normalizeToolChoice(undefined, true)).toBe('auto');
    expect(normalizeToolChoice('required', true)).toBe('required');
    expect(normalizeToolChoice({ type: 'function', function: { name: 'f' } }, true)).toEqual({
      type: 'function',
      function: { name: 'f' },
    });
  });
});
