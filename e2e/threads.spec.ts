import { expect, test } from '@playwright/test';
import { freshApp, loadTinyModel } from './pages';

// Threads: the page is cross-origin isolated (COOP/COEP from the preview server), so wasm
// threads exist; the thread setting reaches llama.cpp (the count shown is wllama's
// getNumThreads() after the load).

test('the app is cross-origin isolated and shares memory with workers', async ({ page }) => {
  await freshApp(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
});

test('the thread setting defaults to the cores less one and reaches the engine', async ({
  page,
}) => {
  await freshApp(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const input = page.getByLabel('CPU threads');
  await expect(input).toBeEnabled();
  await expect(input).toHaveValue(String(Math.max(1, cores - 1)));
  await expect(input).toHaveAttribute('max', String(cores));

  await loadTinyModel(page);
  await expect(page.getByTestId('running-threads')).toHaveText(
    ` (running ${Math.max(1, cores - 1)})`,
  );

  test.skip(cores < 2, 'one core: no other thread count to try');
  await input.fill(String(cores));
  // a changed setting applies at the next load
  await loadTinyModel(page);
  await expect(page.getByTestId('running-threads')).toHaveText(` (running ${cores})`);
  await input.fill('1');
  await page.reload();
  await expect(page.getByLabel('CPU threads')).toHaveValue('1'); // persisted
  await loadTinyModel(page);
  await expect(page.getByTestId('running-threads')).toHaveText(' (running 1)');
});
