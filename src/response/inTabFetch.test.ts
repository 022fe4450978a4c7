import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  assembleCompletion,
  assembleStream,
  ResponseAssembler,
  type AssembleRequest,
  type EngineEvent,
} from './assemble';
import { createInTabFetch, type InTabHandler } from './inTabFetch';
import type { VllmChatCompletion, VllmDelta } from './types';

const enc = new TextEncoder();

/** A pretend engine: says `script` token by token (words and tags), for every choice. */
async function* fakeEngine(
  script: string,
  n: number,
  signal: AbortSignal,
  stopped: Set<number>,
): AsyncGenerator<EngineEvent> {
  const pieces = script.match(/<[^>]*>|\s*[^\s<]+|\s+/g) ?? [];
  for (let index = 0; index < n; index++) {
    let count = 0;
    for (const text of pieces) {
      if (signal.aborted || stopped.has(index)) break;
      count++;
      const token = { id: count, text, bytes: [...enc.encode(text)], logprob: -0.25, top: [] };
      yield { type: 'token', index, token };
      await Promise.resolve();
    }
    yield {
      type: 'end',
      index,
      end: { finishReason: 'stop', promptTokens: 11, completionTokens: count },
    };
  }
}

function makeHandler(script: string, log: { aborted?: boolean } = {}): InTabHandler {
  return (raw, signal) => {
    const body = raw as AssembleRequest & { stream?: boolean; messages?: unknown[] };
    if (typeof body.model !== 'string') {
      throw {
        status: 400,
        error: {
          message: 'model is required.',
          type: 'invalid_request_error',
          param: 'model',
          code: null,
        },
      };
    }
    signal.addEventListener('abort', () => (log.aborted = true));
    const asm = new ResponseAssembler(body, {
      newToolCallId: () => 'call_000000000000000000000042',
    });
    const stopped = new Set<number>();
    const events = fakeEngine(script, body.n ?? 1, signal, stopped);
    const onStop = (i: number) => stopped.add(i);
    return body.stream
      ? assembleStream(asm, events, onStop)
      : assembleCompletion(asm, events, onStop);
  };
}

function client(handler: InTabHandler) {
  return new OpenAI({
    baseURL: 'http://in-tab/v1',
    apiKey: 'x',
    fetch: createInTabFetch(handler),
    maxRetries: 0,
  });
}

const messages = [{ role: 'user' as const, content: 'Hi' }];

describe('createInTabFetch with the official openai client', () => {
  it('streams: chunks reassemble to the text, usage arrives last', async () => {
    const ai = client(makeHandler('<think>Greeting.</think>Hello there, friend.'));
    const stream = await ai.chat.completions.create({
      model: 'tiny',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const delta = (c: ChatCompletionChunk) => (c.choices[0]?.delta ?? {}) as VllmDelta;
    expect(chunks.map((c) => delta(c).content ?? '').join('')).toBe('Hello there, friend.');
    expect(chunks.map((c) => delta(c).reasoning_content ?? '').join('')).toBe('Greeting.');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.at(-1)).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: {
        prompt_tokens: 11,
        total_tokens: 11 + (chunks.at(-1)?.usage?.completion_tokens ?? 0),
      },
    });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams tool calls that the client library accumulates into a message', async () => {
    const script =
      'Checking.<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
    const ai = client(makeHandler(script));
    const runner = ai.chat.completions.stream({
      model: 'tiny',
      messages,
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      ],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        {
          id: 'call_000000000000000000000042',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
        },
      ],
    });
  });

  it('answers non-stream requests with a ChatCompletion, vLLM extras included', async () => {
    const ai = client(makeHandler('<think>Hmm.</think>Two plus two is four. The end.'));
    const done = (await ai.chat.completions.create({
      model: 'tiny',
      messages,
      n: 2,
      stop: ['. The'],
      logprobs: true,
    })) as VllmChatCompletion;
    expect(done.object).toBe('chat.completion');
    expect(done.id).toMatch(/^chatcmpl-/);
    expect(done.choices.map((c) => c.message.content)).toEqual([
      'Two plus two is four',
      'Two plus two is four',
    ]);
    expect(done.choices[0]).toMatchObject({
      finish_reason: 'stop',
      stop_reason: '. The',
      message: { reasoning_content: 'Hmm.' },
    });
    const perChoice = done.choices[0]?.logprobs?.content?.length ?? 0;
    expect(done.usage).toEqual({
      prompt_tokens: 11,
      completion_tokens: 2 * perChoice,
      total_tokens: 11 + 2 * perChoice,
    });
  });

  it('turns a thrown error object into the HTTP status the client raises', async () => {
    const ai = client(makeHandler('x'));
    const err = await ai.chat.completions
      .create({ messages } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'model', type: 'invalid_request_error' });
    // The same for a stream: validation happens before the first byte.
    const err2 = await ai.chat.completions
      .create({ messages, stream: true } as unknown as OpenAI.ChatCompletionCreateParamsStreaming)
      .catch((e: unknown) => e);
    expect(err2).toMatchObject({ status: 400, param: 'model' });
  });

  it('an error after streaming started reaches the client as an APIError', async () => {
    const ai = client(async function* () {
      yield { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [] };
      throw new Error('engine crashed');
    });
    const stream = await ai.chat.completions.create({ model: 'm', messages, stream: true });
    const err = await (async () => {
      for await (const _ of stream) {
        /* drain */
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('engine crashed');
  });

  it('honours the AbortSignal mid-stream and tells the handler', async () => {
    const log: { aborted?: boolean } = {};
    const ai = client(makeHandler('one two three four five six seven eight', log));
    const ac = new AbortController();
    const stream = await ai.chat.completions.create(
      { model: 'm', messages, stream: true },
      { signal: ac.signal },
    );
    let seen = 0;
    const err = await (async () => {
      for await (const _ of stream) {
        if (++seen === 3) ac.abort();
      }
    })().catch((e: unknown) => e);
    // With a real fetch too, the openai client ends the iteration quietly on abort.
    expect(err).toBeUndefined();
    expect(log.aborted).toBe(true);
    expect(seen).toBeLessThan(8);
  });

  it('a consumer that stops reading (break) stops the handler', async () => {
    const log: { aborted?: boolean } = {};
    const ai = client(makeHandler('one two three four five six seven eight', log));
    const stream = await ai.chat.completions.create({ model: 'm', messages, stream: true });
    for await (const _ of stream) break;
    expect(log.aborted).toBe(true);
  });

  it('honours the AbortSignal while a non-stream answer is pending', async () => {
    let handlerSignal: AbortSignal | null = null;
    const ai = client((_body, signal) => {
      handlerSignal = signal;
      return new Promise(() => {});
    });
    const ac = new AbortController();
    const pending = ai.chat.completions.create({ model: 'm', messages }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    expect((handlerSignal as AbortSignal | null)?.aborted).toBe(true);
  });
});

describe('createInTabFetch as plain fetch', () => {
  const fetchIt = createInTabFetch(makeHandler('ok'));

  it('404 for other paths, 405 for other methods, 400 for a body that is not JSON', async () => {
    const notFound = await fetchIt('http://in-tab/v1/models', { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/models)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    expect((await fetchIt('http://in-tab/v1/chat/completions')).status).toBe(405);
    const bad = await fetchIt('http://in-tab/v1/chat/completions', { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/JSON/);
  });

  it('JSON in, JSON out; SSE with [DONE] when streaming; accepts a Request', async () => {
    const url = 'http://in-tab/v1/chat/completions';
    const json = await fetchIt(url, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages }),
    });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(((await json.json()) as VllmChatCompletion).choices[0]?.message.content).toBe('ok');
    const sse = await fetchIt(
      new Request(url, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true }) }),
    );
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await sse.text();
    expect(text.startsWith('data: {"id":"chatcmpl-')).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      fetchIt('http://in-tab/v1/chat/completions', {
        method: 'POST',
        body: '{}',
        signal: ac.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});
