/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import type { IncomingMessage, ServerResponse } from 'node:http';
import react from '@vitejs/plugin-react';
import { patchedWllamaWasm } from './tools/wllamaWasm.ts';

/**
 * Serves GGUF files as binary: the dev and preview servers would otherwise gzip them as text,
 * dropping Content-Length, so the download progress could not show the total.
 */
function ggufAsBinary(): Plugin {
  const middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (req.url?.split('?')[0]?.endsWith('.gguf'))
      res.setHeader('Content-Type', 'application/octet-stream');
    next();
  };
  return {
    name: 'gguf-as-binary',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
};

export default defineConfig({
  // The CPU engine loads wllama.wasm patched so that no token can fail a run (tools/wllamaWasm.ts).
  plugins: [react(), ggufAsBinary(), patchedWllamaWasm()],
  worker: { format: 'es', plugins: () => [patchedWllamaWasm()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    // engine-harness.html: test page for the CPU engine (e2e/cpu-engine.spec.ts);
    // bench-raw.html: bare wllama for tools/bench.ts.
    rolldownOptions: {
      input: {
        main: 'index.html',
        'engine-harness': 'engine-harness.html',
        'bench-raw': 'bench-raw.html',
      },
    },
  },
  optimizeDeps: { exclude: ['@wllama/wllama', '@mlc-ai/web-llm', '@mlc-ai/web-xgrammar'] },
  // Cross-origin isolation (COOP + COEP): wasm threads need SharedArrayBuffer. COEP
  // credentialless, not require-corp: the Server engine's no-cors reachability probe (is the
  // server up, refusing this origin?) must still get its opaque answer from servers that send
  // no Cross-Origin-Resource-Policy header; CORS requests (Server engine, WebLLM) work either way.
  server: { port: 5173, headers: CROSS_ORIGIN_ISOLATION },
  preview: { port: 4173, headers: CROSS_ORIGIN_ISOLATION },
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'servers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
