// `npm run bench`: the CPU engine measured side by side, interleaved, medians of --rounds runs:
// the app (through the page: window.playground, the worker, the response layer), raw wllama
// in a bare page (bench-raw.html), and native llama.cpp (node-llama-cpp, test-only), on the
// same GGUF and the same prompt text, at 1 and N threads, for each SmolLM2 file that is there.
// Also: time to first token for a 40- and a 500-token prompt (first run and rerun), grammar-
// constrained vs unconstrained decode, main-thread long tasks while the page streams 2,000
// tokens, and the initial JavaScript (gzip) before any engine loads. Prints figures, ratios,
// goals and by how much a goal is missed; asserts nothing (timings vary by machine).
// Usage: npm run build && npx tsx tools/bench.ts [--rounds 3] [--threads 2] [--words 190]
//        [--decode 32] [--batch | --only-batch] [--dist dist]

import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { cliFlag, cliOption, median, rendererCpu, storyWords } from './benchShared';
import { serveDist } from './serveDist';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const opt = cliOption;
const ROUNDS = Number(opt('rounds', '3'));
const N_THREADS = Number(opt('threads', '2'));
const DIST = resolve(opt('dist', 'dist'));
/** --only-batch: just the n_batch/n_ubatch table (section 5). */
const ONLY_BATCH = cliFlag('only-batch');
const DECODE_TOKENS = Number(opt('decode', '32'));
/** Words of the user message for the prompt/decode table (~1.3 tokens a word). */
const WORDS = Number(opt('words', '190'));

// The SmolLM2 files `npm run models` placed (index.json), e.g. the Q4_1 original and its
// re-quantised copy; the label is the quantisation part of the file name.
interface BenchModel {
  label: string;
  file: string;
}
const TINY = 'models/tiny-random.gguf';

// ---- static server with the same headers as vite dev/preview ----

const { server, base } = await serveDist(DIST);
const served = JSON.parse(
  await readFile(join(DIST, 'models/index.json'), 'utf8').catch(() => '{"models":[]}'),
) as { models: { file: string }[] };
const models: BenchModel[] = served.models
  .filter((m) => m.file.startsWith('SmolLM2'))
  .map((m) => ({ label: m.file.split('.').slice(-2, -1)[0] ?? m.file, file: `models/${m.file}` }))
  .sort((a, b) => Number(b.label === 'Q4_1') - Number(a.label === 'Q4_1'));

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const cdp = await browser.newBrowserCDPSession();
const cpuNow = () => rendererCpu(cdp);
/** Runs `f` and adds the renderers' CPU time to its result. */
async function withCpu(f: () => Promise<Run>): Promise<Run> {
  const c0 = await cpuNow();
  const r = await f();
  return { ...r, cpuMs: ((await cpuNow()) - c0) * 1000 };
}

// ---- prompts ----

/** A user message of roughly `words` words (unique per `tag`, so no cache can be reused). */
function message(tag: string, words: number): string {
  return `[${tag}] Continue this story with many more paragraphs.\n\n${storyWords(words)}`;
}

// ---- the app ----

interface Run {
  ttftMs: number;
  totalMs: number;
  /** CPU time the engine's processes used during the run (ms). */
  cpuMs?: number;
  promptTokens: number;
  /** Prompt tokens taken from the prompt cache (not evaluated in this run). */
  cachedTokens?: number;
  completionTokens: number;
}

async function appPage(model: string, threads: number): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(base);
  await page.evaluate(
    ({ model, threads }) => {
      localStorage.setItem(
        'playground.threads',
        JSON.stringify({ state: { threads }, version: 1 }),
      );
      const e = JSON.parse(localStorage.getItem('playground.engine') ?? '{"state":{}}') as {
        state: Record<string, unknown>;
        version?: number;
      };
      e.state.cpuModelUrl = model;
      e.state.engine = 'cpu';
      e.state.tabEngine = 'cpu';
      localStorage.setItem('playground.engine', JSON.stringify({ version: 1, ...e }));
    },
    { model, threads },
  );
  await page.reload();
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await page
    .getByTestId('engine-status')
    .filter({ hasText: 'Loaded' })
    .waitFor({ timeout: 300_000 });
  const running = await page.getByTestId('running-threads').textContent();
  if (!running?.includes(`running ${threads}`))
    throw new Error(`the app runs ${model} with${running}, not ${threads} threads`);
  return page;
}

async function appRun(page: Page, content: string, maxTokens: number, extra = {}): Promise<Run> {
  return page.evaluate(
    async ({ content, maxTokens, extra }) => {
      const w = window as unknown as {
        playground: {
          openai: () => Promise<{
            chat: { completions: { create: (x: unknown) => Promise<AsyncIterable<unknown>> } };
          }>;
        };
      };
      const client = await w.playground.openai();
      const t0 = performance.now();
      let first = 0;
      let usage: {
        prompt_tokens: number;
        completion_tokens: number;
        prompt_tokens_details?: { cached_tokens?: number } | null;
      } = { prompt_tokens: 0, completion_tokens: 0 };
      const stream = await client.chat.completions.create({
        model: 'bench',
        messages: [{ role: 'user', content }],
        max_completion_tokens: maxTokens,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
        ...extra,
      });
      for await (const c of stream as AsyncIterable<{
        choices: { delta?: { content?: string | null } }[];
        usage?: typeof usage | null;
      }>) {
        if (!first && c.choices[0]?.delta?.content) first = performance.now() - t0;
        if (c.usage) usage = c.usage;
      }
      return {
        ttftMs: first,
        totalMs: performance.now() - t0,
        promptTokens: usage.prompt_tokens,
        cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
        completionTokens: usage.completion_tokens,
      };
    },
    { content, maxTokens, extra },
  );
}

async function renderPrompt(page: Page, content: string): Promise<string> {
  return page.evaluate(
    async (content) =>
      (
        await (
          window as unknown as {
            playground: { renderPrompt: (r: unknown) => Promise<{ prompt: string }> };
          }
        ).playground.renderPrompt({ model: 'bench', messages: [{ role: 'user', content }] })
      ).prompt,
    content,
  );
}

// ---- raw wllama ----

async function rawPage(model: string, threads: number, extra = {}): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}bench-raw.html`);
  await page.getByText('ready').waitFor();
  const r = await page.evaluate(
    ({ url, threads, extra }) =>
      (
        window as unknown as {
          rawBench: { load: (u: string, t: number, e: unknown) => Promise<{ threads: number }> };
        }
      ).rawBench.load(url, threads, extra),
    { url: `${base}${model}`, threads, extra },
  );
  if (r.threads !== threads) throw new Error(`raw wllama runs ${r.threads} threads`);
  return page;
}

async function rawRun(page: Page, prompt: string, nPredict: number): Promise<Run> {
  const r = await page.evaluate(
    ({ prompt, nPredict }) =>
      (
        window as unknown as {
          rawBench: {
            run: (
              p: string,
              n: number,
            ) => Promise<{
              ttftMs: number;
              totalMs: number;
              usage?: { prompt_tokens?: number; completion_tokens?: number };
              timings?: { prompt_n?: number; predicted_n?: number };
            }>;
          };
        }
      ).rawBench.run(prompt, nPredict),
    { prompt, nPredict },
  );
  return {
    ttftMs: r.ttftMs,
    totalMs: r.totalMs,
    promptTokens: r.usage?.prompt_tokens ?? r.timings?.prompt_n ?? 0,
    completionTokens: r.usage?.completion_tokens ?? r.timings?.predicted_n ?? 0,
  };
}

// ---- native llama.cpp ----

const { getLlama } = await import('node-llama-cpp');
const llama = await getLlama({ gpu: false, build: 'never', progressLogs: false });

async function nativeEngine(model: string, threads: number) {
  const m = await llama.loadModel({ modelPath: join(DIST, model) });
  const ctx = await m.createContext({ contextSize: 2048, threads });
  const seq = ctx.getSequence();
  return {
    async run(prompt: string, nPredict: number): Promise<Run> {
      await seq.clearHistory();
      const tokens = m.tokenize(prompt, true);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let first = 0;
      let n = 0;
      for await (const _t of seq.evaluate(tokens, { temperature: 0 })) {
        if (!first) first = performance.now() - t0;
        if (++n >= nPredict) break;
      }
      const c = process.cpuUsage(c0);
      return {
        ttftMs: first,
        totalMs: performance.now() - t0,
        cpuMs: (c.user + c.system) / 1000,
        promptTokens: tokens.length,
        completionTokens: n,
      };
    },
    dispose: async () => {
      await ctx.dispose();
      await m.dispose();
    },
  };
}

// ---- figures ----

// Prompt processing counts only the tokens the run evaluated (the app reuses its prompt cache).
const pp = (r: Run) => (r.promptTokens - (r.cachedTokens ?? 0)) / (r.ttftMs / 1000);
const decode = (r: Run) => (r.completionTokens - 1) / ((r.totalMs - r.ttftMs) / 1000);
/** The share of one core the run got (CPU time / wall time); 1 on an idle machine, 1 thread. */
const share = (r: Run) => (r.cpuMs ?? NaN) / r.totalMs;
/** Per CPU-second: what one thread would do with a core to itself (other loads removed). */
const ppCpu = (r: Run) => pp(r) / share(r);
const decodeCpu = (r: Run) => decode(r) / share(r);
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const lines: string[] = [];
const out = (s = '') => {
  lines.push(s);
  console.log(s);
};
/** "met" or how far off a goal is: ratio >= goal, or value <= goal when lower is better. */
function verdict(value: number, goal: number, lowerIsBetter = false): string {
  if (!Number.isFinite(value)) return 'not measured';
  const ok = lowerIsBetter ? value <= goal : value >= goal;
  if (ok) return 'met';
  return lowerIsBetter
    ? `missed: ${f2(value / goal)}x the limit`
    : `missed by ${f2(goal / value)}x (needs ${f2(goal - value)} more)`;
}

out(
  `CPU engine bench: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ` +
    `${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at start; ${ROUNDS} interleaved rounds, medians; ` +
    `${DECODE_TOKENS} greedy tokens decoded after a prompt of ${WORDS} words.`,
);

// 1. prompt processing and decode: app vs raw vs native, per model and thread count. One
// configuration at a time (few pages in memory), the three engines interleaved in it.
type Cell = { app: Run[]; raw: Run[]; native: Run[] };
const threadCounts = [...new Set([1, N_THREADS])];
const results: { model: BenchModel; threads: number; cell: Cell }[] = [];
let mainApp: { page: Page; model: BenchModel; threads: number } | null = null;
const mainModel = models.find((m) => m.label !== 'Q4_1') ?? models[0];
for (const threads of ONLY_BATCH ? [] : threadCounts)
  for (const model of models) {
    const app = await appPage(model.file, threads);
    const raw = await rawPage(model.file, threads);
    const native = await nativeEngine(model.file, threads);
    const cell: Cell = { app: [], raw: [], native: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const content = message(`round ${r} ${model.label} ${threads}`, WORDS);
      const prompt = await renderPrompt(app, content);
      // Counting the prompt's tokens evaluated it in the app: replace the app's prompt cache, so
      // that the measured run processes its whole prompt as raw wllama and native do.
      await appRun(app, 'Hi', 1);
      const order = (['app', 'raw', 'native'] as const).map((_, i, a) => a[(i + r) % 3]!);
      for (const e of order) {
        if (e === 'app') cell.app.push(await withCpu(() => appRun(app, content, DECODE_TOKENS)));
        else if (e === 'raw')
          cell.raw.push(await withCpu(() => rawRun(raw, prompt, DECODE_TOKENS)));
        else cell.native.push(await native.run(prompt, DECODE_TOKENS));
      }
    }
    const f = (rs: Run[], g: (r: Run) => number) => f1(median(rs.map(g)));
    process.stderr.write(
      `${model.label} ${threads}T: pp app/raw/native ${f(cell.app, pp)}/${f(cell.raw, pp)}/${f(cell.native, pp)}, ` +
        `decode ${f(cell.app, decode)}/${f(cell.raw, decode)}/${f(cell.native, decode)} tok/s; ` +
        `per CPU-second pp ${f(cell.app, ppCpu)}/${f(cell.raw, ppCpu)}/${f(cell.native, ppCpu)}, ` +
        `decode ${f(cell.app, decodeCpu)}/${f(cell.raw, decodeCpu)}/${f(cell.native, decodeCpu)}\n`,
    );
    results.push({ model, threads, cell });
    await raw.close();
    await native.dispose();
    if (model === mainModel && threads === N_THREADS) mainApp = { page: app, model, threads };
    else await app.close();
  }
const m = (rs: Run[], f: (r: Run) => number) => median(rs.map(f));
out();
out('Wall clock (tok/s as measured on this machine, other loads included):');
out(
  '| model | threads | prompt tokens | app pp | raw pp | native pp | app/native pp | app decode | raw decode | native decode | app/native decode | app/raw decode |',
);
out('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const { model, threads, cell: c } of results) {
  const [ap, rp, np] = [m(c.app, pp), m(c.raw, pp), m(c.native, pp)];
  const [ad, rd, nd] = [m(c.app, decode), m(c.raw, decode), m(c.native, decode)];
  out(
    `| ${model.label} | ${threads} | ${median(c.app.map((r) => r.promptTokens))} | ${f1(ap)} | ${f1(rp)} | ${f1(np)} | ${f2(ap / np)} | ${f1(ad)} | ${f1(rd)} | ${f1(nd)} | ${f2(ad / nd)} | ${f2(ad / rd)} |`,
  );
}
out();
out(
  'Per CPU-second (tok/s divided by the share of a core the run got: what it would do with the cores to itself; for N threads, per core-second of all its threads):',
);
out(
  '| model | threads | core share app/raw/native | app pp | raw pp | native pp | app/native pp | app decode | raw decode | native decode | app/native decode |',
);
out('|---|---|---|---|---|---|---|---|---|---|---|');
const summary: {
  label: string;
  threads: number;
  ppRatio: number;
  decRatio: number;
  appPp: number;
  appDec: number;
}[] = [];
for (const { model, threads, cell: c } of results) {
  const [ap, rp, np] = [m(c.app, ppCpu), m(c.raw, ppCpu), m(c.native, ppCpu)];
  const [ad, rd, nd] = [m(c.app, decodeCpu), m(c.raw, decodeCpu), m(c.native, decodeCpu)];
  summary.push({
    label: model.label,
    threads,
    ppRatio: ap / np,
    decRatio: ad / nd,
    appPp: ap,
    appDec: ad,
  });
  out(
    `| ${model.label} | ${threads} | ${f2(m(c.app, share))}/${f2(m(c.raw, share))}/${f2(m(c.native, share))} | ${f1(ap)} | ${f1(rp)} | ${f1(np)} | ${f2(ap / np)} | ${f1(ad)} | ${f1(rd)} | ${f1(nd)} | ${f2(ad / nd)} |`,
  );
}
out(
  '(pp = prompt tokens / time to first token; decode = tokens after the first / the time they took)',
);
for (const s of summary)
  out(
    `goal ${s.label} ${s.threads}T (per CPU-second): prompt >= 0.25 of native: ${verdict(s.ppRatio, 0.25)}; decode >= 0.5 of native: ${verdict(s.decRatio, 0.5)}`,
  );
const by = (label: string | undefined, t: number) =>
  summary.find((s) => s.label === label && s.threads === t);
for (const t of threadCounts)
  for (const mm of models.filter((x) => x.label !== 'Q4_1')) {
    const [a, b] = [by('Q4_1', t), by(mm.label, t)];
    if (a && b)
      out(
        `${mm.label} vs Q4_1 at ${t} thread(s), the app, per CPU-second: prompt ${f2(b.appPp / a.appPp)}x, decode ${f2(b.appDec / a.appDec)}x`,
      );
  }
for (const mm of models) {
  const a = results.find((r) => r.model === mm && r.threads === 1);
  const b = results.find((r) => r.model === mm && r.threads === N_THREADS);
  if (a && b && N_THREADS !== 1)
    out(
      `${mm.label}: ${N_THREADS} threads vs 1, the app, wall clock: prompt ${f2(m(b.cell.app, pp) / m(a.cell.app, pp))}x, decode ${f2(m(b.cell.app, decode) / m(a.cell.app, decode))}x`,
    );
}

// 2. time to first token, first run and rerun; constrained vs unconstrained decode
const main = mainApp as { page: Page; model: BenchModel; threads: number } | null;
if (main) {
  const ttft: Record<string, number[]> = {};
  const push = (k: string, v: number) => (ttft[k] ??= []).push(v);
  const dec: { free: number[]; grammar: number[] } = { free: [], grammar: [] };
  const schema = {
    type: 'json_schema',
    json_schema: {
      name: 'story',
      strict: true,
      schema: {
        type: 'object',
        properties: { title: { type: 'string' }, story: { type: 'string' } },
        required: ['title', 'story'],
        additionalProperties: false,
      },
    },
  };
  const tokensOf: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const words of [20, 380]) {
      const content = message(`ttft ${r} ${words}`, words);
      const first = await appRun(main.page, content, 2);
      const again = await appRun(main.page, content, 2);
      push(`${words} first`, first.ttftMs);
      push(`${words} rerun`, again.ttftMs);
      (tokensOf[words] ??= []).push(first.promptTokens);
    }
    const content = message(`grammar ${r}`, 30);
    const order = r % 2 ? ['grammar', 'free'] : ['free', 'grammar'];
    for (const k of order)
      dec[k as 'free' | 'grammar'].push(
        decode(
          await appRun(main.page, content, 64, k === 'grammar' ? { response_format: schema } : {}),
        ),
      );
  }
  out();
  out(`Time to first token, the app, ${main.model.label}, ${main.threads} thread(s):`);
  out('| prompt | tokens | first run s | rerun s | rerun/first |');
  out('|---|---|---|---|---|');
  for (const words of [20, 380]) {
    const a = median(ttft[`${words} first`] ?? []);
    const b = median(ttft[`${words} rerun`] ?? []);
    out(
      `| ${words === 20 ? 'short' : 'long'} | ${median(tokensOf[words] ?? [])} | ${f2(a / 1000)} | ${f2(b / 1000)} | ${f2(b / a)} |`,
    );
    if (words === 380)
      out(
        `goal rerun TTFT <= 0.1 of the first run (500-token conversation): ${verdict(b / a, 0.1, true)}`,
      );
  }
  const [fd, gd] = [median(dec.free), median(dec.grammar)];
  out();
  out(
    `Decode with a JSON-schema grammar ${f1(gd)} tok/s vs unconstrained ${f1(fd)} tok/s: ratio ${f2(gd / fd)}; goal >= 0.9: ${verdict(gd / fd, 0.9)}`,
  );
}
await mainApp?.page.close();

// 3. main-thread long tasks while the page streams 2,000 tokens (tiny model, rendered in the UI)
if (!ONLY_BATCH) {
  const page = await browser.newPage();
  await page.goto(base);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByLabel('GGUF model URL').fill(TINY);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await page
    .getByTestId('engine-status')
    .filter({ hasText: 'Loaded' })
    .waitFor({ timeout: 120_000 });
  await page.locator('#param-max_completion_tokens').fill('2000');
  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((l) =>
      l.getEntries().forEach((e) => w.__long.push(e.duration)),
    ).observe({
      type: 'longtask',
      buffered: false,
    });
  });
  const t0 = Date.now();
  await page.getByRole('button', { name: /^Run/ }).click();
  await page
    .getByTestId('latest-run')
    .and(page.locator('[data-status="done"], [data-status="error"]'))
    .waitFor({ timeout: 300_000 });
  const seconds = (Date.now() - t0) / 1000;
  const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
  const status = await page.getByTestId('latest-run').getAttribute('data-status');
  out();
  out(
    `Streaming 2,000 tokens of the tiny model into the page (${status}, ${f1(seconds)} s): ` +
      `${long.length} main-thread long tasks (${f1(long.reduce((a, b) => a + b, 0))} ms, longest ${f1(Math.max(0, ...long))} ms); goal 0: ${long.length === 0 ? 'met' : `missed by ${long.length}`}`,
  );
  await page.close();
}

// 4. initial JavaScript before any engine loads
if (!ONLY_BATCH) {
  const page = await browser.newPage();
  const scripts = new Set<string>();
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script' || r.url().endsWith('.js'))
      scripts.add(new URL(r.url()).pathname);
  });
  await page.goto(base, { waitUntil: 'networkidle' });
  let gz = 0;
  let raw = 0;
  const xgrammarIn: string[] = [];
  for (const p of scripts) {
    const body = await readFile(join(DIST, p));
    raw += body.length;
    gz += gzipSync(body, { level: 9 }).length;
    if (/\.xgrammar\s*=\s*\{\}/.test(body.toString('latin1'))) xgrammarIn.push(p);
  }
  out();
  out(
    `Initial JavaScript before any engine loads: ${scripts.size} files, ${f1(raw / 1024)} kB, ${f1(gz / 1024)} kB gzip; goal <= 250 kB gzip: ${verdict(gz / 1024, 250, true)}` +
      (xgrammarIn.length
        ? `; xgrammar code in: ${xgrammarIn.join(', ')}`
        : '; no xgrammar code in it'),
  );
  await page.close();
}

// 5. optional: batch sizes in the wasm (prompt processing), raw wllama, one page at a time
if ((cliFlag('batch') || ONLY_BATCH) && mainModel) {
  const model = mainModel;
  const variants: [string, Record<string, number>][] = [
    ['wllama default', {}],
    ['n_batch 512, n_ubatch 512', { n_batch: 512, n_ubatch: 512 }],
    ['n_batch 512, n_ubatch 32', { n_batch: 512, n_ubatch: 32 }],
    ['n_batch 512, n_ubatch 4', { n_batch: 512, n_ubatch: 4 }],
  ];
  out();
  out(`Batch sizes, raw wllama, ${model.label}, 1 thread, per CPU-second:`);
  out('| load params | prompt tok/s | decode tok/s | prompt/decode |');
  out('|---|---|---|---|');
  for (const [name, extra] of variants) {
    const page = await rawPage(model.file, 1, extra);
    const runs: Run[] = [];
    for (let r = 0; r < ROUNDS; r++)
      runs.push(await withCpu(() => rawRun(page, message(`batch ${name} ${r}`, WORDS), 16)));
    const [p, d] = [median(runs.map(ppCpu)), median(runs.map(decodeCpu))];
    out(`| ${name} | ${f1(p)} | ${f1(d)} | ${f2(p / d)} |`);
    await page.close();
  }
}

out();
out(
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
await browser.close();
server.close();
process.exit(0);
