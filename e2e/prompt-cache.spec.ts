import { expect, test, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import type { EngineSampling, EngineToken, GenerateResult } from '../src/engine/cpu/wllamaEngine';
import { freshApp, inTab, loadModelUrl, RequestPanel, ResponsePanel } from './pages';

/**
 * The CPU engine reuses llama.cpp's KV cache for the prompt prefix a request shares with the
 * previous one: a rerun after a slider change evaluates one token, a continued conversation only
 * what was added. Proven with llama.cpp's own count of reused prompt tokens (never a timing),
 * and reuse leaves seeded results bit for bit as they are without it.
 */
const MODEL = 'models/SmolLM2-135M-Instruct.Q4_1.gguf';
test.skip(!existsSync(`public/${MODEL}`), `${MODEL} is missing: npm run models could not fetch it`);
test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}
interface Completion {
  choices: { message: { content: string | null } }[];
  usage: Usage;
}

const QUESTION = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'What is the capital of France?' },
];

test.describe('in the app', () => {
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await freshApp(page);
    await loadModelUrl(page, MODEL);
  });

  test.afterAll(async () => {
    await page.close();
  });

  async function ask(body: Record<string, unknown>): Promise<Completion> {
    const r = await inTab(page, { model: 'smollm2', max_completion_tokens: 8, ...body });
    if ('thrown' in r) throw new Error(JSON.stringify(r.thrown));
    return r as unknown as Completion;
  }
  const cached = (c: Completion) => c.usage.prompt_tokens_details?.cached_tokens ?? -1;

  test('a rerun after a slider change evaluates one token; a continuation only the new turn', async () => {
    // Another conversation first, so that only the template's common start is in the cache.
    await ask({ messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 1 });
    const first = await ask({ messages: QUESTION, temperature: 0.7, seed: 1 });
    expect(cached(first)).toBeGreaterThanOrEqual(0);
    expect(cached(first)).toBeLessThan(first.usage.prompt_tokens - 5);

    const rerun = await ask({ messages: QUESTION, temperature: 0.2, seed: 1 });
    expect(rerun.usage.prompt_tokens).toBe(first.usage.prompt_tokens);
    // llama.cpp evaluates the last prompt token again to get its logits; nothing else
    expect(cached(rerun)).toBe(rerun.usage.prompt_tokens - 1);

    const answer = rerun.choices[0]!.message.content ?? '';
    const more = await ask({
      messages: [
        ...QUESTION,
        { role: 'assistant', content: answer },
        { role: 'user', content: 'And of Italy?' },
      ],
      temperature: 0.2,
      seed: 1,
    });
    // The whole previous prompt came from the cache: only the tokens after it were evaluated.
    expect(cached(more)).toBeGreaterThanOrEqual(rerun.usage.prompt_tokens);
    const evaluated = more.usage.prompt_tokens - cached(more);
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(more.usage.prompt_tokens - rerun.usage.prompt_tokens);
  });

  test('the run shows how many prompt tokens came from the cache', async () => {
    const request = new RequestPanel(page);
    const response = new ResponsePanel(page);
    await request.importText(
      JSON.stringify({
        model: 'SmolLM2-135M-Instruct.Q4_1',
        messages: QUESTION,
        max_completion_tokens: 3,
        stream: false,
      }),
    );
    for (let i = 0; i < 2; i++) {
      await response.runButton.click();
      await response.waitDone(120_000);
      await expect(response.latest).toHaveAttribute('data-status', 'done');
    }
    const usage = await response.latest.getByTestId('usage').innerText();
    const prompt = Number(/prompt (\d+)/.exec(usage)?.[1]);
    expect(prompt).toBeGreaterThan(10);
    await expect(response.latest.getByTestId('cached-tokens')).toHaveText(
      ` (${prompt - 1} from cache)`,
    );
  });
});

test.describe('in the engine', () => {
  interface RunOutput {
    text: string;
    tokens: EngineToken[];
    result: GenerateResult;
  }
  let page: Page;
  const chat = (turns: string) =>
    `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n${turns}`;
  const P = chat('<|im_start|>user\nName three rivers.<|im_end|>\n<|im_start|>assistant\n');
  const Q = `${P}The Nile, the Amazon and the Danube.<|im_end|>\n<|im_start|>user\nAnd three lakes?<|im_end|>\n<|im_start|>assistant\n`;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await page.goto('/engine-harness.html');
    await expect(page.locator('#status')).toHaveText('ready');
    await page.evaluate((url) => window.harness.load(url), `/${MODEL}`);
  });

  test.afterAll(async () => {
    await page.close();
  });

  async function run(prompt: string, s: Partial<EngineSampling>, cachePrompt: boolean) {
    return page.evaluate(([p, x, c]) => window.harness.run(p, x, { cachePrompt: c }), [
      prompt,
      { max_tokens: 8, n_probs: 2, ...s },
      cachePrompt,
    ] as const) as Promise<RunOutput>;
  }
  const trace = (r: RunOutput) =>
    r.tokens.map((t) => [t.id, t.logprob, t.top.map((a) => a.logprob)]);

  for (const temperature of [0, 1]) {
    test(`reuse gives the same tokens and logprobs as a full evaluation (temperature ${temperature})`, async () => {
      const s = { temperature, seed: 42 };
      const full = await run(P, s, false);
      expect(full.result.cachedPromptTokens).toBe(0);
      await run(P, s, true);
      const reused = await run(P, s, true);
      expect(reused.result.cachedPromptTokens).toBe(reused.result.promptTokens - 1);
      expect(trace(reused)).toEqual(trace(full));

      const fullQ = await run(Q, s, false);
      expect(fullQ.result.cachedPromptTokens).toBe(0);
      await run(P, s, true);
      const continued = await run(Q, s, true);
      expect(continued.result.cachedPromptTokens).toBeGreaterThanOrEqual(full.result.promptTokens);
      expect(trace(continued)).toEqual(trace(fullQ));
    });
  }
});
