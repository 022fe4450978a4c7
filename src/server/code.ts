/**
 * curl / Python / JavaScript code that sends a target's body. The API key never appears:
 * the code reads it from an environment variable.
 *
 * src/request/export.ts prints code from a draft and keeps only the parameter table's
 * fields, so it cannot print a translated body (structured_outputs would vanish). These
 * thin wrappers print an already translated body and reuse its pythonLiteral.
 */
import { javascriptPrintResponse, pythonLiteral, pythonPrintResponse } from '../request/export';
import type { RequestDraft } from '../request/types';
import { isOpenAIClientArg, type Target } from './facts';
import { translateRequest, type TranslateOptions } from './translate';

export type CodeLang = 'curl' | 'python' | 'javascript';

export const CODE_LANGS = ['curl', 'python', 'javascript'] as const satisfies readonly CodeLang[];

export interface CodeOptions {
  /** The server's OpenAI-compatible base URL, e.g. http://localhost:8000/v1 */
  baseUrl: string;
  /** Name of the environment variable that holds the API key. */
  apiKeyEnv: string;
}

export class CodeOptionsError extends Error {}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkOptions(opts: CodeOptions): { baseUrl: string; env: string } {
  if (!ENV_NAME.test(opts.apiKeyEnv))
    throw new CodeOptionsError(
      `"${opts.apiKeyEnv}" is not an environment variable name (letters, digits and _).`,
    );
  let url: URL;
  try {
    url = new URL(opts.baseUrl);
  } catch {
    throw new CodeOptionsError(`"${opts.baseUrl}" is not a URL.`);
  }
  if (url.username !== '' || url.password !== '')
    throw new CodeOptionsError(
      'The base URL carries credentials; the code reads the key from the environment.',
    );
  return { baseUrl: opts.baseUrl.replace(/\/+$/, ''), env: opts.apiKeyEnv };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Splits a body into the Python client's keyword arguments and its extra_body. */
export function splitForPython(body: Record<string, unknown>): {
  kwargs: Record<string, unknown>;
  extraBody: Record<string, unknown>;
} {
  const kwargs: Record<string, unknown> = {};
  const extraBody: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) (isOpenAIClientArg(k) ? kwargs : extraBody)[k] = v;
  return { kwargs, extraBody };
}

function curlCode(body: Record<string, unknown>, baseUrl: string, env: string): string {
  return [
    `curl ${shellQuote(`${baseUrl}/chat/completions`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "Authorization: Bearer $${env}" \\`,
    `  -d ${shellQuote(JSON.stringify(body, null, 2))}`,
    '',
  ].join('\n');
}

function pythonCode(body: Record<string, unknown>, baseUrl: string, env: string): string {
  const { kwargs, extraBody } = splitForPython(body);
  const args = Object.entries(kwargs).map(([k, v]) => `    ${k}=${pythonLiteral(v, 4)},`);
  if (Object.keys(extraBody).length > 0)
    args.push(`    extra_body=${pythonLiteral(extraBody, 4)},`);
  return [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(baseUrl)}, api_key=os.environ[${JSON.stringify(env)}])`,
    '',
    'response = client.chat.completions.create(',
    ...args,
    ')',
    '',
    '',
    ...pythonPrintResponse(body.stream === true),
    '',
  ].join('\n');
}

function javascriptCode(body: Record<string, unknown>, baseUrl: string, env: string): string {
  const literal = JSON.stringify(body, null, 2);
  const extras = Object.keys(body).some((k) => !isOpenAIClientArg(k));
  return [
    "import OpenAI from 'openai';",
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(baseUrl)}, apiKey: process.env.${env} });`,
    '',
    ...(extras
      ? ['// Fields the client does not know (vLLM extras) travel in the body as they are.']
      : []),
    `const response = await client.chat.completions.create(${literal});`,
    ...javascriptPrintResponse(body.stream === true),
    '',
  ].join('\n');
}

/** Code that sends an already translated body. */
export function bodyCode(body: Record<string, unknown>, lang: CodeLang, opts: CodeOptions): string {
  const { baseUrl, env } = checkOptions(opts);
  if (lang === 'curl') return curlCode(body, baseUrl, env);
  if (lang === 'python') return pythonCode(body, baseUrl, env);
  return javascriptCode(body, baseUrl, env);
}

/** Code that sends the draft to `target` (translated with ./translate.ts). */
export function targetCode(
  draft: RequestDraft,
  target: Target,
  lang: CodeLang,
  opts: CodeOptions & TranslateOptions,
): string {
  const translateOpts: TranslateOptions =
    opts.jsonSchemaName !== undefined ? { jsonSchemaName: opts.jsonSchemaName } : {};
  return bodyCode(translateRequest(draft, target, translateOpts).body, lang, {
    baseUrl: opts.baseUrl,
    apiKeyEnv: opts.apiKeyEnv,
  });
}
