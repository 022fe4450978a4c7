import { expect, test, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { freshApp, inTab } from './pages';

/**
 * A real chat model (SmolLM2-135M-Instruct, placed by `npm run models` from PyPI) answers in the
 * tab through the official openai client. Skipped only where set-up could not fetch it.
 */
const MODEL = 'models/SmolLM2-135M-Instruct.Q4_1.gguf';
const available = existsSync(`public/${MODEL}`);

type Completion = {
  choices: {
    message: {
      content: string | null;
      tool_calls?: { function: { name: string; arguments: string } }[];
    };
    finish_reason: string;
  }[];
};

let page: Page;
test.describe.configure({ mode: 'serial' });
test.skip(!available, `${MODEL} is missing: npm run models could not fetch it`);

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await page.getByLabel('GGUF model URL').fill(MODEL);
  // Record every text the status shows while loading (the download progress).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statusTexts: string[] }).statusTexts = seen;
    const el = document.querySelector('[data-testid="engine-status"]')!;
    new MutationObserver(() => seen.push(el.textContent ?? '')).observe(el, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('engine-status')).toContainText('Loaded', { timeout: 120_000 });
  const texts = await page.evaluate(
    () => (window as unknown as { statusTexts: string[] }).statusTexts,
  );
  const partial = texts.filter(
    (t) => /^download [\d.]+ (KiB|MiB) \/ 93\.8 MiB$/.test(t) && !t.startsWith('download 93.8'),
  );
  expect(partial.length, texts.join(' | ')).toBeGreaterThan(0);
  // The request now names the loaded model.
  const request = JSON.parse(await page.getByTestId('request-json').inputValue()) as {
    model: string;
  };
  expect(request.model).toBe('SmolLM2-135M-Instruct.Q4_1');
});

test.afterAll(async () => {
  await page.close();
});

async function ask(body: Record<string, unknown>): Promise<Completion> {
  const r = await inTab(page, { model: 'smollm2', ...body });
  if ('thrown' in r) throw new Error(JSON.stringify(r.thrown));
  return r as unknown as Completion;
}

test('the real model answers a question with its own chat template', async () => {
  const r = await ask({
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'What is the capital of France?' },
    ],
    temperature: 0,
    max_completion_tokens: 40,
  });
  expect(r.choices[0]!.message.content).toMatch(/Paris/);
  // The model ended its turn itself (end-of-turn token), not at the token limit.
  expect(r.choices[0]!.finish_reason).toBe('stop');
});

test('the real model fills a JSON schema and calls a tool under constraint', async () => {
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, country: { type: 'string' } },
    required: ['city', 'country'],
    additionalProperties: false,
  };
  const json = await ask({
    messages: [
      { role: 'system', content: 'You answer in JSON.' },
      { role: 'user', content: 'What is the capital of France? Give city and country.' },
    ],
    temperature: 0,
    max_completion_tokens: 60,
    response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } },
  });
  const value = JSON.parse(json.choices[0]!.message.content ?? '') as {
    city: string;
    country: string;
  };
  expect(Object.keys(value).sort()).toEqual(['city', 'country']);
  expect(json.choices[0]!.finish_reason).toBe('stop');

  const tools = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather of a city',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
      },
    },
  ];
  const call = await ask({
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    tools,
    tool_choice: 'required',
    // A 135M model would repeat the call until the token limit.
    parallel_tool_calls: false,
    temperature: 0,
    max_completion_tokens: 60,
  });
  const calls = call.choices[0]!.message.tool_calls ?? [];
  expect(calls.length, JSON.stringify(call)).toBeGreaterThan(0);
  expect(calls[0]!.function.name).toBe('get_weather');
  expect(typeof (JSON.parse(calls[0]!.function.arguments) as { city: unknown }).city).toBe(
    'string',
  );
  expect(call.choices[0]!.finish_reason).toBe('tool_calls');
});

test('Run uses the model selected now: a changed selection is loaded first', async () => {
  await page.getByLabel('GGUF model URL').fill('models/tiny-random.gguf');
  await page.locator('#param-max_completion_tokens').fill('3');
  await page.getByRole('button', { name: /^Run/ }).click();
  await expect(page.getByTestId('latest-run')).toHaveAttribute('data-status', 'done', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('engine-status')).toHaveText('Loaded: tiny-random');
});
