import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { TARGETS, TARGET_LABELS, type Target } from '../src/server/facts';
import { freshApp, ParamsPanel, RequestPanel, ResponsePanel } from './pages';

/**
 * The "Server" engine, export per target and import, against a local OpenAI-shaped server
 * that the test starts (Node http on 127.0.0.1, a random port, closed after each test).
 */

type Json = Record<string, unknown>;
type Mode = 'json' | 'sse' | 'sse-error' | 'error400' | 'slow-sse';

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Json | null;
}

interface FakeServer {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  requests: Recorded[];
  mode: Mode;
  /** The page origin allowed by CORS; null: no CORS headers at all. */
  allowOrigin: string | null;
  close: () => Promise<void>;
}

const MAX_BODY = 1 << 20;

function chunk(delta: Json, extra: Json = {}): Json {
  return {
    id: 'chatcmpl-srv',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'served-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }],
  };
}

const USAGE = { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 };

const STREAM: Json[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ reasoning: 'Thinking about it.' }),
  chunk(
    { content: 'Hello' },
    {
      logprobs: {
        content: [
          { token: 'Hello', logprob: -0.1, bytes: [72, 101, 108, 108, 111], top_logprobs: [] },
        ],
      },
    },
  ),
  chunk({ content: ' from <b>server</b>' }),
  chunk({}, { finish_reason: 'stop' }),
  {
    id: 'chatcmpl-srv',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'served-model',
    choices: [],
    usage: USAGE,
  },
];

const COMPLETION: Json = {
  id: 'chatcmpl-json',
  object: 'chat.completion',
  created: 1700000000,
  model: 'served-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        reasoning: 'Need the weather.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city": "Paris"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
};

const ERROR_400 = {
  error: {
    message: 'top_p must be in (0, 1], got 0.0.',
    type: 'BadRequestError',
    param: 'top_p',
    code: 400,
  },
};

const STREAM_ERROR = {
  error: {
    message: 'max_tokens is too large for the remaining context',
    type: 'BadRequestError',
    param: 'max_tokens',
    code: 400,
  },
};

async function startServer(allowOrigin: string | null): Promise<FakeServer> {
  const state = { mode: 'sse' as Mode, allowOrigin };
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const cors = (): Record<string, string> => {
      const origin = req.headers.origin;
      if (state.allowOrigin === null || origin !== state.allowOrigin) return {};
      return {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        // As Starlette's CORSMiddleware with allow_headers ["*"] (vLLM's default): mirror.
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
        'Access-Control-Max-Age': '0',
        Vary: 'Origin',
      };
    };
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) req.destroy();
      else parts.push(b);
    });
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: Json | null;
      try {
        body = text ? (JSON.parse(text) as Json) : null;
      } catch {
        body = null;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors()).end();
        return;
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/v1/chat/completions')) {
        res.writeHead(404, { 'Content-Type': 'application/json', ...cors() });
        res.end('{"detail":"Not Found"}');
        return;
      }
      const sse = (events: Json[], hold = false) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', ...cors() });
        for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
        if (hold) {
          // Sends nothing more until the client goes away (Stop), at most 20 s.
          const timer = setTimeout(() => res.end('data: [DONE]\n\n'), 20_000);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        res.end('data: [DONE]\n\n');
      };
      switch (state.mode) {
        case 'json':
          res.writeHead(200, { 'Content-Type': 'application/json', ...cors() });
          res.end(JSON.stringify(COMPLETION));
          return;
        case 'sse':
          sse(STREAM);
          return;
        case 'sse-error':
          sse([
            chunk({ role: 'assistant', content: '' }),
            chunk({ content: 'Partial' }),
            STREAM_ERROR,
          ]);
          return;
        case 'slow-sse':
          sse([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Waiting' })], true);
          return;
        case 'error400':
          res.writeHead(400, { 'Content-Type': 'application/json', ...cors() });
          res.end(JSON.stringify(ERROR_400));
          return;
      }
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(m: Mode) {
      state.mode = m;
    },
    get allowOrigin() {
      return state.allowOrigin;
    },
    set allowOrigin(o: string | null) {
      state.allowOrigin = o;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const posts = (s: FakeServer) => s.requests.filter((r) => r.method === 'POST');

let srv: FakeServer;

test.beforeEach(async () => {
  srv = await startServer(null);
});

test.afterEach(async () => {
  await srv.close();
});

const SECRET = 'sk-test-SECRET-4f9c2e';

async function useServer(page: Page, opts: { baseUrl: string; sendAs: Target; key?: string }) {
  await page.getByLabel('Engine').selectOption('server');
  await page.getByLabel('Server base URL').fill(opts.baseUrl);
  await page.getByLabel('Send as').selectOption(opts.sendAs);
  if (opts.key !== undefined) await page.getByLabel('API key').fill(opts.key);
}

async function setRequest(page: Page, body: Json) {
  await new RequestPanel(page).json.fill(JSON.stringify(body, null, 2));
}

async function exportTarget(page: Page, target: Target) {
  await page.getByLabel('Export target').selectOption(target);
}

const MESSAGES = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello?' },
];

test('Run on a server sends the export for the chosen target and streams into the response views', async ({
  page,
}) => {
  await freshApp(page);
  srv.allowOrigin = new URL(page.url()).origin;
  const request = new RequestPanel(page);
  const response = new ResponsePanel(page);
  await setRequest(page, {
    model: 'tiny-random',
    messages: MESSAGES,
    logprobs: true,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0.5,
    guided_regex: '[a-z ]+',
    guided_decoding_backend: 'xgrammar',
  });
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm', key: SECRET });
  await expect(page.getByTestId('server-send-summary')).toContainText('guided_decoding_backend');
  await exportTarget(page, 'vllm');
  const exported = JSON.parse(await request.exportTab('JSON')) as Json;
  expect(exported.structured_outputs).toEqual({ regex: '[a-z ]+' });
  expect(exported).not.toHaveProperty('guided_regex');

  srv.mode = 'sse';
  await response.runButton.click();
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'done');
  const sent = posts(srv);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.body).toEqual(exported);
  expect(sent[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
  // Text, reasoning (vLLM's `reasoning`), logprobs and usage in the same views as the tab's.
  // Model output is text: the markup arrives as characters, not as elements.
  await expect(response.content()).toHaveText('Hello from <b>server</b>');
  await expect(page.getByTestId('choice-0').locator('b')).toHaveCount(0);
  await expect(page.getByTestId('reasoning')).toContainText('Thinking about it.');
  await expect(page.getByTestId('finish-reason')).toHaveText('stop');
  await expect(page.getByTestId('usage')).toContainText('prompt 11 + completion 3 = 14 tokens');
  await expect(page.getByTestId('response-id')).toHaveText('chatcmpl-srv');
  await page.getByRole('button', { name: 'Show token logprobs' }).click();
  await expect(page.getByTestId('tokens')).toContainText('Hello');

  // Another target, not streamed: the body is that target's export; tool calls render.
  await setRequest(page, {
    model: 'tiny-random',
    messages: MESSAGES,
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ],
    tool_choice: 'required',
    continue_final_message: false,
  });
  await page.getByLabel('Send as').selectOption('vllm-guided');
  await page.getByLabel('Server model').fill('served-model');
  await exportTarget(page, 'vllm-guided');
  const exported2 = JSON.parse(await request.exportTab('JSON')) as Json;
  srv.mode = 'json';
  await response.runButton.click();
  await response.waitDone();
  const sent2 = posts(srv)[1]!.body!;
  // The model name of the Server settings replaces the request's; the rest is the export.
  expect(sent2).toEqual({ ...exported2, model: 'served-model' });
  expect(Object.keys(sent2)).toEqual(Object.keys(exported2));
  await expect(page.getByTestId('tool-calls')).toContainText('get_weather({"city": "Paris"})');
  await expect(page.getByTestId('reasoning')).toContainText('Need the weather.');
  await expect(page.getByTestId('finish-reason')).toHaveText('tool_calls');
  await expect(page.getByTestId('raw-response')).toContainText('chatcmpl-json');
});

const RICH_REQUEST: Json = {
  model: 'tiny-random',
  messages: MESSAGES,
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
    },
  ],
  chat_template: "{% for m in messages %}{{ m['content'] }}{% endfor %}",
  guided_json: {
    type: 'object',
    properties: { answer: { type: 'string' } },
    required: ['answer'],
    additionalProperties: false,
  },
  priority: 5,
};

async function reportLines(page: Page): Promise<string[]> {
  const lines = page.getByTestId('compat-report').getByTestId('report-line');
  const out: string[] = [];
  for (const l of await lines.all())
    out.push(`${await l.getAttribute('data-param')} ${await l.getAttribute('data-action')}`);
  return out;
}

test('the compatibility report lists guided_json, tools, chat_template and priority for each target', async ({
  page,
}) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  await setRequest(page, RICH_REQUEST);
  const report = page.getByTestId('compat-report');
  const flags = page.getByTestId('server-flags');

  // Default: current vLLM; then the spec's own guided_* form (vLLM up to 0.11).
  await expect(page.getByLabel('Export target')).toHaveValue('vllm');
  await exportTarget(page, 'vllm-guided');
  await expect(report).toContainText(TARGET_LABELS['vllm-guided']);
  expect(await reportLines(page)).toEqual([
    'tools needs-flag',
    'chat_template needs-flag',
    'guided_json note', // the tab bounds whitespace between JSON tokens, vLLM does not
    'priority note',
  ]);
  await expect(report.locator('[data-param="tools"]')).toContainText(
    '--enable-auto-tool-choice --tool-call-parser <parser>',
  );
  await expect(report.locator('[data-param="chat_template"]')).toContainText(
    '--trust-request-chat-template',
  );
  await expect(report.locator('[data-param="priority"]')).toContainText(
    'accepts the value and ignores it',
  );
  await expect(flags).toHaveText(
    'Start the server with: vllm serve <model> --enable-auto-tool-choice --tool-call-parser <parser> --trust-request-chat-template',
  );
  expect(JSON.parse(await request.exportTab('JSON'))).toHaveProperty('guided_json');
  await expect(page.getByLabel('json_schema name')).toHaveCount(0);

  await exportTarget(page, 'vllm');
  expect(await reportLines(page)).toEqual([
    'tools needs-flag',
    'chat_template needs-flag',
    'guided_json note',
    'guided_json renamed',
    'priority note',
  ]);
  await expect(report.locator('[data-param="guided_json"][data-action="renamed"]')).toContainText(
    'sent as structured_outputs.json',
  );
  await expect(report.locator('[data-param="guided_json"][data-action="note"]')).toContainText(
    'vLLM allows any whitespace',
  );
  await expect(flags).not.toContainText('--scheduling-policy');
  const vllmBody = JSON.parse(await request.exportTab('JSON')) as Json;
  expect(vllmBody.structured_outputs).toEqual({ json: RICH_REQUEST.guided_json });

  await exportTarget(page, 'llama-server');
  expect(await reportLines(page)).toEqual([
    'chat_template dropped',
    'guided_json renamed',
    'priority dropped',
  ]);
  await expect(report.locator('[data-param="guided_json"]')).toContainText('sent as json_schema');
  const llamaBody = JSON.parse(await request.exportTab('JSON')) as Json;
  expect(llamaBody.json_schema).toEqual(RICH_REQUEST.guided_json);
  expect(llamaBody).not.toHaveProperty('chat_template');

  await exportTarget(page, 'openai');
  expect(await reportLines(page)).toEqual([
    'chat_template refused',
    'guided_json refused',
    'priority refused',
  ]);
  await expect(report.locator('[data-param="guided_json"]')).toContainText('needs a name');
  await expect(flags).toHaveText('No server flag needed.');
  let openaiBody = JSON.parse(await request.exportTab('JSON')) as Json;
  expect(Object.keys(openaiBody)).toEqual(['model', 'messages', 'tools']);
  // With a schema name, guided_json goes to OpenAI as a strict json_schema.
  await page.getByLabel('json_schema name').fill('answer');
  expect(await reportLines(page)).toEqual([
    'chat_template refused',
    'guided_json renamed',
    'priority refused',
  ]);
  openaiBody = JSON.parse(await request.exportTab('JSON')) as Json;
  expect(openaiBody.response_format).toEqual({
    type: 'json_schema',
    json_schema: { name: 'answer', schema: RICH_REQUEST.guided_json, strict: true },
  });

  // The choice is remembered.
  await page.reload();
  await expect(page.getByLabel('Export target')).toHaveValue('openai');
  await expect(page.getByLabel('json_schema name')).toHaveValue('answer');
});

test('server errors are shown as the server sent them: a 400 with its param, an error event in a stream', async ({
  page,
}) => {
  await freshApp(page);
  srv.allowOrigin = new URL(page.url()).origin;
  const response = new ResponsePanel(page);
  await setRequest(page, { model: 'tiny-random', messages: MESSAGES, top_p: 0 });
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm-guided' });
  srv.mode = 'error400';
  await response.runButton.click();
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('run-error')).toHaveText(
    '400 BadRequestError (param: top_p): top_p must be in (0, 1], got 0.0.',
  );
  // No key given: the client sends a placeholder, never an empty bearer.
  expect(posts(srv)[0]!.headers.authorization).toBe('Bearer EMPTY');

  await setRequest(page, { model: 'tiny-random', messages: MESSAGES, stream: true });
  srv.mode = 'sse-error';
  await response.runButton.click();
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'error');
  await expect(response.content()).toHaveText('Partial');
  await expect(page.getByTestId('run-error')).toHaveText(
    '400 BadRequestError (param: max_tokens): max_tokens is too large for the remaining context',
  );
  await expect(page.getByTestId('run-error-note')).toContainText('inside the stream');
});

test('Stop cancels a server run', async ({ page }) => {
  await freshApp(page);
  srv.allowOrigin = new URL(page.url()).origin;
  const response = new ResponsePanel(page);
  await setRequest(page, { model: 'tiny-random', messages: MESSAGES, stream: true });
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm' });
  srv.mode = 'slow-sse';
  await response.runButton.click();
  await expect(response.content()).toHaveText('Waiting');
  await expect(response.latest).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: /^Stop/ }).click();
  await expect(response.latest).toHaveAttribute('data-status', 'cancelled', { timeout: 5000 });
});

test('a cross-origin failure is explained with the fix', async ({ page }) => {
  await freshApp(page);
  const origin = new URL(page.url()).origin;
  // srv sends no CORS headers at all (allowOrigin null).
  const response = new ResponsePanel(page);
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm' });
  await response.runButton.click();
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'error');
  const error = page.getByTestId('run-error');
  await expect(error).toContainText('cross-origin (CORS)');
  await expect(error).toContainText('answers, but the browser refused');
  await expect(error).toContainText(origin);
  await expect(page.getByTestId('run-error-note')).toContainText(
    `--allowed-origins '["${origin}"]'`,
  );
  // The preflight reached the server; the request itself was never sent.
  expect(srv.requests.some((r) => r.method === 'OPTIONS')).toBe(true);
  expect(posts(srv)).toHaveLength(0);

  // A port where nothing listens: said differently.
  const closed = await startServer(null);
  const deadUrl = closed.baseUrl;
  await closed.close();
  await page.getByLabel('Server base URL').fill(deadUrl);
  await response.runButton.click();
  await response.waitDone();
  await expect(page.getByTestId('run-error')).toContainText('Could not reach');
});

async function everyExportText(page: Page): Promise<string> {
  const request = new RequestPanel(page);
  let all = '';
  for (const target of TARGETS) {
    await exportTarget(page, target);
    for (const tab of ['JSON', 'curl', 'Python', 'JavaScript'] as const)
      all += `\n${await request.exportTab(tab)}`;
  }
  return all;
}

async function storageText(page: Page): Promise<{ local: string; session: string }> {
  return page.evaluate(() => {
    const dump = (s: Storage) =>
      Array.from({ length: s.length }, (_, i) => {
        const k = s.key(i)!;
        return `${k}=${s.getItem(k)}`;
      }).join('\n');
    return { local: dump(localStorage), session: dump(sessionStorage) };
  });
}

test('the API key stays out of localStorage, the URL and every export, before and after a reload', async ({
  page,
}) => {
  await freshApp(page);
  await setRequest(page, {
    model: 'tiny-random',
    messages: MESSAGES,
    guided_json: { type: 'object' },
  });
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm', key: SECRET });
  const keyInput = page.getByLabel('API key');
  await expect(keyInput).toHaveAttribute('type', 'password');
  await expect(page.locator('body')).not.toContainText(SECRET);

  const check = async () => {
    const exports = await everyExportText(page);
    expect(exports).not.toContain(SECRET);
    expect(exports).toContain('OPENAI_API_KEY');
    await page.getByRole('button', { name: 'Share link' }).click();
    const share = await page.getByLabel('Share URL').inputValue();
    expect(share).not.toContain(SECRET);
    expect(decodeURIComponent(share)).not.toContain(SECRET);
    expect(page.url()).not.toContain(SECRET);
    expect((await storageText(page)).local).not.toContain(SECRET);
  };
  await check();

  // Not remembered: a reload forgets it.
  await page.reload();
  await expect(page.getByLabel('Engine')).toHaveValue('server');
  await expect(page.getByLabel('Server base URL')).toHaveValue(srv.baseUrl);
  await expect(keyInput).toHaveValue('');
  await check();
  expect((await storageText(page)).session).not.toContain(SECRET);

  // Remembered for this tab: in sessionStorage only.
  await page.getByLabel('remember for this tab').check();
  await keyInput.fill(SECRET);
  await page.reload();
  await expect(keyInput).toHaveValue(SECRET);
  await check();
  expect((await storageText(page)).session).toContain(SECRET);
  // Unticking removes it from sessionStorage too.
  await page.getByLabel('remember for this tab').uncheck();
  expect((await storageText(page)).session).not.toContain(SECRET);
});

test('import reads Python with extra_body and curl with structured_outputs into the form', async ({
  page,
}) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const params = new ParamsPanel(page);
  await request.importText(
    [
      'import os',
      'from openai import OpenAI',
      '',
      'client = OpenAI(base_url="http://localhost:8000/v1", api_key=os.environ["OPENAI_API_KEY"])',
      'response = client.chat.completions.create(',
      '    model="py-model",',
      '    messages=[{"role": "user", "content": "hi"}],',
      '    temperature=0.25,',
      '    extra_body={"echo": True, "guided_choice": ["yes", "no"], "top_k": 5, "typical_p": 0.9},',
      ')',
    ].join('\n'),
  );
  await expect(page.getByTestId('import-result')).toContainText('Imported from Python code');
  await expect(page.getByTestId('import-notes')).toContainText('typical_p');
  await expect(params.input('temperature')).toHaveValue('0.25');
  await expect(params.input('echo')).toBeChecked();
  await expect(params.row('guided_choice').getByRole('textbox')).toHaveCount(2);
  await expect(page.getByTestId('unknown-fields')).toContainText('"typical_p":0.9');
  expect(await request.read()).toEqual({
    model: 'py-model',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0.25,
    echo: true,
    guided_choice: ['yes', 'no'],
    // A current vLLM's top_k is a parameter of the form now.
    top_k: 5,
  });

  await request.importText(
    `curl http://gpu:8000/v1/chat/completions -H 'Content-Type: application/json' -d '{"model":"c","messages":[{"role":"user","content":"n?"}],"seed":3,"structured_outputs":{"regex":"[0-9]+","whitespace_pattern":" ?"}}'`,
  );
  await expect(page.getByTestId('import-result')).toContainText('Imported from a curl command');
  await expect(page.getByTestId('import-notes')).toHaveCount(0);
  await expect(params.input('seed')).toHaveValue('3');
  await expect(params.input('guided_regex')).toHaveValue('[0-9]+');
  expect(await request.read()).toEqual({
    model: 'c',
    messages: [{ role: 'user', content: 'n?' }],
    seed: 3,
    guided_regex: '[0-9]+',
    guided_whitespace_pattern: ' ?',
  });

  // JavaScript, as the export writes it, comes back too.
  await request.importText(
    "const r = await client.chat.completions.create({ model: 'js', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 7 });",
  );
  await expect(page.getByTestId('import-result')).toContainText('Imported from JavaScript code');
  await expect(params.input('max_completion_tokens')).toHaveValue('7');
});

/** A fresh app on the CPU engine with the tiny model named, and this request (plus model and messages). */
async function tinyOnCpu(page: Page, body: Record<string, unknown>) {
  await freshApp(page);
  srv.allowOrigin = new URL(page.url()).origin;
  await page.getByLabel('Engine').selectOption('cpu');
  await page.getByLabel('GGUF model URL').fill('models/tiny-random.gguf');
  await setRequest(page, { model: 'tiny-random', messages: MESSAGES, ...body });
}

/** Starts Compare (the app already points at the test server). */
async function compareTabAndServer(page: Page) {
  const compare = page.getByTestId('compare');
  await compare.locator('summary').click();
  await compare.getByRole('button', { name: 'Compare tab and server' }).click();
  return { tab: page.getByTestId('compare-tab'), server: page.getByTestId('compare-server') };
}

test('Compare runs the request in the tab and on the server side by side', async ({ page }) => {
  test.setTimeout(180_000);
  await tinyOnCpu(page, {
    max_completion_tokens: 6,
    stream: true,
    stream_options: { include_usage: true },
  });
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm' });
  srv.mode = 'sse';
  const { tab, server } = await compareTabAndServer(page);
  await expect(server).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(tab).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(server.locator('[data-field="text"]')).toHaveText('Hello from <b>server</b>');
  await expect(server.locator('[data-field="finish-reason"]')).toHaveText('stop');
  await expect(server.locator('[data-field="usage"]')).toHaveText('prompt 11 + completion 3 = 14');
  await expect(server.locator('[data-field="total"]')).toHaveText(/^\d+\.\d\d s$/);
  await expect(tab.locator('[data-field="finish-reason"]')).toHaveText(/^(stop|length)$/);
  await expect(tab.locator('[data-field="usage"]')).toContainText('prompt ');
  await expect(tab.locator('[data-field="tokens"]')).toHaveText(/^[1-6]$/);
  await expect(tab.locator('[data-field="first-token"]')).toHaveText(/^\d+\.\d\d s$/);
  await expect(tab).toContainText('tiny-random');
  expect(posts(srv)).toHaveLength(1);

  // Back on the tab's engine, Run goes to the worker again, not to the server.
  await page.getByLabel('Engine').selectOption('cpu');
  const response = new ResponsePanel(page);
  await response.runButton.click();
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('finish-reason')).toHaveText(/^(stop|length)$/);
  expect(posts(srv)).toHaveLength(1);
});

test('Compare: the tab column shows the string cap applied to its run; the server gets the request as it is', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const CAP = 5;
  const schema = {
    type: 'object',
    properties: { name: { type: 'string' } },
    required: ['name'],
    additionalProperties: false,
  };
  await tinyOnCpu(page, {
    temperature: 1,
    seed: 1,
    max_completion_tokens: 40,
    guided_json: schema,
  });
  await page.getByTestId('string-cap-on').check();
  await page.getByTestId('string-cap-length').fill(String(CAP));
  await useServer(page, { baseUrl: srv.baseUrl, sendAs: 'vllm' });
  srv.mode = 'json';
  const { tab, server } = await compareTabAndServer(page);
  await expect(tab).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(server).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

  // The tab's column says the tab capped its strings; the server's says nothing of the kind.
  const notes = tab.locator('[data-field="tab-notes"]');
  await expect(notes).toContainText('tab only');
  await expect(notes).toContainText(`at most ${CAP} characters`);
  await expect(notes).toContainText('not sent to a server');
  await expect(server.locator('[data-field="tab-notes"]')).toHaveCount(0);
  // ... and the cap held in the tab's output
  const text = (await tab.locator('[data-field="text"]').textContent()) ?? '';
  const name = /"name"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(text);
  expect(name, text).not.toBeNull();
  expect([...name![1]!].length, text).toBeLessThanOrEqual(CAP);
  // The server got the request without the cap.
  expect(posts(srv)).toHaveLength(1);
  const sent = JSON.stringify(posts(srv)[0]!.body);
  expect(sent).toContain('"name"');
  expect(sent).not.toMatch(/maxLength|cap/i);

  // Cap off: the next comparison shows no tab option.
  await page.getByTestId('string-cap-on').uncheck();
  await page.getByTestId('compare').getByRole('button', { name: 'Compare tab and server' }).click();
  await expect.poll(() => posts(srv).length).toBe(2); // both columns have started afresh
  await expect(tab).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(tab.locator('[data-field="text"]')).not.toHaveText('');
  await expect(tab.locator('[data-field="tab-notes"]')).toHaveCount(0);
});

test('a bad server base URL blocks Run and says why', async ({ page }) => {
  await freshApp(page);
  await useServer(page, { baseUrl: 'ftp://example.test/v1', sendAs: 'vllm' });
  await expect(page.getByRole('button', { name: /^Run/ })).toBeDisabled();
  await expect(page.getByTestId('run-problems')).toContainText('Server base URL');
  await page.getByLabel('Server base URL').fill(srv.baseUrl);
  await expect(page.getByRole('button', { name: /^Run/ })).toBeEnabled();
});
