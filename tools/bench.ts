// Benchmark: decoding speed of the CPU engine in headless Chromium, and what streaming costs
// the main thread. Prints figures and ratios; asserts nothing (timings vary by machine).
// Usage: npm run build && npx tsx tools/bench.ts   (serves dist/ on a free port itself)
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

const DIST = resolve(process.argv[2] ?? 'dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

const server = createServer((req, res) => {
  void (async () => {
    const path = join(DIST, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = (await stat(path).catch(() => null))?.isFile() ? path : join(DIST, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(await readFile(file));
  })();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://localhost:${(server.address() as AddressInfo).port}/`;

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
const page = await browser.newPage();
await page.goto(base);

interface Figures {
  load: number;
  tokens: number;
  seconds: number;
  firstToken: number;
  longTasks: number;
  longTaskMs: number;
}

async function measure(model: string, maxTokens: number): Promise<Figures> {
  return page.evaluate(
    async ({ model, maxTokens }) => {
      const w = window as unknown as {
        playground: {
          openai: () => Promise<{
            chat: {
              completions: {
                create: (x: unknown) => Promise<AsyncIterable<{ choices: unknown[] }>>;
              };
            };
          }>;
        };
      };
      const input = document.querySelector<HTMLInputElement>('input[aria-label="GGUF model URL"]')!;
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      setter.call(input, model);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const t0 = performance.now();
      [...document.querySelectorAll('button')].find((b) => b.textContent === 'Load')!.click();
      const stem = model
        .split('/')
        .pop()!
        .replace(/\.gguf$/, '');
      while (
        document.querySelector('[data-testid="engine-status"]')?.textContent !== `Loaded: ${stem}`
      )
        await new Promise((r) => setTimeout(r, 20));
      const load = performance.now() - t0;
      const long: number[] = [];
      const obs = new PerformanceObserver((l) =>
        l.getEntries().forEach((e) => long.push(e.duration)),
      );
      obs.observe({ type: 'longtask', buffered: false });
      const client = await w.playground.openai();
      const start = performance.now();
      let first = 0;
      let tokens = 0;
      const stream = await client.chat.completions.create({
        model: 'bench',
        messages: [{ role: 'user', content: 'Write a long story about a lighthouse keeper.' }],
        max_completion_tokens: maxTokens,
        temperature: 0.7,
        seed: 1,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const c of stream) {
        const delta = (c.choices[0] as { delta?: { content?: string | null } } | undefined)?.delta;
        if (delta?.content && !first) first = performance.now() - start;
        const usage = (c as { usage?: { completion_tokens: number } | null }).usage;
        if (usage) tokens = usage.completion_tokens;
      }
      const seconds = (performance.now() - start) / 1000;
      obs.disconnect();
      return {
        load,
        tokens,
        seconds,
        firstToken: first,
        longTasks: long.length,
        longTaskMs: long.reduce((a, b) => a + b, 0),
      };
    },
    { model, maxTokens },
  );
}

const rows: [string, Figures][] = [];
rows.push(['tiny random (157K params)', await measure('models/tiny-random.gguf', 400)]);
const real = 'models/SmolLM2-135M-Instruct.Q4_1.gguf';
if (await stat(join(DIST, real)).catch(() => null))
  rows.push(['SmolLM2-135M Q4_1', await measure(real, 128)]);

console.log(
  'model                      load s   tokens   tok/s   first token s   main-thread long tasks',
);
for (const [name, f] of rows) {
  console.log(
    `${name.padEnd(26)} ${(f.load / 1000).toFixed(2).padStart(6)} ${String(f.tokens).padStart(8)} ${(f.tokens / f.seconds).toFixed(1).padStart(7)} ${(f.firstToken / 1000).toFixed(2).padStart(15)}   ${f.longTasks} (${f.longTaskMs.toFixed(0)} ms, ${((f.longTaskMs / 1000 / f.seconds) * 100).toFixed(1)}% of the run)`,
  );
}
if (rows.length === 2) {
  const [a, b] = rows.map(([, f]) => f.tokens / f.seconds);
  console.log(`ratio tiny/SmolLM2 decode speed: ${(a! / b!).toFixed(1)}x`);
}
await browser.close();
server.close();
