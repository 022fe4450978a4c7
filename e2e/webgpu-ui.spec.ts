// The WebGPU engine's model picker, custom model form, cache panel and load errors, in
// Chromium with WebGPU through SwiftShader (playwright.config.ts flags): a real adapter without
// shader-f16, and no network. WebLLM itself cannot load a model here; these specs prove that
// the UI tells the user what runs, why not, and what to do instead, and never hangs.

import { expect, test, type Page } from '@playwright/test';
import { freshApp } from './pages';

const DEFAULT_MODEL = 'SmolLM2-360M-Instruct-q4f32_1-MLC';

/** Model downloads fail as offline: nothing may leave the machine, even where a network exists. */
test.beforeEach(async ({ context }) => {
  await context.route(/^https:\/\/(huggingface\.co|raw\.githubusercontent\.com)\//, (route) =>
    route.abort('internetdisconnected'),
  );
});

async function pickWebGpu(page: Page) {
  await freshApp(page);
  await page.getByLabel('Engine').selectOption('webgpu');
  const picker = page.getByLabel('WebLLM model');
  // the worker lists the models once it has asked the adapter
  const listed = picker.locator(
    `optgroup[label="Runs on this GPU"] option[value="${DEFAULT_MODEL}"]`,
  );
  await expect(listed).toBeAttached({
    timeout: 30_000,
  });
  return picker;
}

const status = (page: Page) => page.getByTestId('engine-status');

test('the picker lists WebLLM models with their VRAM; f16 ones are disabled with the reason', async ({
  page,
}) => {
  const picker = await pickWebGpu(page);
  const options = await picker.locator('option').evaluateAll((os) =>
    (os as HTMLOptionElement[]).map((o) => ({
      value: o.value,
      text: o.textContent ?? '',
      disabled: o.disabled,
    })),
  );
  expect(options.length).toBeGreaterThan(100);
  expect(options.some((o) => o.value.startsWith('snowflake-arctic-embed'))).toBe(false);

  const f16 = options.filter((o) => /q\d+f16/.test(o.value));
  expect(f16.length).toBeGreaterThan(20);
  for (const o of f16) {
    expect(o.disabled, o.value).toBe(true);
    expect(o.text).toContain('needs shader-f16, which this GPU does not offer');
  }
  const f32 = options.filter((o) => /q\d+f32/.test(o.value));
  expect(f32.length).toBeGreaterThan(20);
  expect(f32.every((o) => !o.disabled)).toBe(true);

  // VRAM in every label, and the default is a small model that needs no shader-f16
  expect(options.find((o) => o.value === DEFAULT_MODEL)?.text).toBe(`${DEFAULT_MODEL} · 580 MB`);
  expect(options.find((o) => o.value === 'Llama-3.2-1B-Instruct-q4f32_1-MLC')?.text).toContain(
    '1.1 GB',
  );
  await expect(picker).toHaveValue(DEFAULT_MODEL);
  await expect(
    picker.locator('optgroup[label="Not supported here"] option').first(),
  ).toBeDisabled();

  // picking another runnable model sticks
  await picker.selectOption('Qwen3-0.6B-q4f32_1-MLC');
  await expect(picker).toHaveValue('Qwen3-0.6B-q4f32_1-MLC');
});

test('loading a model offline fails with a clear download error and a way forward', async ({
  page,
}) => {
  await pickWebGpu(page);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  const alert = status(page).getByRole('alert');
  await expect(alert).toContainText(`Could not download ${DEFAULT_MODEL}`, { timeout: 60_000 });
  await expect(alert).toContainText(`https://huggingface.co/mlc-ai/${DEFAULT_MODEL}/resolve/main/`);
  await expect(alert).toContainText('Check the network connection');
  await expect(alert.getByRole('button', { name: 'Reload' })).toBeVisible();
  // the Load button works again (no stuck "loading" state)
  await expect(page.getByRole('button', { name: 'Load', exact: true })).toBeEnabled();
});

test('the cache panel shows the storage estimate and what is cached', async ({ page }) => {
  await pickWebGpu(page);
  await page.getByText('Model cache', { exact: true }).click();
  const panel = page.getByTestId('cache-manager');
  await expect(panel.getByTestId('storage-estimate')).toHaveText(
    /^Storage: [\d.]+ (B|KiB|MiB|GiB) used of [\d.]+ (B|KiB|MiB|GiB) \([\d.]+%\)$/,
    { timeout: 30_000 },
  );
  await expect(panel.getByTestId('cache-empty')).toHaveText('No WebGPU models are cached.');
  await expect(panel.getByRole('button', { name: 'Delete all' })).toBeDisabled();
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await expect(panel.getByTestId('storage-estimate')).toBeVisible();
});

test('a custom model: URLs are checked, an f16 library is refused up front, downloads fail clearly', async ({
  page,
}) => {
  const picker = await pickWebGpu(page);
  await picker.selectOption('__custom__');
  const form = page.getByTestId('custom-model-form');
  await expect(form).toBeVisible();
  const load = page.getByRole('button', { name: 'Load', exact: true });

  // invalid URLs: the form says so, and Load reports it instead of starting
  await form.getByLabel('Custom model URL').fill('not a url');
  await expect(form.getByTestId('custom-model-problems')).toContainText(
    'The model URL must be an http(s) URL.',
  );
  await load.click();
  await expect(status(page).getByRole('alert')).toContainText('Custom model:');

  // an f16 model on an adapter without shader-f16: refused before any download
  await form.getByLabel('Custom model URL').fill('https://huggingface.co/me/Tiny-q4f16_1-MLC');
  await form
    .getByLabel('Custom model library URL')
    .fill('https://example.org/libs/Tiny-q4f16_1-webgpu.wasm');
  await expect(form).toContainText('Loads as custom:Tiny-q4f16_1-MLC');
  await load.click();
  const alert = status(page).getByRole('alert');
  await expect(alert).toContainText('custom:Tiny-q4f16_1-MLC needs the WebGPU feature shader-f16', {
    timeout: 30_000,
  });
  await expect(alert.getByRole('button', { name: 'Use the CPU engine' })).toBeVisible();

  // an f32 one gets as far as the download, which fails offline with the URL in the message
  await form.getByLabel('Custom model URL').fill('https://huggingface.co/me/Tiny-q4f32_1-MLC');
  await form
    .getByLabel('Custom model library URL')
    .fill('https://huggingface.co/me/Tiny-q4f32_1-MLC/resolve/main/lib.wasm');
  await load.click();
  await expect(alert).toContainText(
    'Could not download custom:Tiny-q4f32_1-MLC from https://huggingface.co/me/Tiny-q4f32_1-MLC/resolve/main/',
    { timeout: 60_000 },
  );

  // the custom choice survives a reload (persisted)
  await page.reload();
  await expect(page.getByTestId('custom-model-form').getByLabel('Custom model URL')).toHaveValue(
    'https://huggingface.co/me/Tiny-q4f32_1-MLC',
  );
});

test('without WebGPU the engine option says so and the panel offers the CPU engine', async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
  await freshApp(page);
  const engine = page.getByLabel('Engine');
  await expect(engine.locator('option[value="webgpu"]')).toHaveText(
    'WebGPU (WebLLM) — not available',
  );
  await engine.selectOption('webgpu');
  const notice = page.getByTestId('no-webgpu');
  await expect(notice).toContainText('WebGPU is not available');
  await notice.getByRole('button', { name: 'Use the CPU engine' }).click();
  await expect(engine).toHaveValue('cpu');
  await expect(page.getByLabel('GGUF model URL')).toBeVisible();
});
