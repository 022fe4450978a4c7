import { expect, test, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { freshApp, inTab, loadModelUrl } from './pages';

/**
 * No run fails on bytes: the real SmolLM2-135M-Instruct writes Greek, Chinese, Arabic, Hindi and
 * emoji at temperature 1, most of it as byte tokens that are only part of a character. Over
 * many seeds (n choices, each its own seed), streamed and not, with and without logprobs and
 * under a JSON schema, every run ends normally, every text is well-formed, and the logprob
 * entries' raw bytes make exactly the text (a character shows once it is complete).
 */
const MODEL = 'models/SmolLM2-135M-Instruct.Q4_1.gguf';
test.skip(!existsSync(`public/${MODEL}`), `${MODEL} is missing: npm run models could not fetch it`);
test.describe.configure({ mode: 'serial' });
// Each test generates 5 x 4 x 12 tokens on one CPU thread: about a minute on a busy machine.
test.setTimeout(300_000);

/** A question, and the start of an answer in its script that the model continues. */
const SCRIPTS = [
  { name: 'Greek', ask: 'Γράψε ένα ποίημα για τη θάλασσα.', start: 'Η θάλασσα' },
  { name: 'Chinese', ask: '写一首关于月亮的诗。', start: '月亮' },
  { name: 'Arabic', ask: 'اكتب قصيدة عن البحر', start: 'البحر' },
  { name: 'Hindi', ask: 'समुद्र के बारे में एक कविता लिखिए', start: 'समुद्र' },
  { name: 'emoji', ask: 'Describe a party with emoji only.', start: '🎉' },
];
const CHOICES = 4;

interface Logprob {
  token: string;
  bytes: number[] | null;
  top_logprobs: { bytes: number[] | null }[];
}
interface Choice {
  index: number;
  text: string;
  logprobs: Logprob[];
  finish: string | null;
}

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await freshApp(page);
  await loadModelUrl(page, MODEL);
});

test.afterAll(async () => {
  await page.close();
});

function messages(s: (typeof SCRIPTS)[number]) {
  return [
    { role: 'user', content: s.ask },
    { role: 'assistant', content: s.start },
  ];
}

/** Runs one request; returns its choices however it was delivered (stream or not). */
async function ask(body: Record<string, unknown>): Promise<Choice[]> {
  const r = await inTab(page, {
    model: 'smollm2',
    add_generation_prompt: false,
    continue_final_message: true,
    temperature: 1,
    n: CHOICES,
    ...body,
  });
  if ('thrown' in r) throw new Error(`the run failed: ${JSON.stringify(r.thrown)}`);
  const choices = new Map<number, Choice>();
  const at = (index: number) => {
    let c = choices.get(index);
    if (!c) choices.set(index, (c = { index, text: '', logprobs: [], finish: null }));
    return c;
  };
  type Part = {
    index: number;
    finish_reason: string | null;
    logprobs: { content: Logprob[] | null } | null;
  };
  if (body.stream) {
    for (const chunk of r.chunks as { choices: (Part & { delta: { content?: string } })[] }[]) {
      for (const ch of chunk.choices) {
        const c = at(ch.index);
        c.text += ch.delta.content ?? '';
        c.logprobs.push(...(ch.logprobs?.content ?? []));
        c.finish ??= ch.finish_reason;
      }
    }
  } else {
    for (const ch of (r as { choices: (Part & { message: { content: string | null } })[] })
      .choices) {
      const c = at(ch.index);
      c.text = ch.message.content ?? '';
      c.logprobs = ch.logprobs?.content ?? [];
      c.finish = ch.finish_reason;
    }
  }
  return [...choices.values()];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A token whose bytes are not whole UTF-8 characters on their own. */
const isPartOfCharacter = (bytes: number[]) =>
  new TextDecoder().decode(new Uint8Array(bytes)).includes('\ufffd');

/** Checks one choice; returns how many of its tokens held only part of a character. */
function checkChoice(c: Choice, withLogprobs: boolean, where: string): number {
  expect(['stop', 'length'], where).toContain(c.finish);
  expect(LONE_SURROGATE.test(c.text), `${where}: ${JSON.stringify(c.text)}`).toBe(false);
  if (!withLogprobs) {
    expect(c.logprobs, where).toEqual([]);
    return 0;
  }
  expect(c.logprobs.length, where).toBeGreaterThan(0);
  const bytes = c.logprobs.flatMap((l) => l.bytes ?? []);
  // An incomplete character at the very end is not text yet (vLLM drops it too).
  const text = new TextDecoder().decode(new Uint8Array(bytes), { stream: true });
  expect(c.text, where).toBe(text);
  for (const l of c.logprobs) {
    expect(l.bytes, where).not.toBeNull();
    expect(l.top_logprobs.length, where).toBe(3);
    for (const t of l.top_logprobs) expect(t.bytes, where).not.toBeNull();
  }
  return c.logprobs.filter((l) => isPartOfCharacter(l.bytes ?? [])).length;
}

const MODES = [
  { name: 'streamed, no logprobs', body: { stream: true }, logprobs: false },
  { name: 'logprobs', body: { logprobs: true, top_logprobs: 3 }, logprobs: true },
  {
    name: 'streamed, logprobs, JSON schema',
    body: {
      stream: true,
      logprobs: true,
      top_logprobs: 3,
      // the answer is forced to a JSON object whose string the model writes in its script
      add_generation_prompt: true,
      continue_final_message: false,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'line',
          schema: {
            type: 'object',
            properties: { line: { type: 'string' } },
            required: ['line'],
          },
        },
      },
    },
    logprobs: true,
    schema: true,
  },
];

for (const mode of MODES) {
  test(`every script at temperature 1 over ${SCRIPTS.length * CHOICES} seeds: ${mode.name}`, async () => {
    let partial = 0;
    let runs = 0;
    for (const [i, s] of SCRIPTS.entries()) {
      const choices = await ask({
        messages: mode.schema ? [{ role: 'user', content: s.ask }] : messages(s),
        seed: 1000 * i + 17,
        max_completion_tokens: 12,
        ...mode.body,
      });
      expect(choices.length).toBe(CHOICES);
      for (const c of choices) {
        partial += checkChoice(c, mode.logprobs, `${s.name} #${c.index}`);
        runs++;
        if (mode.schema && c.finish === 'stop') expect(JSON.parse(c.text)).toHaveProperty('line');
      }
    }
    expect(runs).toBe(SCRIPTS.length * CHOICES);
    // the set really exercised tokens that are only part of a character
    if (mode.logprobs) expect(partial).toBeGreaterThan(10);
  });
}
