import { expect, test } from '@playwright/test';
import { freshApp, RequestPanel } from './pages';

/**
 * A 200 kB message: the request JSON and the export catch up once typing pauses (they are
 * not re-rendered per keystroke), nothing typed is lost, and the draft survives a reload.
 * Keystroke latency itself is measured by tools/bench-typing.ts, not asserted here.
 */

const BIG = 'Lorem ipsum dolor sit amet. '.repeat(7200); // 201,600 characters

test('typing into a 200 kB message reaches the request JSON, the export and a reload', async ({
  page,
}) => {
  await freshApp(page);
  const box = page.getByLabel('Content of message 2');
  await box.fill(BIG);
  await box.press('End');
  await page.keyboard.type(' The end.');
  await expect(box).toHaveValue(`${BIG} The end.`);
  const request = new RequestPanel(page);
  await expect
    .poll(async () => ((await request.read()).messages as { content: string }[])[1]!.content)
    .toBe(`${BIG} The end.`);
  await expect(page.getByTestId('export-code')).toContainText('amet.  The end."');
  await expect(request.json).toHaveAttribute('aria-busy', 'false');
  await page.reload();
  await expect(page.getByLabel('Content of message 2')).toHaveValue(`${BIG} The end.`);
});

test('editing the request JSON of a large request keeps what was typed there', async ({ page }) => {
  await freshApp(page);
  await page.getByLabel('Content of message 2').fill(BIG);
  const request = new RequestPanel(page);
  await expect(request.json).toHaveValue(/amet\. "/);
  const body = await request.read();
  body.temperature = 0.5;
  const text = JSON.stringify(body, null, 2);
  await request.json.fill(text);
  await page.waitForTimeout(1000); // longer than the settle pause: nothing may overwrite it
  await expect(request.json).toHaveValue(text);
  await expect(page.locator('#param-temperature')).toHaveValue('0.5');
  // A later change from the form still reaches the JSON.
  await page.locator('#param-seed').fill('42');
  await expect.poll(async () => (await request.read()).seed).toBe(42);
  await expect(request.json).toHaveValue(/"temperature": 0.5/);
});
