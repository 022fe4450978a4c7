import { describe, expect, it } from 'vitest';
import { encodeSse, toApiError } from './sse';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('encodeSse', () => {
  it('writes one data event per chunk, then [DONE]', async () => {
    async function* chunks() {
      yield { a: 1 };
      yield { b: 'é\n' };
    }
    expect(await readAll(encodeSse(chunks()))).toBe(
      'data: {"a":1}\n\ndata: {"b":"é\\n"}\n\ndata: [DONE]\n\n',
    );
  });

  it('an empty stream is just [DONE]', async () => {
    async function* none() {}
    expect(await readAll(encodeSse(none()))).toBe('data: [DONE]\n\n');
  });

  it('an error inside the stream becomes one error event, then [DONE]', async () => {
    async function* failing() {
      yield { n: 1 };
      throw {
        status: 400,
        error: { message: 'bad', type: 'invalid_request_error', param: 'x', code: null },
      };
    }
    expect(await readAll(encodeSse(failing()))).toBe(
      'data: {"n":1}\n\n' +
        'data: {"error":{"message":"bad","type":"invalid_request_error","param":"x","code":null}}\n\n' +
        'data: [DONE]\n\n',
    );
    async function* crashing() {
      yield* [];
      throw new Error('engine lost');
    }
    expect(await readAll(encodeSse(crashing()))).toContain(
      'data: {"error":{"message":"engine lost","type":"server_error","param":null,"code":null}}',
    );
  });

  it('cancelling the reader stops the source and reports it', async () => {
    let cleanedUp = false;
    let cancelled = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield { i };
      } finally {
        cleanedUp = true;
      }
    }
    const reader = encodeSse(endless(), { onCancel: () => (cancelled = true) }).getReader();
    await reader.read();
    await reader.cancel();
    expect(cleanedUp).toBe(true);
    expect(cancelled).toBe(true);
  });

  it('aborting errors the byte stream with the reason and stops the source', async () => {
    const ac = new AbortController();
    let returned = false;
    let calls = 0;
    const source: AsyncIterable<object> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          calls++ === 0
            ? Promise.resolve({ done: false, value: { first: true } })
            : new Promise<IteratorResult<object>>(() => {}), // the engine never answers
        return: () => {
          returned = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    const reader = encodeSse(source, { signal: ac.signal }).getReader();
    expect((await reader.read()).done).toBe(false);
    const pending = reader.read();
    ac.abort(new DOMException('stop', 'AbortError'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(returned).toBe(true);
  });
});

describe('toApiError', () => {
  it('keeps OpenAI error objects and wraps anything else', () => {
    const error = { message: 'm', type: 't', param: 'p', code: 400 };
    expect(toApiError({ status: 400, error })).toEqual(error);
    expect(toApiError({ error: { message: 'only message' } })).toEqual({
      message: 'only message',
      type: 'server_error',
      param: null,
      code: null,
    });
    expect(toApiError('boom')).toMatchObject({ message: 'boom', type: 'server_error' });
  });
});
