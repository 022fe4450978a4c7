/**
 * The in-tab OpenAI endpoint: a fetch-compatible function answering
 * POST …/v1/chat/completions from the engine worker, so the official `openai` client can
 * talk to the tab exactly as it would to a server.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { createInTabFetch, type FetchLike } from '../response/inTabFetch';
import type { HttpApiError } from '../response/types';
import type { ChatRequest } from '../request/types';
import type { EngineClient } from './client';
import type { WorkerError } from './protocol';

export const IN_TAB_BASE_URL = 'http://in-tab.local/v1';

function httpErrorOf(e: WorkerError): HttpApiError {
  const { status, ...error } = e;
  return { status, error };
}

function runId(body: Record<string, unknown>): string {
  return typeof body.request_id === 'string' && body.request_id
    ? body.request_id
    : crypto.randomUUID().replace(/-/g, '');
}

/** A pushed sequence of chunks, read as an async iterable. */
function chunkQueue() {
  const items: ChatCompletionChunk[] = [];
  let done = false;
  let failure: HttpApiError | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  return {
    push(c: ChatCompletionChunk) {
      items.push(c);
      notify();
    },
    end() {
      done = true;
      notify();
    },
    fail(e: HttpApiError) {
      failure = e;
      notify();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<ChatCompletionChunk> {
      for (;;) {
        if (items.length) {
          yield items.shift()!;
          continue;
        }
        if (failure) throw failure;
        if (done) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}

export function createInTabEndpoint(
  client: EngineClient,
  ensureReady: () => Promise<void>,
): FetchLike {
  return createInTabFetch(async (rawBody, signal) => {
    const body = (typeof rawBody === 'object' && rawBody !== null ? rawBody : {}) as Record<
      string,
      unknown
    >;
    await ensureReady();
    const id = runId(body);
    signal.addEventListener('abort', () => client.cancel(id), { once: true });
    const request = body as unknown as ChatRequest;
    if (body.stream === true) {
      const q = chunkQueue();
      client.run(id, request, {
        onChunk: (c) => q.push(c),
        onDone: () => q.end(),
        onError: (e) => q.fail(httpErrorOf(e)),
      });
      return q;
    }
    return new Promise<ChatCompletion>((resolve, reject) => {
      client.run(id, request, {
        onDone: resolve,
        onError: (e) => reject(httpErrorOf(e)),
      });
    });
  });
}
