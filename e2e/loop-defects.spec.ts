import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { encodeShare } from '../src/request/share';
import { freshApp, loadTinyModel, ParamsPanel, RequestPanel, ResponsePanel } from './pages';

/**
 * The everyday loop's defects (issue 10, "Defects to fix first"): each test drives the app as
 * a user would and fails on the code before the fix.
 */

test('number fields give exactly what was typed: no appending to the default, no rewriting', async ({
  page,
}) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const request = new RequestPanel(page);
  const response = new ResponsePanel(page);

  // Backspace, then "2": n = 2 (it was 12: the field showed its default 1 as text).
  await params.input('n').click();
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('2');
  await expect(params.input('n')).toHaveValue('2');
  expect((await request.read()).n).toBe(2);

  // Select all, then ".7": 0.7 (it was 17).
  await params.input('temperature').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('.7');
  await expect(params.input('temperature')).toHaveValue('.7');
  expect((await request.read()).temperature).toBe(0.7);

  // "0.9" into top_p: 0.9 (it was 10.9).
  await params.input('top_p').click();
  await page.keyboard.type('0.9');
  expect((await request.read()).top_p).toBe(0.9);

  // An empty field means "not set": the default is a placeholder, not a value.
  await params.input('top_p').fill('');
  expect(await request.read()).not.toHaveProperty('top_p');
  await expect(params.input('top_p')).toHaveValue('');
  await expect(params.input('top_p')).toHaveAttribute('placeholder', /default 1/);
  await expect(response.runButton).toBeEnabled();

  // A seed of "1e30" is flagged as it is (it became 10000), and blocks Run.
  const seedRow = params.row('seed');
  await params.input('seed').fill('1e30');
  await expect(params.input('seed')).toHaveValue('1e30');
  await expect(seedRow.getByTestId('number-problem')).toContainText('"1e30" is not a whole number');
  await expect(params.input('seed')).toHaveAttribute('aria-invalid', 'true');
  expect(await request.read()).not.toHaveProperty('seed');
  await expect(response.runButton).toBeDisabled();
  await expect(page.getByTestId('run-blocked')).toBeVisible();

  // A 30-digit seed is flagged as out of range (it silently became "not set").
  const big = '123456789012345678901234567890';
  await params.input('seed').fill(big);
  await expect(params.input('seed')).toHaveValue(big);
  await expect(seedRow.getByTestId('number-problem')).toContainText(`${big} is out of range`);
  await expect(response.runButton).toBeDisabled();

  // A plain seed is taken exactly, and Run is allowed again.
  await params.input('seed').fill('42');
  await expect(seedRow.getByTestId('number-problem')).toHaveCount(0);
  expect((await request.read()).seed).toBe(42);
  await expect(response.runButton).toBeEnabled();

  // Out of range but a number: sent as typed, flagged at the control by the validator.
  await params.input('n').fill('200');
  await expect(params.input('n')).toHaveValue('200');
  expect((await request.read()).n).toBe(200);
  await expect(params.error('n')).toContainText('128');
  await expect(response.runButton).toBeDisabled();

  // Reset all clears flagged text too: no stale "abc" left behind a cleared problem.
  await params.input('top_p').fill('abc');
  await expect(params.row('top_p').getByTestId('number-problem')).toContainText('not a number');
  await page.getByRole('button', { name: 'Reset all', exact: true }).click();
  await expect(params.input('top_p')).toHaveValue('');
  await expect(params.input('n')).toHaveValue('');
  await expect(page.getByTestId('number-problem')).toHaveCount(0);
  await expect(response.runButton).toBeEnabled();
});

test('a share link keeps the previous draft restorable and shows values the form cannot represent', async ({
  page,
}) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  await page.getByLabel('Content of message 2').fill('My own draft, not to be lost.');
  const mine = await request.read();

  const shared = {
    model: 'shared-model',
    messages: [
      { role: 'wizard', content: 'Cast a spell.' },
      { role: 'user', content: 'Hi' },
    ],
    temperature: 0.3,
  };
  await page.goto(`/#${encodeShare(shared)}`);
  const banner = page.getByTestId('share-opened');
  await expect(banner).toContainText('Opened a shared request');
  expect(await request.read()).toMatchObject({ model: 'shared-model', temperature: 0.3 });

  // The wrong role is shown as it is (it showed "system") and listed as a problem.
  const role = page.getByLabel('Role of message 1');
  await expect(role.locator('option:checked')).toHaveText('"wizard" (not a role)');
  await expect(role).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('share-problems')).toContainText('messages[0].role');
  await expect(page.getByTestId('error-messages').first()).toContainText('messages[0].role');

  // Undo brings the previous draft back, exactly.
  await banner.getByRole('button', { name: 'Undo: restore your previous draft' }).click();
  expect(await request.read()).toEqual(mine);
  await expect(banner).toHaveCount(0);
});

test('a stale Request JSON error goes once the form rebuilds the JSON', async ({ page }) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const response = new ResponsePanel(page);
  await request.json.fill('{ "model": "m", broken');
  await expect(page.getByTestId('run-blocked')).toBeVisible();
  await expect(response.runButton).toBeDisabled();

  await page.getByLabel('Content of message 2').fill('Edited after breaking the JSON.');
  // The editor was rebuilt from the draft as valid JSON, and nothing blocks Run any more.
  expect((await request.read()).messages).toContainEqual({
    role: 'user',
    content: 'Edited after breaking the JSON.',
  });
  await expect(page.getByTestId('run-blocked')).toHaveCount(0);
  await expect(page.getByText('(request JSON)')).toHaveCount(0);
  await expect(response.runButton).toBeEnabled();
});

test('a runaway chat template ends with a 400 naming chat_template, and the engine stays usable', async ({
  page,
}) => {
  await freshApp(page);
  await loadTinyModel(page);
  const params = new ParamsPanel(page);
  const response = new ResponsePanel(page);
  await params.setNumber('max_completion_tokens', 4);
  await params.setText(
    'chat_template',
    '{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}',
  );
  await response.runButton.click();
  await expect(response.latest).toHaveAttribute('data-status', 'error', { timeout: 60_000 });
  const error = page.getByTestId('run-error');
  await expect(error).toContainText('400');
  await expect(error).toContainText('(param: chat_template)');
  await expect(error).toContainText('chat_template: rendering stopped');

  // The prompt preview of the same template ends with the same message, not a hang.
  await page.getByText(/^Prompt preview/).click();
  await expect(page.getByTestId('prompt-error')).toContainText('chat_template: rendering stopped', {
    timeout: 60_000,
  });
  await page.getByText(/^Prompt preview/).click();

  // The worker is free: the next run (with the model's own template) answers.
  await params.reset('chat_template');
  await response.runButton.click();
  await expect(response.latest).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
});

test('a failed Load keeps the loaded model, and the next Run still answers', async ({ page }) => {
  await freshApp(page);
  await loadTinyModel(page);
  const response = new ResponsePanel(page);
  await new ParamsPanel(page).setNumber('max_completion_tokens', 4);

  await page.getByLabel('GGUF model URL').fill('models/no-such-model.gguf');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('load-error')).toContainText('still using the loaded model', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('engine-status')).toContainText('Loaded: tiny-random');

  await response.runButton.click();
  await expect(response.latest).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('run-error')).toHaveCount(0);
});

/** A tiny OpenAI-shaped server: GET /v1/models and POST /v1/chat/completions (JSON). */
async function modelServer(origin: () => string) {
  const posts: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': origin(),
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
    };
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      const json = (body: unknown) => {
        res.writeHead(200, { 'Content-Type': 'application/json', ...cors });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/v1/models')
        return json({
          object: 'list',
          data: [
            { id: 'served-a', object: 'model' },
            { id: 'served-b', object: 'model' },
          ],
        });
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
        posts.push(body);
        const text = `Answer from ${String(body.model)}`;
        if (body.stream === true) {
          const chunk = (delta: unknown, finish: string | null) =>
            `data: ${JSON.stringify({
              id: 'chatcmpl-1',
              object: 'chat.completion.chunk',
              created: 1700000000,
              model: body.model,
              choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
            })}\n\n`;
          res.writeHead(200, { 'Content-Type': 'text/event-stream', ...cors });
          res.write(chunk({ role: 'assistant', content: text }, null));
          res.write(chunk({}, 'stop'));
          return void res.end('data: [DONE]\n\n');
        }
        return json({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1700000000,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        });
      }
      res.writeHead(404, cors).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('Server mode: Load lists the server models without downloading a GGUF, and Run sends the chosen one', async ({
  page,
}) => {
  await freshApp(page);
  const srv = await modelServer(() => new URL(page.url()).origin);
  try {
    const ggufRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('.gguf')) ggufRequests.push(r.url());
    });
    await page.getByLabel('Engine').selectOption('server');
    await page.getByLabel('Server base URL').fill(srv.baseUrl);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(page.getByTestId('server-models-status')).toContainText('2 models');
    const picker = page.getByLabel('Server model');
    await expect(picker.locator('option')).toHaveText(['served-a', 'served-b']);
    await expect(picker).toHaveValue('served-a');
    await picker.selectOption('served-b');
    expect((await new RequestPanel(page).read()).model).toBe('served-b');

    const response = new ResponsePanel(page);
    await response.runButton.click();
    await expect(response.latest).toHaveAttribute('data-status', 'done');
    await expect(response.content()).toHaveText('Answer from served-b');
    expect(srv.posts.map((p) => p.model)).toEqual(['served-b']);
    expect(ggufRequests).toEqual([]);
  } finally {
    await srv.close();
  }
});

test('a new user streams: stream is on in the default draft; a non-stream run shows no "first token"', async ({
  page,
}) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const params = new ParamsPanel(page);
  const response = new ResponsePanel(page);
  expect((await request.read()).stream).toBe(true);
  await expect(params.input('stream')).toBeChecked();
  await loadTinyModel(page);
  await params.setNumber('max_completion_tokens', 4);

  await response.runButton.click();
  await expect(response.latest).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('run-meta')).toContainText('first token');

  // Not streamed: the whole answer arrives at once, so there is no first-token time to show.
  await params.input('stream').uncheck();
  expect((await request.read()).stream).toBe(false);
  await response.runButton.click();
  await expect(response.latest).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('run-meta')).not.toContainText('first token');
});

test('a persisted draft of version 1 that never set stream starts streaming', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => {
    localStorage.clear();
    localStorage.setItem(
      'playground.request',
      JSON.stringify({
        state: { draft: { model: 'kept', messages: [{ role: 'user', content: 'Hi' }] } },
        version: 1,
      }),
    );
  });
  await page.reload();
  const r = await new RequestPanel(page).read();
  expect(r).toEqual({ model: 'kept', messages: [{ role: 'user', content: 'Hi' }], stream: true });
});

test('the model field, exports and picker agree; export target is current vLLM; placeholders read as examples', async ({
  page,
}) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const request = new RequestPanel(page);
  const picker = page.getByLabel('Served model');
  await expect(picker.locator('option:checked')).toContainText('SmolLM2');
  await expect(params.input('model')).toHaveValue('SmolLM2-135M-Instruct.Q4_K-Q5_1');
  expect((await request.read()).model).toBe('SmolLM2-135M-Instruct.Q4_K-Q5_1');
  expect(JSON.parse(await request.exportTab('JSON'))).toMatchObject({
    model: 'SmolLM2-135M-Instruct.Q4_K-Q5_1',
  });
  await picker.selectOption('tiny-random.gguf');
  await expect(params.input('model')).toHaveValue('tiny-random');

  await expect(page.getByLabel('Export target')).toHaveValue('vllm');

  const tools = params.input('tools');
  await expect(tools).toHaveValue('');
  await expect(tools).toHaveAttribute('placeholder', /^e\.g\. /);
  const style = await tools.evaluate((el) => getComputedStyle(el, '::placeholder').fontStyle);
  expect(style).toBe('italic');
});

test('a prompt longer than the context gives a 400 with both numbers, at a context size set at load', async ({
  page,
}) => {
  await freshApp(page);
  await page.getByLabel('Context size').fill('256');
  await loadTinyModel(page);
  await page.getByLabel('Content of message 2').fill('hello world '.repeat(400));
  const response = new ResponsePanel(page);
  await response.runButton.click();
  await expect(response.latest).toHaveAttribute('data-status', 'error', { timeout: 60_000 });
  const error = page.getByTestId('run-error');
  await expect(error).toContainText('400');
  await expect(error).toContainText("the loaded model's context size is 256 tokens");
  await expect(error).toContainText('(param: messages)');
});
