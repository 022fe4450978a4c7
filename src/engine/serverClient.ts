/**
 * Runs a request on an OpenAI-compatible server (vLLM, the OpenAI API) from the page, with
 * the official `openai` client. No React, no store: the caller gives the translated body
 * (src/server/translate.ts) and receives chunks, the completion, or one structured error.
 *
 * Errors are kept as the server sent them (status, message, type, param, code), including
 * an error event inside a stream. A fetch that fails with no status (the browser's
 * TypeError) is explained: a cross-origin refusal, an unreachable server, or mixed content.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { WorkerError } from './protocol';

export interface ServerConfig {
  /** The OpenAI-compatible base URL, e.g. http://localhost:8000/v1 */
  baseUrl: string;
  /** Sent as a bearer token; never stored or logged here. */
  apiKey: string;
}

export type ServerErrorKind =
  /** The server answered with an HTTP error status. */
  | 'http'
  /** An error event inside a stream that had started with 200. */
  | 'stream'
  /** The server answers, but the browser refused the response (CORS). */
  | 'cross-origin'
  /** The browser could not reach the server at all. */
  | 'unreachable'
  /** An https page may not call an http server. */
  | 'mixed-content'
  | 'timeout'
  | 'cancelled'
  /** The settings or the client failed before anything was sent. */
  | 'client';

export interface ServerRunError extends WorkerError {
  kind: ServerErrorKind;
  /** One line about where the error came from or how to fix it; absent when the error says it all. */
  note?: string;
}

export interface ServerRunHandlers {
  /** The server accepted the request (response headers arrived). */
  onStarted?: () => void;
  onChunk?: (chunk: ChatCompletionChunk) => void;
  /** The whole completion (non-stream), or null at the end of a stream. */
  onDone?: (completion: ChatCompletion | null) => void;
  onError?: (error: ServerRunError) => void;
}

export class ServerConfigError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a base URL and drops trailing slashes. Throws ServerConfigError. */
export function checkBaseUrl(raw: string): string {
  const s = raw.trim();
  if (s === '')
    throw new ServerConfigError('Give the server\u2019s base URL, e.g. http://localhost:8000/v1.');
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ServerConfigError(`"${s}" is not a URL; give e.g. http://localhost:8000/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ServerConfigError(
      `The base URL must start with http:// or https://, not ${url.protocol}.`,
    );
  if (url.username !== '' || url.password !== '')
    throw new ServerConfigError(
      'The base URL carries credentials; put the key in the API key field.',
    );
  return s.replace(/\/+$/, '');
}

/** Hosts that browsers treat as potentially trustworthy over plain http. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(hostname)
  );
}

/** True when the browser blocks this call before sending it: an https page, an http server. */
export function isMixedContent(pageUrl: string, baseUrl: string): boolean {
  try {
    const page = new URL(pageUrl);
    const server = new URL(baseUrl);
    return (
      page.protocol === 'https:' && server.protocol === 'http:' && !isLoopbackHost(server.hostname)
    );
  } catch {
    return false;
  }
}

function isAbort(e: unknown): boolean {
  return (
    isObject(e) &&
    (e.name === 'AbortError' ||
      // openai's APIUserAbortError keeps the class name only in unminified builds.
      e.constructor?.name === 'APIUserAbortError' ||
      e.message === 'Request was aborted.')
  );
}

/**
 * A fetch that failed without any response: the browser's TypeError ("Failed to fetch" in
 * Chromium, "NetworkError when attempting to fetch resource." in Firefox, "Load failed" in
 * Safari), as it is or wrapped by the openai client (APIConnectionError, with the TypeError
 * as its cause and no status).
 */
export function isFetchFailure(e: unknown): boolean {
  if (e instanceof TypeError) return true;
  if (!isObject(e) || e.status !== undefined || isObject(e.error)) return false;
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof TypeError || (isObject(cause) && cause.name === 'TypeError');
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return null;
  return JSON.stringify(v);
}

function numericCode(code: unknown): number | null {
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code)) return Number(code);
  return null;
}

/** The message of a non-OpenAI error body (FastAPI's {"detail": ...}, plain text). */
function messageOfBody(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (isObject(v)) {
      if (isObject(v.error) && v.error.message !== undefined) return str(v.error.message);
      if (v.detail !== undefined) return str(v.detail);
      if (v.message !== undefined) return str(v.message);
    }
    return raw.trim();
  } catch {
    return raw.trim();
  }
}

/**
 * An error the server sent: an HTTP error status (`e.status`), or an error event inside a
 * stream (no status, `e.error` holds the event's error object). `rawBody` is the error
 * response's text, for servers whose error body is not OpenAI's shape.
 */
export function errorFromServer(e: unknown, rawBody?: string | null): ServerRunError | null {
  if (!isObject(e)) return null;
  const err = isObject(e.error) ? e.error : null;
  const status = typeof e.status === 'number' ? e.status : null;
  if (status === null && err === null) return null;
  const fields = {
    type: str(err?.type) ?? (status !== null ? 'http_error' : 'error'),
    param: str(err?.param),
    code: typeof err?.code === 'number' || typeof err?.code === 'string' ? err.code : null,
  };
  if (status !== null) {
    const message =
      str(err?.message) ??
      messageOfBody(rawBody) ??
      (typeof e.message === 'string' ? e.message : `HTTP ${status}`);
    return { kind: 'http', status, message, ...fields };
  }
  // An error event inside a 200 stream: vLLM puts the HTTP status it would have used in code.
  return {
    kind: 'stream',
    status: numericCode(err?.code) ?? 200,
    message: str(err?.message) ?? JSON.stringify(err),
    ...fields,
    note: 'The server sent this error as an event inside the stream, after answering 200.',
  };
}

export interface FetchFailureContext {
  /** The page's URL (location.href). */
  pageUrl: string;
  baseUrl: string;
  /**
   * Whether the server answered a plain no-cors request: true means it is up and the
   * browser refused its answer to the real request (CORS); false means it could not be
   * reached; null means not known.
   */
  reachable: boolean | null;
  /** The browser's own message, e.g. "Failed to fetch". */
  browserMessage: string;
}

/** Explains a fetch that failed with no status, with the fix. */
export function explainFetchFailure(ctx: FetchFailureContext): ServerRunError {
  let origin = ctx.pageUrl;
  try {
    origin = new URL(ctx.pageUrl).origin;
  } catch {
    // keep the page URL as it is
  }
  const base = { status: 0, param: null, code: null };
  const browser = ctx.browserMessage ? ` (the browser said: ${ctx.browserMessage})` : '';
  if (isMixedContent(ctx.pageUrl, ctx.baseUrl)) {
    return {
      ...base,
      kind: 'mixed-content',
      type: 'mixed_content',
      message: `The browser blocked the request: this page is served over https and ${ctx.baseUrl} is plain http${browser}.`,
      note: 'Serve the model over https (e.g. behind a TLS proxy), or open the playground over http (e.g. http://localhost).',
    };
  }
  const allowed = `--allowed-origins '${JSON.stringify([origin])}'`;
  if (ctx.reachable === false) {
    return {
      ...base,
      kind: 'unreachable',
      type: 'connection_error',
      message: `Could not reach ${ctx.baseUrl}${browser}: nothing answered there.`,
      note: `Check that the server runs and that the URL, port and /v1 path are right. If it does run, it may also refuse this page's origin (${origin}): vLLM refuses other origins unless started with ${allowed.split(' ')[0]}, a list that includes ${origin}, e.g. ${allowed}.`,
    };
  }
  const certain = ctx.reachable === true;
  return {
    ...base,
    kind: 'cross-origin',
    type: 'cross_origin_error',
    message: `${
      certain
        ? `${ctx.baseUrl} answers, but the browser refused its answer to this page`
        : `The browser could not complete the request to ${ctx.baseUrl}, most likely because the server does not allow this page`
    }: a cross-origin (CORS) failure${browser}. The server must allow this page's origin, ${origin}.`,
    note: `Fix: start vLLM with ${allowed} (without the flag vLLM refuses cross-origin requests; a list must name ${origin}), and let a proxy in front of it pass the preflight (OPTIONS) with Access-Control-Allow-Origin and the Authorization and Content-Type headers allowed (vLLM's default --allowed-headers '["*"]' does). If the server already allows this origin and runs with --api-key, check the API key: vLLM's 401 for a wrong or missing key carries no CORS headers, so the browser reports it as this same CORS failure.`,
  };
}

/**
 * A hint for a 404 when the base URL does not end in /v1: vLLM and llama-server serve the
 * API under /v1 and answer a bare 404 ("Not Found") anywhere else.
 */
export function missingV1Hint(baseUrl: string): string | null {
  let path: string;
  try {
    path = new URL(baseUrl).pathname.replace(/\/+$/, '');
  } catch {
    return null;
  }
  if (/\/v1$/.test(path)) return null;
  return `${baseUrl}/chat/completions does not exist on this server. OpenAI-compatible servers (vLLM, llama-server) serve the API under /v1: try ${baseUrl.replace(/\/+$/, '')}/v1 as the base URL.`;
}

/** Maps anything a server run threw to one error; the fetch-failure case needs `reachable`. */
export function mapServerError(
  e: unknown,
  ctx: {
    aborted: boolean;
    rawBody?: string | null;
    pageUrl: string;
    baseUrl: string;
    reachable: boolean | null;
  },
): ServerRunError {
  if (ctx.aborted || isAbort(e))
    return {
      kind: 'cancelled',
      status: 499,
      type: 'cancelled',
      message: 'Cancelled.',
      param: null,
      code: null,
    };
  const fromServer = errorFromServer(e, ctx.rawBody);
  if (fromServer) {
    if (fromServer.kind === 'http' && fromServer.status === 404 && fromServer.note === undefined) {
      const hint = missingV1Hint(ctx.baseUrl);
      if (hint !== null) return { ...fromServer, note: hint };
    }
    return fromServer;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (isFetchFailure(e)) {
    const cause = isObject(e) ? (e as { cause?: unknown }).cause : undefined;
    const browserMessage =
      e instanceof TypeError ? e.message : cause instanceof Error ? cause.message : message;
    return explainFetchFailure({
      pageUrl: ctx.pageUrl,
      baseUrl: ctx.baseUrl,
      reachable: ctx.reachable,
      browserMessage,
    });
  }
  if (/timed? ?out/i.test(message))
    return { kind: 'timeout', status: 0, type: 'timeout', message, param: null, code: null };
  return { kind: 'client', status: 0, type: 'client_error', message, param: null, code: null };
}

/** Whether the server answers a plain (no-cors) GET; its answer cannot be read, only seen. */
export async function probeReachable(baseUrl: string, timeoutMs = 3000): Promise<boolean> {
  try {
    await fetch(`${baseUrl}/models`, {
      mode: 'no-cors',
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `body` (a target's translated request, as it is) to `config.baseUrl`/chat/completions.
 * Streams when body.stream is true. Calls exactly one of onDone / onError.
 */
export async function runOnServer(
  config: ServerConfig,
  body: Record<string, unknown>,
  signal: AbortSignal,
  handlers: ServerRunHandlers,
): Promise<void> {
  let rawBody: string | null = null;
  let baseUrl = config.baseUrl;
  try {
    baseUrl = checkBaseUrl(config.baseUrl);
    const { default: OpenAI } = await import('openai');
    // Keeps the text of an error response, for servers whose error body is not OpenAI's shape.
    const capturingFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await globalThis.fetch(input, init);
      if (!res.ok)
        rawBody = await res
          .clone()
          .text()
          .catch(() => null);
      return res;
    };
    const client = new OpenAI({
      baseURL: baseUrl,
      // vLLM without --api-key takes any key; the client refuses to start without one.
      apiKey: config.apiKey !== '' ? config.apiKey : 'EMPTY',
      dangerouslyAllowBrowser: true,
      maxRetries: 0,
      fetch: capturingFetch,
    });
    if (body.stream === true) {
      const stream = await client.chat.completions.create(
        body as unknown as ChatCompletionCreateParamsStreaming,
        { signal },
      );
      handlers.onStarted?.();
      for await (const chunk of stream) handlers.onChunk?.(chunk);
      // The client ends the iteration quietly when aborted.
      if (signal.aborted) throw new DOMException('Request was aborted.', 'AbortError');
      handlers.onDone?.(null);
    } else {
      const completion = await client.chat.completions.create(
        body as unknown as ChatCompletionCreateParamsNonStreaming,
        { signal },
      );
      handlers.onStarted?.();
      handlers.onDone?.(completion);
    }
  } catch (e) {
    if (e instanceof ServerConfigError) {
      handlers.onError?.({
        kind: 'client',
        status: 0,
        type: 'invalid_settings',
        message: e.message,
        param: null,
        code: null,
      });
      return;
    }
    const needsProbe =
      !signal.aborted && isFetchFailure(e) && !isMixedContent(location.href, baseUrl);
    const reachable = needsProbe ? await probeReachable(baseUrl) : null;
    handlers.onError?.(
      mapServerError(e, {
        aborted: signal.aborted,
        rawBody,
        pageUrl: location.href,
        baseUrl,
        reachable,
      }),
    );
  }
}

/**
 * The model ids a server offers (GET {baseUrl}/models, OpenAI's list shape). Throws a
 * ServerRunError saying what went wrong, as a run would.
 */
export async function listServerModels(config: ServerConfig): Promise<string[]> {
  let baseUrl = config.baseUrl;
  let rawBody: string | null = null;
  try {
    baseUrl = checkBaseUrl(config.baseUrl);
    const res = await fetch(`${baseUrl}/models`, {
      headers: config.apiKey !== '' ? { Authorization: `Bearer ${config.apiKey}` } : {},
      credentials: 'omit',
      cache: 'no-store',
    });
    rawBody = await res.text();
    if (!res.ok) {
      throw {
        kind: 'http',
        status: res.status,
        type: 'http_error',
        message: `${baseUrl}/models answered ${res.status}: ${rawBody.slice(0, 300)}`,
        param: null,
        code: null,
      } satisfies ServerRunError;
    }
    const data: unknown = JSON.parse(rawBody);
    const list = isObject(data) && Array.isArray(data.data) ? data.data : [];
    return list.flatMap((m) => (isObject(m) && typeof m.id === 'string' ? [m.id] : []));
  } catch (e) {
    if (isObject(e) && typeof e.kind === 'string') throw e;
    if (e instanceof ServerConfigError)
      throw {
        kind: 'client',
        status: 0,
        type: 'invalid_settings',
        message: e.message,
        param: null,
        code: null,
      } satisfies ServerRunError;
    if (e instanceof SyntaxError)
      throw {
        kind: 'http',
        status: 0,
        type: 'invalid_response',
        message: `${baseUrl}/models did not answer with JSON: ${(rawBody ?? '').slice(0, 200)}`,
        param: null,
        code: null,
      } satisfies ServerRunError;
    const needsProbe = isFetchFailure(e) && !isMixedContent(location.href, baseUrl);
    const reachable = needsProbe ? await probeReachable(baseUrl) : null;
    throw mapServerError(e, {
      aborted: false,
      rawBody,
      pageUrl: location.href,
      baseUrl,
      reachable,
    });
  }
}
