import { expect, test } from '@playwright/test';
import {
  AnswerView,
  clipboardText,
  freshApp,
  loadTinyModel,
  PromptMeter,
  RequestPanel,
  ResponsePanel,
  useRoutedServer,
} from './pages';

/**
 * Reading an answer: Markdown rendered safely (model output is untrusted), raw text on
 * request, copy buttons on the answer, each code block and the export code; the prompt's
 * token count against the model's context, live.
 */

const BASE = 'http://127.0.0.1:9/v1';

/** An answer that tries every way of getting HTML or script into the page. */
const HOSTILE = [
  '# Result',
  '',
  'Some **bold** text, `inline code` and a [safe link](https://example.com/docs).',
  '',
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '',
  '<script>window.__pwned = "script"</script>',
  '',
  '[click me](javascript:window.__pwned="link") and <a href="javascript:window.__pwned=1">raw</a>',
  '',
  '![pixel](http://127.0.0.1:9/pixel.png)',
  '',
  '```python',
  'print("<b>not bold</b>")',
  '```',
  '',
  '    indented = "code block"',
  '',
].join('\n');

const completion = (content: string) => ({
  id: 'chatcmpl-md',
  object: 'chat.completion',
  created: 1700000000,
  model: 'served',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 40, total_tokens: 45 },
});

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('an answer renders as sanitised Markdown: no injected HTML, script or javascript: link', async ({
  page,
}) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('dialog', (d) => void d.dismiss());
  await freshApp(page);
  await useRoutedServer(page, BASE, completion(HOSTILE));
  const response = new ResponsePanel(page);
  await response.runButton.click();
  await response.waitDone();
  const answer = new AnswerView(page);
  await expect(answer.body).toHaveAttribute('data-format', 'markdown');

  // Markdown formats.
  await expect(answer.body.locator('h1')).toHaveText('Result');
  await expect(answer.body.locator('strong')).toHaveText('bold');
  await expect(answer.body.locator(':not(pre) > code')).toHaveText('inline code');
  const safe = answer.body.getByRole('link', { name: 'safe link' });
  await expect(safe).toHaveAttribute('href', 'https://example.com/docs');
  await expect(safe).toHaveAttribute('rel', /noopener/);

  // HTML in the answer stays text; nothing runs, nothing is fetched.
  await expect(answer.body).toContainText('<img src="x" onerror=');
  await expect(answer.body).toContainText('<script>window.__pwned = "script"</script>');
  await expect(answer.body.locator('img, script, iframe, [onerror], [onclick]')).toHaveCount(0);
  await expect(answer.body.locator('a[href^="javascript" i]')).toHaveCount(0);
  await expect(answer.body).toContainText('[click me](javascript:');
  await expect(answer.body.locator('b')).toHaveCount(0);
  // Click everything that looks like a link: still nothing runs.
  for (const a of await answer.body.locator('a').all()) {
    if ((await a.getAttribute('href'))?.startsWith('https://')) continue;
    await a.click();
  }
  expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(requested.filter((u) => u.includes('pixel.png'))).toEqual([]);

  // Code blocks: fenced (with its language) and indented, each with a copy button.
  await expect(answer.codeBlocks()).toHaveCount(2);
  await expect(answer.codeBlocks().first().locator('.code-lang')).toHaveText('python');
  await answer.copyCode(1).click();
  await expect(answer.choice.getByRole('status').filter({ hasText: 'Code copied.' })).toBeVisible();
  expect(await clipboardText(page)).toBe('print("<b>not bold</b>")\n');
  await answer.copyCode(2).click();
  expect(await clipboardText(page)).toBe('indented = "code block"\n');
  // A code block scrolls by keyboard.
  await expect(answer.codeBlocks().first().locator('pre')).toHaveAttribute('tabindex', '0');

  // Raw text: exactly what the model sent.
  await answer.rawToggle.click();
  await expect(answer.rawToggle).toHaveAttribute('aria-pressed', 'true');
  await expect(answer.body).toHaveAttribute('data-format', 'raw');
  expect(await answer.body.textContent()).toBe(HOSTILE);
  await expect(answer.body.locator('*')).toHaveCount(0);
  await answer.rawToggle.click();
  await expect(answer.body).toHaveAttribute('data-format', 'markdown');

  // Copy answer: the raw text, whichever view is shown.
  await answer.copyAnswer.click();
  await expect(answer.choice.getByRole('status').filter({ hasText: /^Copied\.$/ })).toBeVisible();
  expect(await clipboardText(page)).toBe(HOSTILE);
  expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();

  // The next answer (the renderer already loaded) renders the same way.
  await response.runButton.click();
  await expect(page.getByText('Run history (2)')).toBeVisible();
  await response.waitDone();
  await expect(answer.body).toHaveAttribute('data-format', 'markdown');
  await expect(answer.body.locator('strong')).toHaveText('bold');
});

test('the export code has a copy button that copies exactly the code shown', async ({ page }) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  for (const tab of ['JSON', 'curl', 'Python', 'JavaScript'] as const) {
    const code = await request.exportTab(tab);
    await page
      .getByTestId('export-code')
      .locator('..')
      .getByRole('button', { name: 'Copy' })
      .click();
    expect(await clipboardText(page)).toBe(code);
  }
});

test('the prompt token count follows the messages and shows against the context size', async ({
  page,
}) => {
  await freshApp(page);
  const meter = new PromptMeter(page);
  await expect(meter.root).toContainText('Load a model');
  await loadTinyModel(page);
  const first = await meter.tokens();
  const rendered = await page.evaluate(async () => {
    const w = window as unknown as {
      playground: { renderPrompt: (x: unknown) => Promise<{ tokenCount: number }> };
    };
    const draft = JSON.parse(localStorage.getItem('playground.request')!) as {
      state: { draft: unknown };
    };
    return (await w.playground.renderPrompt(draft.state.draft)).tokenCount;
  });
  expect(first).toBe(rendered);
  expect(first).toBeGreaterThan(0);
  const context = Number(await meter.root.getAttribute('data-context'));
  expect(context).toBeGreaterThan(first);
  await expect(meter.bar).toHaveAttribute('max', String(context));
  await expect(meter.bar).toHaveAttribute('value', String(first));
  await expect(meter.root).toContainText(`${first.toLocaleString('en-US')} tokens of`);

  // Typing more text raises the count, without pressing anything.
  await page.getByLabel('Content of message 2').fill('Hello! Who are you? '.repeat(20));
  await expect.poll(() => meter.tokens()).toBeGreaterThan(first + 20);

  // An answer budget larger than the context is flagged.
  await page.locator('#param-max_completion_tokens').fill(String(context));
  await expect(meter.root.getByTestId('prompt-over')).toBeVisible();
});
