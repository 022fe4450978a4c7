/**
 * vLLM 0.32 (CPU build), started here on 127.0.0.1: every probe of the fact table against a
 * default server and against one with the flags the table names, the report's prediction
 * checked for each, and the Server engine streaming from it in Chromium. Two starts in all.
 */
import { expect, test } from '@playwright/test';
import { FLAGS } from '../src/server/facts';
import { checkAll, streamInPage } from './check';
import { requiredPath, send, startServer, type RunningServer } from './harness';
import { probesFor, MODEL } from './probes';

const PORT = Number(process.env.INTAB_VLLM_PORT ?? 18400);
const KEY = 'sk-suite-key-31c4';
const START_TIMEOUT_MS = 15 * 60_000;

function vllm(flags: string[]): Promise<RunningServer> {
  const python = requiredPath('INTAB_VLLM_PYTHON', 'servers/install-vllm.sh installs it');
  const model = requiredPath('INTAB_VLLM_MODEL_DIR', 'servers/prepare-vllm-model.sh makes it');
  return startServer({
    name: flags.length === 0 ? 'vllm-default' : 'vllm-flags',
    command: python,
    args: [
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--host',
      '127.0.0.1',
      '--port',
      String(PORT),
      '--model',
      model,
      '--served-model-name',
      MODEL,
      '--dtype',
      'bfloat16',
      '--max-model-len',
      '2048',
      '--max-num-seqs',
      '4',
      '--enforce-eager',
      ...flags,
    ],
    env: { VLLM_CPU_KVCACHE_SPACE: '2', VLLM_LOGGING_LEVEL: 'WARNING' },
    port: PORT,
    ...(flags.includes('--api-key') ? { apiKey: KEY } : {}),
    readyTimeoutMs: START_TIMEOUT_MS,
  });
}

// That every parameter and every rule has a probe is checked without a server, in npm test
// (servers/probes.test.ts).
const { probes } = probesFor('vllm');

test('a default vLLM 0.32 server: the report predicts every answer; the page is refused (CORS)', async ({
  page,
}, info) => {
  test.setTimeout(60 * 60_000);
  const server = await vllm([]);
  try {
    await checkAll(server, probes, { target: 'vllm', flags: [], code: true, forcesTools: true });

    // A base URL without /v1: a bare 404.
    const bare = await fetch(`${server.baseUrl.replace(/\/v1$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });
    expect.soft(bare.status).toBe(404);

    // Cross-origin: no Access-Control-Allow-Origin without --allowed-origins.
    const origin = new URL(info.project.use.baseURL ?? 'http://localhost').origin;
    const a = await send(
      server,
      { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 },
      { origin },
    );
    expect
      .soft(a.headers.get('access-control-allow-origin'), 'no CORS header by default')
      .toBeNull();
    await test.step('the Server engine in Chromium is refused and says why', async () => {
      await streamInPage(page, server, 'vllm', null);
      await expect.soft(page.getByTestId('run-error')).toContainText('cross-origin (CORS)');
      await expect.soft(page.getByTestId('run-error-note')).toContainText('--allowed-origins');
    });
  } finally {
    await server.stop();
  }
});

test('vLLM 0.32 with --enable-auto-tool-choice --tool-call-parser hermes, --trust-request-chat-template, --allowed-origins and --api-key', async ({
  page,
}, info) => {
  test.setTimeout(60 * 60_000);
  const origin = new URL(info.project.use.baseURL ?? 'http://localhost').origin;
  const server = await vllm([
    '--enable-auto-tool-choice',
    '--tool-call-parser',
    'hermes',
    '--trust-request-chat-template',
    '--allowed-origins',
    JSON.stringify([origin]),
    '--api-key',
    KEY,
  ]);
  try {
    await checkAll(server, probes, {
      target: 'vllm',
      flags: [FLAGS.autoToolChoice, FLAGS.trustChatTemplate],
      code: true,
      forcesTools: true,
    });

    await test.step('a wrong key: 401 without CORS headers', async () => {
      const wrong = await send(
        server,
        { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 },
        { apiKey: 'sk-wrong', origin },
      );
      expect.soft(wrong.status).toBe(401);
      expect.soft(wrong.headers.get('access-control-allow-origin')).toBeNull();
    });

    await test.step('the Server engine streams from vLLM in Chromium', async () => {
      await streamInPage(page, server, 'vllm', KEY);
      await expect(page.getByTestId('latest-run')).toHaveAttribute('data-status', 'done');
      await expect(page.getByTestId('choice-0').getByTestId('content')).toHaveText(/^(yes|no)\s*$/);
      await expect(page.getByTestId('usage')).toContainText('tokens');
    });

    await test.step('in the page, a wrong key looks like a CORS failure, and the note says so', async () => {
      await streamInPage(page, server, 'vllm', 'sk-wrong');
      await expect.soft(page.getByTestId('run-error')).toContainText('cross-origin (CORS)');
      await expect.soft(page.getByTestId('run-error-note')).toContainText('check the API key');
    });
  } finally {
    await server.stop();
  }
});
