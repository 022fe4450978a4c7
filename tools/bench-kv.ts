// KV cache type and attention path vs decode speed, A/B on the build the app runs (wllama.wasm
// with this project's kernels spliced in), raw wllama pages, 1 thread, default model.
// Each variant gets its own page; the long prompt is evaluated once per page (prompt cache),
// then every round decodes --decode tokens after it, the variants in rotating order, so each
// round measures decode at the same context length in all variants under the same load.
// Prints medians (wall clock and per CPU-second), the load log's attention/KV lines, and
// whether greedy output matches the first variant's.
// Usage: npx vite build --outDir dist && npx tsx tools/bench-kv.ts [--rounds 5] [--decode 32]
//        [--words 70,600] [--ctx 2048] [--variants 0,1,2,3]

import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { cliOption, median, rendererCpu, storyWords } from './benchShared';
import { serveDist } from './serveDist';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

const opt = cliOption;
const ROUNDS = Number(opt('rounds', '5'));
const DECODE = Number(opt('decode', '32'));
const WORDS = opt('words', '70,600').split(',').map(Number);
const DIST = resolve(opt('dist', 'dist'));
const N_CTX = Number(opt('ctx', '2048'));

const ALL_VARIANTS: [string, Record<string, unknown>][] = [
  ['f16 KV, flash attn (wllama default)', {}],
  ['f32 KV, flash attn', { cache_type_k: 'f32', cache_type_v: 'f32' }],
  ['f16 KV, no flash attn', { flash_attn: false }],
  ['f32 KV, no flash attn', { flash_attn: false, cache_type_k: 'f32', cache_type_v: 'f32' }],
];
// --variants 0,2,3: a subset (by index above); the first listed is the baseline
const VARIANTS = opt('variants', '0,1,2,3')
  .split(',')
  .map((i) => ALL_VARIANTS[Number(i)]!);

const { server, base } = await serveDist(DIST);
const index = JSON.parse(await readFile(join(DIST, 'models/index.json'), 'utf8')) as {
  models: { file: string }[];
};
const model = index.models.find((m) => m.file.startsWith('SmolLM2') && !m.file.includes('Q4_1'));
if (!model) throw new Error('no converted SmolLM2 model in dist/models');

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const cdp = await browser.newBrowserCDPSession();
const cpuNow = () => rendererCpu(cdp);

interface RawRun {
  ttftMs: number;
  totalMs: number;
  text: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}
type Api = {
  rawBench: {
    load: (
      u: string,
      t: number,
      e: unknown,
      b: string,
    ) => Promise<{ threads: number; said: string[] }>;
    run: (p: string, n: number, cache: boolean) => Promise<RawRun>;
  };
};

async function open(extra: Record<string, unknown>): Promise<{ page: Page; said: string[] }> {
  const page = await browser.newPage();
  await page.goto(`${base}bench-raw.html`);
  await page.getByText('ready').waitFor();
  const r = await page.evaluate(
    ({ url, extra, N_CTX }) =>
      (window as unknown as Api).rawBench.load(url, 1, { n_ctx: N_CTX, ...extra }, 'kernels'),
    { url: `${base}models/${model!.file}`, extra, N_CTX },
  );
  if (r.threads !== 1) throw new Error(`raw wllama runs ${r.threads} threads`);
  return { page, said: r.said };
}
const run = (page: Page, prompt: string) =>
  page.evaluate(({ prompt, n }) => (window as unknown as Api).rawBench.run(prompt, n, true), {
    prompt,
    n: DECODE,
  });

const prompt = (words: number) => `Continue this story.\n\n${storyWords(words)}`;
const f1 = (x: number) => x.toFixed(1);

const pages = [];
for (const [name, extra] of VARIANTS) {
  const { page, said } = await open({ ...extra });
  pages.push(page);
  console.log(`${name}: ${said.join(' | ')}`);
}

for (const words of WORDS) {
  const text = prompt(words);
  const wall: number[][] = VARIANTS.map(() => []);
  const cpu: number[][] = VARIANTS.map(() => []);
  const outputs: string[] = [];
  const pp: number[] = [];
  let promptTokens = 0;
  // first run per page: evaluates the whole prompt (one sample of prompt processing per
  // variant, per CPU-second); its greedy text is compared
  for (const [i, page] of pages.entries()) {
    const c0 = await cpuNow();
    const r = await run(page, text);
    const share = Math.min(1, (((await cpuNow()) - c0) * 1000) / r.totalMs);
    pp[i] = (((r.usage?.prompt_tokens ?? 0) / r.ttftMs) * 1000) / share;
    outputs[i] = r.text;
    promptTokens = r.usage?.prompt_tokens ?? promptTokens;
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < pages.length; k++) {
      const i = (k + round) % pages.length;
      const c0 = await cpuNow();
      const r = await run(pages[i]!, text);
      const cpuMs = ((await cpuNow()) - c0) * 1000;
      const n = (r.usage?.completion_tokens ?? DECODE) - 1;
      const ms = r.totalMs - r.ttftMs;
      wall[i]!.push((n / ms) * 1000);
      cpu[i]!.push(((n / ms) * 1000) / Math.min(1, cpuMs / r.totalMs));
    }
  }
  console.log(
    `\n${promptTokens} prompt tokens, ${DECODE} decoded, ${ROUNDS} rounds, medians, tok/s:`,
  );
  console.log(
    '| variant | decode wall | decode per CPU-s | vs default (CPU-s) | prompt per CPU-s (1 run) | greedy text |',
  );
  console.log('|---|---|---|---|---|---|');
  const base0 = median(cpu[0]!);
  VARIANTS.forEach(([name], i) => {
    const same = outputs[i] === outputs[0] ? 'same' : 'DIFFERS';
    console.log(
      `| ${name} | ${f1(median(wall[i]!))} | ${f1(median(cpu[i]!))} | ${(median(cpu[i]!) / base0).toFixed(2)} | ${f1(pp[i]!)} | ${same} |`,
    );
  });
  if (outputs.some((o) => o !== outputs[0]))
    outputs.forEach((o, i) => console.log(`  ${i}: ${JSON.stringify(o)}`));
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
await browser.close();
server.close();
process.exit(0);
