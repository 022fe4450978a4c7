import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { freshApp, inTab } from './pages';

/**
 * The default real model is SmolLM2-135M re-quantised by `npm run models` (tools/convert-model.ts:
 * Q4_1 -> Q4_K + Q5_1, types with wasm SIMD kernels). It is offered first, loads in wllama and
 * answers as the Q4_1 original does; the original stays listed.
 */
const CONVERTED = 'SmolLM2-135M-Instruct.Q4_K-Q5_1.gguf';
const ORIGINAL = 'SmolLM2-135M-Instruct.Q4_1.gguf';
test.skip(
  !existsSync(`public/models/${CONVERTED}`),
  `${CONVERTED} is missing: npm run models could not fetch SmolLM2`,
);

const QUESTION = {
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one sentence.' }],
  temperature: 0,
  max_completion_tokens: 20,
};

type Completion = { choices: { message: { content: string | null } }[] };

test('the converted model is the default, loads in wllama and answers like the Q4_1 file', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await freshApp(page);
  const picker = page.getByLabel('Served model');
  await expect(picker).toHaveValue(CONVERTED);
  await expect(picker.locator('option', { hasText: 'Q4_1' })).toHaveCount(1);

  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('engine-status')).toHaveText(
    `Loaded: ${CONVERTED.replace(/\.gguf$/, '')}`,
    { timeout: 180_000 },
  );
  const converted = (await inTab(page, { model: 'm', ...QUESTION })) as Completion;

  await picker.selectOption(ORIGINAL);
  const original = (await inTab(page, { model: 'm', ...QUESTION })) as Completion; // loads it first
  await expect(page.getByTestId('engine-status')).toHaveText(
    `Loaded: ${ORIGINAL.replace(/\.gguf$/, '')}`,
  );
  const a = converted.choices[0]!.message.content ?? '';
  const b = original.choices[0]!.message.content ?? '';
  expect(a).toContain('Paris');
  expect(b).toContain('Paris');
});
