import { expect, test, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  FP16_TABLE_ADDRESS,
  KERNEL_FILES,
  kernelTestModule,
  patchWllamaWasm,
  readKernels,
} from '../tools/wllamaWasm';

/**
 * The relaxed-SIMD kernels spliced into wllama.wasm (kernels/, tools/wllamaWasm.ts) compute
 * exactly what ggml's originals do:
 * - kernel level: each kernel and the function it replaces, side by side in one module in
 *   Chromium, give bit-identical results on random blocks;
 * - end to end: the engine runs the spliced build by default, and on the real default model and
 *   the Q4_1 original its greedy output is token for token the same as the build without the
 *   kernels.
 */
const MODEL = '/models/SmolLM2-135M-Instruct.Q4_K-Q5_1.gguf';
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto('/engine-harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
});

test.afterAll(async () => {
  await page.close();
});

/** Block layouts of the kernels' operands (ggml's formats), to fill them with random data. */
const LAYOUTS: Record<string, { x: Layout; y: Layout; qk: number; counts?: number[] }> = {
  ggml_vec_dot_q5_1_q8_1: {
    qk: 32,
    // f16 d, f16 m, u32 qh, u8 qs[16]
    // qh is 0 in every block of the default model (Q4_1 levels): the kernel has a path for it
    x: { size: 24, halves: [0, 2], bytes: [[4, 24]], zeroed: [4, 8] },
    // f16 d, f16 s, i8 qs[32]
    y: { size: 36, halves: [0, 2], ints8: [[4, 36]] },
  },
  ggml_vec_dot_q4_1_q8_1: {
    qk: 32,
    // f16 d, f16 m, u8 qs[16]
    x: { size: 20, halves: [0, 2], bytes: [[4, 20]] },
    // f16 d, f16 s, i8 qs[32]
    y: { size: 36, halves: [0, 2], ints8: [[4, 36]] },
  },
  ggml_vec_dot_q8_0_q8_0: {
    qk: 32,
    // f16 d, i8 qs[32]
    x: { size: 34, halves: [0], ints8: [[2, 34]] },
    y: { size: 34, halves: [0], ints8: [[2, 34]] },
  },
  ggml_vec_dot_q4_K_q8_K: {
    qk: 256,
    // f16 d, f16 dmin, u8 scales[12], u8 qs[128]
    x: { size: 144, halves: [0, 2], bytes: [[4, 144]] },
    // f32 d, i8 qs[256] (ggml's Q8_K uses -128 too), i16 bsums[16] = sums of 16 qs
    y: { size: 292, floats: [0], ints8: [[4, 260]], min8: -128, bsums: { at: 260, from: 4 } },
  },
  ggml_vec_dot_f16_f32: {
    qk: 1,
    // an f16 row (K or V of the cache) and an f32 row; 64 is a head's width, and the original
    // works in chunks of 64, then 16, then one value at a time
    counts: [5, 16, 63, 64, 100, 128, 255, 700],
    x: { size: 2, halves: [0] },
    y: { size: 4, floats: [0] },
  },
};
interface Layout {
  size: number;
  /** Offsets of f16 scales. */
  halves?: number[];
  /** Offsets of f32 scales. */
  floats?: number[];
  /** Byte ranges of signed 8-bit quants (-127..127 as ggml quantises, or min8..127). */
  ints8?: [number, number][];
  min8?: number;
  /** i16 sums of each 16 quants from `from`, written at `at`. */
  bsums?: { at: number; from: number };
  /** Byte ranges of any bits. */
  bytes?: [number, number][];
  /** A byte range that is zero in all blocks of some rows and in some blocks of others. */
  zeroed?: [number, number];
}

test('each kernel gives bit-identical results to the ggml function it replaces', async () => {
  const require = createRequire(import.meta.url);
  const shipped = readFileSync(require.resolve('@wllama/wllama/esm/wasm/wllama.wasm'));
  const module = kernelTestModule(patchWllamaWasm(shipped), readKernels('.'), 256);
  expect(KERNEL_FILES.length).toBeGreaterThan(0);
  for (const { fn } of KERNEL_FILES) {
    const layout = LAYOUTS[fn];
    expect(layout, `a block layout for ${fn}`).toBeDefined();
    const result = await page.evaluate(
      ({ bytes, fn, layout, table }) => {
        const { exports } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)));
        const memory = exports.memory as WebAssembly.Memory;
        const view = new DataView(memory.buffer);
        const halfToFloat = (h: number) => {
          const sign = h & 0x8000 ? -1 : 1;
          const e = (h >> 10) & 31;
          const m = h & 1023;
          if (e === 0) return sign * m * 2 ** -24;
          if (e === 31) return m ? NaN : sign * Infinity;
          return sign * (1 + m / 1024) * 2 ** (e - 15);
        };
        for (let h = 0; h < 65536; h++) view.setFloat32(table + 4 * h, halfToFloat(h), true);
        let seed = 12345;
        const rand = () => {
          seed = (seed + 0x6d2b79f5) | 0;
          let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        // halves of either sign, magnitudes 2^-24 .. 2^4, some zero and subnormal; in every
        // tenth round a few Inf and NaN too
        let specialRound = false;
        const randomHalf = () =>
          (rand() < 0.5 ? 0x8000 : 0) |
          (specialRound && rand() < 0.03
            ? 31 << 10
            : rand() < 0.05
              ? 0
              : Math.floor(rand() * 20) << 10) |
          Math.floor(rand() * 1024);
        const fill = (at: number, l: typeof layout.x, blocks: number, round: number) => {
          for (let b = 0; b < blocks; b++) {
            const base = at + b * l.size;
            for (const o of l.halves ?? []) view.setUint16(base + o, randomHalf(), true);
            for (const o of l.floats ?? []) view.setFloat32(base + o, (rand() - 0.5) * 0.1, true);
            const min = l.min8 ?? -127;
            for (const [from, to] of l.ints8 ?? []) {
              for (let i = from; i < to; i++) {
                view.setInt8(base + i, min + Math.floor(rand() * (128 - min)));
              }
            }
            for (const [from, to] of l.bytes ?? []) {
              for (let i = from; i < to; i++) view.setUint8(base + i, Math.floor(rand() * 256));
            }
            // rounds 0, 3, 6...: zero in every block; 1, 4, 7...: in about half of them
            if (l.zeroed && (round % 3 === 0 || (round % 3 === 1 && rand() < 0.5))) {
              for (let i = l.zeroed[0]; i < l.zeroed[1]; i++) view.setUint8(base + i, 0);
            }
            if (l.bsums) {
              for (let g = 0; g < (l.bsums.at - l.bsums.from) / 16; g++) {
                let sum = 0;
                for (let i = 0; i < 16; i++) sum += view.getInt8(base + l.bsums.from + 16 * g + i);
                view.setInt16(base + l.bsums.at + 2 * g, sum, true);
              }
            }
          }
        };
        const call = (name: string, n: number, vx: number, vy: number, s: number) => {
          const f = exports[name] as (...a: (number | bigint)[]) => void;
          f(n, BigInt(s), 0n, BigInt(vx), 0n, BigInt(vy), 0n, 1);
          return view.getUint32(s, true);
        };
        const X = 4 << 20;
        const Y = 8 << 20;
        const S = 12 << 20;
        let compared = 0;
        let nonFinite = 0;
        const mismatches: string[] = [];
        const isNaN32 = (bits: number) =>
          (bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0;
        for (const blocks of layout.counts ?? [1, 2, 3, 4, 5, 8, 18, 48]) {
          for (let round = 0; round < 50; round++) {
            specialRound = round % 10 === 9;
            fill(X, layout.x, blocks, round);
            fill(Y, layout.y, blocks, round);
            const n = blocks * layout.qk;
            const want = call(`old:${fn}`, n, X, Y, S);
            const got = call(`new:${fn}`, n, X, Y, S + 4);
            compared++;
            if ((want & 0x7f800000) === 0x7f800000) nonFinite++;
            // NaN payloads may differ; any other result must have the same bits
            if (want !== got && !(isNaN32(want) && isNaN32(got))) {
              mismatches.push(`${blocks} blocks: ${want} vs ${got}`);
            }
          }
        }
        return { compared, mismatches, nonFinite };
      },
      { bytes: [...module], fn, layout: layout!, table: FP16_TABLE_ADDRESS },
    );
    expect(result.mismatches, fn).toEqual([]);
    expect(result.compared).toBe(400);
    expect(result.nonFinite, `${fn}: rows with Inf or NaN scales`).toBeGreaterThan(0);
  }
});

interface Loaded {
  kernels: boolean;
}
interface Run {
  text: string;
  tokens: { id: number }[];
}

const PROMPTS = [
  '<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>user\nWrite a haiku about autumn leaves.<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>user\nExplain in two sentences why the sky is blue.<|im_end|>\n<|im_start|>assistant\n',
];

async function greedy(
  model: string,
  kernels: boolean | undefined,
): Promise<{ loaded: Loaded; runs: Run[] }> {
  const loaded = (await page.evaluate(
    ([url, k]) => window.harness.load(url, k === undefined ? {} : { kernels: k }),
    [model, kernels] as const,
  )) as Loaded;
  const runs: Run[] = [];
  for (const prompt of PROMPTS) {
    runs.push(
      (await page.evaluate(
        ([p]) => window.harness.run(p, { temperature: 0, max_tokens: 24 }, {}) as Promise<unknown>,
        [prompt] as const,
      )) as Run,
    );
  }
  return { loaded, runs };
}

// the default model (Q4_K, Q5_1, Q8_0 and the f16 cache) and the Q4_1 original
for (const model of [MODEL, '/models/SmolLM2-135M-Instruct.Q4_1.gguf']) {
  test(`the engine runs the kernels by default, with the same greedy output as without them: ${model}`, async () => {
    test.skip(!existsSync(`public${model}`), `${model} is missing: run npm run models`);
    const fast = await greedy(model, undefined);
    expect(fast.loaded.kernels).toBe(true);
    const plain = await greedy(model, false);
    expect(plain.loaded.kernels).toBe(false);
    for (let i = 0; i < PROMPTS.length; i++) {
      expect(fast.runs[i]!.tokens.length).toBeGreaterThan(4);
      expect(fast.runs[i]!.tokens.map((t) => t.id)).toEqual(plain.runs[i]!.tokens.map((t) => t.id));
      expect(fast.runs[i]!.text).toBe(plain.runs[i]!.text);
    }
  });
}
