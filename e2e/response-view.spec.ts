import { expect, test, type Page } from '@playwright/test';
import { freshApp, loadTinyModel, ParamsPanel, RequestPanel, ResponsePanel } from './pages';

/**
 * The response view as a user sees it: token logprobs without hovering, a stopped run that
 * does not look like a failure, the problems that block Run with a way to each control, a
 * prompt preview that follows the draft, and small polish (favicon, plurals, tool calls).
 */

type TokenLogprob = {
  token: string;
  logprob: number;
  top_logprobs: { token: string; logprob: number }[];
};

const quoted = (token: string) => JSON.stringify(token);

/** The completion of the latest run, as the raw response JSON shows it. */
async function rawCompletion(page: Page) {
  const text = (await page.getByTestId('raw-response').textContent()) ?? '';
  return JSON.parse(text) as {
    choices: {
      message: { content: string | null; tool_calls?: unknown[] };
      logprobs: { content: TokenLogprob[] } | null;
    }[];
  };
}

test.describe('with the tiny model', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await freshApp(page);
    await loadTinyModel(page);
  });

  test.afterAll(async () => {
    await page.close();
  });

  test('token logprobs are reachable by keyboard and click, and listed in a table', async () => {
    const params = new ParamsPanel(page);
    const response = new ResponsePanel(page);
    await params.input('logprobs').check();
    await params.setNumber('top_logprobs', 3);
    await params.setNumber('max_completion_tokens', 5);
    await params.setNumber('seed', 11);
    await response.runButton.click();
    await response.waitDone();
    await expect(response.latest).toHaveAttribute('data-status', 'done');
    const lps = (await rawCompletion(page)).choices[0]!.logprobs!.content;
    expect(lps).toHaveLength(5);

    const choice = page.getByTestId('choice-0');
    await choice.getByRole('button', { name: 'Show token logprobs' }).click();
    const tokens = choice.getByTestId('tokens').getByRole('button');
    await expect(tokens).toHaveCount(5);
    for (const t of await tokens.all()) await expect(t).toHaveAttribute('tabindex', '0');

    // Keyboard: Tab from the last button of the choice reaches the first token and shows it.
    await expect(choice.getByTestId('token-detail')).toHaveCount(0);
    await choice.getByRole('button', { name: 'Show logprobs table' }).focus();
    await page.keyboard.press('Tab');
    await expect(tokens.first()).toBeFocused();
    const detail = choice.getByTestId('token-detail');
    await expect(detail).toBeVisible();
    await expect(detail.getByTestId('token-detail-token')).toHaveText(quoted(lps[0]!.token));
    await expect(detail).toContainText(lps[0]!.logprob.toFixed(3));
    const alts = detail.getByTestId('token-alts').getByRole('listitem');
    await expect(alts).toHaveCount(3);
    for (const [j, a] of lps[0]!.top_logprobs.entries()) {
      await expect(alts.nth(j)).toContainText(`${quoted(a.token)} ${a.logprob.toFixed(3)}`);
    }

    // Click (touch) on another token shows that one.
    await tokens.nth(2).click();
    await expect(detail.getByTestId('token-detail-token')).toHaveText(quoted(lps[2]!.token));
    await expect(detail.getByTestId('token-alts').getByRole('listitem')).toHaveCount(3);

    // The table: one row per token with logprob, probability and the alternatives.
    await choice.getByRole('button', { name: 'Show logprobs table' }).click();
    const table = choice.getByRole('table', { name: 'Token logprobs' });
    await expect(table).toBeVisible();
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(5);
    for (const [i, t] of lps.entries()) {
      const cells = rows.nth(i).getByRole('cell');
      await expect(cells.nth(1)).toHaveText(quoted(t.token));
      await expect(cells.nth(2)).toHaveText(t.logprob.toFixed(3));
      const pct = Math.exp(t.logprob) * 100;
      await expect(cells.nth(3)).toHaveText(pct < 0.01 ? '<0.01%' : `${pct.toFixed(2)}%`);
      await expect(cells.nth(4).getByRole('listitem')).toHaveCount(t.top_logprobs.length);
      await expect(cells.nth(4)).toContainText(
        `${quoted(t.top_logprobs[0]!.token)} ${t.top_logprobs[0]!.logprob.toFixed(3)}`,
      );
    }
    await page.getByRole('button', { name: 'Reset all', exact: true }).click();
  });

  test('Stop shows a neutral "Stopped by you" and the choice as stopped, not an error', async () => {
    const params = new ParamsPanel(page);
    const response = new ResponsePanel(page);
    await params.input('stream').check();
    await params.setNumber('max_completion_tokens', 1500);
    await response.runButton.click();
    await expect(response.latest).toHaveAttribute('data-status', 'running');
    await expect(response.content()).not.toBeEmpty();
    await page.getByRole('button', { name: /^Stop/ }).click();
    await expect(response.latest).toHaveAttribute('data-status', 'cancelled');
    const notice = page.getByTestId('run-stopped');
    await expect(notice).toContainText('Stopped by you');
    await expect(notice).toHaveAttribute('role', 'status');
    await expect(notice).not.toHaveClass(/error/);
    await expect(page.getByTestId('run-error')).toHaveCount(0);
    await expect(response.latest.getByRole('alert')).toHaveCount(0);
    await expect(response.latest).not.toContainText('499');
    // The API value stays the API's (null: no finish_reason); Stop is a UI state beside it.
    await expect(page.getByTestId('finish-reason')).toHaveText('null');
    await expect(page.getByTestId('choice-stopped')).toHaveText('stopped by you');
    await expect(page.getByTestId('run-status')).toHaveText('stopped');
    // The notice is not painted in the error colour.
    const colors = await page.evaluate(() => {
      const n = document.querySelector('[data-testid="run-stopped"]')!;
      const probe = document.createElement('span');
      probe.className = 'field-error';
      document.body.append(probe);
      const error = getComputedStyle(probe).color;
      probe.remove();
      return { notice: getComputedStyle(n).color, error };
    });
    expect(colors.notice).not.toBe(colors.error);
    await page.getByRole('button', { name: 'Reset all', exact: true }).click();
  });

  test('the open prompt preview follows the draft, marked "(refreshing…)" meanwhile', async () => {
    await page.getByText(/^Prompt preview/).click();
    const text = page.getByTestId('prompt-text');
    await expect(text).toContainText('Hello! Who are you?');
    await expect(page.getByTestId('prompt-refreshing')).toHaveCount(0);
    await page.getByLabel('Content of message 2').fill('Tell me about zebras.');
    // No click on Refresh: the preview is marked stale, then re-rendered.
    await expect(page.getByTestId('prompt-refreshing')).toBeVisible();
    await expect(page.getByText(/^Prompt preview/)).toContainText('(refreshing…)');
    await expect(text).toContainText('Tell me about zebras.');
    await expect(text).not.toContainText('Hello! Who are you?');
    await expect(page.getByTestId('prompt-refreshing')).toHaveCount(0);
    await expect(page.getByText(/^Prompt preview \(\d+ tokens\)$/)).toBeVisible();
    await page.getByText(/^Prompt preview/).click();
  });

  test('a choice with tool calls and no content shows no empty content box', async () => {
    const request = new RequestPanel(page);
    const response = new ResponsePanel(page);
    await request.importText(
      JSON.stringify({
        model: 'tiny-random',
        messages: [{ role: 'user', content: 'What time is it?' }],
        seed: 3,
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_time',
              parameters: {
                type: 'object',
                properties: { tz: { enum: ['UTC', 'CET'] } },
                required: ['tz'],
                additionalProperties: false,
              },
            },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'get_time' } },
      }),
    );
    await response.runButton.click();
    await response.waitDone();
    await expect(response.latest).toHaveAttribute('data-status', 'done');
    const message = (await rawCompletion(page)).choices[0]!.message;
    expect(message.content ?? '').toBe('');
    expect(message.tool_calls ?? []).toHaveLength(1);
    await expect(page.getByTestId('tool-calls')).toContainText('get_time(');
    await expect(response.content()).toHaveCount(0);
  });
});

test('the problems that block Run are listed, each a button to its control', async ({ page }) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const response = new ResponsePanel(page);
  await params.setNumber('temperature', 3);
  await params.input('tools').fill('[{"type": ');
  await expect(page.getByTestId('run-blocked')).toHaveText('Fix 2 problems to run.');
  const problems = page.getByTestId('run-problems').getByRole('button');
  await expect(problems).toHaveCount(2);
  const temperature = problems.filter({ hasText: 'temperature must be between 0 and 2' });
  const tools = problems.filter({ hasText: /^tools: / });
  await expect(temperature).toHaveCount(1);
  await expect(tools).toHaveCount(1);

  // Move away: focus on the Run area and the temperature control scrolled out of view.
  await response.runButton.scrollIntoViewIfNeeded();
  await page.evaluate(() => {
    const el = document.getElementById('param-temperature')!;
    el.closest('details')!.open = false;
    window.scrollTo(0, document.body.scrollHeight);
  });
  await temperature.click();
  await expect(params.input('temperature')).toBeFocused();
  await expect(params.input('temperature')).toBeInViewport();

  await tools.click();
  await expect(params.input('tools')).toBeFocused();
  await expect(params.input('tools')).toBeInViewport();

  // A messages problem goes to the messages editor.
  await params.setNumber('temperature', 1);
  await params.input('tools').fill('');
  await expect(page.getByTestId('run-problems')).toHaveCount(0);
  const messages = page.getByTestId('param-messages');
  await messages.getByRole('button', { name: 'Remove message 2' }).click();
  await messages.getByRole('button', { name: 'Remove message 1' }).click();
  await expect(problems).not.toHaveCount(0);
  await response.runButton.focus();
  await problems.first().click();
  await expect(messages.locator(':focus')).toHaveCount(1);
});

test('the page has a favicon and nothing 404s on load', async ({ page }) => {
  const missing: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  await freshApp(page);
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
  const icon = await page.request.get('/favicon.svg');
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
  expect(await icon.text()).toContain('<svg');
  expect(missing).toEqual([]);
});

test('the messages count is worded "1 message", "2 messages"', async ({ page }) => {
  await freshApp(page);
  const messages = page.getByTestId('param-messages');
  const count = messages.locator('.section-head .hint');
  await expect(count).toHaveText('2 messages');
  await messages.getByRole('button', { name: 'Remove message 2' }).click();
  await expect(count).toHaveText('1 message');
  await messages.getByRole('button', { name: 'Remove message 1' }).click();
  await expect(count).toHaveText('0 messages');
});
