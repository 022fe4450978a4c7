// What the benchmarks (tools/bench.ts, tools/bench-kv.ts) share: options, the prompt text,
// medians and the renderer processes' CPU time.
import type { CDPSession } from '@playwright/test';

const argv = process.argv.slice(2);

/** `--name value` from the command line, or `def`. */
export function cliOption(name: string, def: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? def) : def;
}

/** Whether `--name` is on the command line. */
export function cliFlag(name: string): boolean {
  return argv.includes(`--${name}`);
}

export const STORY =
  'The lighthouse stood on a rock at the edge of the bay, and every night its keeper climbed ' +
  'the one hundred and twelve steps to light the lamp. Ships passed in the dark, fishermen ' +
  'came home by its beam, and in winter the storms threw spray as high as the gallery. ';

/** The first `words` words of STORY repeated. */
export function storyWords(words: number): string {
  const w = STORY.split(' ');
  const body: string[] = [];
  while (body.length < words) body.push(...w);
  return body.slice(0, words).join(' ');
}

/** The median of `xs` (NaN when empty). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? (s[(n - 1) / 2] as number) : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** CPU seconds used so far by all renderer processes (pages and their workers). */
export async function rendererCpu(cdp: CDPSession): Promise<number> {
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; cpuTime: number }[];
  };
  return info.processInfo.filter((p) => p.type === 'renderer').reduce((a, p) => a + p.cpuTime, 0);
}
