/**
 * A `fetch` that answers `POST …/chat/completions` inside the tab, so that any OpenAI client
 * (`new OpenAI({ baseURL, apiKey, fetch })`) talks to the in-tab engine exactly as it would to
 * a server: JSON in; JSON out, or server-sent events when the handler streams; OpenAI error
 * objects with the right HTTP status; the request's AbortSignal honoured throughout.
 *
 * Errors thrown before the first chunk of a stream become an HTTP error (a server validates
 * before it starts streaming); errors after it become an SSE error event (see sse.ts).
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { encodeSse, toApiError } from './sse';
import { isHttpApiError, type ApiErrorBody } from './types';

export type InTabResult = ChatCompletion | AsyncIterable<ChatCompletionChunk>;

/** Answers one request body: a completion, or a chunk stream (or a promise of either). */
export type InTabHandler = (
  body: unknown,
  signal: AbortSignal,
) => InTabResult | Promise<InTabResult>;

export interface InTabFetchOptions {
  /** The path suffix served; default "/chat/completions". */
  path?: string;
}

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export function createInTabFetch(handler: InTabHandler, opts: InTabFetchOptions = {}): FetchLike {
  const path = opts.path ?? '/chat/completions';

  return async (input, init) => {
    const request = input instanceof Request ? input : null;
    const url = request ? request.url : String(input);
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const outer = init?.signal ?? request?.signal ?? null;
    if (outer?.aborted) throw abortReason(outer);

    const pathname = new URL(url, 'http://in-tab').pathname.replace(/\/+$/, '');
    if (!pathname.endsWith(path)) {
      return errorResponse(404, invalidRequest(`Invalid URL (${method} ${pathname})`));
    }
    if (method !== 'POST') {
      return errorResponse(405, invalidRequest(`Method ${method} not allowed on ${pathname}`));
    }

    let body: unknown;
    try {
      const text =
        init?.body != null ? await new Response(init.body).text() : await request?.text();
      body = JSON.parse(text ?? '');
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return errorResponse(400, invalidRequest(`The request body is not valid JSON: ${why}`));
    }

    // The handler gets its own signal: it also fires when the reader cancels the stream.
    const ac = new AbortController();
    const forward = () => ac.abort(outer?.reason);
    outer?.addEventListener('abort', forward, { once: true });
    const release = () => outer?.removeEventListener('abort', forward);

    try {
      const result = await untilAborted(Promise.resolve(handler(body, ac.signal)), ac.signal);
      if (!isAsyncIterable(result)) {
        release();
        return jsonResponse(200, result);
      }
      const it = result[Symbol.asyncIterator]();
      const first = await untilAborted(it.next(), ac.signal).catch(async (e: unknown) => {
        await it.return?.();
        throw e;
      });
      const events = replay(first, it, release);
      const stream = encodeSse(events, { signal: ac.signal, onCancel: () => ac.abort() });
      return new Response(stream, {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
        },
      });
    } catch (e) {
      release();
      if (ac.signal.aborted) throw abortReason(ac.signal);
      if (isHttpApiError(e)) return errorResponse(e.status, e.error);
      return errorResponse(500, toApiError(e));
    }
  };
}

/** The stream again from its first, already pulled, item; `done` runs however it ends. */
async function* replay<T>(
  first: IteratorResult<T>,
  it: AsyncIterator<T>,
  done: () => void,
): AsyncGenerator<T> {
  try {
    for (let r = first; !r.done; r = await it.next()) yield r.value;
  } finally {
    await it.return?.();
    done();
  }
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function invalidRequest(message: string): ApiErrorBody {
  return { message, type: 'invalid_request_error', param: null, code: null };
}

function jsonResponse(status: number, data: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Retrying cannot help a local failure, so tell OpenAI clients not to. */
function errorResponse(status: number, error: ApiErrorBody): Response {
  return jsonResponse(status, { error }, { 'x-should-retry': 'false' });
}
