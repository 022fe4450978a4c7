// Benchmark of structured outputs. Prints figures; asserts nothing (timings vary by machine).
// 1. Compile (Node): every schema of the corpus (tools/structured/corpus.ts) through the tab's
//    compiler and through raw xgrammar: compile rate, refusals, internal errors, p50/p95 time.
// 2. Generate (headless Chromium, the CPU engine, SmolLM2-135M): a few small schemas the form
//    does not flag, several seeds at temperature 1, in three whitespace/length modes, plus the
//    same prompts unconstrained: schema-valid rate, truncation rate, whitespace, speed.
// Usage: npm run bench:structured  (= build, then: npx tsx tools/bench-structured.ts [dist])
// Sizes: BENCH_SCHEMAS (default 4), BENCH_SEEDS (default 2), BENCH_MAX_TOKENS (default 256:
//   at 96 a capped array of strings could run out of tokens before it closed).
// BENCH_MODES: a comma list of bounded (the tab's default), any (vLLM's whitespace), cap:N
//   (bounded + the tab's opt-in string cap at N) and free (unconstrained); default
//   "bounded,any,cap:32,free" (32: the form's default length for the cap).
// BENCH_COMPILE=small: compile only the schemas short enough for generation (skips the corpus
//   figures). BENCH_SHOW=1 prints every output.
import { chromium } from '@playwright/test';
import Ajv from 'ajv';
import { serveDist } from './serveDist';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { VLLM_WHITESPACE_PATTERN } from '../src/constraints/compile';
import { stringCapFor } from '../src/constraints/schema';
import { compileCorpus, percentile, summarize } from './structured/compileStats';
import { loadCorpus } from './structured/corpus';

const DIST = resolve(process.argv[2] ?? 'dist');
const SCHEMAS = Number(process.env.BENCH_SCHEMAS ?? 4);
const SEEDS = Number(process.env.BENCH_SEEDS ?? 2);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 256);
const MODES = (process.env.BENCH_MODES ?? 'bounded,any,cap:32,free').split(',');
const PROMPT_SCHEMA_CHARS = 400;
const MODEL = 'models/SmolLM2-135M-Instruct.Q4_1.gguf';

// ------------------------------------------------------------------------------- 1. compile

const fullCorpus = await loadCorpus();
const onlySmall = process.env.BENCH_COMPILE === 'small';
const corpus = onlySmall
  ? fullCorpus.filter((c) => JSON.stringify(c.schema).length <= PROMPT_SCHEMA_CHARS)
  : fullCorpus;
const t0 = performance.now();
const rows = await compileCorpus(corpus);
if (onlySmall) console.log(`(BENCH_COMPILE=small: only the ${corpus.length} short schemas)`);
const s = summarize(rows);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
console.log(
  `corpus: ${s.total} schemas (${Object.entries(countBy(corpus.map((c) => c.source)))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')})`,
);
console.log(
  `compile: ${s.compiled}/${s.total} (${pct(s.compiled / s.total)}) compiled, ${s.refused} refused with a ConstraintError, ${s.internal} internal errors; raw xgrammar compiles ${s.xgrammarCompiled}, of which the tab compiles ${pct(s.ofXGrammar)}`,
);
console.log(
  `compile time (tab compiler, compiled schemas): p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (whole pass ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
);
console.log(`flagged by the form (keywords not enforced): ${rows.filter((r) => r.flagged).length}`);
for (const r of rows.filter((x) => x.outcome !== 'compiled')) {
  console.log(
    `  ${r.outcome}${r.xgrammar ? ' (raw xgrammar compiles it)' : ''}: ${r.id}: ${r.message}`,
  );
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

// ------------------------------------------------------------------------------ 2. generate

if (!(await stat(join(DIST, MODEL)).catch(() => null))) {
  console.log(`no ${MODEL} in ${DIST}: generation part skipped`);
  process.exit(0);
}

const ajv = new Ajv({ strict: false, validateFormats: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
const candidates = corpus.filter((c) => {
  const row = rows.find((r) => r.id === c.id)!;
  if (row.outcome !== 'compiled' || row.flagged || typeof c.schema !== 'object') return false;
  // short prompts: prompt processing dominates on a loaded 2-core machine
  if (JSON.stringify(c.schema).length > PROMPT_SCHEMA_CHARS) return false;
  try {
    validators.set(c.id, ajv.compile(c.schema));
    return true;
  } catch {
    return false;
  }
});
// half of them with a free string (no maxLength, pattern, format, enum or const: what the
// string cap changes), each half evenly spread over its candidates
const hasFreeString = (schema: unknown): boolean =>
  JSON.stringify(capped(schema, 1)) !== JSON.stringify(schema);
const spread = <T>(xs: T[], n: number): T[] =>
  Array.from(
    { length: Math.min(n, xs.length) },
    (_, i) => xs[Math.floor((i * xs.length) / Math.min(n, xs.length))]!,
  );
const withFree = candidates.filter((c) => hasFreeString(c.schema));
const picked = [
  ...spread(withFree, Math.ceil(SCHEMAS / 2)),
  ...spread(
    candidates.filter((c) => !hasFreeString(c.schema)),
    Math.floor(SCHEMAS / 2),
  ),
];

/** The opt-in string cap, applied the way the compiler's `stringCap` option applies it. */
function capped(node: unknown, n: number): unknown {
  if (Array.isArray(node)) return node.map((x) => capped(x, n));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = capped(v, n);
  const cap = stringCapFor(node as Record<string, unknown>, n);
  if (cap !== undefined) out.maxLength = cap;
  return out;
}

const { server, base } = await serveDist(DIST);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const page = await browser.newPage();
await page.goto(base);
await page.evaluate(async (model) => {
  const input = document.querySelector<HTMLInputElement>('input[aria-label="GGUF model URL"]')!;
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, model);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  [...document.querySelectorAll('button')].find((b) => b.textContent === 'Load')!.click();
  const stem = model
    .split('/')
    .pop()!
    .replace(/\.gguf$/, '');
  while (document.querySelector('[data-testid="engine-status"]')?.textContent !== `Loaded: ${stem}`)
    await new Promise((r) => setTimeout(r, 50));
}, MODEL);

interface Run {
  text: string;
  finish: string;
  tokens: number;
  seconds: number;
  /** From the first content chunk to the last (decode only, prompt excluded). */
  decodeSeconds: number;
  error?: string;
}

async function run(body: Record<string, unknown>): Promise<Run> {
  return page.evaluate(async (body) => {
    const w = window as unknown as {
      playground: {
        baseURL: string;
        fetch: (url: string, init: RequestInit) => Promise<Response>;
      };
    };
    const start = performance.now();
    const res = await w.playground.fetch(`${w.playground.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    });
    if (!res.ok) {
      const err = (await res.json()) as { error?: { message: string } };
      return {
        text: '',
        finish: 'error',
        tokens: 0,
        seconds: 0,
        decodeSeconds: 0,
        error: err.error?.message,
      };
    }
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let text = '';
    let finish = '';
    let tokens = 0;
    let first = 0;
    let last = 0;
    let error: string | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut).replace(/^data: /, '');
        buffer = buffer.slice(cut + 2);
        if (event === '[DONE]') continue;
        const chunk = JSON.parse(event) as {
          choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
          usage?: { completion_tokens: number } | null;
          error?: { message: string };
        };
        if (chunk.error) error = chunk.error.message;
        const c = chunk.choices?.[0];
        if (c?.delta?.content) {
          const now = performance.now();
          if (!first) first = now;
          last = now;
          text += c.delta.content;
        }
        if (c?.finish_reason) finish = c.finish_reason;
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
      }
    }
    return {
      text,
      finish: error ? 'error' : finish,
      tokens,
      seconds: (performance.now() - start) / 1000,
      decodeSeconds: (last - first) / 1000,
      error,
    };
  }, body);
}

const prompt = (schema: unknown): string =>
  `Write one JSON value that matches this JSON schema. Answer with the JSON only.\n\n${JSON.stringify(schema)}`;

const modes: Array<[string, (schema: unknown) => Record<string, unknown> | null]> = MODES.map(
  (m) => {
    if (m === 'bounded') return ['bounded (tab default)', (schema) => ({ guided_json: schema })];
    if (m === 'any')
      return [
        'any whitespace (vLLM default)',
        (schema) => ({ guided_json: schema, guided_whitespace_pattern: VLLM_WHITESPACE_PATTERN }),
      ];
    if (m === 'free') return ['unconstrained', () => null];
    const cap = /^cap:(\d+)$/.exec(m);
    if (cap) {
      const n = Number(cap[1]);
      return [`bounded + string cap ${n}`, (schema) => ({ guided_json: capped(schema, n) })];
    }
    throw new Error(`BENCH_MODES: unknown mode ${m}`);
  },
);

/**
 * Where a truncated output stopped: inside a string (the model never closed it) or between
 * tokens. Scans the JSON text for unescaped quotes.
 */
function endsInString(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString && ch === '\\') i++;
    else if (ch === '"') inString = !inString;
  }
  return inString;
}

console.log(
  `\ngeneration: SmolLM2-135M Q4_1 on the CPU engine, ${picked.length} schemas x ${SEEDS} seeds, temperature 1, max_tokens ${MAX_TOKENS}`,
);
console.log(`schemas: ${picked.map((p) => p.id).join(', ')}`);
const stats = new Map<string, { runs: Run[]; valid: boolean[] }>();
const genStart = performance.now();
for (const entry of picked) {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const base = {
      model: 'bench',
      messages: [{ role: 'user', content: prompt(entry.schema) }],
      max_tokens: MAX_TOKENS,
      temperature: 1,
      seed,
    };
    for (const [mode, extra] of modes) {
      const constraint = extra(entry.schema);
      const r = await run({ ...base, ...constraint });
      let valid = false;
      if (constraint) {
        try {
          valid = r.finish !== 'error' && validators.get(entry.id)!(JSON.parse(r.text)) === true;
        } catch {
          valid = false; // not JSON (a truncated run)
        }
      }
      const st = stats.get(mode) ?? { runs: [], valid: [] };
      st.runs.push(r);
      st.valid.push(valid);
      stats.set(mode, st);
      const where =
        r.finish === 'length'
          ? endsInString(r.text)
            ? ' inside a string'
            : ' between tokens'
          : '';
      console.log(
        `  ${entry.id} seed ${seed} ${mode}: ${r.finish}${where}, ${r.tokens} tokens, ${constraint ? (valid ? 'valid' : 'not valid') : 'unconstrained'}${r.error ? `: ${r.error}` : ''}`,
      );
    }
  }
}

const wsShare = (runs: Run[]): number => {
  const all = runs.map((r) => r.text).join('');
  return (all.match(/\s/g)?.length ?? 0) / Math.max(1, all.length);
};
const longestWs = (runs: Run[]): number =>
  Math.max(
    0,
    ...runs.map((r) => Math.max(0, ...(r.text.match(/\s+/g) ?? []).map((m) => m.length))),
  );
console.log(
  '\nmode                            runs  schema-valid  truncated  in string  valid|ended  ws share  longest ws  tok/s  p95 s/run',
);
for (const [mode, st] of stats) {
  const n = st.runs.length;
  const ended = st.runs
    .map((r, i) => [r, st.valid[i]!] as const)
    .filter(([r]) => r.finish === 'stop');
  const truncated = st.runs.filter((r) => r.finish === 'length').length;
  const inString = st.runs.filter((r) => r.finish === 'length' && endsInString(r.text)).length;
  // decode speed: tokens after the first over the time from first to last content chunk
  const decodeTokens = st.runs.reduce((a, r) => a + Math.max(0, r.tokens - 1), 0);
  const seconds = st.runs.reduce((a, r) => a + r.decodeSeconds, 0);
  const constrained = mode !== 'unconstrained';
  console.log(
    `${mode.padEnd(31)} ${String(n).padStart(4)}  ${(constrained ? pct(st.valid.filter(Boolean).length / n) : '-').padStart(12)}  ${pct(truncated / n).padStart(9)}  ${String(inString).padStart(9)}  ${(constrained ? `${ended.filter(([, v]) => v).length}/${ended.length}` : '-').padStart(11)}  ${pct(wsShare(st.runs)).padStart(8)}  ${String(longestWs(st.runs)).padStart(10)}  ${(decodeTokens / seconds).toFixed(1).padStart(12)}  ${percentile(
      st.runs.map((r) => r.seconds),
      95,
    )
      .toFixed(1)
      .padStart(9)}`,
  );
}
console.log(`generation part: ${((performance.now() - genStart) / 1000).toFixed(0)} s`);
if (process.env.BENCH_SHOW) {
  for (const [mode, st] of stats)
    st.runs.forEach((r) => console.log(mode, r.finish, JSON.stringify(r.text)));
}
await browser.close();
server.close();
