import { isParamName } from './params';
import type { RequestDraft } from './types';

export interface ImportResult {
  draft: RequestDraft;
  /** Fields the table does not know, kept so the user can see them; nothing is lost. */
  unknown: Record<string, unknown>;
}

export class ImportError extends Error {}

/** Splits a shell command line into words (single, double quotes and backslash escapes). */
export function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const s = cmd.replace(/\\\r?\n/g, ' ');
  while (i < s.length) {
    const c = s[i]!;
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new ImportError('Unterminated single quote in the curl command.');
      cur += s.slice(i + 1, j);
      inWord = true;
      i = j + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) i++;
        cur += s[i];
        i++;
      }
      if (i >= s.length) throw new ImportError('Unterminated double quote in the curl command.');
      inWord = true;
      i++;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function curlBody(cmd: string): string {
  const words = shellWords(cmd);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (['-d', '--data', '--data-raw', '--data-binary', '--json'].includes(w)) {
      const body = words[i + 1];
      if (body === undefined) break;
      if (body.startsWith('@'))
        throw new ImportError(
          'The curl command reads its body from a file; paste the JSON instead.',
        );
      return body;
    }
    const m = /^(?:--data(?:-raw|-binary)?|--json)=(.*)$/s.exec(w);
    if (m) return m[1]!;
  }
  throw new ImportError('The curl command has no -d/--data body.');
}

/** Reads a request JSON or a curl command into a draft, reporting fields it does not know. */
export function importRequest(text: string): ImportResult {
  const trimmed = text.trim();
  if (trimmed === '') throw new ImportError('Nothing to import.');
  const json = /^curl\s/.test(trimmed) ? curlBody(trimmed) : trimmed;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new ImportError(`Not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ImportError('A request must be a JSON object.');
  const draft: RequestDraft = {};
  const unknown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isParamName(k)) draft[k] = v;
    // defineProperty: a "__proto__" field must be reported, not swallowed by the setter.
    else
      Object.defineProperty(unknown, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return { draft, unknown };
}
