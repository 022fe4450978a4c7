// A static server for a built app (the benchmarks' pages), with the same cross-origin
// isolation headers as vite dev/preview, on a free port of 127.0.0.1.
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CROSS_ORIGIN_ISOLATION } from '../vite.config';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Serves `dist` (unknown paths: index.html); resolves with the server and its base URL. */
export async function serveDist(dist: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = join(dist, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
      const file = (await stat(path).catch(() => null))?.isFile() ? path : join(dist, 'index.html');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        ...CROSS_ORIGIN_ISOLATION,
      });
      res.end(await readFile(file));
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://localhost:${(server.address() as AddressInfo).port}/` };
}
