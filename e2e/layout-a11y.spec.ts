import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import {
  AnswerView,
  freshApp,
  Layout,
  loadTinyModel,
  ParamsPanel,
  ResponsePanel,
  useRoutedServer,
} from './pages';

/**
 * The page at desktop, tablet and phone sizes, and what a keyboard or screen-reader user
 * needs: axe-core finds no serious or critical violation in either theme, focus stays where
 * it was after Load and Stop, run status and errors are announced.
 */

const SIZES = [
  { width: 1440, height: 900 },
  { width: 1024, height: 768 },
  { width: 390, height: 844 },
] as const;

async function setTheme(page: Page, theme: 'light' | 'dark') {
  await page.getByLabel('Theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** axe-core over the whole page (WCAG 2.2 A/AA and best practice); serious and critical only. */
async function seriousViolations(page: Page) {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Elements wider than their scrolling ancestor, or a page wider than the window. */
async function horizontalOverflow(page: Page) {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const pane of document.querySelectorAll<HTMLElement>('.pane')) {
      if (pane.hidden) continue;
      if (pane.scrollWidth > pane.clientWidth + 1)
        out.push(`${pane.id} ${pane.scrollWidth} > ${pane.clientWidth}`);
    }
    return out;
  });
}

/** Visible controls smaller than 24 x 24 CSS px (the file input is covered by its label). */
async function smallTargets(page: Page) {
  return page.evaluate(() => {
    const sel =
      'button, select, input:not([type=hidden]), summary, [role=tab], [role=button], .file-button';
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(sel)) {
      if (el.closest('.file-button') && el.matches('input[type=file]')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not shown
      if (r.width < 24 || r.height < 24) {
        const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
        out.push(
          `${el.tagName.toLowerCase()} "${name}" ${r.width.toFixed(1)}x${r.height.toFixed(1)}`,
        );
      }
    }
    return out;
  });
}

/** True when the element lies wholly inside the window, the window not scrolled. */
async function inViewWithoutScrolling(page: Page, testId: string) {
  const scrolled = await page.evaluate(() => window.scrollY);
  const box = await page.getByTestId(testId).boundingBox();
  const vp = page.viewportSize()!;
  return (
    scrolled === 0 &&
    box !== null &&
    box.y >= 0 &&
    box.y < vp.height &&
    box.x >= 0 &&
    box.x + box.width <= vp.width + 1
  );
}

for (const size of SIZES) {
  test(`layout at ${size.width}x${size.height}: no sideways scroll, export one click away, 24 px targets`, async ({
    page,
  }, testInfo) => {
    await page.setViewportSize(size);
    await freshApp(page);
    const layout = new Layout(page);
    // The conversation is on screen at first, its Run button without scrolling.
    await expect(layout.pane('chat')).toBeVisible();
    await expect(new ResponsePanel(page).runButton).toBeInViewport();

    if (size.width >= 1200) {
      // All three panes side by side, the conversation in the centre; no tabs.
      await expect(page.getByTestId('pane-tabs')).toHaveCount(0);
      const [params, chat, request] = await Promise.all(
        (['params', 'chat', 'request'] as const).map((p) => layout.pane(p).boundingBox()),
      );
      expect(params!.x + params!.width).toBeLessThanOrEqual(chat!.x);
      expect(chat!.x + chat!.width).toBeLessThanOrEqual(request!.x);
      expect(chat!.width).toBeGreaterThan(params!.width);
    } else if (size.width >= 760) {
      await expect(layout.tab('Conversation')).toHaveCount(0);
      await expect(layout.tab('Parameters')).toHaveAttribute('aria-selected', 'true');
    } else {
      await expect(layout.tab('Conversation')).toHaveAttribute('aria-selected', 'true');
      await expect(layout.pane('params')).toBeHidden();
    }
    await page.screenshot({ path: testInfo.outputPath(`chat-${size.width}.png`) });
    expect(await horizontalOverflow(page)).toEqual([]);
    expect(await smallTargets(page)).toEqual([]);

    // Parameters: one scroll area holding the whole form; the page itself does not scroll
    // where the panes sit side by side.
    await layout.show('Parameters');
    await expect(new ParamsPanel(page).row('temperature')).toBeVisible();
    await expect(layout.pane('params')).toContainText('Stop sequences');
    if (size.width >= 760) {
      const overflowY = await layout.pane('params').evaluate((e) => getComputedStyle(e).overflowY);
      expect(overflowY).toBe('auto');
      expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(
        size.height,
      );
    }
    expect(await horizontalOverflow(page)).toEqual([]);
    expect(await smallTargets(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`params-${size.width}.png`) });

    // Export and import: at most one click (a tab), never a scroll.
    await layout.show('Request & export');
    await expect(page.getByTestId('export-code')).toBeVisible();
    await expect(page.getByLabel('Import request')).toBeAttached();
    await expect(page.getByTestId('request-json')).toBeInViewport();
    expect(await inViewWithoutScrolling(page, 'request-json')).toBe(true);
    expect(await horizontalOverflow(page)).toEqual([]);
    expect(await smallTargets(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`request-${size.width}.png`) });
    // Import, below the export, is one more click away.
    await page
      .getByRole('navigation', { name: 'Jump to' })
      .getByRole('button', { name: 'Go to import' })
      .click();
    await expect(page.getByLabel('Import request')).toBeFocused();
    await expect(page.getByLabel('Import request')).toBeInViewport();
  });
}

test('pane tabs on a phone: arrow keys move between them, and edits survive a switch', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await freshApp(page);
  const layout = new Layout(page);
  await page.getByLabel('Content of message 2').fill('Kept across tabs');
  await layout.tab('Conversation').focus();
  await page.keyboard.press('ArrowRight');
  await expect(layout.tab('Parameters')).toBeFocused();
  await expect(layout.tab('Parameters')).toHaveAttribute('aria-selected', 'true');
  await expect(layout.pane('params')).toBeVisible();
  await expect(layout.pane('chat')).toBeHidden();
  await page.keyboard.press('ArrowRight');
  await expect(layout.pane('request')).toBeVisible();
  await expect(page.getByTestId('request-json')).toHaveValue(/Kept across tabs/);
  await page.keyboard.press('ArrowRight');
  await expect(layout.tab('Conversation')).toBeFocused();
  await expect(page.getByLabel('Content of message 2')).toHaveValue('Kept across tabs');
});

test('axe-core: no serious or critical violation in light and dark, wide and phone', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await freshApp(page);
  await loadTinyModel(page);
  const params = new ParamsPanel(page);
  await params.input('logprobs').check();
  await params.setNumber('top_logprobs', 2);
  await params.setNumber('max_completion_tokens', 6);
  await params.setNumber('seed', 3);
  const response = new ResponsePanel(page);
  await response.runButton.click();
  await response.waitDone();
  const choice = new AnswerView(page).choice;
  await choice.getByRole('button', { name: 'Show token logprobs' }).click();
  await choice.getByRole('button', { name: 'Show logprobs table' }).click();
  await page.locator('.prompt-preview > summary').click();
  await expect(page.getByTestId('prompt-text')).toBeVisible();
  const layout = new Layout(page);
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await seriousViolations(page), `${theme}, wide`).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    for (const tab of ['Conversation', 'Parameters', 'Request & export'] as const) {
      await layout.show(tab);
      expect(await seriousViolations(page), `${theme}, phone, ${tab}`).toEqual([]);
    }
    await layout.show('Conversation');
  }
});

test('the export code box scrolls by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await freshApp(page);
  const messages = Array.from({ length: 40 }, (_, i) => ({ role: 'user', content: `m${i}` }));
  await page.getByTestId('request-json').fill(JSON.stringify({ model: 'm', messages }));
  await expect(page.getByTestId('export-code')).toContainText('m39');
  const code = page.getByTestId('export-code');
  await code.focus();
  await expect(code).toBeFocused();
  expect(await code.evaluate((e) => e.scrollHeight > e.clientHeight)).toBe(true);
  await page.keyboard.press('PageDown');
  await expect.poll(() => code.evaluate((e) => e.scrollTop)).toBeGreaterThan(0);
});

test('focus stays on Load while and after the model loads; run status is announced', async ({
  page,
}) => {
  await freshApp(page);
  await page.getByLabel('GGUF model URL').fill('models/tiny-random.gguf');
  const load = page.getByRole('button', { name: 'Load', exact: true });
  await load.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('engine-status')).toContainText('Loaded', { timeout: 60_000 });
  await expect(load).toBeFocused();
  await expect(page.getByTestId('engine-status')).toHaveAttribute('aria-live', 'polite');

  const announcer = page.getByTestId('run-announcer');
  await expect(announcer).toHaveAttribute('role', 'status');
  await new ParamsPanel(page).setNumber('max_completion_tokens', 3);
  await new ResponsePanel(page).runButton.click();
  await new ResponsePanel(page).waitDone();
  await expect(announcer).toHaveText(/^Run done \(finish_reason (length|stop)(, \d+ tokens)?\)\.$/);
});

test('a failed run is announced as an alert with its message', async ({ page }) => {
  await freshApp(page);
  await useRoutedServer(
    page,
    'http://127.0.0.1:9/v1',
    {
      error: {
        message: 'top_p must be in (0, 1], got 0.0.',
        type: 'BadRequestError',
        param: 'top_p',
        code: 400,
      },
    },
    400,
  );
  const response = new ResponsePanel(page);
  await response.runButton.click();
  await response.waitDone();
  await expect(
    page.getByRole('alert').filter({ hasText: 'top_p must be in (0, 1]' }),
  ).toBeVisible();
  await expect(page.getByTestId('run-announcer')).toHaveText(
    'Run failed; the error is shown under the run.',
  );
});
