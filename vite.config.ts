/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
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
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
