/**
 * The live server suite's tools: start a real server (vLLM, llama-server) on 127.0.0.1 and
 * stop it, send a body and read the answer, run the exported code, and say what the
 * compatibility report predicts for a configuration. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodyCode, type CodeLang } from '../src/server/code';
import type { ReportLine } from '../src/server/facts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORK = path.join(ROOT, 'servers', '.work');

/** What the suite needs from the environment (servers/run.sh sets it); a gap fails with the reason. */
export function requiredPath(env: string, what: string): string {
  const v = process.env[env];
  if (v === undefined || v === '')
    throw new Error(`${env} is not set: run the suite with npm run test:servers (${what})`);
  if (!existsSync(v)) throw new Error(`${env}=${v} does not exist (${what})`);
  return v;
}

export interface RunningServer {
  name: string;
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  apiKey: string | null;
  /** The server's own output so far. */
  log: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  port: number;
  apiKey?: string;
  readyTimeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a server in its own process group and waits until GET /v1/models answers 200
 * (with the key when one is set). Throws with the reason and the end of the server's log
 * when it exits or is not ready in time.
 */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  mkdirSync(WORK, { recursive: true });
  const logPath = path.join(WORK, `${opts.name}.log`);
  const logStream = createWriteStream(logPath);
  const child = spawn(opts.command, opts.args, {
    env: { ...process.env, ...opts.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // servers/run.sh stops every group listed here when the suite ends, however it ends.
  if (child.pid !== undefined) appendFileSync(path.join(WORK, 'server-pids'), `${child.pid}\n`);
  child.stdout?.pipe(logStream);
  child.stderr?.pipe(logStream);
  let exited: string | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
    child.once('error', (e) => {
      exited = `could not start: ${e.message}`;
      resolve();
    });
  });
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (exited !== null) return;
    killGroup(child, 'SIGTERM');
    await Promise.race([exitPromise, sleep(15_000)]);
    if (exited === null) {
      killGroup(child, 'SIGKILL');
      await Promise.race([exitPromise, sleep(5_000)]);
    }
    logStream.end();
  };
  const baseUrl = `http://127.0.0.1:${opts.port}/v1`;
  const headers: Record<string, string> =
    opts.apiKey !== undefined ? { Authorization: `Bearer ${opts.apiKey}` } : {};
  const deadline = Date.now() + opts.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) break;
    try {
      const r = await fetch(`${baseUrl}/models`, { headers, signal: AbortSignal.timeout(5_000) });
      if (r.status === 200) {
        return { name: opts.name, baseUrl, apiKey: opts.apiKey ?? null, log, stop };
      }
    } catch {
      // not listening yet
    }
    await sleep(1_000);
  }
  const why =
    exited !== null
      ? `${opts.name} ${String(exited)} before it was ready`
      : `${opts.name} was not ready within ${opts.readyTimeoutMs / 1000} s`;
  await stop();
  throw new Error(
    `${why}; command: ${opts.command} ${opts.args.join(' ')}\n--- end of its log ---\n${log().slice(-4000)}`,
  );
}

export interface Answer {
  status: number;
  /** The parsed JSON body (non-stream), or null. */
  json: Record<string, unknown> | null;
  /** The error message of an error body. */
  errorMessage: string | null;
  /** The assistant text of choice 0 (joined deltas for a stream). */
  content: string | null;
  /** Every choice's message (non-stream) or the first choice's joined deltas (stream). */
  choices: Record<string, unknown>[];
  raw: string;
  headers: Headers;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function errorMessageOf(v: unknown): string | null {
  if (!isObject(v)) return null;
  if (isObject(v.error) && typeof v.error.message === 'string') return v.error.message;
  if (typeof v.detail === 'string') return v.detail;
  if (typeof v.message === 'string') return v.message;
  return null;
}

/** Reads an SSE body into choice 0's text, or the error event's message. */
function readSse(raw: string): { content: string; error: string | null; done: boolean } {
  let content = '';
  let error: string | null = null;
  let done = false;
  for (const line of raw.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    try {
      const v: unknown = JSON.parse(data);
      const msg = errorMessageOf(v);
      if (msg !== null && isObject(v) && v.error !== undefined) error = msg;
      if (isObject(v) && Array.isArray(v.choices)) {
        for (const c of v.choices) {
          if (
            isObject(c) &&
            c.index === 0 &&
            isObject(c.delta) &&
            typeof c.delta.content === 'string'
          )
            content += c.delta.content;
        }
      }
    } catch {
      // not JSON: left out
    }
  }
  return { content, error, done };
}

/** POSTs a body to /chat/completions and reads the answer (bounded by timeoutMs). */
export async function send(
  server: RunningServer,
  body: Record<string, unknown>,
  opts: { apiKey?: string | null; origin?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const key = opts.apiKey === undefined ? server.apiKey : opts.apiKey;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  if (opts.origin !== undefined) headers.Origin = opts.origin;
  const res = await fetch(`${server.baseUrl}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 180_000),
  });
  const raw = await res.text();
  const isSse = (res.headers.get('content-type') ?? '').includes('text/event-stream');
  if (isSse) {
    const sse = readSse(raw);
    return {
      status: res.status,
      json: null,
      errorMessage: sse.error,
      content: sse.content,
      choices: [{ content: sse.content }],
      raw,
      headers: res.headers,
    };
  }
  let json: Record<string, unknown> | null = null;
  try {
    const v: unknown = JSON.parse(raw);
    if (isObject(v)) json = v;
  } catch {
    json = null;
  }
  const choices = (Array.isArray(json?.choices) ? json.choices : [])
    .filter(isObject)
    .map((c) => (isObject(c.message) ? c.message : {}));
  const first = choices[0];
  return {
    status: res.status,
    json,
    errorMessage: res.status >= 400 ? (errorMessageOf(json) ?? raw.trim()) : null,
    content: first !== undefined && typeof first.content === 'string' ? first.content : null,
    choices,
    raw,
    headers: res.headers,
  };
}

export interface CodeRun {
  lang: CodeLang;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where the Python that runs the exported code comes from (vLLM's venv has openai). */
export function pythonForCode(): string {
  return requiredPath(
    'INTAB_VLLM_PYTHON',
    'the Python with the openai package that runs exported Python',
  );
}

let codeSeq = 0;

/** Writes the exported code for `body` and runs it against the server (bounded). */
export async function runExportedCode(
  server: RunningServer,
  body: Record<string, unknown>,
  lang: CodeLang,
  timeoutMs = 180_000,
): Promise<CodeRun> {
  mkdirSync(WORK, { recursive: true });
  const code = bodyCode(body, lang, { baseUrl: server.baseUrl, apiKeyEnv: 'INTAB_TEST_KEY' });
  codeSeq += 1;
  const ext = lang === 'curl' ? 'sh' : lang === 'python' ? 'py' : 'mjs';
  const file = path.join(WORK, `code-${process.pid}-${codeSeq}.${ext}`);
  writeFileSync(file, code);
  const [cmd, args] =
    lang === 'curl'
      ? ['bash', [file]]
      : lang === 'python'
        ? [pythonForCode(), [file]]
        : [process.execPath, [file]];
  return await new Promise<CodeRun>((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, INTAB_TEST_KEY: server.apiKey ?? 'EMPTY' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(file, { force: true });
      resolve({ lang, code, stdout, stderr });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      rmSync(file, { force: true });
      resolve({ lang, code: null, stdout, stderr: `${stderr}${e.message}` });
    });
  });
}

/** One choice as the exported Python and JavaScript print it (src/request/export.ts). */
export interface PrintedChoice {
  index: number;
  finishReason: string;
  reasoning: string | null;
  content: string;
  /** `tool call NAME: ARGUMENTS` lines, as [name, arguments]. */
  calls: [string, string][];
}

const CHOICE_HEADER = /^\[choice (\d+), finish_reason: ([^\]]*)\]$/;
const TOOL_CALL_LINE = /^tool call ([^:]+): (.*)$/;

/**
 * Reads what the exported code printed back into choices: a `[choice N, finish_reason: X]`
 * line, then an optional `reasoning: …` line, the content, and `tool call …` lines last.
 * Returns null when the output does not start with a choice header.
 */
export function parsePrinted(stdout: string): PrintedChoice[] | null {
  const lines = stdout.replace(/\n$/, '').split('\n');
  if (lines.length === 0 || !CHOICE_HEADER.test(lines[0] ?? '')) return null;
  const out: PrintedChoice[] = [];
  let body: string[] = [];
  const close = () => {
    const last = out.at(-1);
    if (last === undefined) return;
    const calls: [string, string][] = [];
    while (body.length > 0) {
      const m = TOOL_CALL_LINE.exec(body.at(-1) ?? '');
      if (m === null) break;
      calls.unshift([m[1] ?? '', m[2] ?? '']);
      body.pop();
    }
    if (body[0]?.startsWith('reasoning: ')) last.reasoning = (body.shift() ?? '').slice(11);
    last.content = body.join('\n');
    last.calls = calls;
    body = [];
  };
  for (const line of lines) {
    const m = CHOICE_HEADER.exec(line);
    if (m !== null) {
      close();
      out.push({
        index: Number(m[1]),
        finishReason: m[2] ?? '',
        reasoning: null,
        content: '',
        calls: [],
      });
    } else body.push(line);
  }
  close();
  return out;
}

/** What a server configuration answers, by the report: 200, or 400 with these messages. */
export interface Expected {
  status: 200 | 400;
  /** Parts of the 400 message, one of which the error carries (empty: any 400). */
  says: string[];
}

/**
 * The report's prediction for a server that runs `flags` (values of FLAGS): a `needs-flag`
 * line whose server answers 400 without the flag (it has serverSays) and whose flag is not
 * running predicts that 400; otherwise the request succeeds.
 */
export function predicted(report: readonly ReportLine[], flags: readonly string[]): Expected {
  const failing = report.filter(
    (l) => l.action === 'needs-flag' && l.serverSays !== undefined && !flags.includes(l.flag ?? ''),
  );
  if (failing.length > 0) return { status: 400, says: failing.map((l) => l.serverSays ?? '') };
  return { status: 200, says: [] };
}
