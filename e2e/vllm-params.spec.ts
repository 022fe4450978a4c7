import { expect, test, type Page } from '@playwright/test';
import { freshApp, inTab, loadTinyModel } from './pages';

/**
 * The fields a current vLLM (0.32) takes beyond the spec, run through the official openai
 * client against the in-tab endpoint on the CPU engine (llama.cpp) with the generated tiny
 * model. Each honoured field is shown to change the output; each one the engine cannot honour
 * is answered with a 400 that names it. Token ids are read back with logprobs and
 * return_tokens_as_token_ids, so the checks are about tokens, not about text that several
 * token sequences could spell.
 */

type Json = Record<string, unknown>;
type Completion = {
  choices: {
    message: { content: string | null };
    finish_reason: string;
    stop_reason?: string | number | null;
    logprobs: { content: { token: string }[] } | null;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number };
};
type Thrown = { thrown: { status?: number; error?: { param?: string | null; message?: string } } };

const base = { model: 'tiny-random', messages: [{ role: 'user', content: 'Tell me a story.' }] };

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

async function complete(body: Json): Promise<Completion> {
  const r = await inTab(page, { ...base, ...body });
  if ('thrown' in r) throw new Error(`request failed: ${JSON.stringify(r.thrown)}`);
  return r as unknown as Completion;
}

/** The completion with the token id of every generated token. */
async function withIds(body: Json): Promise<{ c: Completion; ids: number[]; text: string }> {
  const c = await complete({ ...body, logprobs: true, return_tokens_as_token_ids: true });
  const entries = c.choices[0]!.logprobs?.content ?? [];
  const ids = entries.map((e) => {
    expect(e.token).toMatch(/^token_id:\d+$/);
    return Number(e.token.slice('token_id:'.length));
  });
  return { c, ids, text: c.choices[0]!.message.content ?? '' };
}

async function refused(body: Json): Promise<{ param?: string | null; message?: string }> {
  const r = (await inTab(page, { ...base, ...body })) as Partial<Thrown>;
  expect(r.thrown, JSON.stringify(body)).toBeDefined();
  expect(r.thrown!.status).toBe(400);
  return r.thrown!.error ?? {};
}

async function tokenIds(text: string): Promise<number[]> {
  return page.evaluate(async (t) => {
    const w = window as unknown as {
      playground: { lookupToken: (x: string) => Promise<{ id: number; text: string }[]> };
    };
    return (await w.playground.lookupToken(t)).filter((m) => m.text === t).map((m) => m.id);
  }, text);
}

const GREEDY = { temperature: 0, max_completion_tokens: 24 };

test('top_k 1 and min_p 1 sample only the most likely token: a temperature-1 run equals the greedy one', async () => {
  const greedy = await withIds(GREEDY);
  const sampled = await withIds({ temperature: 1, seed: 5, max_completion_tokens: 24 });
  expect(sampled.ids).not.toEqual(greedy.ids);
  const topK = await withIds({ temperature: 1, seed: 5, max_completion_tokens: 24, top_k: 1 });
  expect(topK.ids).toEqual(greedy.ids);
  const minP = await withIds({ temperature: 1, seed: 5, max_completion_tokens: 24, min_p: 1 });
  expect(minP.ids).toEqual(greedy.ids);
  // top_k -1 is vLLM's "off": the same as not sending it.
  const off = await withIds({ temperature: 1, seed: 5, max_completion_tokens: 24, top_k: -1 });
  expect(off.ids).toEqual(sampled.ids);
});

test('repetition_penalty changes the greedy output and repeats fewer tokens', async () => {
  const plain = await withIds({ ...GREEDY, max_completion_tokens: 32 });
  const penalised = await withIds({ ...GREEDY, max_completion_tokens: 32, repetition_penalty: 5 });
  expect(penalised.ids).not.toEqual(plain.ids);
  const repeats = (ids: number[]) => ids.length - new Set(ids).size;
  expect(repeats(penalised.ids)).toBeLessThan(repeats(plain.ids));
});

test('ignore_eos: with the end-of-turn token pushed up, the answer still runs to max tokens', async () => {
  const [eos] = await tokenIds('<|im_end|>');
  expect(eos).toBeDefined();
  const bias = { logit_bias: { [String(eos)]: 100 }, ...GREEDY, max_completion_tokens: 12 };
  const stops = await complete(bias);
  expect(stops.choices[0]!.finish_reason).toBe('stop');
  expect(stops.usage.completion_tokens).toBeLessThanOrEqual(1);
  const runs = await complete({ ...bias, ignore_eos: true });
  expect(runs.choices[0]!.finish_reason).toBe('length');
  expect(runs.usage.completion_tokens).toBe(12);
});

test('stop_token_ids end the answer at that token, which stays in the text', async () => {
  const greedy = await withIds(GREEDY);
  // The first token that did not occur before it: the run must stop exactly there.
  const at = greedy.ids.findIndex((id, i) => i >= 3 && !greedy.ids.slice(0, i).includes(id));
  expect(at).toBeGreaterThan(0);
  const stopId = greedy.ids[at]!;
  const stopped = await withIds({ ...GREEDY, stop_token_ids: [stopId] });
  expect(stopped.ids).toEqual(greedy.ids.slice(0, at + 1));
  expect(stopped.c.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: stopId });
  expect(greedy.text.startsWith(stopped.text)).toBe(true);
});

test('include_stop_str_in_output keeps the stop string that ended the answer', async () => {
  const greedy = await complete(GREEDY);
  const full = greedy.choices[0]!.message.content ?? '';
  const stop = full.slice(8, 10);
  expect(stop).toHaveLength(2);
  const cut = full.slice(0, full.indexOf(stop));
  const without = await complete({ ...GREEDY, stop: [stop] });
  expect(without.choices[0]!.message.content ?? '').toBe(cut);
  const kept = await complete({ ...GREEDY, stop: [stop], include_stop_str_in_output: true });
  expect(kept.choices[0]!.message.content).toBe(cut + stop);
  expect(kept.choices[0]!.stop_reason).toBe(stop);
});

test('bad_words: the banned one-token word never comes out, and the output changes', async () => {
  const greedy = await withIds(GREEDY);
  // A token of the greedy answer that is a word of the vocabulary on its own.
  let word: string | null = null;
  const entries = (await complete({ ...GREEDY, logprobs: true })).choices[0]!.logprobs!.content;
  for (const e of entries) {
    const t = e.token.trimStart();
    if (t.length >= 2 && /^[\x21-\x7e]+$/.test(t) && (await tokenIds(t)).length > 0) {
      word = t;
      break;
    }
  }
  expect(word, 'a one-token word in the greedy answer').not.toBeNull();
  const banned = [...(await tokenIds(word!)), ...(await tokenIds(` ${word!}`))];
  expect(greedy.ids.some((id) => banned.includes(id))).toBe(true);
  const run = await withIds({ ...GREEDY, bad_words: [word] });
  expect(run.ids.some((id) => banned.includes(id))).toBe(false);
  expect(run.ids).not.toEqual(greedy.ids);
  // A word that is no token of the model cannot be banned token by token here: a 400.
  const e = await refused({ ...GREEDY, bad_words: ['zqxjzqxjzqxj'] });
  expect(e.param).toBe('bad_words');
});

test('allowed_token_ids: every generated token is one of them', async () => {
  const greedy = await withIds(GREEDY);
  const allowed = [...new Set(greedy.ids)].slice(-3);
  const run = await withIds({
    temperature: 1,
    seed: 3,
    max_completion_tokens: 20,
    allowed_token_ids: allowed,
  });
  expect(run.ids.length).toBe(20);
  expect(run.ids.every((id) => allowed.includes(id))).toBe(true);
  const free = await withIds({ temperature: 1, seed: 3, max_completion_tokens: 20 });
  expect(free.ids.every((id) => allowed.includes(id))).toBe(false);
});

test('structured_outputs constrains the answer like the guided_* fields', async () => {
  const choice = await complete({
    ...GREEDY,
    structured_outputs: { choice: ['sunny day', 'rainy night'] },
  });
  expect(['sunny day', 'rainy night']).toContain(choice.choices[0]!.message.content);
  const regex = await complete({
    temperature: 1,
    seed: 2,
    max_completion_tokens: 20,
    structured_outputs: { regex: '[0-9]{3}-[a-z]{2}' },
  });
  expect(regex.choices[0]!.message.content).toMatch(/^[0-9]{3}-[a-z]{2}$/);
  expect((await refused({ structured_outputs: { structural_tag: '{}' } })).param).toBe(
    'structured_outputs.structural_tag',
  );
  expect((await refused({ structured_outputs: { regex: 'a' }, guided_choice: ['b'] })).param).toBe(
    'structured_outputs',
  );
});

test('what the CPU engine cannot do is a 400 naming the field', async () => {
  expect((await refused({ min_tokens: 4 })).param).toBe('min_tokens');
  expect((await refused({ prompt_logprobs: 1 })).param).toBe('prompt_logprobs');
  expect((await refused({ skip_special_tokens: false })).param).toBe('skip_special_tokens');
  const cut = await refused({ truncate_prompt_tokens: 2 });
  expect(cut.param).toBe('truncate_prompt_tokens');
  expect(cut.message).toMatch(/cannot cut it to 2/);
  // A prompt that already fits is left alone, as on vLLM; cache_salt is taken as it is.
  const fits = await complete({ ...GREEDY, truncate_prompt_tokens: 1000, cache_salt: 's3cret' });
  expect(fits.choices[0]!.message.content).toBe(
    (await complete(GREEDY)).choices[0]!.message.content,
  );
});

test('the validator refuses what vLLM 0.32 and OpenAI refuse', async () => {
  expect((await refused({ tools: [] })).param).toBe('tools');
  expect((await refused({ tool_choice: 'auto' })).param).toBe('tool_choice');
  expect((await refused({ documents: [{ title: 'a', text: 5 }] })).param).toBe('documents[0].text');
  const seed = await refused({ seed: 9223372036854775808 });
  expect(seed.param).toBe('seed');
  expect(seed.message).toContain('9223372036854775807');
  expect(
    (await refused({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } })).param,
  ).toBe('response_format.json_schema.schema');
  expect((await refused({ top_k: -2 })).param).toBe('top_k');
  expect((await refused({ repetition_penalty: 0 })).param).toBe('repetition_penalty');
});
