// Benchmark: how long a keystroke in the messages editor takes with a 200 kB message, and
// the main thread's long tasks while an answer streams (and renders as Markdown) through the
// page. Prints figures only; asserts nothing (timings vary by machine).
// Usage: npx vite build --outDir dist && npx tsx tools/bench-typing.ts [dist]
import { chromium, type Page } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';

const OUT_DIR = process.argv[2] ?? 'dist';
const MESSAGE_BYTES = 200_000;
const KEYSTROKES = 40;

const server = await preview({
  preview: { port: 0, strictPort: false },
  build: { outDir: OUT_DIR },
});
const base = server.resolvedUrls?.local[0] ?? 'http://localhost:4173/';

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! : NaN;
};

async function freshPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(base);
  await page.evaluate(() => localStorage.clear());
  await page.goto(base);
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  return page;
}

/**
 * Per keystroke: from the keydown's timestamp to the first frame after the input was handled
 * (a rAF, then a task: the frame has been produced), plus the Event Timing API's interaction
 * durations (keydown to next paint) where Chromium reports them.
 */
async function typingLatency(page: Page, label: string) {
  const box = page.getByLabel('Content of message 2');
  const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(
    Math.ceil(MESSAGE_BYTES / 57),
  );
  await box.fill(text.slice(0, MESSAGE_BYTES));
  await page.waitForTimeout(1500);
  await box.focus();
  await box.press('End');
  await page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __event: Map<number, number> };
    w.__lat = [];
    w.__event = new Map();
    let t0 = 0;
    document.addEventListener('keydown', (e) => (t0 = e.timeStamp), true);
    document.addEventListener(
      'input',
      () => {
        const start = t0;
        requestAnimationFrame(() => setTimeout(() => w.__lat.push(performance.now() - start)));
      },
      true,
    );
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEventTiming[]) {
        if (!e.interactionId) continue;
        w.__event.set(e.interactionId, Math.max(w.__event.get(e.interactionId) ?? 0, e.duration));
      }
    }).observe({
      type: 'event',
      durationThreshold: 16,
      buffered: false,
    } as PerformanceObserverInit);
  });
  for (let i = 0; i < KEYSTROKES; i++) {
    await page.keyboard.type(String.fromCharCode(97 + (i % 26)));
    // Let the keystroke's frame (and any deferred render) finish before the next one.
    await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
    );
  }
  await page.waitForTimeout(500);
  const { lat, events } = await page.evaluate(() => {
    const w = window as unknown as { __lat: number[]; __event: Map<number, number> };
    return { lat: w.__lat, events: [...w.__event.values()] };
  });
  const length = (await box.inputValue()).length;
  console.log(
    `${label.padEnd(34)} keystroke→frame median ${median(lat).toFixed(1)} ms, p95 ${p95(lat).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms` +
      ` | Event Timing interactions ≥16 ms: ${events.length}/${KEYSTROKES}` +
      (events.length ? `, median ${median(events).toFixed(0)} ms` : '') +
      ` | message ${length} chars`,
  );
}

async function streamLongTasks(page: Page) {
  await page.getByLabel('GGUF model URL').fill('models/tiny-random.gguf');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await page.getByTestId('engine-status').getByText('Loaded').waitFor({ timeout: 120_000 });
  await page.getByLabel('Content of message 2').fill('Hello');
  await page.locator('#param-max_completion_tokens').fill('2000');
  await page.locator('#param-seed').fill('1');
  await page.waitForTimeout(1000);
  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  await page.getByRole('button', { name: /^Run/ }).click();
  await page
    .locator('[data-testid="latest-run"][data-status="done"]')
    .waitFor({ timeout: 300_000 });
  const seconds = (Date.now() - t0) / 1000;
  const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
  const usage = await page.getByTestId('usage').textContent();
  console.log(
    `streaming (Markdown view)         ${usage?.trim()} in ${seconds.toFixed(1)} s; long tasks: ${long.length}` +
      (long.length ? ` (max ${Math.max(...long).toFixed(0)} ms)` : ''),
  );
}

/** The floor: the same keystrokes in a bare 200 kB textarea of the same width, no app. */
async function bareTextarea(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const app = await freshPage();
  const width = await app.getByLabel('Content of message 2').evaluate((e) => e.clientWidth);
  await app.close();
  await page.setContent(
    `<textarea aria-label="Content of message 2" rows="3" style="width:${width}px;font:13px system-ui"></textarea>`,
  );
  return page;
}

try {
  console.log(
    `Chromium ${browser.version()}, ${MESSAGE_BYTES / 1000} kB message, ${KEYSTROKES} keystrokes`,
  );
  const bare = await bareTextarea();
  await typingLatency(bare, 'bare textarea (no app, the floor)');
  await bare.close();
  const a = await freshPage();
  await typingLatency(a, 'no model loaded');
  await a.close();
  const b = await freshPage();
  await streamLongTasks(b);
  await typingLatency(b, 'model loaded (prompt meter on)');
  await b.close();
} finally {
  await browser.close();
  await new Promise<void>((r) => server.httpServer.close(() => r()));
}
