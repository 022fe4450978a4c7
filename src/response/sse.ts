/**
 * Server-sent events as OpenAI and vLLM send them: one `data: <json>` event per chunk, then
 * `data: [DONE]`. An error after the stream started cannot change the HTTP status any more, so
 * it goes out as one `data: {"error": {...}}` event, followed by `data: [DONE]` (vLLM).
 */
import { isHttpApiError, type ApiErrorBody } from './types';

export interface SseOptions {
  /** Aborting errors the byte stream with the signal's reason and stops the source. */
  signal?: AbortSignal;
  /** Called when the reader cancels the stream before it ended. */
  onCancel?: () => void;
}

const encoder = new TextEncoder();
const DONE = encoder.encode('data: [DONE]\n\n');

export function sseEvent(data: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
}

/** The OpenAI error object for anything thrown. */
export function toApiError(e: unknown): ApiErrorBody {
  if (isHttpApiError(e)) return e.error;
  const inner = (e as { error?: unknown } | null)?.error;
  if (typeof inner === 'object' && inner !== null && 'message' in inner) {
    const o = inner as Partial<ApiErrorBody>;
    return {
      message: String(o.message),
      type: o.type ?? 'server_error',
      param: o.param ?? null,
      code: o.code ?? null,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { message, type: 'server_error', param: null, code: null };
}

export function encodeSse(
  chunks: AsyncIterable<object>,
  opts: SseOptions = {},
): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  let finished = false;
  let onAbort: (() => void) | null = null;

  const stop = () => {
    finished = true;
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const signal = opts.signal;
      if (!signal) return;
      onAbort = () => {
        if (finished) return;
        stop();
        controller.error(signal.reason);
        void it.return?.();
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      if (finished) return;
      let event: Uint8Array | null;
      try {
        const r = await it.next();
        event = r.done ? null : sseEvent(r.value);
      } catch (e) {
        if (finished) return;
        stop();
        controller.enqueue(sseEvent({ error: toApiError(e) }));
        controller.enqueue(DONE);
        controller.close();
        return;
      }
      if (finished) return; // aborted while waiting
      if (event) {
        controller.enqueue(event);
        return;
      }
      stop();
      controller.enqueue(DONE);
      controller.close();
    },
    async cancel() {
      if (finished) return;
      stop();
      opts.onCancel?.();
      await it.return?.();
    },
  });
}
