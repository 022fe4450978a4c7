// Writes public/models/tiny-random.gguf (or <outDir>/tiny-random.gguf): the seeded tiny test model.
// Usage: npx tsx tools/make-tiny-model.ts [outDir]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeTinyGguf } from './tinyGguf';

const outDir = resolve(process.argv[2] ?? 'public/models');
const outFile = join(outDir, 'tiny-random.gguf');
const bytes = writeTinyGguf({ seed: 42 });

function unchanged(): boolean {
  try {
    return Buffer.compare(readFileSync(outFile), Buffer.from(bytes)) === 0;
  } catch {
    return false;
  }
}

if (unchanged()) {
  console.log(`${outFile} is up to date (${bytes.length} bytes)`);
} else {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outFile, bytes);
  console.log(`wrote ${outFile} (${bytes.length} bytes)`);
}
