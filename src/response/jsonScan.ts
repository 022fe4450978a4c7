/**
 * Just enough JSON structure to stream a tool call while the model is still writing it: where
 * the object `{"name": ..., "arguments" | "parameters": ...}` ends, the name once its string is
 * complete, and where the arguments value starts (and ends, once it does). It is lenient on
 * purpose; the finished call is checked with JSON.parse.
 */

export interface CallScan {
  status: 'partial' | 'complete' | 'invalid';
  /** Offset just after the closing brace, when complete. */
  end: number;
  name?: string;
  argsStart?: number;
  /** Offset after the arguments value; null while it is still being written. */
  argsEnd?: number | null;
}

type Skip = number | 'partial' | 'invalid';

export function skipWs(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  return i;
}

/** End offset of the string starting at the quote at `i`, or 'partial'. */
function skipString(s: string, i: number): Skip {
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  return 'partial';
}

/** End offset of the JSON value starting at `i` (no leading whitespace). */
export function skipValue(s: string, i: number): Skip {
  const c = s[i];
  if (c === undefined) return 'partial';
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') {
        const e = skipString(s, j);
        if (typeof e !== 'number') return e;
        j = e - 1;
      } else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return 'partial';
  }
  let j = i;
  while (j < s.length && /[A-Za-z0-9.+-]/.test(s[j] as string)) j++;
  if (j === i) return 'invalid';
  return j === s.length ? 'partial' : j;
}

/** Scans a (possibly unfinished) tool-call object starting at `from` (leading whitespace ok). */
export function scanCallObject(s: string, from = 0): CallScan {
  const scan: CallScan = { status: 'partial', end: -1 };
  let i = skipWs(s, from);
  if (i === s.length) return scan;
  if (s[i] !== '{') return { ...scan, status: 'invalid' };
  i++;
  let sawArguments = false;
  for (;;) {
    i = skipWs(s, i);
    if (i === s.length) return scan;
    const c = s[i];
    if (c === '}') return { ...scan, status: 'complete', end: i + 1 };
    if (c === ',') {
      i++;
      continue;
    }
    if (c !== '"') return { ...scan, status: 'invalid' };
    const keyEnd = skipString(s, i);
    if (keyEnd === 'partial' || keyEnd === 'invalid') return scan;
    const key = parseJsonString(s.slice(i, keyEnd));
    i = skipWs(s, keyEnd);
    if (i === s.length) return scan;
    if (s[i] !== ':') return { ...scan, status: 'invalid' };
    i = skipWs(s, i + 1);
    const isArgs = key === 'arguments' || (key === 'parameters' && !sawArguments);
    if (isArgs) {
      sawArguments ||= key === 'arguments';
      scan.argsStart = i;
      scan.argsEnd = null;
    }
    if (i === s.length) return scan;
    const end = skipValue(s, i);
    if (end === 'invalid') return { ...scan, status: 'invalid' };
    if (end === 'partial') return scan;
    if (isArgs) scan.argsEnd = end;
    if (key === 'name' && s[i] === '"') {
      const name = parseJsonString(s.slice(i, end));
      if (name !== null) scan.name = name;
    }
    i = end;
  }
}

function parseJsonString(lit: string): string | null {
  try {
    const v: unknown = JSON.parse(lit);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}
