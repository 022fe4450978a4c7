/**
 * Python semantics for template values: str(), repr(), ==, truthiness, json.dumps, the str
 * methods chat templates call, and time.strftime. Transformers renders chat templates with
 * Python's Jinja2, so these decide what the prompt text is; @huggingface/jinja uses
 * JavaScript's rules in several of these places (see pyInterpreter.ts).
 */
import {
  type RV,
  isBool,
  isDict,
  isFloat,
  isFunc,
  isInt,
  isNamespace,
  isNone,
  isNumeric,
  isSeq,
  isStr,
  isUndef,
  numericValue,
} from './runtime';

/** An error that Python would raise while rendering (TypeError, ValueError, ...). */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

/** Python's type name of a value, for error messages. */
export function pyTypeName(v: RV): string {
  if (isStr(v)) return 'str';
  if (isInt(v)) return 'int';
  if (isFloat(v)) return 'float';
  if (isBool(v)) return 'bool';
  if (isNone(v)) return 'NoneType';
  if (isUndef(v)) return 'Undefined';
  if (v.type === 'TupleValue') return 'tuple';
  if (isSeq(v)) return 'list';
  if (isDict(v)) return 'dict';
  if (isNamespace(v)) return 'Namespace';
  if (isFunc(v)) return 'function';
  return v.type;
}

// ---------------------------------------------------------------------------------------------
// Whitespace and case, as Python's str methods see them

/** Characters for which Python's str.isspace() is true. */
const PY_SPACE = new Set(
  [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
    0x205f, 0x3000,
  ].map((c) => String.fromCodePoint(c)),
);

export function isPySpace(ch: string): boolean {
  return PY_SPACE.has(ch);
}

/** str.strip / lstrip / rstrip with Python's whitespace, or with the given characters. */
export function pyStrip(s: string, chars: string | null, left = true, right = true): string {
  const cps = Array.from(s);
  const set = chars === null ? PY_SPACE : new Set(Array.from(chars));
  let start = 0;
  let end = cps.length;
  if (left) while (start < end && set.has(cps[start] as string)) start++;
  if (right) while (end > start && set.has(cps[end - 1] as string)) end--;
  return cps.slice(start, end).join('');
}

/** str.split / rsplit. */
export function pySplit(
  s: string,
  sep: string | null,
  maxsplit: number,
  fromRight = false,
): string[] {
  if (sep === null) {
    const words: string[] = [];
    const cps = Array.from(s);
    if (!fromRight) {
      let i = 0;
      while (i < cps.length) {
        while (i < cps.length && isPySpace(cps[i] as string)) i++;
        if (i >= cps.length) break;
        if (maxsplit >= 0 && words.length >= maxsplit) {
          words.push(cps.slice(i).join(''));
          break;
        }
        let j = i;
        while (j < cps.length && !isPySpace(cps[j] as string)) j++;
        words.push(cps.slice(i, j).join(''));
        i = j;
      }
      return words;
    }
    let i = cps.length;
    while (i > 0) {
      while (i > 0 && isPySpace(cps[i - 1] as string)) i--;
      if (i <= 0) break;
      if (maxsplit >= 0 && words.length >= maxsplit) {
        words.unshift(cps.slice(0, i).join(''));
        break;
      }
      let j = i;
      while (j > 0 && !isPySpace(cps[j - 1] as string)) j--;
      words.unshift(cps.slice(j, i).join(''));
      i = j;
    }
    return words;
  }
  if (sep === '') throw new PyError('ValueError', 'empty separator');
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length - 1 <= maxsplit) return parts;
  if (!fromRight) return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
  const keep = parts.length - maxsplit;
  return [parts.slice(0, keep).join(sep), ...parts.slice(keep)];
}

const LINE_BREAKS = new Set(
  [0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029].map((c) =>
    String.fromCharCode(c),
  ),
);

/** str.splitlines() (without keepends). */
export function pySplitLines(s: string): string[] {
  const lines: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (!LINE_BREAKS.has(ch)) {
      cur += ch;
      continue;
    }
    if (ch === '\r' && s[i + 1] === '\n') i++;
    lines.push(cur);
    cur = '';
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

const isCased = (ch: string): boolean => ch.toLowerCase() !== ch.toUpperCase();

/** str.title(): words start after any uncased character; the rest is lower-cased. */
export function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    if (isCased(ch)) {
      out += prevCased ? ch.toLowerCase() : ch.toUpperCase();
      prevCased = true;
    } else {
      out += ch;
      prevCased = false;
    }
  }
  return out;
}

/** str.capitalize(): first character upper-cased, the rest lower-cased. */
export function pyCapitalize(s: string): string {
  const cps = Array.from(s);
  if (cps.length === 0) return '';
  return (cps[0] as string).toUpperCase() + cps.slice(1).join('').toLowerCase();
}

/** str.replace(old, new, count). */
export function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (count === 0) return s;
  if (old === '') {
    const cps = Array.from(s);
    let out = '';
    let n = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (count < 0 || n < count) {
        out += rep;
        n++;
      }
      if (i < cps.length) out += cps[i];
    }
    return out;
  }
  const parts = s.split(old);
  if (count < 0 || parts.length - 1 <= count) return parts.join(rep);
  return parts.slice(0, count + 1).join(rep) + old + parts.slice(count + 1).join(old);
}

// ---------------------------------------------------------------------------------------------
// str() and repr()

/** str(int): JavaScript switches to exponent notation at 1e21, Python never does. */
export function pyIntStr(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/** repr(float) as Python prints it: shortest round-trip digits, exponent outside 1e-4..1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const digits = mant.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** repr(str): Python's quoting and escaping. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && (cp < 0x20 || cp === 0x7f || NON_PRINTABLE.test(ch))) {
      if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/** repr() of a value, as Python prints items inside a list or dict. */
export function pyRepr(v: RV): string {
  if (isStr(v)) return pyStrRepr(v.value);
  if (isUndef(v)) return 'Undefined';
  return pyStr(v);
}

/** str() of a value: what `{{ value }}`, `~` and the `string` filter print. */
export function pyStr(v: RV): string {
  if (isStr(v)) return v.value;
  if (isInt(v)) return pyIntStr(v.value);
  if (isFloat(v)) return pyFloatRepr(v.value);
  if (isBool(v)) return v.value ? 'True' : 'False';
  if (isNone(v)) return 'None';
  if (isUndef(v)) return '';
  if (v.type === 'TupleValue' && isSeq(v)) {
    const items = v.value.map(pyRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (isSeq(v)) return `[${v.value.map(pyRepr).join(', ')}]`;
  if (isDict(v)) {
    const items = [...v.value].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`);
    return `{${items.join(', ')}}`;
  }
  if (isNamespace(v)) {
    const items = [...v.value].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`);
    return `<Namespace {${items.join(', ')}}>`;
  }
  if (isFunc(v)) return '<function>';
  return String(v.value);
}

/**
 * printf-style `fmt % args` (and Jinja2's `format` filter): %s %r %d %i %f %x %X %o %e %%,
 * with flags, width, precision and `%(name)s` keys.
 */
export function pyPercentFormat(fmt: string, args: RV): string {
  const positional = args.type === 'TupleValue' && isSeq(args) ? args.value : [args];
  let next = 0;
  const take = (key: string | undefined): RV => {
    if (key !== undefined) {
      if (!isDict(args)) throw new PyError('TypeError', 'format requires a mapping');
      const v = args.value.get(key);
      if (v === undefined) throw new PyError('KeyError', pyStrRepr(key));
      return v;
    }
    const v = positional[next++];
    if (v === undefined) throw new PyError('TypeError', 'not enough arguments for format string');
    return v;
  };
  const out = fmt.replace(
    /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sridfFxXoeE%])/g,
    (
      _m,
      key: string | undefined,
      flags: string,
      width: string | undefined,
      prec: string | undefined,
      conv: string,
    ) => {
      if (conv === '%') return '%';
      const v = take(key);
      const num = (): number => {
        if (!isNumeric(v)) {
          throw new PyError(
            'TypeError',
            `%${conv} format: a real number is required, not ${pyTypeName(v)}`,
          );
        }
        return numericValue(v);
      };
      let body: string;
      switch (conv) {
        case 's':
          body = pyStr(v);
          if (prec !== undefined) body = Array.from(body).slice(0, Number(prec)).join('');
          break;
        case 'r':
          body = pyRepr(v);
          break;
        case 'd':
        case 'i':
          body = pyIntStr(Math.trunc(num()));
          break;
        case 'f':
        case 'F':
          body = num().toFixed(prec === undefined ? 6 : Number(prec));
          break;
        case 'e':
        case 'E': {
          const [m, e] = num()
            .toExponential(prec === undefined ? 6 : Number(prec))
            .split('e') as [string, string];
          const exp = Number(e);
          body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
          if (conv === 'E') body = body.toUpperCase();
          break;
        }
        default: {
          const n = Math.trunc(num());
          const radix = conv === 'o' ? 8 : 16;
          body = Math.abs(n).toString(radix);
          if (conv === 'X') body = body.toUpperCase();
          if (n < 0) body = '-' + body;
        }
      }
      if (flags.includes('+') && /^[0-9]/.test(body) && 'difFeE'.includes(conv)) body = '+' + body;
      const w = width === undefined ? 0 : Number(width);
      if (body.length >= w) return body;
      if (flags.includes('-')) return body.padEnd(w);
      if (flags.includes('0') && 'difFeExXo'.includes(conv)) {
        const sign = /^[-+]/.test(body) ? (body[0] as string) : '';
        return sign + body.slice(sign.length).padStart(w - sign.length, '0');
      }
      return body.padStart(w);
    },
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Truthiness and equality

export function pyBool(v: RV): boolean {
  if (isStr(v)) return v.value.length > 0;
  if (isNumeric(v)) {
    const n = numericValue(v);
    return n !== 0;
  }
  if (isNone(v) || isUndef(v)) return false;
  if (isSeq(v)) return v.value.length > 0;
  if (isDict(v)) return v.value.size > 0;
  return true;
}

export function pyEquals(a: RV, b: RV): boolean {
  if (isNumeric(a) && isNumeric(b)) return numericValue(a) === numericValue(b);
  if (isStr(a) && isStr(b)) return a.value === b.value;
  if (isNone(a) || isNone(b)) return isNone(a) && isNone(b);
  if (isUndef(a) || isUndef(b)) return isUndef(a) && isUndef(b);
  if (isSeq(a) && isSeq(b)) {
    if (a.type !== b.type || a.value.length !== b.value.length) return false;
    return a.value.every((x, i) => pyEquals(x, b.value[i] as RV));
  }
  if (isDict(a) && isDict(b)) {
    if (a.value.size !== b.value.size) return false;
    for (const [k, x] of a.value) {
      const y = b.value.get(k);
      if (y === undefined || !pyEquals(x, y)) return false;
    }
    return true;
  }
  return a === b;
}

/** The items `for x in value` visits, as Python iterates them. */
export function pyIterate(v: RV, strToRv: (s: string) => RV): RV[] {
  if (isSeq(v)) return v.value;
  if (isDict(v)) return [...(v.value as Map<string, RV>).keys()].map((k) => strToRv(k));
  if (isStr(v)) return Array.from(v.value as string, (ch) => strToRv(ch));
  if (isUndef(v)) return [];
  throw new PyError('TypeError', `'${pyTypeName(v)}' object is not iterable`);
}

// ---------------------------------------------------------------------------------------------
// json.dumps, as transformers' tojson filter calls it (ensure_ascii=False by default)

export interface JsonOptions {
  ensureAscii: boolean;
  indent: string | null;
  separators: [string, string] | null;
  sortKeys: boolean;
}

function jsonString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || (ensureAscii && code > 0x7e))
      out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pyFloatRepr(x);
}

const byCodePoint = (a: string, b: string): number => {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

export function pyJsonDumps(v: RV, opts: JsonOptions): string {
  const [itemSep, keySep] = opts.separators ?? (opts.indent === null ? [', ', ': '] : [',', ': ']);
  const walk = (x: RV, level: number): string => {
    if (isNone(x)) return 'null';
    if (isBool(x)) return x.value ? 'true' : 'false';
    if (isInt(x)) return pyIntStr(x.value);
    if (isFloat(x)) return jsonFloat(x.value);
    if (isStr(x)) return jsonString(x.value, opts.ensureAscii);
    const open = (items: string[], l: string, r: string): string => {
      if (items.length === 0) return l + r;
      if (opts.indent === null) return l + items.join(itemSep) + r;
      const inner = '\n' + opts.indent.repeat(level + 1);
      return l + inner + items.join(itemSep + inner) + '\n' + opts.indent.repeat(level) + r;
    };
    if (isSeq(x))
      return open(
        x.value.map((y) => walk(y, level + 1)),
        '[',
        ']',
      );
    if (isDict(x)) {
      let entries = [...x.value];
      if (opts.sortKeys) entries = entries.sort(([a], [b]) => byCodePoint(a, b));
      const items = entries.map(
        ([k, y]) => jsonString(k, opts.ensureAscii) + keySep + walk(y, level + 1),
      );
      return open(items, '{', '}');
    }
    throw new PyError('TypeError', `Object of type ${pyTypeName(x)} is not JSON serializable`);
  };
  return walk(v, 0);
}

// ---------------------------------------------------------------------------------------------
// time.strftime in the C locale (what datetime.now().strftime prints on the servers)

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  const a = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  const b = Date.UTC(start.getFullYear(), 0, 1);
  return Math.round((a - b) / 86_400_000) + 1;
}

/** Formats a local time with Python's strftime codes (C locale, glibc's %-X extension). */
export function pyStrftime(fmt: string, d: Date): string {
  const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);
  const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  const week = (firstDay: number): number => {
    const jan1 = new Date(d.getFullYear(), 0, 1).getDay();
    const offset = (7 + firstDay - jan1) % 7; // days before the first `firstDay`
    return Math.floor((dayOfYear(d) - 1 - offset + 7) / 7);
  };
  const code = (c: string, noPad: boolean): string | null => {
    const p = (n: number, w = 2): string => (noPad ? String(n) : pad(n, w));
    switch (c) {
      case 'a':
        return (DAYS[d.getDay()] as string).slice(0, 3);
      case 'A':
        return DAYS[d.getDay()] as string;
      case 'b':
      case 'h':
        return (MONTHS[d.getMonth()] as string).slice(0, 3);
      case 'B':
        return MONTHS[d.getMonth()] as string;
      case 'd':
        return p(d.getDate());
      case 'e':
        return pad(d.getDate(), 2, ' ');
      case 'm':
        return p(d.getMonth() + 1);
      case 'y':
        return p(d.getFullYear() % 100);
      case 'Y':
        return String(d.getFullYear());
      case 'H':
        return p(d.getHours());
      case 'I':
        return p(h12);
      case 'M':
        return p(d.getMinutes());
      case 'S':
        return p(d.getSeconds());
      case 'f':
        return pad(d.getMilliseconds() * 1000, 6);
      case 'p':
        return d.getHours() < 12 ? 'AM' : 'PM';
      case 'j':
        return p(dayOfYear(d), 3);
      case 'w':
        return String(d.getDay());
      case 'u':
        return String(d.getDay() === 0 ? 7 : d.getDay());
      case 'U':
        return p(week(0));
      case 'W':
        return p(week(1));
      case 'c':
        return pyStrftime('%a %b %e %H:%M:%S %Y', d);
      case 'x':
        return pyStrftime('%m/%d/%y', d);
      case 'X':
        return pyStrftime('%H:%M:%S', d);
      case 'D':
        return pyStrftime('%m/%d/%y', d);
      case 'F':
        return pyStrftime('%Y-%m-%d', d);
      case 'T':
        return pyStrftime('%H:%M:%S', d);
      case 'R':
        return pyStrftime('%H:%M', d);
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'z':
      case 'Z':
        return ''; // datetime.now() is naive: no zone
      case '%':
        return '%';
      default:
        return null;
    }
  };
  return fmt.replace(/%(-?)(.)/gsu, (whole: string, dash: string, c: string) => {
    return code(c, dash === '-') ?? whole;
  });
}
