import { JSON_SHORT_ESCAPES } from '../lib/jsonEscapes';

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
  const p = new PythonJsonPrinter();
  const out = p.push(text).out;
  return complete ? out + p.end() : out;
}

/**
 * The same, fed piece by piece (linear in the text, for long streamed arguments). It prints one
 * JSON value and reports where that value ended; text after it is not consumed.
 */
export class PythonJsonPrinter {
  private mode: 'value' | 'string' | 'number' | 'literal' = 'value';
  /** An escape (in a string) or a number literal still being read. */
  private pending = '';
  private depth = 0;
  done = false;

  /** `end`: offset in `text` just after the value, when it ended inside `text`. */
  push(text: string): { out: string; end: number | null } {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (this.done) return { out, end: i };
      const c = text[i] as string;
      if (this.mode === 'string') {
        out += this.stringChar(c);
        if (this.done) return { out, end: i + 1 };
        continue;
      }
      if (this.mode === 'number' || this.mode === 'literal') {
        const more = this.mode === 'number' ? /[0-9.eE+-]/.test(c) : /[a-zA-Z]/.test(c);
        if (more) {
          if (this.mode === 'number') this.pending += c;
          else out += c;
          continue;
        }
        out += this.endScalar();
        if (this.done) return { out, end: i };
      }
      out += this.valueChar(c);
      if (this.done) return { out, end: i + 1 };
    }
    return { out, end: null };
  }

  /** No more text: prints a number still held back (or an unfinished escape, as written). */
  end(): string {
    if (this.mode === 'number' || this.mode === 'literal') return this.endScalar();
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  private endScalar(): string {
    const out = this.mode === 'number' ? formatNumberLiteral(this.pending) : '';
    this.pending = '';
    this.mode = 'value';
    if (this.depth === 0) this.done = true;
    return out;
  }

  private valueChar(c: string): string {
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        return '';
      case ',':
        return ', ';
      case ':':
        return ': ';
      case '"':
        this.mode = 'string';
        return c;
      case '{':
      case '[':
        this.depth++;
        return c;
      case '}':
      case ']':
        this.depth--;
        if (this.depth <= 0) this.done = true;
        return c;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      this.mode = 'number';
      this.pending = c;
      return '';
    }
    if (/[a-zA-Z]/.test(c)) {
      if (this.depth === 0) this.mode = 'literal';
      return c; // true / false / null print as written
    }
    return c; // not JSON; JSON.parse of the whole text will say so
  }

  private stringChar(c: string): string {
    if (!this.pending) {
      if (c === '\\') {
        this.pending = c;
        return '';
      }
      if (c === '"') {
        this.mode = 'value';
        if (this.depth === 0) this.done = true;
        return c;
      }
      return escapeChar(c);
    }
    this.pending += c;
    const e = this.pending[1] as string;
    if (e !== 'u') {
      this.pending = '';
      return escapeChar(JSON_SHORT_ESCAPES[e] ?? e);
    }
    if (this.pending.length < 6) return '';
    const code = parseInt(this.pending.slice(2), 16);
    this.pending = '';
    return escapeChar(String.fromCharCode(code));
  }
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
