/**
 * vLLM's tool parsers hand back `arguments` as Python's `json.dumps(value, ensure_ascii=False)`
 * of what the model wrote: separators ", " and ": ", no other whitespace, non-ASCII kept,
 * only `"`, `\` and control characters escaped, floats in Python's repr. This reformats JSON
 * TEXT to that form without parsing it into a value, so that it also works on a prefix while
 * the model is still writing: `pythonJsonText(prefix, false)` is always a prefix of
 * `pythonJsonText(whole, true)` (a number or escape that may still grow is held back).
 *
 * It does not validate; callers check the whole text with JSON.parse. Key order and duplicate
 * keys stay as written (Python would keep the last duplicate's value at the first one's place).
 */
export function pythonJsonText(text: string, complete: boolean): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === ',') {
      out += ', ';
      i++;
    } else if (c === ':') {
      out += ': ';
      i++;
    } else if (c === '"') {
      const s = readString(text, i + 1, complete);
      out += '"' + s.text + (s.closed ? '"' : '');
      if (!s.closed) return out;
      i = s.next;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9.eE+-]/.test(text[j] as string)) j++;
      if (j === n && !complete) return out; // the number may still grow
      out += formatNumberLiteral(text.slice(i, j));
      i = j;
    } else {
      out += c; // braces, brackets, letters of true/false/null
      i++;
    }
  }
  return out;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Reads a JSON string body from `start` (after the quote); returns it re-escaped Python-style. */
function readString(
  text: string,
  start: number,
  complete: boolean,
): { text: string; closed: boolean; next: number } {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return { text: out, closed: true, next: i + 1 };
    if (c !== '\\') {
      out += escapeChar(c);
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break; // escape not finished yet
    if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (hex.length < 4) break;
      out += escapeChar(String.fromCharCode(parseInt(hex, 16)));
      i += 6;
    } else {
      out += escapeChar(SHORT_ESCAPES[e] ?? e);
      i += 2;
    }
  }
  // Unterminated: when complete, what was read is all there is (JSON.parse will reject it).
  if (complete) out += text.slice(i);
  return { text: out, closed: false, next: text.length };
}

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
  }
  const code = c.charCodeAt(0);
  return code < 0x20 ? '\\u' + code.toString(16).padStart(4, '0') : c;
}

/** Integers print as written (Python ints are exact); floats as Python's repr. */
export function formatNumberLiteral(lit: string): string {
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(lit)) return lit;
  if (/^-?\d+$/.test(lit)) return /^-0+$/.test(lit) ? '0' : lit;
  return formatPythonFloat(Number(lit));
}

/** Python's repr(float): shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function formatPythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const [mant = '0', expPart = '0'] = Math.abs(v).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expPart);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1) || '0';
  return `${sign}${intPart}.${fracPart}`;
}
