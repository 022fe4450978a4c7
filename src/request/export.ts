import { PARAMS, paramSpec } from './params';
import type { RequestDraft } from './types';

/** The request as a server receives it: table order, only the fields that are set. */
export function exportRequest(draft: RequestDraft): RequestDraft {
  const out: RequestDraft = {};
  for (const spec of PARAMS) {
    if (draft[spec.name] !== undefined) out[spec.name] = draft[spec.name];
  }
  return out;
}

export function exportJson(draft: RequestDraft): string {
  return JSON.stringify(exportRequest(draft), null, 2);
}

export interface CodeOptions {
  baseUrl: string;
  /** Name of the environment variable that holds the key; the key itself never appears. */
  apiKeyEnv?: string;
}

const DEFAULT_CODE: CodeOptions = {
  baseUrl: 'http://localhost:8000/v1',
  apiKeyEnv: 'OPENAI_API_KEY',
};

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toCurl(draft: RequestDraft, opts: CodeOptions = DEFAULT_CODE): string {
  const env = opts.apiKeyEnv ?? 'OPENAI_API_KEY';
  return [
    `curl ${shellQuote(`${opts.baseUrl.replace(/\/$/, '')}/chat/completions`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "Authorization: Bearer $${env}" \\`,
    `  -d ${shellQuote(exportJson(draft))}`,
  ].join('\n');
}

/** A JSON value written as a Python literal. */
export function pythonLiteral(v: unknown, indent = 0): string {
  const pad = ' '.repeat(indent + 4);
  const end = ' '.repeat(indent);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'None';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + pythonLiteral(x, indent + 4)).join(',\n')},\n${end}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries
    .map(([k, x]) => `${pad}${JSON.stringify(k)}: ${pythonLiteral(x, indent + 4)}`)
    .join(',\n')},\n${end}}`;
}

function splitBySource(draft: RequestDraft): { openai: RequestDraft; extra: RequestDraft } {
  const openai: RequestDraft = {};
  const extra: RequestDraft = {};
  for (const [k, v] of Object.entries(exportRequest(draft))) {
    const spec = paramSpec(k);
    (spec?.source === 'vllm' || spec?.extraBody ? extra : openai)[k] = v;
  }
  return { openai, extra };
}

export function toPython(draft: RequestDraft, opts: CodeOptions = DEFAULT_CODE): string {
  const { openai, extra } = splitBySource(draft);
  const args = Object.entries(openai).map(([k, v]) => `    ${k}=${pythonLiteral(v, 4)},`);
  if (Object.keys(extra).length > 0) args.push(`    extra_body=${pythonLiteral(extra, 4)},`);
  const stream = openai.stream === true;
  return [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(opts.baseUrl)}, api_key=os.environ[${JSON.stringify(opts.apiKeyEnv ?? 'OPENAI_API_KEY')}])`,
    '',
    'response = client.chat.completions.create(',
    ...args,
    ')',
    stream
      ? 'for chunk in response:\n    print(chunk.choices[0].delta.content or "", end="", flush=True) if chunk.choices else None'
      : 'print(response.choices[0].message.content)',
    '',
  ].join('\n');
}

export function toJavaScript(draft: RequestDraft, opts: CodeOptions = DEFAULT_CODE): string {
  const body = JSON.stringify(exportRequest(draft), null, 2)
    .split('\n')
    .map((l, i) => (i === 0 ? l : `  ${l}`))
    .join('\n');
  const stream = draft.stream === true;
  return [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(opts.baseUrl)}, apiKey: process.env.${opts.apiKeyEnv ?? 'OPENAI_API_KEY'} });`,
    '',
    '// vLLM extra fields are sent in the body as they are.',
    `const response = await client.chat.completions.create(${body});`,
    stream
      ? "for await (const chunk of response) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');"
      : 'console.log(response.choices[0].message.content);',
    '',
  ].join('\n');
}
