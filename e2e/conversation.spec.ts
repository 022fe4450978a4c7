import { expect, test, type Page } from '@playwright/test';
import { freshApp, loadTinyModel, RequestPanel, ResponsePanel } from './pages';
import { ConversationActions, MessagesPanel, RunHistory } from './loopPages';

/**
 * The conversation loop on the tiny model: add the answer to the messages, continue it,
 * regenerate it, rerun from an edited message, answer a tool call in one click, restore an
 * earlier run's request and diff two runs.
 */

type Json = Record<string, unknown>;

const tools = [
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
];

test.describe.configure({ mode: 'serial' });
let page: Page;
let request: RequestPanel;
let response: ResponsePanel;
let messages: MessagesPanel;
let actions: ConversationActions;
let history: RunHistory;

async function runAndWait(click: () => Promise<void>) {
  const before = await history.items.count();
  await click();
  await expect(history.items).toHaveCount(before + 1);
  await response.waitDone();
  await expect(response.latest).toHaveAttribute('data-status', 'done');
}

async function importDraft(draft: Json) {
  await request.importText(JSON.stringify(draft));
  await expect(page.getByTestId('import-result')).toBeVisible();
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await loadTinyModel(page);
  request = new RequestPanel(page);
  response = new ResponsePanel(page);
  messages = new MessagesPanel(page);
  actions = new ConversationActions(page);
  history = new RunHistory(page);
});

test.afterAll(async () => {
  await page.close();
});

test('add the answer, continue it with the explicit vLLM pair, then regenerate', async () => {
  await importDraft({
    model: 'tiny-random',
    messages: [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'Tell me a story.' },
    ],
    seed: 5,
    max_completion_tokens: 6,
  });
  await runAndWait(() => response.runButton.click());
  const first = await response.rawText();
  expect(first.length).toBeGreaterThan(0);

  await actions.button('Add to messages').click();
  expect(await messages.list()).toEqual([
    { role: 'system', content: 'S' },
    { role: 'user', content: 'Tell me a story.' },
    { role: 'assistant', content: first },
  ]);
  await expect(messages.role(2)).toHaveValue('assistant');
  await expect(messages.content(2)).toHaveValue(first);
  await expect(messages.content(2)).toBeFocused();

  // Continue: the run sends continue_final_message with add_generation_prompt false; the
  // draft itself keeps starting new turns.
  await runAndWait(() => actions.button('Continue').click());
  const more = await response.rawText();
  expect(more.length).toBeGreaterThan(0);
  const draft = await request.read();
  expect(draft.continue_final_message).toBeUndefined();
  expect(draft.add_generation_prompt).toBeUndefined();
  // Continue did not add the answer twice.
  expect((await messages.list()).length).toBe(3);

  await history.pick(1);
  await history.pick(2);
  const diff = history.diff.getByTestId('request-diff');
  await expect(diff.locator('tr[data-kind="added"]')).toContainText([
    '"add_generation_prompt": false',
    '"continue_final_message": true',
  ]);
  await expect(diff.locator('tr[data-kind="added"]')).toContainText([
    JSON.stringify(first).slice(1, -1),
  ]);

  // The continuation extends the final assistant message instead of adding one.
  await actions.button('Add to messages').click();
  const merged = await messages.list();
  expect(merged).toHaveLength(3);
  expect(merged[2]).toEqual({ role: 'assistant', content: first + more });

  // Regenerate: the same request again (seeded, so the same answer); the answer added
  // since is the one replaced.
  await runAndWait(() => actions.button('Regenerate').click());
  expect(await response.rawText()).toBe(more);
  expect(await messages.list()).toEqual([
    { role: 'system', content: 'S' },
    { role: 'user', content: 'Tell me a story.' },
    { role: 'assistant', content: first },
  ]);
  await history.pick(2);
  await history.pick(3);
  await expect(history.diff).toContainText('Request: the same');
  await expect(history.diff.getByTestId('answer-diff-0')).toContainText('Answer: the same');
});

test('edit a message and rerun from there; redo an assistant message', async () => {
  await importDraft({
    model: 'tiny-random',
    messages: [
      { role: 'user', content: 'One' },
      { role: 'assistant', content: 'Two' },
      { role: 'user', content: 'Three' },
    ],
    seed: 2,
    max_completion_tokens: 4,
  });
  await messages.content(0).fill('Edited one');
  await runAndWait(() =>
    messages.message(0).getByRole('button', { name: 'Rerun from message 1' }).click(),
  );
  expect(await messages.list()).toEqual([{ role: 'user', content: 'Edited one' }]);
  await history.restore(await history.items.count());
  expect((await request.read()).messages).toEqual([{ role: 'user', content: 'Edited one' }]);

  await importDraft({
    model: 'tiny-random',
    messages: [
      { role: 'user', content: 'One' },
      { role: 'assistant', content: 'Two' },
      { role: 'user', content: 'Three' },
    ],
    seed: 2,
    max_completion_tokens: 4,
  });
  await runAndWait(() =>
    messages.message(1).getByRole('button', { name: 'Redo from message 2' }).click(),
  );
  expect(await messages.list()).toEqual([{ role: 'user', content: 'One' }]);
});

test('restore an earlier run exactly, and undo the restore', async () => {
  await importDraft({
    model: 'tiny-random',
    messages: [{ role: 'user', content: 'Restore me' }],
    temperature: 0.3,
    seed: 77,
    max_completion_tokens: 3,
    user: 'alice',
  });
  await runAndWait(() => response.runButton.click());
  const ran = await request.read();
  const n = await history.items.count();
  await importDraft({ model: 'tiny-random', messages: [{ role: 'user', content: 'other' }] });
  const other = await request.read();
  await history.restore(n);
  expect(await request.read()).toEqual(ran);
  await page.getByTestId('restore-notice').getByRole('button', { name: 'Undo' }).click();
  expect(await request.read()).toEqual(other);
});

test('a tool call is answered in one click with a prefilled tool message', async () => {
  await importDraft({
    model: 'tiny-random',
    messages: [{ role: 'user', content: 'What time is it?' }],
    seed: 3,
    tools,
    tool_choice: { type: 'function', function: { name: 'get_time' } },
  });
  await runAndWait(() => response.runButton.click());
  const raw = JSON.parse((await page.getByTestId('raw-response').textContent()) ?? '{}') as {
    choices: { message: { tool_calls: { id: string; function: Json }[] } }[];
  };
  const call = raw.choices[0]!.message.tool_calls[0]!;
  await actions.button(`Answer get_time (${call.id})`).click();
  const list = await messages.list();
  expect(list).toEqual([
    { role: 'user', content: 'What time is it?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: call.id, type: 'function', function: call.function }],
    },
    { role: 'tool', tool_call_id: call.id, content: '' },
  ]);
  await expect(messages.message(2).getByLabel('tool_call_id')).toHaveValue(call.id);
  await expect(messages.content(2)).toBeFocused();
  // The call is answered: no reply button is offered for it any more.
  await expect(
    messages.message(1).getByRole('button', { name: `Answer get_time (${call.id})` }),
  ).toHaveCount(0);
  await page.keyboard.type('12:00 UTC');
  await runAndWait(() => response.runButton.click());
  expect((await messages.list())[2]).toEqual({
    role: 'tool',
    tool_call_id: call.id,
    content: '12:00 UTC',
  });

  // From the messages editor too: remove the tool message and answer from the assistant row.
  await messages.message(2).getByRole('button', { name: 'Remove message 3' }).click();
  await messages
    .message(1)
    .getByRole('button', { name: `Answer get_time (${call.id})` })
    .click();
  expect((await messages.list())[2]).toEqual({ role: 'tool', tool_call_id: call.id, content: '' });
});

test('the diff shows messages and answers as text, never as HTML', async () => {
  const html = '<b>bold</b><img src=x onerror="document.title=1">';
  await importDraft({
    model: 'tiny-random',
    messages: [{ role: 'user', content: `a ${html}` }],
    seed: 1,
    max_completion_tokens: 3,
  });
  await runAndWait(() => response.runButton.click());
  await messages.content(0).fill(`b ${html}`);
  await runAndWait(() => response.runButton.click());
  const n = await history.items.count();
  await history.pick(n - 1);
  await history.pick(n);
  const changed = history.diff.locator('tr[data-kind="changed"]');
  await expect(changed).toHaveCount(1);
  await expect(changed).toContainText('<b>bold</b><img src=x');
  await expect(page.locator('.run-diff img, .run-diff b, .run-history img')).toHaveCount(0);
});
