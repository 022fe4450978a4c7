// Test-only worker for engine-harness.html: drives WllamaEngine for e2e/cpu-engine.spec.ts.

import {
  WllamaEngine,
  type EngineSampling,
  type EngineToken,
  type ModelSource,
} from './wllamaEngine';
import type { KvMode } from './kvCache';

export type HarnessRequest =
  | {
      id: number;
      type: 'load';
      url: string;
      truncate?: number;
      nCtx?: number;
      cache?: boolean;
      /** false: the build without the relaxed-SIMD kernels. */
      kernels?: boolean;
      /** The KV cache and attention path (kvCache.ts); the engine's choice when absent. */
      kvCache?: KvMode;
    }
  | {
      id: number;
      type: 'run';
      prompt: string;
      sampling: EngineSampling;
      /** onToken returns false after this many tokens. */
      stopAfter?: number;
      /** The AbortSignal fires after this many tokens. */
      abortAfter?: number;
      /** Reuse the previous request's KV cache (default: the engine's default, on). */
      cachePrompt?: boolean;
    }
  | { id: number; type: 'count'; prompt: string }
  | { id: number; type: 'unload' }
  | { id: number; type: 'logs' };

export type HarnessResponse = { id: number } & (
  { ok: true; result: unknown } | { ok: false; error: string }
);

const logs: string[] = [];
const engine = new WllamaEngine({
  onLog: (level, text) => {
    logs.push(`${level}: ${text}`);
    if (logs.length > 500) logs.shift();
  },
});

async function handle(req: HarnessRequest): Promise<unknown> {
  switch (req.type) {
    case 'load': {
      const phases: string[] = [];
      const t0 = performance.now();
      let source: ModelSource = { url: req.url, cache: req.cache ?? false };
      if (req.truncate !== undefined) {
        const bytes = await (await fetch(req.url)).arrayBuffer();
        source = { file: new Blob([bytes.slice(0, req.truncate)]) };
      }
      const loaded = await engine.load(
        source,
        (p) => {
          if (phases[phases.length - 1] !== p.phase) phases.push(p.phase);
        },
        {
          ...(req.nCtx !== undefined ? { nCtx: req.nCtx } : {}),
          ...(req.kernels !== undefined ? { kernels: req.kernels } : {}),
          ...(req.kvCache !== undefined ? { kvCache: req.kvCache } : {}),
        },
      );
      return {
        architecture: loaded.metadata.architecture,
        contextLength: loaded.metadata.contextLength,
        nVocab: loaded.nVocab,
        nCtx: loaded.nCtx,
        threads: loaded.threads,
        kernels: loaded.kernels,
        kvCache: loaded.kvCache,
        flashAttn: loaded.flashAttn,
        eogTokenIds: loaded.eogTokenIds,
        tokens: loaded.metadata.tokens,
        hasChatTemplate: typeof loaded.metadata.chatTemplate === 'string',
        phases,
        ms: Math.round(performance.now() - t0),
      };
    }
    case 'run': {
      const tokens: EngineToken[] = [];
      const t0 = performance.now();
      const controller = new AbortController();
      engine.cachePrompt = req.cachePrompt ?? true;
      const result = await engine.generate(
        req.prompt,
        req.sampling,
        (t) => {
          tokens.push(t);
          if (tokens.length === req.abortAfter) controller.abort();
          return req.stopAfter === undefined || tokens.length < req.stopAfter;
        },
        controller.signal,
      );
      return {
        text: tokens.map((t) => t.text).join(''),
        tokens,
        result,
        ms: Math.round(performance.now() - t0),
      };
    }
    case 'count':
      return await engine.countTokens(req.prompt);
    case 'unload':
      await engine.unload();
      return null;
    case 'logs':
      return logs.splice(0);
  }
}

self.onmessage = (e: MessageEvent<HarnessRequest>) => {
  const req = e.data;
  handle(req).then(
    (result) => self.postMessage({ id: req.id, ok: true, result } satisfies HarnessResponse),
    (err: unknown) =>
      self.postMessage({
        id: req.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      } satisfies HarnessResponse),
  );
};
