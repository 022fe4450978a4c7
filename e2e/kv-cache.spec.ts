import { existsSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { freshApp, loadTinyModel } from './pages';

// The CPU engine keeps wllama's default KV cache (f16, flash attention); the load option
// kvCache: 'auto' asks for an f32 cache without flash attention when the cache and the
// attention scores fit 320 MiB (src/engine/cpu/kvCache.ts; faster decode in wasm, but greedy
// answers change: docs/benchmarks.md). What is checked here is what llama.cpp itself reports
// in its load log, not the parameters sent.

const MODEL = '/models/SmolLM2-135M-Instruct.Q4_K-Q5_1.gguf';
test.setTimeout(300_000);

test("the app shows the KV cache llama.cpp set up: wllama's default f16", async ({ page }) => {
  await freshApp(page);
  await loadTinyModel(page);
  await expect(page.getByTestId('running-kv-cache')).toHaveText('KV cache f16');
});

interface Loaded {
  kvCache: string | null;
  flashAttn: string | null;
}
interface Run {
  text: string;
  tokens: { id: number; logprob: number; top: { id: number; logprob: number }[] }[];
}
const PROMPTS = [
  '<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>user\nWrite a haiku about autumn leaves.<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>user\nExplain in two sentences why the sky is blue.<|im_end|>\n<|im_start|>assistant\n',
];

async function greedy(
  page: Page,
  kvCache?: 'auto' | 'default',
): Promise<{ loaded: Loaded; runs: Run[] }> {
  const loaded = (await page.evaluate(
    ([url, kv]) => window.harness.load(url, kv ? { kvCache: kv } : {}),
    [MODEL, kvCache] as const,
  )) as Loaded;
  const runs: Run[] = [];
  for (const prompt of PROMPTS)
    runs.push(
      (await page.evaluate(
        ([p]) =>
          window.harness.run(
            p,
            { temperature: 0, max_tokens: 48, n_probs: 2 },
            {},
          ) as Promise<unknown>,
        [prompt] as const,
      )) as Run,
    );
  return { loaded, runs };
}

test('kvCache auto runs an f32 cache on the default model, greedy output as f16 but for near-ties', async ({
  page,
}) => {
  test.skip(!existsSync(`public${MODEL}`), `${MODEL} is missing: run npm run models`);
  await page.goto('/engine-harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
  const f32 = await greedy(page, 'auto');
  expect(f32.loaded).toMatchObject({ kvCache: 'f32', flashAttn: 'disabled' });
  const f16 = await greedy(page, 'default');
  expect(f16.loaded.kvCache).toBe('f16');
  expect(f16.loaded.flashAttn).not.toBe('disabled');
  // f32 keeps the keys and values that f16 rounds, so greedy output may part where two
  // tokens are near-tied: it must agree up to there, and there f16's own top-2 must hold
  // f32's token within 0.5 nats of f16's choice (float noise, not a different model).
  for (let i = 0; i < PROMPTS.length; i++) {
    const [a, b] = [f32.runs[i]!.tokens, f16.runs[i]!.tokens];
    expect(a.length).toBeGreaterThan(4);
    const j = a.findIndex((t, k) => t.id !== b[k]?.id);
    const shared = j < 0 ? a.length : j;
    const drift = Math.max(
      ...a.slice(0, shared).map((t, k) => Math.abs(t.logprob - b[k]!.logprob)),
    );
    test.info().annotations.push({
      type: 'drift',
      description: `prompt ${i}: ${shared} shared tokens, max logprob difference ${drift.toFixed(4)}`,
    });
    if (j < 0) continue;
    expect(j, `prompt ${i} parts at token ${j}`).toBeGreaterThanOrEqual(8);
    const alt = b[j]!.top.find((t) => t.id === a[j]!.id);
    expect(alt, `prompt ${i}: f32's token ${j} is in f16's top 2`).toBeDefined();
    const gap = b[j]!.logprob - alt!.logprob;
    test.info().annotations.push({
      type: 'diverges',
      description: `prompt ${i} at token ${j}, f16 logprob gap ${gap.toFixed(4)} nats`,
    });
    expect(gap).toBeLessThan(0.5);
  }
});
