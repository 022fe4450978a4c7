import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { freshApp, RequestPanel } from './pages';
import { PresetsPanel } from './loopPages';

/** Presets: save, load, rename, delete (with undo), kept across reloads, exported and imported. */

const cold = {
  model: 'tiny-random',
  messages: [{ role: 'user', content: 'Cold' }],
  temperature: 0,
  max_completion_tokens: 12,
};
const hot = {
  model: 'tiny-random',
  messages: [{ role: 'user', content: 'Hot' }],
  temperature: 1.5,
  seed: 4,
};

test('save, load, rename and delete presets; they survive a reload', async ({ page }) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const presets = new PresetsPanel(page);
  await expect(presets.root).toContainText('No presets yet');

  await request.importText(JSON.stringify(cold));
  await presets.save('cold');
  await request.importText(JSON.stringify(hot));
  await presets.save('hot');
  await expect(presets.names).toHaveText(['cold', 'hot']);

  await presets.button('Load', 'cold').click();
  expect(await request.read()).toEqual(cold);
  // Undo brings back the draft the load replaced.
  await presets.notice.getByRole('button', { name: 'Undo' }).click();
  expect(await request.read()).toEqual(hot);

  // Saving under a taken name updates that preset.
  await request.importText(JSON.stringify({ ...hot, temperature: 1.9 }));
  await presets.save('hot');
  await expect(presets.notice).toContainText('Updated preset "hot"');
  await expect(presets.names).toHaveText(['cold', 'hot']);

  await page.reload();
  await expect(presets.names).toHaveText(['cold', 'hot']);
  await presets.button('Load', 'hot').click();
  expect(await request.read()).toEqual({ ...hot, temperature: 1.9 });

  await presets.button('Rename', 'cold').click();
  const nameInput = presets.root.getByLabel('New name for preset cold');
  await nameInput.fill('hot');
  await expect(presets.root).toContainText('A preset "hot" exists already.');
  await expect(presets.root.getByRole('button', { name: 'Save name' })).toBeDisabled();
  await nameInput.fill('frozen');
  await presets.root.getByRole('button', { name: 'Save name' }).click();
  await expect(presets.names).toHaveText(['frozen', 'hot']);
  await presets.button('Load', 'frozen').click();
  expect(await request.read()).toEqual(cold);

  await presets.button('Delete', 'frozen').click();
  await expect(presets.names).toHaveText(['hot']);
  await presets.notice.getByRole('button', { name: 'Undo' }).click();
  await expect(presets.names).toHaveText(['frozen', 'hot']);
  await presets.button('Delete', 'hot').click();
  await page.reload();
  await expect(presets.names).toHaveText(['frozen']);
});

test('export all presets to a file and import it back; a bad file changes nothing', async ({
  page,
}, testInfo) => {
  await freshApp(page);
  const request = new RequestPanel(page);
  const presets = new PresetsPanel(page);
  await request.importText(JSON.stringify(cold));
  await presets.save('cold');
  await request.importText(JSON.stringify(hot));
  await presets.save('hot');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    presets.root.getByRole('button', { name: 'Export presets' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('playground-presets.json');
  const file = testInfo.outputPath('presets.json');
  await download.saveAs(file);
  const text = await readFile(file, 'utf8');
  expect(JSON.parse(text)).toEqual({
    format: 'intab-playground-presets',
    version: 1,
    presets: [
      { name: 'cold', request: cold },
      { name: 'hot', request: hot },
    ],
  });

  // A bad file: a clear error naming the problem, and the presets stay as they were.
  const input = presets.root.getByLabel('Import presets file');
  const bad = JSON.parse(text) as { presets: { request: Record<string, unknown> }[] };
  bad.presets[1]!.request.temprature = 1;
  await input.setInputFiles({
    name: 'bad.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(bad)),
  });
  await expect(presets.error).toHaveText(
    'bad.json: Preset "hot": "temprature" is not a chat-completion parameter. Nothing was imported.',
  );
  await expect(presets.names).toHaveText(['cold', 'hot']);
  await input.setInputFiles({
    name: 'junk.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"presets": '),
  });
  await expect(presets.error).toContainText('junk.json: The file is not valid JSON');
  await expect(presets.names).toHaveText(['cold', 'hot']);

  // Delete both, then import the exported file: both come back exactly.
  await presets.button('Delete', 'cold').click();
  await presets.button('Delete', 'hot').click();
  await expect(presets.names).toHaveCount(0);
  await input.setInputFiles(file);
  await expect(presets.error).toHaveCount(0);
  await expect(presets.notice).toContainText('Imported 2 presets from presets.json.');
  await expect(presets.names).toHaveText(['cold', 'hot']);
  await presets.button('Load', 'hot').click();
  expect(await request.read()).toEqual(hot);

  // Importing again adds nothing twice; a changed preset of a taken name gets a new name.
  const changed = JSON.parse(text) as { presets: { request: Record<string, unknown> }[] };
  changed.presets[0]!.request.temperature = 0.5;
  await input.setInputFiles({
    name: 'changed.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(changed)),
  });
  await expect(presets.notice).toContainText(
    'Imported 1 preset from changed.json, 1 under a new name (the name was taken), 1 already here.',
  );
  await expect(presets.names).toHaveText(['cold', 'hot', 'cold (2)']);
});

test('junk in storage does not break the app; the valid presets are kept', async ({ page }) => {
  await freshApp(page);
  await page.evaluate(() =>
    localStorage.setItem(
      'playground.presets',
      JSON.stringify({
        state: {
          presets: [{ name: 'ok', request: { model: 'm', messages: [] } }, { name: 42 }, 'junk'],
        },
        version: 1,
      }),
    ),
  );
  await page.reload();
  const presets = new PresetsPanel(page);
  await expect(presets.names).toHaveText(['ok']);
  await page.evaluate(() => localStorage.setItem('playground.presets', '{not json'));
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Parameters' })).toBeVisible();
  await expect(presets.root).toContainText('No presets yet');
});
