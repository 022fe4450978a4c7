import { expect, test, type Page } from '@playwright/test';
import { freshApp, inTab, loadTinyModel } from './pages';

/**
 * The tab's default bound on whitespace between JSON tokens holds in llama.cpp's grammar
 * sampler (CPU engine): even when the model is pushed hard towards whitespace (logit_bias on
 * every whitespace token), no run exceeds one newline and 20 spaces or tabs. The same request
 * with vLLM's pattern `[ \n\t]*` shows what the bound prevents: the model loops on whitespace.
 */

type Completion = { choices: { message: { content: string | null }; finish_reason: string }[] };

let page: Page;
test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await loadTinyModel(page);
});

test.afterAll(async () => {
  await page.close();
});

/** logit_bias: +30 on whitespace tokens, +6 on the tokens that close strings and objects. */
async function whitespaceBias(): Promise<Record<string, number>> {
  const found = await page.evaluate(async () => {
    const w = window as unknown as {
      playground: { lookupToken: (t: string) => Promise<{ id: number; text: string }[]> };
    };
    const find = async (t: string): Promise<[string, number | undefined]> => [
      t,
      (await w.playground.lookupToken(t)).find((m) => m.text === t)?.id,
    ];
    return Promise.all([' ', '\n', '\t', '  ', '\n\n', '"', '}', ']'].map(find));
  });
  const bias: Record<string, number> = {};
  for (const [text, id] of found) if (id !== undefined) bias[String(id)] = /\s/.test(text) ? 30 : 6;
  expect(found.filter(([t, id]) => /\s/.test(t) && id !== undefined).length).toBeGreaterThan(0);
  return bias;
}

const longestRun = (text: string): number =>
  Math.max(0, ...(text.match(/\s+/g) ?? []).map((m) => m.length));

const schema = {
  type: 'object',
  properties: {
    a: { type: 'string', maxLength: 4 },
    b: { type: 'array', items: { type: 'integer' } },
  },
  required: ['a', 'b'],
  additionalProperties: false,
};

test('default: whitespace between JSON tokens stays bounded; vLLM pattern: it loops', async () => {
  const logit_bias = await whitespaceBias();
  const base = {
    model: 'tiny-random',
    messages: [{ role: 'user', content: 'Answer.' }],
    temperature: 1,
    max_completion_tokens: 80,
    logit_bias,
  };
  for (const seed of [1, 2]) {
    for (const constraint of [
      { response_format: { type: 'json_object' } },
      { guided_json: schema },
    ]) {
      const r = (await inTab(page, { ...base, seed, ...constraint })) as unknown as Completion;
      const text = r.choices[0]!.message.content ?? '';
      expect(longestRun(text), JSON.stringify(text)).toBeLessThanOrEqual(21);
      expect(text, JSON.stringify(text)).not.toMatch(/\n[ \t]*\n/);
      if (r.choices[0]!.finish_reason === 'stop') JSON.parse(text);
    }
    const loose = (await inTab(page, {
      ...base,
      seed,
      guided_json: schema,
      guided_whitespace_pattern: '[ \\n\\t]*',
    })) as unknown as Completion;
    expect(longestRun(loose.choices[0]!.message.content ?? '')).toBeGreaterThan(21);
  }
});
