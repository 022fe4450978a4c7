import { describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIError,
  APIUserAbortError,
  BadRequestError,
  InternalServerError,
} from 'openai';
import {
  checkBaseUrl,
  errorFromServer,
  explainFetchFailure,
  isFetchFailure,
  isMixedContent,
  mapServerError,
  ServerConfigError,
} from './serverClient';

const headers = new Headers({ 'content-type': 'application/json' });
const PAGE = 'http://localhost:5173/';
const BASE = 'http://127.0.0.1:8000/v1';
const ctx = { aborted: false, pageUrl: PAGE, baseUrl: BASE, reachable: null };

describe('checkBaseUrl', () => {
  it('keeps a good URL and drops trailing slashes', () => {
    expect(checkBaseUrl(' http://localhost:8000/v1/ ')).toBe('http://localhost:8000/v1');
    expect(checkBaseUrl('https://api.openai.com/v1')).toBe('https://api.openai.com/v1');
  });
  it('refuses what cannot be a server base URL', () => {
    expect(() => checkBaseUrl('')).toThrow(ServerConfigError);
    expect(() => checkBaseUrl('localhost:8000')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => checkBaseUrl('not a url')).toThrow(/not a URL/);
    expect(() => checkBaseUrl('ftp://x/v1')).toThrow(/http:\/\//);
    expect(() => checkBaseUrl('http://user:secret@x/v1')).toThrow(/credentials/);
  });
});

describe('errorFromServer: errors as the server sent them', () => {
  it('keeps status, message, type, param and code of an OpenAI-shaped 400 (vLLM)', () => {
    const body = {
      error: {
        message: 'top_p must be in (0, 1], got 0.0.',
        type: 'BadRequestError',
        param: 'top_p',
        code: 400,
      },
    };
    const e = new BadRequestError(400, body.error, undefined, headers);
    expect(errorFromServer(e, JSON.stringify(body))).toEqual({
      kind: 'http',
      status: 400,
      message: 'top_p must be in (0, 1], got 0.0.',
      type: 'BadRequestError',
      param: 'top_p',
      code: 400,
    });
  });

  it("keeps OpenAI's own type and string code", () => {
    const err = {
      message: 'Unrecognized request argument supplied: guided_json',
      type: 'invalid_request_error',
      param: null,
      code: 'unknown_parameter',
    };
    const e = new BadRequestError(400, err, undefined, headers);
    expect(errorFromServer(e)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      param: null,
      code: 'unknown_parameter',
      message: err.message,
    });
  });

  it('reads a body that is not OpenAI-shaped (FastAPI detail, plain text)', () => {
    const detail = new APIError(404, undefined, undefined, headers);
    expect(errorFromServer(detail, '{"detail":"Not Found"}')).toMatchObject({
      kind: 'http',
      status: 404,
      message: 'Not Found',
      type: 'http_error',
      param: null,
    });
    const text = new InternalServerError(502, undefined, 'Bad gateway', headers);
    expect(errorFromServer(text, 'Bad gateway\n')).toMatchObject({
      status: 502,
      message: 'Bad gateway',
    });
    const empty = new APIError(503, undefined, undefined, headers);
    expect(errorFromServer(empty, '')?.message).toBe('503 status code (no body)');
  });

  it('reads an error event inside a stream, with the status vLLM put in code', () => {
    // What the openai client throws for `data: {"error": {...}}` after a 200.
    const e = new APIError(
      undefined,
      { message: 'Input too long', type: 'BadRequestError', param: 'messages', code: 400 },
      undefined,
      headers,
    );
    expect(errorFromServer(e)).toEqual({
      kind: 'stream',
      status: 400,
      message: 'Input too long',
      type: 'BadRequestError',
      param: 'messages',
      code: 400,
      note: expect.stringContaining('inside the stream') as unknown as string,
    });
    const noCode = new APIError(undefined, { message: 'boom' }, undefined, headers);
    expect(errorFromServer(noCode)).toMatchObject({ kind: 'stream', status: 200, type: 'error' });
  });

  it('is null for what the server did not send', () => {
    expect(errorFromServer(new TypeError('Failed to fetch'))).toBeNull();
    expect(
      errorFromServer(new APIConnectionError({ cause: new TypeError('Failed to fetch') })),
    ).toBeNull();
    expect(errorFromServer('x')).toBeNull();
  });
});

describe('cross-origin and other fetch failures', () => {
  it('recognises a fetch that failed with no response, bare or wrapped by the client', () => {
    expect(isFetchFailure(new TypeError('Failed to fetch'))).toBe(true);
    expect(
      isFetchFailure(new APIConnectionError({ cause: new TypeError('Failed to fetch') })),
    ).toBe(true);
    expect(isFetchFailure(new APIConnectionError({ cause: new Error('other') }))).toBe(false);
    expect(isFetchFailure(new BadRequestError(400, { message: 'x' }, undefined, headers))).toBe(
      false,
    );
    expect(isFetchFailure(new APIError(undefined, { message: 'x' }, undefined, headers))).toBe(
      false,
    );
    expect(isFetchFailure(new Error('Failed to fetch'))).toBe(false);
  });

  it('explains a server that answers but is refused by the browser, with the fix', () => {
    const r = explainFetchFailure({
      pageUrl: 'http://localhost:5173/?x#y',
      baseUrl: BASE,
      reachable: true,
      browserMessage: 'Failed to fetch',
    });
    expect(r.kind).toBe('cross-origin');
    expect(r.status).toBe(0);
    expect(r.message).toContain('cross-origin (CORS)');
    expect(r.message).toContain('http://localhost:5173');
    expect(r.message).toContain('Failed to fetch');
    expect(r.note).toContain(`--allowed-origins '["http://localhost:5173"]'`);
    expect(r.note).toContain('without the flag vLLM refuses cross-origin requests');
    expect(r.note).toContain('OPTIONS');
    // vLLM's 401 has no CORS headers: a wrong key looks like this very failure.
    expect(r.note).toContain('--api-key, check the API key');
    expect(r.note).toContain('401');
  });

  it('says when the server is not reachable at all', () => {
    const r = explainFetchFailure({
      pageUrl: PAGE,
      baseUrl: BASE,
      reachable: false,
      browserMessage: 'Failed to fetch',
    });
    expect(r.kind).toBe('unreachable');
    expect(r.message).toContain('Could not reach http://127.0.0.1:8000/v1');
    expect(r.note).toContain('--allowed-origins');
  });

  it('unknown reachability still explains CORS, as the likely cause', () => {
    const r = explainFetchFailure({
      pageUrl: PAGE,
      baseUrl: BASE,
      reachable: null,
      browserMessage: '',
    });
    expect(r.kind).toBe('cross-origin');
    expect(r.message).toContain('most likely');
  });

  it('explains mixed content: an https page cannot call a remote http server', () => {
    expect(isMixedContent('https://play.example/', 'http://gpu-box:8000/v1')).toBe(true);
    expect(isMixedContent('https://play.example/', 'http://localhost:8000/v1')).toBe(false);
    expect(isMixedContent('https://play.example/', 'http://127.0.0.1:8000/v1')).toBe(false);
    expect(isMixedContent('http://localhost:5173/', 'http://gpu-box:8000/v1')).toBe(false);
    expect(isMixedContent('https://play.example/', 'https://gpu-box/v1')).toBe(false);
    const r = explainFetchFailure({
      pageUrl: 'https://play.example/',
      baseUrl: 'http://gpu-box:8000/v1',
      reachable: null,
      browserMessage: 'Failed to fetch',
    });
    expect(r.kind).toBe('mixed-content');
  });
});

describe('mapServerError', () => {
  it('a Stop is a cancellation, whatever was thrown', () => {
    expect(mapServerError(new APIUserAbortError(), ctx)).toMatchObject({
      kind: 'cancelled',
      type: 'cancelled',
    });
    expect(mapServerError(new DOMException('Request was aborted.', 'AbortError'), ctx).kind).toBe(
      'cancelled',
    );
    expect(mapServerError(new TypeError('Failed to fetch'), { ...ctx, aborted: true }).kind).toBe(
      'cancelled',
    );
  });

  it('keeps server errors, explains fetch failures, and reports the rest as client errors', () => {
    const bad = new BadRequestError(
      400,
      { message: 'bad', type: 'BadRequestError', param: 'n', code: 400 },
      undefined,
      headers,
    );
    expect(mapServerError(bad, ctx)).toMatchObject({ kind: 'http', status: 400, param: 'n' });
    const cors = mapServerError(
      new APIConnectionError({ cause: new TypeError('Failed to fetch') }),
      { ...ctx, reachable: true },
    );
    expect(cors.kind).toBe('cross-origin');
    expect(cors.message).toContain('Failed to fetch');
    expect(mapServerError(new Error('Request timed out.'), ctx).kind).toBe('timeout');
    const notFound = new APIError(404, undefined, undefined, headers);
    const bare = mapServerError(notFound, {
      ...ctx,
      baseUrl: 'http://127.0.0.1:8000',
      rawBody: '{"detail":"Not Found"}',
    });
    expect(bare).toMatchObject({ kind: 'http', status: 404, message: 'Not Found' });
    expect(bare.note).toContain('try http://127.0.0.1:8000/v1 as the base URL');
    expect(mapServerError(notFound, { ...ctx, rawBody: 'Not Found' }).note).toBeUndefined();
    expect(mapServerError(new SyntaxError('Unexpected token < in JSON'), ctx)).toMatchObject({
      kind: 'client',
      type: 'client_error',
      message: 'Unexpected token < in JSON',
    });
  });
});
