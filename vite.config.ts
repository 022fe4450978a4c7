/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import type { IncomingMessage, ServerResponse } from 'node:http';
import react from '@vitejs/plugin-react';

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

export default defineConfig({
  plugins: [react(), ggufAsBinary()],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    // engine-harness.html: test page for the CPU engine (e2e/cpu-engine.spec.ts).
    rolldownOptions: { input: { main: 'index.html', 'engine-harness': 'engine-harness.html' } },
  },
  optimizeDeps: { exclude: ['@wllama/wllama', '@mlc-ai/web-llm', '@mlc-ai/web-xgrammar'] },
  server: { port: 5173 },
  preview: { port: 4173 },
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'servers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
