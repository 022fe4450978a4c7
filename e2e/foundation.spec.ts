import { expect, test, type Page } from '@playwright/test';
import { PARAMS, PLAYGROUND_DEFAULTS, type ParamSpec } from '../src/request/params';
import { translateRequest } from '../src/server/translate';
import { freshApp, ParamsPanel, RequestPanel, ResponsePanel } from './pages';

/**
 * Drives one parameter's generated control the way a user would and returns the value the
 * request must then carry. Driven by the parameter's kind, so every row of the table is covered.
 */
async function drive(page: Page, spec: ParamSpec): Promise<unknown> {
  const params = new ParamsPanel(page);
  const row = params.row(spec.name);
  const k = spec.kind;
  switch (k.type) {
    case 'model':
      await params.setText(spec.name, 'some-other-model');
      return 'some-other-model';
    case 'number': {
      const top = k.max ?? k.sliderMax ?? k.min + 4;
      const v = Math.round((k.min + (top - k.min) / 4) * 100) / 100;
      await params.setNumber(spec.name, v);
      return v;
    }
    case 'integer': {
      const v = typeof spec.initialValue === 'number' ? spec.initialValue : k.min + 1;
      await params.setNumber(spec.name, v);
      return v;
    }
    case 'boolean':
      await params.input(spec.name).click();
      return !(spec.playgroundDefault ?? spec.defaultValue);
    case 'string':
      await params.setText(spec.name, 'abc');
      return 'abc';
    case 'stringList':
      await row.getByRole('button', { name: /^\+ Add/ }).click();
      await row.getByRole('textbox').first().fill('END');
      return ['END'];
    case 'logitBias':
      await row.getByRole('button', { name: '+ Add token' }).click();
      await row.getByLabel('Token id 1').fill('42');
      await row.getByLabel('Bias 1').fill('-7');
      return { '42': -7 };
    case 'json':
      await params.input(spec.name).fill(JSON.stringify(spec.initialValue));
      return spec.initialValue;
    case 'responseFormat':
      await params.input(spec.name).selectOption('json_object');
      return { type: 'json_object' };
    case 'toolChoice':
      await params.input(spec.name).selectOption('none');
      return 'none';
    case 'streamOptions':
      await params.input(spec.name).check();
      return { include_usage: true };
    case 'enum':
      await params.input(spec.name).selectOption(k.options[0]!);
      return k.options[0];
    case 'messages':
      throw new Error('messages has its own editor');
  }
}

test('every parameter control changes exactly its field in the exported request', async ({
  page,
}) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const params = new ParamsPanel(page);
  const base = await request.read();
  // A new draft: model, messages and the playground's own defaults (stream on).
  expect(Object.keys(base)).toEqual(['model', 'messages', ...Object.keys(PLAYGROUND_DEFAULTS)]);
  for (const spec of PARAMS as readonly ParamSpec[]) {
    if (spec.kind.type === 'messages') continue;
    const expected = await drive(page, spec);
    const after = await request.read();
    expect(after[spec.name], spec.name).toEqual(expected);
    const others = { ...after };
    delete others[spec.name];
    const baseOthers = { ...base };
    delete baseOthers[spec.name];
    expect(others, `${spec.name} changed nothing else`).toEqual(baseOthers);
    await expect(params.row(spec.name).locator('.badge.state')).toHaveText(
      spec.required ? 'always sent' : 'changed',
    );
    // The JSON export tab shows the live request as the default target (current vLLM)
    // sends it; that translation only leaves out or adds what its report says.
    expect(JSON.parse(await request.exportTab('JSON'))).toEqual(
      translateRequest(after, 'vllm').body,
    );
    if (spec.required) {
      await params.setText(spec.name, String(base[spec.name]));
    } else {
      await params.reset(spec.name);
      await expect(params.row(spec.name).locator('.badge.state')).toHaveText('default');
      if (spec.playgroundDefault !== undefined) {
        // Reset means "not sent" (the API default); the playground's start value is one click away.
        const notSent = { ...base };
        delete notSent[spec.name];
        expect(await request.read()).toEqual(notSent);
        await drive(page, spec);
      }
    }
    expect(await request.read()).toEqual(base);
  }
});

test('the messages editor adds, edits, reorders and removes messages', async ({ page }) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  await page.getByRole('button', { name: '+ assistant' }).click();
  await page.getByLabel('Content of message 3').fill('Sure.');
  await page.getByTestId('message-2').getByText('tool_calls').click();
  await page
    .getByLabel('Tool calls of message 3')
    .fill(
      JSON.stringify([{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }]),
    );
  await page.getByRole('button', { name: '+ tool' }).click();
  await page.getByLabel('Content of message 4').fill('{"ok": true}');
  await page.getByTestId('message-3').getByLabel('tool_call_id').fill('c1');
  let r = await request.read();
  expect(r.messages).toEqual([
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello! Who are you?' },
    {
      role: 'assistant',
      content: 'Sure.',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    },
    { role: 'tool', content: '{"ok": true}', tool_call_id: 'c1' },
  ]);
  await page.getByRole('button', { name: 'Move message 2 up' }).click();
  await page.getByRole('button', { name: 'Remove message 4' }).click();
  await page.getByLabel('Role of message 3').selectOption('user');
  r = await request.read();
  expect((r.messages as { role: string }[]).map((m) => m.role)).toEqual(['user', 'system', 'user']);
});

test('an invalid value shows its error at the control and disables Run', async ({ page }) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const response = new ResponsePanel(page);
  await expect(response.runButton).toBeEnabled();
  await params.setNumber('temperature', 3);
  await expect(params.error('temperature')).toContainText('temperature must be between 0 and 2');
  await expect(response.runButton).toBeDisabled();
  await params.setNumber('temperature', 0.5);
  await expect(params.error('temperature')).toHaveCount(0);
  await expect(response.runButton).toBeEnabled();
  // Cross-field rule: top_logprobs needs logprobs.
  await params.setNumber('top_logprobs', 3);
  await expect(params.error('top_logprobs')).toContainText('requires logprobs');
  await expect(response.runButton).toBeDisabled();
  await params.input('logprobs').click();
  await expect(params.error('top_logprobs')).toHaveCount(0);
  // A JSON syntax error in an editor blocks Run too.
  await params.input('tools').fill('[{"type": ');
  await expect(params.row('tools').getByTestId('json-syntax-error')).toBeVisible();
  await expect(response.runButton).toBeDisabled();
  await params.input('tools').fill('');
  await expect(response.runButton).toBeEnabled();
  // A chat template that does not parse as Jinja.
  await params.setText('chat_template', '{% for m in messages %}');
  await expect(params.error('chat_template')).toContainText('not a valid Jinja template');
  await expect(params.error('chat_template')).toContainText('(line 1, column');
});

test('import fills the form; unknown fields are reported; curl import works', async ({ page }) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const params = new ParamsPanel(page);
  await request.importText(
    JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      stop: ['x'],
      echo: true,
      foo: 1,
    }),
  );
  await expect(params.input('temperature')).toHaveValue('0.3');
  await expect(params.row('stop').getByRole('textbox').first()).toHaveValue('x');
  await expect(params.input('echo')).toBeChecked();
  await expect(page.getByTestId('unknown-fields')).toContainText('"foo":1');
  expect(await request.read()).toEqual({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0.3,
    stop: ['x'],
    echo: true,
  });
  await request.importText(
    `curl http://x/v1/chat/completions -H 'Content-Type: application/json' -d '{"model":"c","messages":[{"role":"user","content":"it'"'"'s"}],"seed":7}'`,
  );
  await expect(params.input('seed')).toHaveValue('7');
  expect((await request.read()).messages).toEqual([{ role: 'user', content: "it's" }]);
  await request.importText('{"model": ');
  await expect(page.getByTestId('import-error')).toContainText('Not valid JSON');
});

test('editing the request JSON updates the form', async ({ page }) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const params = new ParamsPanel(page);
  const r = await request.read();
  await request.json.fill(
    JSON.stringify({ ...r, top_p: 0.42, guided_choice: ['a', 'b'] }, null, 2),
  );
  await expect(params.input('top_p')).toHaveValue('0.42');
  await expect(params.row('guided_choice').getByRole('textbox')).toHaveCount(2);
});

test('the draft survives a reload', async ({ page }) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  await params.setNumber('presence_penalty', 1.5);
  await page.getByLabel('Content of message 2').fill('Persist me');
  await page.reload();
  await expect(params.input('presence_penalty')).toHaveValue('1.5');
  await expect(page.getByLabel('Content of message 2')).toHaveValue('Persist me');
});

test('a share link opens the same request; a broken link says so', async ({ page, context }) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const request = new RequestPanel(page);
  await params.setNumber('frequency_penalty', -1);
  await page.getByLabel('Content of message 2').fill('Shared ünïcode');
  const original = await request.read();
  await page.getByRole('button', { name: 'Share link' }).click();
  const url = await page.getByLabel('Share URL').inputValue();
  const other = await context.newPage();
  await other.goto('/');
  await other.evaluate(() => localStorage.clear());
  await other.goto(url);
  expect(await new RequestPanel(other).read()).toEqual(original);
  await other.goto('/#request=%%%broken');
  await other.reload();
  await expect(other.getByTestId('share-error')).toContainText('broken');
});

test('code export: curl, Python and JavaScript carry the request; theme switch applies', async ({
  page,
}) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const request = new RequestPanel(page);
  await params.setNumber('temperature', 0.7);
  await params.input('echo').click();
  const curl = await request.exportTab('curl');
  expect(curl).toContain('"temperature": 0.7');
  expect(curl).toContain('$OPENAI_API_KEY');
  const py = await request.exportTab('Python');
  expect(py).toContain('temperature=0.7');
  expect(py).toMatch(/extra_body=\{\s*"echo": True/);
  const js = await request.exportTab('JavaScript');
  expect(js).toContain('"echo": true');
  await page.getByLabel('Theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('a request with wrongly typed fields never breaks the page, also after a reload', async ({
  page,
}) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  await request.json.fill(
    JSON.stringify({
      model: 'm',
      messages: 'hello',
      stop: 5,
      logit_bias: [1],
      tools: 'x',
      response_format: 'json',
    }),
  );
  await expect(page.getByTestId('error-messages')).toContainText(
    'messages must be a non-empty array',
  );
  await expect(new ParamsPanel(page).error('stop')).toBeVisible();
  await expect(new ResponsePanel(page).runButton).toBeDisabled();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Parameters' })).toBeVisible();
  await expect(page.getByTestId('error-messages')).toBeVisible();
  await page.evaluate(() =>
    localStorage.setItem(
      'playground.request',
      JSON.stringify({ state: { draft: { model: 7, messages: [1, null, ['x']] } }, version: 1 }),
    ),
  );
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Parameters' })).toBeVisible();
  await expect(page.getByTestId('render-error')).toHaveCount(0);
});

test('model loading explains bad input: an empty URL, an unreachable host; the file picker is keyboard-reachable', async ({
  page,
}) => {
  await freshApp(page);
  await page.getByLabel('GGUF model URL').fill('');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('engine-status')).toContainText('Enter the URL of a GGUF model');
  await page.getByLabel('GGUF model URL').fill('http://127.0.0.1:9/none.gguf');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('engine-status')).toContainText('could not be reached', {
    timeout: 30_000,
  });
  await page.getByLabel('GGUF model URL').focus();
  await page.keyboard.press('Tab');
  await expect(page.locator('input[type=file][accept=".gguf"]')).toBeFocused();
});

test('help text comes from the table; Reset all returns every parameter to its default', async ({
  page,
}) => {
  await freshApp(page);
  const params = new ParamsPanel(page);
  const request = new RequestPanel(page);
  const help = params.row('top_p').locator('.help');
  await expect(help).toBeHidden();
  await page.getByRole('button', { name: 'Help for top_p' }).click();
  await expect(help).toBeVisible();
  await expect(help).toContainText(PARAMS.find((p) => p.name === 'top_p')!.help);
  await params.setNumber('temperature', 0.4);
  await params.input('echo').click();
  await params.setText('user', 'u1');
  expect(Object.keys(await request.read())).toEqual([
    'model',
    'messages',
    'stream',
    'temperature',
    'user',
    'echo',
  ]);
  await page.getByRole('button', { name: 'Reset all', exact: true }).click();
  // Back to where a new draft starts: model, messages and the playground's defaults.
  expect(Object.keys(await request.read())).toEqual([
    'model',
    'messages',
    ...Object.keys(PLAYGROUND_DEFAULTS),
  ]);
  await expect(page.getByRole('button', { name: 'Reset all', exact: true })).toBeDisabled();
});
