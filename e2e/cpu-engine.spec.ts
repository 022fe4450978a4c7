// Proof that the CPU engine (WllamaEngine over @wllama/wllama) honours each sampling parameter,
// on the seeded tiny random model (public/models/tiny-random.gguf, written by `npm run models`).
// Runs against engine-harness.html of the built app (`npm run build`, served by vite preview).

import { expect, test, type Page } from '@playwright/test';
import type { EngineSampling, EngineToken, GenerateResult } from '../src/engine/cpu/wllamaEngine';

interface RunOutput {
  text: string;
  tokens: EngineToken[];
  result: GenerateResult;
}
interface LoadOutput {
  architecture: string;
  contextLength: number;
  nVocab: number;
  nCtx: number;
  threads: number;
  eogTokenIds: number[];
  tokens: string[];
  hasChatTemplate: boolean;
  phases: string[];
}
type Limits = { stopAfter?: number; abortAfter?: number };

const CHAT_PROMPT = '<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n';

test.describe.configure({ mode: 'serial' });

let page: Page;
let model: LoadOutput;

async function load(
  url?: string,
  opts: { truncate?: number; cache?: boolean } = {},
): Promise<LoadOutput> {
  return page.evaluate(([u, o]) => window.harness.load(u, o), [
    url,
    opts,
  ] as const) as Promise<LoadOutput>;
}

async function run(
  prompt: string,
  sampling: Partial<EngineSampling>,
  limits: Limits = {},
): Promise<RunOutput> {
  return page.evaluate(([p, s, l]) => window.harness.run(p, s, l), [
    prompt,
    sampling,
    limits,
  ] as const) as Promise<RunOutput>;
}

/** The error message of a harness call that must fail. */
async function failure(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected the call to fail');
}

const ids = (r: RunOutput) => r.tokens.map((t) => t.id);

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/engine-harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
  model = await load();
});

test.afterAll(async () => {
  await page.close();
});

test('loads the tiny model single-threaded and reports its metadata', () => {
  expect(model.architecture).toBe('llama');
  expect(model.contextLength).toBe(2048);
  expect(model.nCtx).toBe(2048);
  expect(model.nVocab).toBe(model.tokens.length);
  expect(model.threads).toBe(1); // the harness page is not cross-origin isolated
  expect(model.hasChatTemplate).toBe(true);
  expect(model.phases).toEqual(['download', 'load', 'ready']);
  expect(model.eogTokenIds).toContain(model.tokens.indexOf('<|im_end|>'));
});

test('special tokens written in the prompt are parsed as single tokens', async () => {
  const one = await page.evaluate(() => window.harness.count('<|im_start|>'));
  expect(one).toBe(1);
  const chat = await page.evaluate((p) => window.harness.count(p), CHAT_PROMPT);
  const plain = await page.evaluate(
    (p) => window.harness.count(p),
    CHAT_PROMPT.replaceAll('<|', '< |'),
  );
  expect(chat).toBeLessThan(plain - 10);
});

test('temperature 0 is greedy and deterministic', async () => {
  const a = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 12, n_probs: 5 });
  const b = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 12, n_probs: 5 });
  expect(a.tokens).toHaveLength(12);
  expect(a.text).toBe(b.text);
  expect(ids(a)).toEqual(ids(b));
  for (const t of a.tokens) {
    // greedy: the sampled token is the most likely one of the raw distribution
    expect(t.top[0]?.id).toBe(t.id);
    expect(t.logprob).toBeCloseTo(t.top[0]?.logprob ?? NaN, 5);
  }
});

test('the same seed reproduces at temperature 1, another seed differs', async () => {
  const s = { temperature: 1, max_tokens: 24 };
  const a = await run(CHAT_PROMPT, { ...s, seed: 1 });
  const b = await run(CHAT_PROMPT, { ...s, seed: 1 });
  const c = await run(CHAT_PROMPT, { ...s, seed: 2 });
  expect(ids(a)).toEqual(ids(b));
  expect(a.text).toBe(b.text);
  expect(ids(c)).not.toEqual(ids(a));
});

test('top_p keeps only the nucleus: a tiny top_p at temperature 1 equals greedy', async () => {
  const greedy = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 10 });
  const nucleus = await run(CHAT_PROMPT, { temperature: 1, top_p: 0.001, seed: 7, max_tokens: 10 });
  const free = await run(CHAT_PROMPT, { temperature: 1, top_p: 1, seed: 7, max_tokens: 10 });
  expect(ids(nucleus)).toEqual(ids(greedy));
  expect(ids(free)).not.toEqual(ids(greedy));
});

test('logit_bias +100 on one token id makes every generated token that id', async () => {
  const target = model.tokens.indexOf('Ġthe');
  expect(target).toBeGreaterThan(255);
  const r = await run(CHAT_PROMPT, {
    temperature: 1,
    seed: 3,
    max_tokens: 8,
    logit_bias: { [String(target)]: 100 },
  });
  expect(ids(r)).toEqual(Array(8).fill(target));
  expect(r.text).toBe(' the'.repeat(8));
  // logprobs stay those of the raw model distribution (bias not applied), as in vLLM
  expect(r.tokens.every((t) => t.logprob < -1)).toBe(true);
});

test('logit_bias on EOS ends the generation with finish reason stop', async () => {
  const eos = model.tokens.indexOf('<|im_end|>');
  const r = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 8, logit_bias: { [eos]: 100 } });
  expect(ids(r)).toEqual([eos]);
  expect(r.tokens[0]?.eog).toBe(true);
  expect(r.tokens[0]?.text).toBe('');
  expect(r.result.finishReason).toBe('stop');
  expect(r.result.completionTokens).toBe(1);
});

test('n_probs 20 gives 20 sorted top log-probabilities per token', async () => {
  const r = await run(CHAT_PROMPT, { temperature: 1, seed: 5, max_tokens: 6, n_probs: 20 });
  expect(r.tokens).toHaveLength(6);
  for (const t of r.tokens) {
    expect(t.top).toHaveLength(20);
    expect(t.logprob).toBeLessThanOrEqual(0);
    expect(Number.isFinite(t.logprob)).toBe(true);
    let sum = 0;
    let prev = 0;
    for (const e of t.top) {
      expect(e.logprob).toBeLessThanOrEqual(0);
      expect(e.logprob).toBeLessThanOrEqual(prev + 1e-6);
      prev = e.logprob;
      sum += Math.exp(e.logprob);
      expect(e.text).toBe(new TextDecoder().decode(new Uint8Array(e.bytes)));
    }
    expect(sum).toBeLessThanOrEqual(1.0001);
    const self = t.top.find((e) => e.id === t.id);
    if (self) expect(self.logprob).toBeCloseTo(t.logprob, 5);
  }
  const none = await run(CHAT_PROMPT, { temperature: 1, seed: 5, max_tokens: 6, n_probs: 0 });
  expect(ids(none)).toEqual(ids(r));
  expect(none.tokens.every((t) => t.top.length === 0)).toBe(true);
});

test('max_tokens bounds the count with finish reason length', async () => {
  const r = await run(CHAT_PROMPT, { temperature: 1, seed: 9, max_tokens: 7 });
  expect(r.tokens).toHaveLength(7);
  expect(r.result).toMatchObject({ completionTokens: 7, finishReason: 'length' });
  expect(r.result.promptTokens).toBeGreaterThan(5);
});

test('presence and frequency penalties change the greedy output', async () => {
  const plain = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 10 });
  const presence = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 10, presence_penalty: 2 });
  const frequency = await run(CHAT_PROMPT, {
    temperature: 0,
    max_tokens: 10,
    frequency_penalty: 2,
  });
  // the random model repeats itself when greedy; a penalty of 2 forbids repeats here
  expect(new Set(ids(plain)).size).toBeLessThan(10);
  expect(new Set(ids(presence)).size).toBe(10);
  expect(new Set(ids(frequency)).size).toBe(10);
});

test('a GBNF grammar yields exactly one of its strings', async () => {
  const seen = new Set<string>();
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const r = await run(CHAT_PROMPT, {
      temperature: 1,
      seed,
      max_tokens: 10,
      grammar: 'root ::= "yes" | "no"',
    });
    expect(['yes', 'no']).toContain(r.text);
    expect(r.result.finishReason).toBe('stop');
    seen.add(r.text);
  }
  expect(seen.size).toBe(2);
});

test('a JSON schema constrains the output to matching JSON', async () => {
  const r = await run(CHAT_PROMPT, {
    temperature: 1,
    seed: 11,
    max_tokens: 40,
    json_schema: {
      type: 'object',
      properties: { ok: { type: 'boolean' } },
      required: ['ok'],
      additionalProperties: false,
    },
  });
  expect(r.result.finishReason).toBe('stop');
  const parsed = JSON.parse(r.text) as unknown;
  expect(parsed).toEqual({ ok: expect.any(Boolean) });
});

test('a character split over two byte tokens: each token has its bytes, the text comes whole', async () => {
  // "é" is 0xC3 0xA9: two byte tokens in this vocabulary; the character is held until complete
  const r = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 5, grammar: 'root ::= "é!"' });
  expect(r.text).toBe('é!');
  expect(ids(r)).toEqual([0xc3, 0xa9, '!'.charCodeAt(0), model.tokens.indexOf('<|im_end|>')]);
  expect(r.tokens.map((t) => [t.text, t.bytes])).toEqual([
    ['', [0xc3]],
    ['é', [0xa9]],
    ['!', [0x21]],
    ['', []],
  ]);
  expect(r.result.completionTokens).toBe(4);
});

test('bytes that are not valid UTF-8 never fail a run: they read as U+FFFD', async () => {
  // a lone continuation byte (0xBD), sampled on purpose, also as every top alternative
  const loneByte = model.tokens.indexOf('½');
  expect(loneByte).toBe(0xbd);
  for (const n_probs of [0, 5]) {
    const r = await run(CHAT_PROMPT, { max_tokens: 3, n_probs, logit_bias: { [loneByte]: 100 } });
    expect(r.text).toBe('\ufffd'.repeat(3));
    expect(r.tokens.map((t) => t.bytes)).toEqual([[0xbd], [0xbd], [0xbd]]);
    expect(r.tokens[0]?.top.length).toBe(n_probs);
  }
});

test('onToken returning false stops with finish reason stop; an abort rejects', async () => {
  const stopped = await run(CHAT_PROMPT, { max_tokens: 50, seed: 1 }, { stopAfter: 3 });
  expect(stopped.tokens).toHaveLength(3);
  expect(stopped.result.finishReason).toBe('stop');
  expect(stopped.result.promptTokens).toBeGreaterThan(5);
  const aborted = await failure(() => run(CHAT_PROMPT, { max_tokens: 50 }, { abortAfter: 2 }));
  expect(aborted).toMatch(/abort/i);
  const after = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 4 });
  expect(after.tokens).toHaveLength(4);
});

test('request errors carry the real reason', async () => {
  const grammar = await failure(() => run(CHAT_PROMPT, { grammar: 'root ::= yes' }));
  expect(grammar).toContain("Undefined rule identifier 'yes'");
  const bias = await failure(() => run(CHAT_PROMPT, { logit_bias: { hello: 5 } }));
  expect(bias).toContain('not a token id');
  const both = await failure(() =>
    run(CHAT_PROMPT, { grammar: 'root ::= "a"', json_schema: { type: 'string' } }),
  );
  expect(both).toContain('not both');
  for (const msg of [grammar, bias, both]) {
    expect(msg).not.toContain('Invalid typed array length');
  }
  // the engine still works after failed requests
  const after = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 3 });
  expect(after.tokens).toHaveLength(3);
});

test("a broken model file fails to load with llama.cpp's reason", async () => {
  const truncated = await failure(() => load('/models/tiny-random.gguf', { truncate: 200_000 }));
  expect(truncated).toContain('not within the file bounds');
  expect(truncated).not.toContain('Invalid typed array length');
  const missing = await failure(() => load('/models/does-not-exist.gguf'));
  // vite preview answers unknown paths with the app's index.html
  expect(missing).toMatch(/HTTP 404|is an HTML page, not a GGUF file/);
  const reloaded = await load();
  expect(reloaded.nVocab).toBe(model.nVocab);
});

test("a URL can be loaded through wllama's OPFS model cache", async () => {
  const first = await load('/models/tiny-random.gguf', { cache: true });
  const second = await load('/models/tiny-random.gguf', { cache: true });
  for (const m of [first, second]) {
    expect(m.nVocab).toBe(model.nVocab);
    expect(m.tokens).toEqual(model.tokens);
  }
  const r = await run(CHAT_PROMPT, { temperature: 0, max_tokens: 3 });
  expect(r.tokens).toHaveLength(3);
});
