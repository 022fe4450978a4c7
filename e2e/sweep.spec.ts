import { expect, test, type Page } from '@playwright/test';
import { freshApp, inTab, loadTinyModel, RequestPanel } from './pages';
import { RunHistory, SweepPanel } from './loopPages';

/**
 * The parameter sweep on the tiny model: one request over a grid of values, the answers side
 * by side with each choice's mean token logprob, cancellable, refused on bad values.
 */

type Completion = {
  choices: { message: { content: string }; logprobs: { content: { logprob: number }[] } }[];
};

test.describe.configure({ mode: 'serial' });
let page: Page;
let sweep: SweepPanel;
let request: RequestPanel;

const draft = {
  model: 'tiny-random',
  messages: [{ role: 'user', content: 'Tell me a story about a cat.' }],
  max_completion_tokens: 8,
};

const statuses = () => sweep.cells.evaluateAll((els) => els.map((e) => e.dataset.status));

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await loadTinyModel(page);
  sweep = new SweepPanel(page);
  request = new RequestPanel(page);
});

test.afterAll(async () => {
  await page.close();
});

test('temperature x seed: answers side by side, each with its mean token logprob', async () => {
  await request.importText(JSON.stringify(draft));
  await sweep.open();
  await sweep.axis(0, 'temperature', '0, 1');
  await sweep.axis(1, 'seed', '1 2');
  await expect(sweep.runButton).toHaveText('Start sweep (4 runs)');
  await sweep.runButton.click();
  await sweep.waitIdle();
  await expect(sweep.cells).toHaveCount(4);
  await expect(sweep.root.getByTestId('sweep-status')).toHaveText('Ran 4 of 4.');
  const labels = [
    'temperature=0 · seed=1',
    'temperature=0 · seed=2',
    'temperature=1 · seed=1',
    'temperature=1 · seed=2',
  ];
  expect(await sweep.cells.evaluateAll((els) => els.map((e) => e.dataset.label))).toEqual(labels);
  expect(await statuses()).toEqual(['done', 'done', 'done', 'done']);
  // Two columns: the second parameter's values.
  const tops = await sweep.cells.evaluateAll((els) =>
    els.map((e) => e.getBoundingClientRect().top),
  );
  expect(tops[0]).toBe(tops[1]);
  expect(tops[2]!).toBeGreaterThan(tops[0]!);

  const text = async (label: string) =>
    (await sweep.cell(label).getByTestId('sweep-content').textContent()) ?? '';
  // Greedy ignores the seed; at temperature 1 the seed changes the answer.
  expect(await text(labels[0]!)).toBe(await text(labels[1]!));
  expect(await text(labels[2]!)).not.toBe(await text(labels[3]!));

  // Each mean is the mean of the logprobs the same request returns through the endpoint.
  for (const [temperature, seed] of [
    [0, 1],
    [1, 2],
  ] as const) {
    const r = (await inTab(page, {
      ...draft,
      temperature,
      seed,
      logprobs: true,
    })) as unknown as Completion;
    const lps = r.choices[0]!.logprobs.content.map((t) => t.logprob);
    const mean = lps.reduce((a, b) => a + b, 0) / lps.length;
    const cell = sweep.cell(`temperature=${temperature} · seed=${seed}`);
    await expect(cell.getByTestId('sweep-mean')).toHaveText(mean.toFixed(3));
    await expect(cell.getByTestId('sweep-content')).toHaveText(r.choices[0]!.message.content);
  }

  // The draft is not changed by the sweep, and sweep runs stay out of the run history.
  expect(await request.read()).toEqual(draft);
  await expect(new RunHistory(page).items).toHaveCount(0);
});

test('one parameter, several choices: each choice has its own mean', async () => {
  await request.importText(JSON.stringify({ ...draft, n: 2, seed: 3 }));
  await sweep.axis(0, 'top_p', '0.5, 1');
  await sweep.axis(1, '');
  await sweep.runButton.click();
  await sweep.waitIdle();
  await expect(sweep.cells).toHaveCount(2);
  for (const label of ['top_p=0.5', 'top_p=1']) {
    await expect(sweep.cell(label).getByTestId('sweep-mean')).toHaveCount(2);
    for (const m of await sweep.cell(label).getByTestId('sweep-mean').allTextContents())
      expect(Number(m)).toBeLessThanOrEqual(0);
  }
});

test('bad values are refused before anything runs', async () => {
  await sweep.axis(0, 'temperature', '0, 3');
  await expect(sweep.root.getByTestId('sweep-error')).toHaveText(
    'temperature: 3 is out of range (0 to 2).',
  );
  await expect(sweep.runButton).toBeDisabled();
  await sweep.axis(0, 'seed', '1.5');
  await expect(sweep.root.getByTestId('sweep-error')).toHaveText(
    'seed: "1.5" is not a whole number (up to 2^53).',
  );
  await sweep.axis(0, 'seed', '1');
  await sweep.axis(1, 'seed', '2');
  await expect(sweep.root.getByTestId('sweep-error')).toHaveText(
    'A parameter appears on two axes.',
  );
  await sweep.axis(1, '');
  await expect(sweep.root.getByTestId('sweep-error')).toHaveCount(0);
  await expect(sweep.runButton).toBeEnabled();
});

test('a sweep can be cancelled: the running cell stops and the rest never run', async () => {
  await request.importText(
    JSON.stringify({ ...draft, max_completion_tokens: 1900, temperature: 1 }),
  );
  await sweep.axis(0, 'seed', '1 2 3 4 5 6 7 8');
  await sweep.runButton.click();
  await expect(sweep.cells.first()).toHaveAttribute('data-status', /running|done/);
  await sweep.cancelButton.click();
  await sweep.waitIdle();
  await expect(sweep.root.getByTestId('sweep-status')).toHaveText(/^Ran [0-7] of 8\.$/);
  const after = await statuses();
  expect(after.filter((s) => s === 'pending').length).toBeGreaterThan(0);
  expect(after.filter((s) => s === 'running' || s === 'queued')).toEqual([]);
  // The engine is free again: a new sweep runs to the end.
  await request.importText(JSON.stringify(draft));
  await sweep.axis(0, 'seed', '1');
  await sweep.runButton.click();
  await sweep.waitIdle();
  expect(await statuses()).toEqual(['done']);
});

test('a run the engine refuses shows its error in its cell; the other cells still run', async () => {
  await request.importText(JSON.stringify({ ...draft, seed: 1 }));
  await sweep.open();
  await sweep.axis(0, 'max_completion_tokens', '3, 4000, 5');
  await sweep.runButton.click();
  await sweep.waitIdle();
  expect(await statuses()).toEqual(['done', 'error', 'done']);
  await expect(sweep.cell('max_completion_tokens=4000')).toContainText(
    /400 invalid_request_error: .*context length/,
  );
  await expect(sweep.cell('max_completion_tokens=3')).toContainText('3 tokens');
  await expect(sweep.root.getByTestId('sweep-status')).toHaveText('Ran 2 of 3.');
});
