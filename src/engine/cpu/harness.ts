// Test page script (engine-harness.html): exposes the CPU engine worker to Playwright.

import type { HarnessRequest, HarnessResponse } from './harness.worker';
import type { KvMode } from './kvCache';
import type { EngineSampling } from './wllamaEngine';

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

const worker = new Worker(new URL('./harness.worker.ts', import.meta.url), { type: 'module' });
const pending = new Map<number, (r: HarnessResponse) => void>();
let nextId = 1;
worker.onmessage = (e: MessageEvent<HarnessResponse>) => {
  pending.get(e.data.id)?.(e.data);
  pending.delete(e.data.id);
};

function call(body: Body<HarnessRequest>): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (r) => (r.ok ? resolve(r.result) : reject(new Error(r.error))));
    worker.postMessage({ ...body, id });
  });
}

export const DEFAULT_SAMPLING: EngineSampling = {
  temperature: 1,
  top_p: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  logit_bias: {},
  max_tokens: 16,
  n_probs: 0,
};

const api = {
  load: (
    url = '/models/tiny-random.gguf',
    opts: {
      truncate?: number;
      cache?: boolean;
      kernels?: boolean;
      kvCache?: KvMode;
    } = {},
  ) => call({ type: 'load', url, ...opts }),
  run: (
    prompt: string,
    sampling: Partial<EngineSampling> = {},
    limits: { stopAfter?: number; abortAfter?: number; cachePrompt?: boolean } = {},
  ) => call({ type: 'run', prompt, sampling: { ...DEFAULT_SAMPLING, ...sampling }, ...limits }),
  count: (prompt: string) => call({ type: 'count', prompt }) as Promise<number>,
  unload: () => call({ type: 'unload' }),
  /** Log lines of wllama / llama.cpp since the last call. */
  logs: () => call({ type: 'logs' }),
};

declare global {
  interface Window {
    harness: typeof api;
  }
}
window.harness = api;
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
