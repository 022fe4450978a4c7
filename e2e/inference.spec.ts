import { expect, test, type Page } from '@playwright/test';
import { freshApp, inTab, loadTinyModel, renderPrompt } from './pages';

/**
 * Every sampling and response parameter, run through the official openai client against the
 * in-tab endpoint, on the CPU engine with the generated tiny random-weight model. Each test
 * fails if its parameter were ignored.
 */

type Json = Record<string, unknown>;
type Chunk = {
  id: string;
  choices: { index: number; delta: { content?: string | null }; finish_reason: string | null }[];
  usage?: Json | null;
};
type Completion = {
  id: string;
  choices: {
    index: number;
    message: { content: string | null; reasoning_content?: string };
    finish_reason: string;
    logprobs: {
      content: { token: string; logprob: number; top_logprobs: { logprob: number }[] }[];
    } | null;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number };
};

const messages = [{ role: 'user', content: 'Tell me a story about a cat.' }];
const base = { model: 'tiny-random', messages };

async function complete(page: Page, body: Json): Promise<Completion> {
  const r = await inTab(page, { ...base, ...body });
  if ('thrown' in r) throw new Error(`request failed: ${JSON.stringify(r.thrown)}`);
  return r as unknown as Completion;
}

async function stream(page: Page, body: Json): Promise<Chunk[]> {
  const r = await inTab(page, { ...base, ...body, stream: true });
  if ('thrown' in r) throw new Error(`request failed: ${JSON.stringify(r.thrown)}`);
  return r.chunks as Chunk[];
}

const text = (c: Completion, i = 0) => c.choices[i]!.message.content ?? '';
const streamedText = (chunks: Chunk[], i = 0) =>
  chunks
    .flatMap((c) => c.choices.filter((ch) => ch.index === i).map((ch) => ch.delta.content ?? ''))
    .join('');

let page: Page;
/** Every URL the page and its workers asked for: the tab must reach nothing but its own origin. */
const requested: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  page.on('request', (r) => requested.push(r.url()));
  await freshApp(page);
  await loadTinyModel(page);
});

test.afterAll(async () => {
  await page.close();
});

test('temperature 0 is deterministic; a seed reproduces a temperature-1 run and another seed differs', async () => {
  const a = await complete(page, { temperature: 0, max_completion_tokens: 24 });
  const b = await complete(page, { temperature: 0, max_completion_tokens: 24 });
  expect(text(a).length).toBeGreaterThan(0);
  expect(text(b)).toBe(text(a));
  const s1 = await complete(page, { temperature: 1, seed: 11, max_completion_tokens: 24 });
  const s1again = await complete(page, { temperature: 1, seed: 11, max_completion_tokens: 24 });
  const s2 = await complete(page, { temperature: 1, seed: 12, max_completion_tokens: 24 });
  expect(s1again.choices[0]!.message.content).toBe(text(s1));
  expect(text(s2)).not.toBe(text(s1));
});

test('top_p: a tiny nucleus at temperature 1 keeps only the most likely token (greedy)', async () => {
  const greedy = await complete(page, { temperature: 0, max_completion_tokens: 16 });
  for (const seed of [1, 2]) {
    const nucleus = await complete(page, {
      temperature: 1,
      top_p: 0.0001,
      seed,
      max_completion_tokens: 16,
    });
    expect(text(nucleus)).toBe(text(greedy));
  }
  const wide = await complete(page, {
    temperature: 1,
    top_p: 1,
    seed: 1,
    max_completion_tokens: 16,
  });
  expect(text(wide)).not.toBe(text(greedy));
});

test('logit_bias +100 forces a token and -100 bans it', async () => {
  const greedy = await complete(page, { temperature: 0, max_completion_tokens: 8, logprobs: true });
  const first = greedy.choices[0]!.logprobs!.content[0]!;
  const ids = await page.evaluate(() => null);
  void ids;
  // Find the id of the greedy first token from its text via the engine's token lookup.
  const banned = await complete(page, {
    temperature: 0,
    max_completion_tokens: 8,
    logprobs: true,
    logit_bias: {},
  });
  expect(banned.choices[0]!.logprobs!.content[0]!.token).toBe(first.token);
  const lookup = (await page.evaluate(async (t) => {
    const w = window as unknown as {
      playground: { lookupToken: (t: string) => Promise<{ id: number; text: string }[]> };
    };
    return w.playground.lookupToken(t);
  }, first.token)) as { id: number; text: string }[];
  const id = lookup.find((m) => m.text === first.token)!.id;
  const without = await complete(page, {
    temperature: 0,
    max_completion_tokens: 8,
    logprobs: true,
    logit_bias: { [id]: -100 },
  });
  expect(without.choices[0]!.logprobs!.content.map((t) => t.token)).not.toContain(first.token);
  const the = (await page.evaluate(async () => {
    const w = window as unknown as {
      playground: { lookupToken: (t: string) => Promise<{ id: number; text: string }[]> };
    };
    return w.playground.lookupToken('the');
  })) as { id: number; text: string }[];
  const forcedId = the[0]!.id;
  const forced = await complete(page, {
    temperature: 1,
    seed: 3,
    max_completion_tokens: 6,
    logprobs: true,
    logit_bias: { [forcedId]: 100 },
  });
  const tokens = forced.choices[0]!.logprobs!.content.map((t) => t.token);
  expect(tokens.length).toBe(6);
  expect(new Set(tokens).size).toBe(1);
});

test('a stop string never appears, in stream or not, and ends with finish_reason stop', async () => {
  const full = text(await complete(page, { temperature: 0, max_completion_tokens: 40 }));
  const stop = full.slice(12, 15);
  expect(stop.length).toBe(3);
  const expected = full.slice(0, full.indexOf(stop));
  const cut = await complete(page, {
    temperature: 0,
    max_completion_tokens: 40,
    stop: [stop, 'never-there'],
  });
  expect(text(cut)).toBe(expected);
  expect(cut.choices[0]!.finish_reason).toBe('stop');
  const chunks = await stream(page, { temperature: 0, max_completion_tokens: 40, stop });
  expect(streamedText(chunks)).toBe(expected);
  for (const c of chunks)
    for (const ch of c.choices) expect(ch.delta.content ?? '').not.toContain(stop);
  expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean)).toEqual([
    'stop',
  ]);
});

test('max_tokens and max_completion_tokens bound the output with finish_reason length', async () => {
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const r = await complete(page, { temperature: 1, seed: 5, [field]: 5 });
    expect(r.usage.completion_tokens, field).toBe(5);
    expect(r.choices[0]!.finish_reason, field).toBe('length');
  }
});

test('n=3 streamed gives three choices by index, each ending', async () => {
  const chunks = await stream(page, { n: 3, temperature: 1, seed: 21, max_completion_tokens: 6 });
  const finishes = chunks
    .flatMap((c) => c.choices.filter((ch) => ch.finish_reason).map((ch) => ch.index))
    .sort();
  expect(finishes).toEqual([0, 1, 2]);
  const texts = [0, 1, 2].map((i) => streamedText(chunks, i));
  for (const t of texts) expect(t.length).toBeGreaterThan(0);
  expect(new Set(texts).size).toBeGreaterThan(1);
});

test('logprobs with 20 top_logprobs per token, in the OpenAI shape', async () => {
  const r = await complete(page, {
    temperature: 1,
    seed: 2,
    max_completion_tokens: 6,
    logprobs: true,
    top_logprobs: 20,
  });
  const content = r.choices[0]!.logprobs!.content;
  expect(content.length).toBeGreaterThan(0);
  for (const t of content) {
    expect(t).toEqual(
      expect.objectContaining({
        token: expect.any(String),
        logprob: expect.any(Number),
        bytes: expect.any(Array),
      }),
    );
    expect(t.top_logprobs).toHaveLength(20);
    expect(t.logprob).toBeLessThanOrEqual(0);
    const mass = t.top_logprobs.reduce((s, a) => s + Math.exp(a.logprob), 0);
    expect(mass).toBeLessThanOrEqual(1.0001);
    const sorted = [...t.top_logprobs].sort((a, b) => b.logprob - a.logprob);
    expect(t.top_logprobs).toEqual(sorted);
  }
  const none = await complete(page, { temperature: 1, seed: 2, max_completion_tokens: 3 });
  expect(none.choices[0]!.logprobs).toBeNull();
});

test('presence and frequency penalties change a repetitive output', async () => {
  const plain = await complete(page, { temperature: 0, max_completion_tokens: 48, logprobs: true });
  const tokens = plain.choices[0]!.logprobs!.content.map((t) => t.token);
  expect(new Set(tokens).size, 'the greedy output repeats tokens').toBeLessThan(tokens.length);
  const freq = await complete(page, {
    temperature: 0,
    max_completion_tokens: 48,
    frequency_penalty: 2,
  });
  const pres = await complete(page, {
    temperature: 0,
    max_completion_tokens: 48,
    presence_penalty: 2,
  });
  expect(text(freq)).not.toBe(text(plain));
  expect(text(pres)).not.toBe(text(plain));
});

test('template parameters change the rendered prompt as specified', async () => {
  const plain = await renderPrompt(page, base);
  expect(plain.endsWith('<|im_start|>assistant\n')).toBe(true);
  const noGen = await renderPrompt(page, { ...base, add_generation_prompt: false });
  expect(noGen).toBe(plain.slice(0, -'<|im_start|>assistant\n'.length));
  const prefill = [...messages, { role: 'assistant', content: 'Once upon' }];
  const cont = await renderPrompt(page, {
    ...base,
    messages: prefill,
    continue_final_message: true,
    add_generation_prompt: false,
  });
  expect(cont.endsWith('<|im_start|>assistant\nOnce upon')).toBe(true);
  const kw = await renderPrompt(page, {
    ...base,
    chat_template_kwargs: { enable_thinking: false },
  });
  expect(kw).toBe(`${plain}<think>\n\n</think>\n\n`);
  const tpl =
    '{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if documents %}{% for d in documents %}<doc {{ d.title }}>{{ d.text }}</doc>\n{% endfor %}{% endif %}';
  const custom = await renderPrompt(page, { ...base, chat_template: tpl });
  expect(custom).toBe('[user] Tell me a story about a cat.\n');
  const docs = await renderPrompt(page, {
    ...base,
    chat_template: tpl,
    documents: [{ title: 'T1', text: 'Body' }],
  });
  expect(docs).toBe('[user] Tell me a story about a cat.\n<doc T1>Body</doc>\n');
  const special = await renderPrompt(page, {
    ...base,
    chat_template: tpl,
    add_special_tokens: true,
  });
  // The tiny model's tokenizer adds no BOS (add_bos_token false), as Qwen's does not.
  expect(special).toBe(custom);
});

test('echo prepends the final assistant message; continue_final_message continues it', async () => {
  const prefill = [...messages, { role: 'assistant', content: 'Once upon' }];
  const body = {
    messages: prefill,
    continue_final_message: true,
    add_generation_prompt: false,
    temperature: 0,
    max_completion_tokens: 6,
  };
  const plain = await complete(page, body);
  const echoed = await complete(page, { ...body, echo: true });
  expect(text(echoed)).toBe(`Once upon${text(plain)}`);
  const chunks = await stream(page, { ...body, echo: true });
  expect(streamedText(chunks)).toBe(`Once upon${text(plain)}`);
});

test('request_id becomes the response id; include_usage adds a final usage chunk', async () => {
  const r = await complete(page, { request_id: 'my-req-1', max_completion_tokens: 2 });
  expect(r.id).toBe('chatcmpl-my-req-1');
  const chunks = await stream(page, {
    request_id: 'my-req-2',
    max_completion_tokens: 3,
    stream_options: { include_usage: true },
  });
  for (const c of chunks) expect(c.id).toBe('chatcmpl-my-req-2');
  const last = chunks[chunks.length - 1]!;
  expect(last.choices).toEqual([]);
  expect(last.usage).toEqual(
    expect.objectContaining({ completion_tokens: 3, total_tokens: expect.any(Number) }),
  );
  for (const c of chunks.slice(0, -1)) expect(c.usage ?? null).toBeNull();
  const noUsage = await stream(page, { max_completion_tokens: 3 });
  expect(noUsage.every((c) => c.choices.length > 0)).toBe(true);
});

test('two concurrent requests with the same request_id both complete', async () => {
  const [a, b] = await Promise.all([
    complete(page, { request_id: 'dup', max_completion_tokens: 4 }),
    complete(page, { request_id: 'dup', max_completion_tokens: 6 }),
  ]);
  expect(a.id).toBe('chatcmpl-dup');
  expect(b.id).toBe('chatcmpl-dup');
  expect([a.usage.completion_tokens, b.usage.completion_tokens]).toEqual([4, 6]);
});

test('an invalid request gets an OpenAI error naming the parameter, and the next request works', async () => {
  const bad = await inTab(page, { ...base, temperature: 5 });
  expect(bad.thrown).toEqual(expect.objectContaining({ status: 400 }));
  expect(JSON.stringify(bad.thrown)).toContain('temperature');
  const backend = await inTab(page, {
    ...base,
    guided_regex: 'a+',
    guided_decoding_backend: 'outlines',
  });
  expect(JSON.stringify(backend.thrown)).toContain('xgrammar');
  const ok = await complete(page, { max_completion_tokens: 2 });
  expect(ok.choices[0]!.finish_reason).toBe('length');
});

test('three queued requests finish in priority order; a cancelled one stops and the next runs', async () => {
  const order = await page.evaluate(async () => {
    const w = window as unknown as {
      playground: {
        openai: () => Promise<{
          chat: { completions: { create: (x: unknown, o?: unknown) => Promise<unknown> } };
        }>;
      };
    };
    const client = await w.playground.openai();
    const done: string[] = [];
    const ask = (name: string, priority: number, max: number) =>
      client.chat.completions
        .create({
          model: 'm',
          messages: [{ role: 'user', content: 'hi' }],
          priority,
          max_completion_tokens: max,
          request_id: name,
        })
        .then(() => done.push(name));
    const first = ask('blocker', 0, 200);
    await new Promise((r) => setTimeout(r, 30));
    await Promise.all([first, ask('late', 5, 4), ask('urgent', -3, 4), ask('normal', 0, 4)]);
    return done;
  });
  expect(order).toEqual(['blocker', 'urgent', 'normal', 'late']);
  const cancelled = await page.evaluate(async () => {
    const w = window as unknown as {
      playground: {
        openai: () => Promise<{
          chat: {
            completions: {
              create: (x: unknown, o?: unknown) => Promise<AsyncIterable<{ choices: unknown[] }>>;
            };
          };
        }>;
      };
    };
    const client = await w.playground.openai();
    const ac = new AbortController();
    const s = await client.chat.completions.create(
      {
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        max_completion_tokens: 1500,
      },
      { signal: ac.signal },
    );
    let n = 0;
    let error = '';
    const t0 = performance.now();
    try {
      for await (const _ of s) {
        if (++n === 5) ac.abort();
      }
    } catch (e) {
      error = (e as Error).name;
    }
    return { n, error, ms: performance.now() - t0 };
  });
  expect(cancelled.n).toBeLessThan(50);
  // The openai client ends an aborted stream quietly (or with an AbortError).
  expect(cancelled.error).toMatch(/^$|Abort/);
  const next = await complete(page, { max_completion_tokens: 3 });
  expect(next.usage.completion_tokens).toBe(3);
});

test('the UI streams a run, Esc stops it, and the next run works', async () => {
  await page.locator('#param-stream').check();
  await page.locator('#param-max_completion_tokens').fill('1500');
  await page.keyboard.press('Control+Enter');
  const latest = page.getByTestId('latest-run');
  await expect(latest).toHaveAttribute('data-status', 'running');
  await expect(latest.getByTestId('content')).not.toBeEmpty();
  await page.keyboard.press('Escape');
  await expect(latest).toHaveAttribute('data-status', 'cancelled');
  const frozen = await latest.getByTestId('content').textContent();
  await page.waitForTimeout(300);
  expect(await latest.getByTestId('content').textContent()).toBe(frozen);
  await page.locator('#param-max_completion_tokens').fill('4');
  await page.getByRole('button', { name: /^Run/ }).click();
  await expect(page.getByTestId('latest-run')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('latest-run').getByTestId('finish-reason')).toHaveText('length');
});

test('the form looks up a token id by text for logit_bias; the prompt preview shows the rendered prompt', async () => {
  const row = page.getByTestId('param-logit_bias');
  await row.getByLabel('Token text').fill('the');
  await row.getByRole('button', { name: 'Find' }).click();
  const match = row.getByTestId('token-matches').getByRole('button').first();
  const label = (await match.textContent()) ?? '';
  const id = label.split(':')[0]!;
  await match.click();
  const json = JSON.parse(await page.getByTestId('request-json').inputValue()) as {
    logit_bias: Record<string, number>;
  };
  expect(Object.keys(json.logit_bias)).toEqual([id]);
  await page.getByText(/^Prompt preview/).click();
  await expect(page.getByTestId('prompt-text')).toContainText('<|im_start|>user');
  await expect(page.getByText(/^Prompt preview \(\d+ tokens\)/)).toBeVisible();
});

test('include_reasoning: a think block comes back as reasoning_content, never in content; false leaves it out', async () => {
  // A template that opens the think block for the model (as DeepSeek-R1's does), and a grammar
  // that makes the random model close it: the reasoning is "abc", the answer "xyz".
  const thinking = {
    chat_template:
      '{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}',
    guided_grammar: 'root ::= "abc" "</think>" "xyz"',
    max_completion_tokens: 30,
  };
  const on = await complete(page, thinking);
  expect(on.choices[0]!.message.reasoning_content).toBe('abc');
  expect(text(on)).toBe('xyz');
  const chunks = await stream(page, thinking);
  const deltas = chunks.flatMap((c) =>
    c.choices.map((ch) => ch.delta as { content?: string; reasoning_content?: string }),
  );
  expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe('abc');
  expect(deltas.map((d) => d.content ?? '').join('')).toBe('xyz');
  const off = await complete(page, { ...thinking, include_reasoning: false });
  expect(off.choices[0]!.message.reasoning_content).toBeUndefined();
  expect(text(off)).toBe('xyz');
});

test('user is accepted and kept with the run', async () => {
  await page.locator('#param-user').fill('user-1234');
  await page.locator('#param-max_completion_tokens').fill('2');
  await page.getByRole('button', { name: /^Run/ }).click();
  const latest = page.getByTestId('latest-run');
  await expect(latest).toHaveAttribute('data-status', 'done');
  await expect(latest.getByTestId('run-user')).toHaveText('user-1234');
});

test('a GGUF file picked from disk loads in the CPU engine and answers', async () => {
  await page
    .getByText('Open GGUF…')
    .locator('input[type=file]')
    .setInputFiles('public/models/tiny-random.gguf');
  await expect(page.getByTestId('engine-status')).toContainText('Loaded', { timeout: 60_000 });
  const r = await complete(page, { max_completion_tokens: 3 });
  expect(r.usage.completion_tokens).toBe(3);
});

test('the tab fetched nothing beyond its own origin (no CDN build of the wasm, no model hub)', async () => {
  // The worker's own fetches are seen too: the model file and llama.cpp's wasm.
  expect(requested.some((u) => u.endsWith('/models/tiny-random.gguf'))).toBe(true);
  expect(requested.some((u) => u.endsWith('.wasm'))).toBe(true);
  const origin = new URL(page.url()).origin;
  const foreign = requested.filter(
    (u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'),
  );
  expect(foreign).toEqual([]);
});

test('limits of the loaded model: out-of-vocabulary logit_bias ids and max_tokens beyond the context get 400s', async () => {
  const bias = await inTab(page, { ...base, logit_bias: { '999999': 5 } });
  expect(bias.thrown).toEqual(expect.objectContaining({ status: 400 }));
  expect(JSON.stringify(bias.thrown)).toContain('"param":"logit_bias"');
  const long = await inTab(page, { ...base, max_tokens: 100_000_000 });
  expect(long.thrown).toEqual(expect.objectContaining({ status: 400 }));
  expect(JSON.stringify(long.thrown)).toContain('"param":"max_tokens"');
});

test('a bad grammar or schema is flagged at its control and blocks Run, before any run', async () => {
  const grammar = page.locator('#param-guided_grammar');
  await grammar.fill('root ::= "a');
  await expect(page.getByTestId('error-guided_grammar')).toContainText('not a valid grammar');
  await expect(page.getByRole('button', { name: /^Run/ })).toBeDisabled();
  await grammar.fill('');
  await page.locator('#param-guided_json').fill('{"type": "objekt"}');
  await expect(page.getByTestId('error-guided_json')).toContainText('not a valid JSON schema');
  await expect(page.getByRole('button', { name: /^Run/ })).toBeDisabled();
  await page.locator('#param-guided_json').fill('');
  await expect(page.getByRole('button', { name: /^Run/ })).toBeEnabled();
});
