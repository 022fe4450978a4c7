/**
 * Readers for the literal subsets that request code is written in:
 *  - Python: dicts, lists, tuples, strings (both quote kinds, triple quotes, r/u prefixes,
 *    escapes, adjacent concatenation), numbers, True/False/None, comments, and the keyword
 *    arguments of a call;
 *  - JavaScript: object literals JSON5-style (unquoted keys, single quotes, template
 *    strings without substitutions, trailing commas, comments, hex numbers).
 * A value that is not a literal (a variable, a call) is reported, not guessed: in lenient
 * positions (a call's arguments, the top-level object, extra_body) the field is skipped
 * with a note; anywhere else the enclosing field is.
 */

export class LiteralError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/** Thrown where a value is an expression rather than a literal. */
class NotLiteral extends Error {
  constructor(readonly pos: number) {
    super('not a literal');
  }
}

/** JavaScript's `undefined`: a property with it is left out, as JSON.stringify does. */
const UNDEFINED = Symbol('undefined');

interface Reader {
  readonly src: string;
  pos: number;
}

/** Sets an own property, also for keys such as "__proto__". */
export function putKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const ch = (r: Reader, offset = 0): string => r.src.charAt(r.pos + offset);

function fail(r: Reader, what: string): never {
  const near = r.src.slice(r.pos, r.pos + 20).replace(/\s+/g, ' ');
  throw new LiteralError(`${what} at offset ${r.pos}${near ? ` (near "${near}")` : ''}`, r.pos);
}

function expect(r: Reader, c: string): void {
  if (ch(r) !== c) fail(r, `Expected "${c}"`);
  r.pos++;
}

function hexValue(r: Reader, digits: string, what: string): number {
  if (!/^[0-9a-fA-F]+$/.test(digits)) fail(r, `Bad ${what} escape`);
  return parseInt(digits, 16);
}

function codePointString(r: Reader, cp: number): string {
  if (cp > 0x10ffff) fail(r, 'Code point out of range');
  return String.fromCodePoint(cp);
}

/** Skips an expression up to a ',' or closing bracket at depth 0; returns its text. */
function skipExpression(r: Reader, lang: 'python' | 'js'): string {
  const start = r.pos;
  let depth = 0;
  while (r.pos < r.src.length) {
    const c = ch(r);
    if (c === '"' || c === "'" || (c === '`' && lang === 'js')) {
      if (lang === 'python') readPyStringBody(r, false);
      else readJsString(r, true);
      continue;
    }
    if (lang === 'python' && c === '#') {
      while (r.pos < r.src.length && ch(r) !== '\n') r.pos++;
      continue;
    }
    if (lang === 'js' && c === '/' && (ch(r, 1) === '/' || ch(r, 1) === '*')) {
      skipJsSpace(r);
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) break;
    r.pos++;
  }
  return r.src.slice(start, r.pos).trim();
}

function summary(text: string): string {
  const s = text.replace(/\s+/g, ' ');
  return s.length > 40 ? `${s.slice(0, 39)}\u2026` : s;
}

// ================================================================ Python

function skipPySpace(r: Reader): void {
  for (;;) {
    const c = ch(r);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') r.pos++;
    else if (c === '\\' && (ch(r, 1) === '\n' || ch(r, 1) === '\r')) r.pos += 2;
    else if (c === '#') while (r.pos < r.src.length && ch(r) !== '\n') r.pos++;
    else return;
  }
}

const PY_STRING_START = /^[rRuUbBfF]{0,2}['"]/;

function isPyStringStart(r: Reader): boolean {
  return PY_STRING_START.test(r.src.slice(r.pos, r.pos + 3));
}

/** Reads one Python string literal (with prefix); `decode` false only skips it. */
function readPyStringBody(r: Reader, decode: boolean): string {
  let prefix = '';
  while (/[rRuUbBfF]/.test(ch(r)) && prefix.length < 2) {
    prefix += ch(r);
    r.pos++;
  }
  const lower = prefix.toLowerCase();
  const raw = lower.includes('r');
  const q = ch(r);
  if (q !== '"' && q !== "'") fail(r, 'Expected a string');
  const triple = ch(r, 1) === q && ch(r, 2) === q;
  const start = r.pos;
  r.pos += triple ? 3 : 1;
  let out = '';
  for (;;) {
    if (r.pos >= r.src.length) {
      r.pos = start;
      fail(r, 'Unterminated string');
    }
    const c = ch(r);
    if (c === q && (!triple || (ch(r, 1) === q && ch(r, 2) === q))) {
      r.pos += triple ? 3 : 1;
      break;
    }
    if (!triple && (c === '\n' || c === '\r')) fail(r, 'Line break in a string');
    if (c !== '\\') {
      out += c;
      r.pos++;
      continue;
    }
    const e = ch(r, 1);
    if (raw) {
      out += c + e;
      r.pos += 2;
      continue;
    }
    r.pos += 2;
    switch (e) {
      case '\n':
        break;
      case '\r':
        if (ch(r) === '\n') r.pos++;
        break;
      case '\\':
      case "'":
      case '"':
        out += e;
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
        out += String.fromCharCode(hexValue(r, r.src.slice(r.pos, r.pos + 2), '\\x'));
        r.pos += 2;
        break;
      case 'u':
        out += String.fromCharCode(hexValue(r, r.src.slice(r.pos, r.pos + 4), '\\u'));
        r.pos += 4;
        break;
      case 'U':
        out += codePointString(r, hexValue(r, r.src.slice(r.pos, r.pos + 8), '\\U'));
        r.pos += 8;
        break;
      case 'N':
        r.pos -= 2;
        fail(r, 'Named escapes (\\N{...}) are not supported');
        break;
      default:
        if (/[0-7]/.test(e)) {
          let digits = e;
          while (digits.length < 3 && /[0-7]/.test(ch(r))) {
            digits += ch(r);
            r.pos++;
          }
          out += String.fromCharCode(parseInt(digits, 8));
        } else out += `\\${e}`;
    }
  }
  if (decode && (lower.includes('b') || lower.includes('f'))) throw new NotLiteral(start);
  return out;
}

function readPyNumber(r: Reader, sign: number): number {
  const rest = r.src.slice(r.pos);
  const radix = /^0([xXoObB])([0-9a-fA-F_]+)/.exec(rest);
  if (radix) {
    r.pos += radix[0].length;
    const base = { x: 16, o: 8, b: 2 }[radix[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    return sign * parseInt(radix[2]!.replace(/_/g, ''), base);
  }
  const m = /^(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?/.exec(rest);
  if (!m) fail(r, 'Bad number');
  r.pos += m[0].length;
  if (/[jJ]/.test(ch(r))) throw new NotLiteral(r.pos);
  return sign * Number(m[0].replace(/_/g, ''));
}

function pyKey(r: Reader, key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return JSON.stringify(key);
  if (key === true || key === false || key === null) return String(key);
  return fail(r, 'A dict key must be a string or a number');
}

/** Reads a dict; with `notes`, a non-literal entry is skipped and noted instead. */
function readPyDict(r: Reader, notes: string[] | null, context: string): Record<string, unknown> {
  expect(r, '{');
  const obj: Record<string, unknown> = {};
  for (;;) {
    skipPySpace(r);
    if (ch(r) === '}') {
      r.pos++;
      return obj;
    }
    if (ch(r) === '*' && ch(r, 1) === '*') {
      if (notes === null) throw new NotLiteral(r.pos);
      notes.push(`${context}: ${summary(skipExpression(r, 'python'))} is not a literal; left out`);
    } else {
      const key = pyKey(r, readPyValue(r));
      skipPySpace(r);
      expect(r, ':');
      skipPySpace(r);
      const at = r.pos;
      try {
        putKey(obj, key, readPyValue(r));
      } catch (e) {
        if (!(e instanceof NotLiteral) || notes === null) throw e;
        r.pos = at;
        notes.push(
          `${context}: ${key} = ${summary(skipExpression(r, 'python'))} is not a literal; left out`,
        );
      }
    }
    skipPySpace(r);
    if (ch(r) === ',') r.pos++;
    else if (ch(r) !== '}') fail(r, 'Expected "," or "}"');
  }
}

function readPySequence(r: Reader, close: string): unknown[] {
  r.pos++;
  const out: unknown[] = [];
  for (;;) {
    skipPySpace(r);
    if (ch(r) === close) {
      r.pos++;
      return out;
    }
    if (ch(r) === '*') throw new NotLiteral(r.pos);
    out.push(readPyValue(r));
    skipPySpace(r);
    if (ch(r) === ',') r.pos++;
    else if (ch(r) !== close) fail(r, `Expected "," or "${close}"`);
  }
}

function readPyValue(r: Reader): unknown {
  const value = readPyAtom(r);
  // Anything after a literal other than a separator makes it an expression (a + b, x.y, f()).
  const save = r.pos;
  skipPySpace(r);
  const next = ch(r);
  r.pos = save;
  if (next !== '' && !',:}])'.includes(next)) throw new NotLiteral(r.pos);
  return value;
}

function readPyAtom(r: Reader): unknown {
  skipPySpace(r);
  const c = ch(r);
  if (c === '{') return readPyDict(r, null, '');
  if (c === '[') return readPySequence(r, ']');
  if (c === '(') {
    const start = r.pos;
    const items = readPySequence(r, ')');
    // (x) is x; (x,) and (x, y) are tuples, which json.dumps writes as lists.
    const inner = r.src.slice(start + 1, r.pos - 1).trim();
    return items.length === 1 && !inner.endsWith(',') ? items[0] : items;
  }
  if (isPyStringStart(r)) {
    let s = readPyStringBody(r, true);
    for (;;) {
      const save = r.pos;
      skipPySpace(r);
      if (!isPyStringStart(r)) {
        r.pos = save;
        return s;
      }
      s += readPyStringBody(r, true);
    }
  }
  if (c === '-' || c === '+') {
    r.pos++;
    skipPySpace(r);
    if (!/[\d.]/.test(ch(r))) throw new NotLiteral(r.pos);
    return readPyNumber(r, c === '-' ? -1 : 1);
  }
  if (/[\d.]/.test(c)) return readPyNumber(r, 1);
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(r.src.slice(r.pos));
  if (word) {
    const w = word[0];
    const after = r.src.slice(r.pos + w.length).match(/^\s*(.)/)?.[1] ?? '';
    if (['True', 'False', 'None'].includes(w) && (after === '' || !'.(['.includes(after))) {
      r.pos += w.length;
      return w === 'True' ? true : w === 'False' ? false : null;
    }
    throw new NotLiteral(r.pos);
  }
  return fail(r, 'Unexpected character');
}

/** Reads one Python literal that fills `src`. */
export function parsePythonLiteral(src: string): unknown {
  const r: Reader = { src, pos: 0 };
  try {
    const v = readPyValue(r);
    skipPySpace(r);
    if (r.pos < src.length) fail(r, 'Unexpected text after the value');
    return v;
  } catch (e) {
    if (e instanceof NotLiteral) throw new LiteralError('Not a literal', e.pos);
    throw e;
  }
}

export interface CallArguments {
  /** Keyword arguments (Python) or the object's properties (JavaScript), in order. */
  entries: [string, unknown][];
  notes: string[];
}

/** Reads the keyword arguments of a Python call; `open` is the index just after "(". */
export function parsePythonKwargs(src: string, open: number): CallArguments {
  const r: Reader = { src, pos: open };
  const entries: [string, unknown][] = [];
  const notes: string[] = [];
  for (;;) {
    skipPySpace(r);
    if (ch(r) === ')') return { entries, notes };
    if (r.pos >= src.length) fail(r, 'Unterminated call');
    const name = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(src.slice(r.pos));
    if (!name) {
      const text = skipExpression(r, 'python');
      if (text === '') fail(r, 'Unexpected character');
      notes.push(
        `the argument ${summary(text)} is not a keyword argument with a literal value; left out`,
      );
    } else {
      const key = name[1]!;
      r.pos += name[0].length;
      skipPySpace(r);
      const at = r.pos;
      try {
        entries.push([
          key,
          ch(r) === '{' && key === 'extra_body' ? readPyDict(r, notes, key) : readPyValue(r),
        ]);
      } catch (e) {
        if (!(e instanceof NotLiteral)) throw e;
        r.pos = at;
        notes.push(`${key}=${summary(skipExpression(r, 'python'))} is not a literal; left out`);
      }
    }
    skipPySpace(r);
    if (ch(r) === ',') r.pos++;
    else if (ch(r) !== ')') fail(r, 'Expected "," or ")"');
  }
}

// ================================================================ JavaScript

function skipJsSpace(r: Reader): void {
  for (;;) {
    const c = ch(r);
    if (/[\s\uFEFF]/.test(c) && c !== '') r.pos++;
    else if (c === '/' && ch(r, 1) === '/') {
      while (r.pos < r.src.length && !/[\n\r\u2028\u2029]/.test(ch(r))) r.pos++;
    } else if (c === '/' && ch(r, 1) === '*') {
      const end = r.src.indexOf('*/', r.pos + 2);
      if (end < 0) fail(r, 'Unterminated comment');
      r.pos = end + 2;
    } else return;
  }
}

/** Reads a quoted or template string; a template with ${...} is not a literal. */
function readJsString(r: Reader, skipOnly = false): string {
  const q = ch(r);
  const start = r.pos;
  r.pos++;
  let out = '';
  for (;;) {
    if (r.pos >= r.src.length) {
      r.pos = start;
      fail(r, 'Unterminated string');
    }
    const c = ch(r);
    if (c === q) {
      r.pos++;
      return out;
    }
    if (q === '`' && c === '$' && ch(r, 1) === '{') {
      if (!skipOnly) throw new NotLiteral(start);
      r.pos += 2;
      skipExpression(r, 'js');
      r.pos++;
      continue;
    }
    if (q !== '`' && (c === '\n' || c === '\r')) fail(r, 'Line break in a string');
    if (c !== '\\') {
      out += q === '`' && c === '\r' ? '\n' : c;
      r.pos += q === '`' && c === '\r' && ch(r, 1) === '\n' ? 2 : 1;
      continue;
    }
    const e = ch(r, 1);
    r.pos += 2;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '0':
        if (/[0-9]/.test(ch(r))) fail(r, 'Octal escapes are not allowed');
        out += '\0';
        break;
      case 'x':
        out += String.fromCharCode(hexValue(r, r.src.slice(r.pos, r.pos + 2), '\\x'));
        r.pos += 2;
        break;
      case 'u':
        if (ch(r) === '{') {
          const end = r.src.indexOf('}', r.pos);
          if (end < 0) fail(r, 'Bad \\u{...} escape');
          out += codePointString(r, hexValue(r, r.src.slice(r.pos + 1, end), '\\u{}'));
          r.pos = end + 1;
        } else {
          out += String.fromCharCode(hexValue(r, r.src.slice(r.pos, r.pos + 4), '\\u'));
          r.pos += 4;
        }
        break;
      case '\r':
        if (ch(r) === '\n') r.pos++;
        break;
      case '\n':
      case '\u2028':
      case '\u2029':
        break;
      default:
        out += e;
    }
  }
}

const JS_IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/u;

function readJsNumber(r: Reader, sign: number): number {
  const rest = r.src.slice(r.pos);
  const radix = /^0([xXoObB])([0-9a-fA-F_]+)/.exec(rest);
  let value: number;
  if (radix) {
    r.pos += radix[0].length;
    const base = { x: 16, o: 8, b: 2 }[radix[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    value = parseInt(radix[2]!.replace(/_/g, ''), base);
  } else {
    const m = /^(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?/.exec(rest);
    if (!m) fail(r, 'Bad number');
    r.pos += m[0].length;
    value = Number(m[0].replace(/_/g, ''));
  }
  if (ch(r) === 'n' || JS_IDENT.test(ch(r))) throw new NotLiteral(r.pos);
  return sign * value;
}

function jsKey(r: Reader): string {
  const c = ch(r);
  if (c === '"' || c === "'") return readJsString(r);
  if (/[\d.]/.test(c)) return String(readJsNumber(r, 1));
  const m = JS_IDENT.exec(r.src.slice(r.pos));
  if (!m) {
    if (c === '[' || c === '.') throw new NotLiteral(r.pos);
    fail(r, 'Expected a property name');
  }
  r.pos += m[0].length;
  return m[0];
}

/** Reads an object literal; with `notes`, a non-literal property is skipped and noted. */
function readJsObject(r: Reader, notes: string[] | null, context: string): Record<string, unknown> {
  expect(r, '{');
  const obj: Record<string, unknown> = {};
  for (;;) {
    skipJsSpace(r);
    if (ch(r) === '}') {
      r.pos++;
      return obj;
    }
    const at = r.pos;
    try {
      if (ch(r) === '.' && ch(r, 1) === '.' && ch(r, 2) === '.') throw new NotLiteral(r.pos);
      const key = jsKey(r);
      skipJsSpace(r);
      if (ch(r) !== ':') throw new NotLiteral(at);
      r.pos++;
      const value = readJsValue(r);
      if (value !== UNDEFINED) putKey(obj, key, value);
    } catch (e) {
      if (!(e instanceof NotLiteral) || notes === null) throw e;
      r.pos = at;
      const prefix = context === '' ? '' : `${context}: `;
      notes.push(`${prefix}${summary(skipExpression(r, 'js'))} is not a literal; left out`);
    }
    skipJsSpace(r);
    if (ch(r) === ',') r.pos++;
    else if (ch(r) !== '}') fail(r, 'Expected "," or "}"');
  }
}

function readJsArray(r: Reader): unknown[] {
  expect(r, '[');
  const out: unknown[] = [];
  for (;;) {
    skipJsSpace(r);
    if (ch(r) === ']') {
      r.pos++;
      return out;
    }
    if (ch(r) === ',') fail(r, 'Holes in arrays are not JSON');
    if (ch(r) === '.' && ch(r, 1) === '.') throw new NotLiteral(r.pos);
    const v = readJsValue(r);
    out.push(v === UNDEFINED ? null : v);
    skipJsSpace(r);
    if (ch(r) === ',') r.pos++;
    else if (ch(r) !== ']') fail(r, 'Expected "," or "]"');
  }
}

function readJsValue(r: Reader): unknown {
  skipJsSpace(r);
  const c = ch(r);
  let value: unknown;
  if (c === '{') value = readJsObject(r, null, '');
  else if (c === '[') value = readJsArray(r);
  else if (c === '"' || c === "'" || c === '`') value = readJsString(r);
  else if (c === '-' || c === '+') {
    r.pos++;
    skipJsSpace(r);
    if (!/[\d.]/.test(ch(r))) throw new NotLiteral(r.pos);
    value = readJsNumber(r, c === '-' ? -1 : 1);
  } else if (/[\d.]/.test(c)) value = readJsNumber(r, 1);
  else {
    const m = JS_IDENT.exec(r.src.slice(r.pos));
    if (!m) return fail(r, 'Unexpected character');
    const consts: Record<string, unknown> = {
      true: true,
      false: false,
      null: null,
      undefined: UNDEFINED,
    };
    if (!Object.hasOwn(consts, m[0])) throw new NotLiteral(r.pos);
    r.pos += m[0].length;
    value = consts[m[0]];
  }
  // Anything after a literal other than a separator makes it an expression (a + b, x.y, f()).
  const save = r.pos;
  skipJsSpace(r);
  const next = ch(r);
  r.pos = save;
  if (next !== '' && !',}])'.includes(next)) throw new NotLiteral(r.pos);
  return value;
}

/** Reads a JavaScript object literal; `open` is the index of its "{". */
export function parseJsObject(src: string, open: number): CallArguments & { end: number } {
  const r: Reader = { src, pos: open };
  const notes: string[] = [];
  const obj = readJsObject(r, notes, '');
  return { entries: Object.entries(obj), notes, end: r.pos };
}

/** Reads one JavaScript literal that fills `src`. */
export function parseJsLiteral(src: string): unknown {
  const r: Reader = { src, pos: 0 };
  try {
    const v = readJsValue(r);
    skipJsSpace(r);
    if (r.pos < src.length) fail(r, 'Unexpected text after the value');
    return v === UNDEFINED ? null : v;
  } catch (e) {
    if (e instanceof NotLiteral) throw new LiteralError('Not a literal', e.pos);
    throw e;
  }
}

/** Skips spaces and comments of `lang` from `pos`; returns the next position. */
export function skipSpace(src: string, pos: number, lang: 'python' | 'js'): number {
  const r: Reader = { src, pos };
  if (lang === 'python') skipPySpace(r);
  else skipJsSpace(r);
  return r.pos;
}
