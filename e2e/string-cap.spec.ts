import { expect, test, type Page } from '@playwright/test';
import { freshApp, loadTinyModel, RequestPanel, ResponsePanel } from './pages';

/**
 * The tab-only string cap ("In the tab: cap free JSON strings at N characters"): off by
 * default; when on, every JSON string whose schema gives no bound ends within N characters and
 * the run says the tab applied it; it never enters the request JSON or the exports.
 */

const CAP = 5;
const SEEDS = [1, 2, 3];
const schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
    code: { type: 'string', maxLength: 12 },
  },
  required: ['name', 'tags', 'code'],
  additionalProperties: false,
};
const draft = (seed: number) => ({
  model: 'tiny-random',
  messages: [{ role: 'user', content: 'Answer.' }],
  temperature: 1,
  seed,
  max_completion_tokens: 60,
  guided_json: schema,
});

let page: Page;
let request: RequestPanel;
let response: ResponsePanel;
test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await loadTinyModel(page);
  request = new RequestPanel(page);
  response = new ResponsePanel(page);
});

test.afterAll(async () => {
  await page.close();
});

async function runDraft(seed: number): Promise<string> {
  await request.importText(JSON.stringify(draft(seed)));
  await expect(page.getByTestId('import-result')).toBeVisible();
  await response.runButton.click();
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'done');
  return response.rawText(0);
}

const capOn = () => page.getByTestId('string-cap-on');
const codePoints = (s: string) => [...s].length;

test('off by default: no cap applied, and a free string runs past N characters', async () => {
  await expect(capOn()).not.toBeChecked();
  const firstStrings: string[] = [];
  for (const seed of SEEDS) {
    const out = await runDraft(seed);
    await expect(page.getByTestId('run-tab-notes')).toHaveCount(0);
    // The first free string, closed or cut off by max_completion_tokens.
    const m = /"name"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(out);
    expect(m, out).not.toBeNull();
    firstStrings.push(m![1]!);
  }
  expect(
    firstStrings.some((s) => codePoints(s) > CAP),
    JSON.stringify(firstStrings),
  ).toBe(true);
  await expect(page.getByTestId('report-tab-string-cap')).toHaveCount(0);
});

test('the setting changes neither the request JSON nor the exports', async () => {
  await request.importText(JSON.stringify(draft(1)));
  await expect(page.getByTestId('import-result')).toBeVisible();
  const json = await request.json.inputValue();
  const exportJson = await request.exportTab('JSON');
  const curl = await request.exportTab('curl');
  await capOn().check();
  await page.getByTestId('string-cap-length').fill(String(CAP));
  await expect(request.json).toHaveValue(json);
  expect(await request.exportTab('JSON')).toBe(exportJson);
  expect(await request.exportTab('curl')).toBe(curl);
  expect(json).not.toMatch(/cap/i);
  // The compatibility report says the tab caps strings and the server will not.
  await expect(
    page.getByTestId('compat-report').getByTestId('report-tab-string-cap'),
  ).toContainText(`capped at ${CAP} characters`);
});

test('View grammar compiles with the cap the run will use', async () => {
  const grammarView = page.getByTestId('grammar-view');
  await grammarView.getByRole('button', { name: 'View grammar' }).click();
  await expect(grammarView).toContainText(`at most ${CAP} characters`);
  const capped = await page.getByTestId('grammar-text').textContent();
  await capOn().uncheck();
  await grammarView.getByRole('button', { name: 'View grammar' }).click();
  await expect(grammarView).not.toContainText('string length cap');
  expect(await page.getByTestId('grammar-text').textContent()).not.toBe(capped);
  await capOn().check();
});

test('on: every free string is at most N characters, and the run says the tab capped it', async () => {
  for (const seed of SEEDS) {
    const out = await runDraft(seed);
    const notes = page.getByTestId('run-tab-notes');
    await expect(notes).toContainText(`at most ${CAP} characters`);
    await expect(notes).toContainText('not by the model or a server');
    await expect(response.latest.getByTestId('finish-reason')).toHaveText('stop');
    const v = JSON.parse(out) as { name: string; tags: string[]; code: string };
    for (const s of [v.name, ...v.tags]) expect(codePoints(s), out).toBeLessThanOrEqual(CAP);
    expect(codePoints(v.code), out).toBeLessThanOrEqual(12);
  }
});

test('the setting persists across a reload', async () => {
  await page.reload();
  await expect(capOn()).toBeChecked();
  await expect(page.getByTestId('string-cap-length')).toHaveValue(String(CAP));
});
