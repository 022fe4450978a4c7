// Bench-only page script (bench-raw.html): wllama 3.13 as its own README uses it, with none of
// this app around it, so tools/bench.ts can tell what the app adds to the engine.

import { Wllama, type LoadModelParams } from '@wllama/wllama';
import wasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
// The app's build with this project's kernels spliced in (tools/bench-kv.ts compares load
// params on it); the default stays wllama's own file.
import kernelsWasmUrl from 'virtual:wllama-kernels.wasm?url';

let wllama: Wllama | null = null;

interface RawChunk {
  choices?: { text?: string }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  timings?: { prompt_n?: number; prompt_ms?: number; predicted_n?: number; predicted_ms?: number };
}

const api = {
  async load(
    url: string,
    threads: number,
    extra: Partial<LoadModelParams> = {},
    build: 'wllama' | 'kernels' = 'wllama',
  ) {
    await wllama?.exit();
    const logs: string[] = [];
    const keep = (...a: unknown[]) => void logs.push(a.map(String).join(' '));
    wllama = new Wllama(
      { default: build === 'kernels' ? kernelsWasmUrl : wasmUrl },
      {
        allowOffline: true,
        logger: { debug: keep, log: keep, warn: keep, error: keep },
      },
    );
    wllama.setCompat(null);
    const blob = await (await fetch(url)).blob();
    await wllama.loadModel([blob], {
      n_ctx: 2048,
      n_threads: threads,
      n_gpu_layers: 0,
      n_parallel: 1,
      ...extra,
    });
    // llama.cpp's load log says which attention path and KV cache types it chose.
    const said = logs.filter((l) => /flash_attn|K \(|compute buffer size/.test(l));
    return { threads: wllama.getNumThreads(), isolated: crossOriginIsolated, said };
  },
  /** Greedy completion of `prompt`; times measured here as the app's bench measures them. */
  async run(prompt: string, nPredict: number, cachePrompt = false) {
    if (!wllama) throw new Error('not loaded');
    const t0 = performance.now();
    let first = 0;
    let last: RawChunk = {};
    let text = '';
    await wllama.createCompletion({
      prompt,
      n_predict: nPredict,
      temperature: 0,
      ignore_eos: true,
      cache_prompt: cachePrompt,
      stream: true,
      onData: (c: RawChunk) => {
        const piece = c.choices?.[0]?.text;
        if (!first && piece) first = performance.now() - t0;
        text += piece ?? '';
        last = c;
      },
    } as unknown as Parameters<Wllama['createCompletion']>[0]);
    return {
      ttftMs: first,
      totalMs: performance.now() - t0,
      text,
      usage: last.usage,
      timings: last.timings,
    };
  },
};

(window as unknown as { rawBench: typeof api }).rawBench = api;
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
