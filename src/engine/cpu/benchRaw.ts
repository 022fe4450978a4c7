// Bench-only page script (bench-raw.html): wllama 3.13 as its own README uses it, with none of
// this app around it, so tools/bench.ts can tell what the app adds to the engine.

import { Wllama, type LoadModelParams } from '@wllama/wllama';
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';

let wllama: Wllama | null = null;

interface RawChunk {
  choices?: { text?: string }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  timings?: { prompt_n?: number; prompt_ms?: number; predicted_n?: number; predicted_ms?: number };
}

const api = {
  async load(url: string, threads: number, extra: Partial<LoadModelParams> = {}) {
    await wllama?.exit();
    wllama = new Wllama({ default: wasmUrl }, { allowOffline: true });
    wllama.setCompat(null);
    const blob = await (await fetch(url)).blob();
    await wllama.loadModel([blob], {
      n_ctx: 2048,
      n_threads: threads,
      n_gpu_layers: 0,
      n_parallel: 1,
      ...extra,
    });
    return { threads: wllama.getNumThreads(), isolated: crossOriginIsolated };
  },
  /** Greedy completion of `prompt`; times measured here as the app's bench measures them. */
  async run(prompt: string, nPredict: number, cachePrompt = false) {
    if (!wllama) throw new Error('not loaded');
    const t0 = performance.now();
    let first = 0;
    let last: RawChunk = {};
    await wllama.createCompletion({
      prompt,
      n_predict: nPredict,
      temperature: 0,
      ignore_eos: true,
      cache_prompt: cachePrompt,
      stream: true,
      onData: (c: RawChunk) => {
        if (!first && c.choices?.[0]?.text) first = performance.now() - t0;
        last = c;
      },
    } as unknown as Parameters<Wllama['createCompletion']>[0]);
    return {
      ttftMs: first,
      totalMs: performance.now() - t0,
      usage: last.usage,
      timings: last.timings,
    };
  },
};

(window as unknown as { rawBench: typeof api }).rawBench = api;
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
