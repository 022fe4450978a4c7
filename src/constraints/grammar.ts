/**
 * A small grammar AST with two readers and two printers.
 *
 * Readers:
 * - `parseGbnf`: llama.cpp's GBNF, with llama.cpp's own rules (rule names of letters, digits and
 *   "-", escapes \x.. \u.... \U........ \t \r \n \\ \" \[ \] \-, a rule ends at a newline unless
 *   inside parentheses or after "|", "." is any character, repetition {m,n} up to 2000).
 * - `parseXGrammarPrinted`: the EBNF that xgrammar's `Grammar.toString()` prints (rule names with
 *   "_" and ".", C-style escapes, a lookahead assertion `(= ...)` at the end of a rule).
 *
 * Printers:
 * - `printGrammar(g, 'gbnf')`: text that llama.cpp's parser reads (lookaheads dropped: they are
 *   only speed hints that the surrounding grammar already implies).
 * - `printGrammar(g, 'xgrammar')`: the same text with lookaheads kept, for xgrammar.
 * Both use only escapes that the two parsers read the same way (never \x, which xgrammar reads
 * greedily: "\x41B" is one character there and two in llama.cpp).
 */
import { GrammarSyntaxError } from './errors';

export type Expr =
  | { t: 'seq'; items: Expr[] }
  | { t: 'alt'; alts: Expr[] }
  | { t: 'lit'; cps: number[] }
  | { t: 'cls'; neg: boolean; ranges: Array<[number, number]> }
  | { t: 'any' }
  | { t: 'ref'; name: string }
  | { t: 'rep'; body: Expr; min: number; max: number | null };

export interface Rule {
  name: string;
  body: Expr;
  /** xgrammar lookahead assertion; dropped when printing GBNF. */
  lookahead?: Expr;
}

export interface Grammar {
  rules: Rule[];
}

export const MAX_CODE_POINT = 0x10ffff;
/** llama.cpp refuses repetition counts above this (and silently unbounds a larger maximum). */
export const MAX_REPETITION = 2000;

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

export const seq = (...items: Expr[]): Expr =>
  items.length === 1 ? items[0]! : { t: 'seq', items };
export const alt = (...alts: Expr[]): Expr => (alts.length === 1 ? alts[0]! : { t: 'alt', alts });
export const lit = (text: string): Expr => ({
  t: 'lit',
  cps: Array.from(text, (c) => c.codePointAt(0)!),
});
export const ref = (name: string): Expr => ({ t: 'ref', name });
export const rep = (body: Expr, min: number, max: number | null): Expr => ({
  t: 'rep',
  body,
  min,
  max,
});
export const cls = (ranges: Array<[number, number]>, neg = false): Expr => ({
  t: 'cls',
  neg,
  ranges,
});
export const EMPTY: Expr = { t: 'seq', items: [] };

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

type Dialect = 'gbnf' | 'xgrammar-printed';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isGbnfNameChar = (c: string | undefined): boolean =>
  c !== undefined && /[A-Za-z0-9-]/.test(c);
// xgrammar prints rule names derived from schema paths ("defs_my-thing", "defs_a.bc").
const isPrintedNameChar = (c: string | undefined): boolean =>
  c !== undefined && !/[\s"[\]()|*+?{},#=:<!\\]/.test(c);

class Parser {
  private pos = 0;
  private readonly rules: Rule[] = [];

  constructor(
    private readonly src: string,
    private readonly dialect: Dialect,
  ) {}

  parse(): Grammar {
    this.skipSpace(true);
    while (this.pos < this.src.length) this.parseRule();
    return { rules: this.rules };
  }

  private where(at = this.pos): string {
    const before = this.src.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    return `line ${line}, column ${col}`;
  }

  private fail(message: string, at = this.pos): never {
    const near = JSON.stringify(this.src.slice(at, at + 20));
    throw new GrammarSyntaxError(`${message} at ${this.where(at)} (near ${near})`);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private skipSpace(newlineOk: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || (newlineOk && (c === '\r' || c === '\n'))) {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < this.src.length && this.peek() !== '\r' && this.peek() !== '\n')
          this.pos++;
      } else {
        return;
      }
    }
  }

  private isNameChar(c: string | undefined): boolean {
    return this.dialect === 'gbnf' ? isGbnfNameChar(c) : isPrintedNameChar(c);
  }

  private parseName(): string {
    const start = this.pos;
    while (this.isNameChar(this.peek())) this.pos++;
    if (this.pos === start) this.fail('expecting a rule name');
    return this.src.slice(start, this.pos);
  }

  private parseRule(): void {
    const name = this.parseName();
    this.skipSpace(false);
    if (this.src.slice(this.pos, this.pos + 3) !== '::=') this.fail('expecting "::="');
    this.pos += 3;
    this.skipSpace(true);
    const body = this.parseAlternates(false);
    const rule: Rule = { name, body };
    if (this.dialect === 'xgrammar-printed' && this.peek() === '(' && this.peek(1) === '=') {
      this.pos += 2;
      this.skipSpace(true);
      rule.lookahead = this.parseAlternates(true);
      if (this.peek() !== ')') this.fail('expecting ")" closing the lookahead');
      this.pos++;
      this.skipSpace(false);
    }
    const c = this.peek();
    if (c === '\r') this.pos += this.peek(1) === '\n' ? 2 : 1;
    else if (c === '\n') this.pos++;
    else if (c !== undefined) this.fail('expecting newline or end of grammar');
    this.skipSpace(true);
    this.rules.push(rule);
  }

  private parseAlternates(nested: boolean): Expr {
    const alts = [this.parseSequence(nested)];
    while (this.peek() === '|') {
      this.pos++;
      this.skipSpace(true);
      alts.push(this.parseSequence(nested));
    }
    return alt(...alts);
  }

  private parseSequence(nested: boolean): Expr {
    const items: Expr[] = [];
    const quantify = (min: number, max: number | null, at: number): void => {
      const last = items.pop();
      if (last === undefined) this.fail('expecting an item before the repetition operator', at);
      items.push(rep(last, min, max));
    };
    for (;;) {
      const c = this.peek();
      const at = this.pos;
      if (c === '"') {
        this.pos++;
        const cps: number[] = [];
        while (this.peek() !== '"') {
          if (this.peek() === undefined) this.fail('unterminated string literal', at);
          cps.push(this.parseChar());
        }
        this.pos++;
        items.push({ t: 'lit', cps });
      } else if (c === '[') {
        this.pos++;
        let neg = false;
        if (this.peek() === '^') {
          neg = true;
          this.pos++;
        }
        const ranges: Array<[number, number]> = [];
        while (this.peek() !== ']') {
          if (this.peek() === undefined) this.fail('unterminated character class', at);
          const lo = this.parseChar();
          if (this.peek() === '-' && this.peek(1) !== ']') {
            if (this.peek(1) === undefined) this.fail('unterminated character class', at);
            this.pos++;
            const hi = this.parseChar();
            ranges.push([lo, hi]);
          } else {
            ranges.push([lo, lo]);
          }
        }
        this.pos++;
        if (ranges.length === 0) {
          // llama.cpp reads "[]" / "[^]" as nothing at all (an empty item), xgrammar differently.
          this.fail('empty character class', at);
        }
        items.push(cls(ranges, neg));
      } else if (c === '<' || c === '!') {
        if (this.dialect === 'gbnf') {
          this.fail(
            'token references (<...>, !<...>) are llama.cpp-only: the WebGPU engine (xgrammar) cannot read them',
          );
        }
        break;
      } else if (c === '(') {
        if (this.dialect === 'xgrammar-printed' && this.peek(1) === '=') break; // rule lookahead
        this.pos++;
        this.skipSpace(true);
        const inner = this.parseAlternates(true);
        if (this.peek() !== ')') this.fail('expecting ")"');
        this.pos++;
        // keep grouping visible so that a following quantifier applies to the whole group
        items.push(inner.t === 'seq' && inner.items.length === 1 ? inner.items[0]! : inner);
      } else if (c === '.' && this.dialect === 'gbnf') {
        this.pos++;
        items.push({ t: 'any' });
      } else if (c === '*' || c === '+' || c === '?') {
        this.pos++;
        quantify(c === '+' ? 1 : 0, c === '?' ? 1 : null, at);
      } else if (c === '{') {
        this.pos++;
        this.skipSpace(nested);
        const min = this.parseInt();
        this.skipSpace(nested);
        let max: number | null = min;
        if (this.peek() === ',') {
          this.pos++;
          this.skipSpace(nested);
          max = isDigit(this.peek()) ? this.parseInt() : null;
          this.skipSpace(nested);
        }
        if (this.peek() !== '}') this.fail('expecting "}"');
        this.pos++;
        if (this.dialect === 'gbnf' && (min > MAX_REPETITION || (max ?? 0) > MAX_REPETITION)) {
          this.fail(`repetition count above ${MAX_REPETITION} (llama.cpp's limit)`, at);
        }
        if (max !== null && max < min) this.fail('repetition maximum below its minimum', at);
        quantify(min, max, at);
      } else if (c !== undefined && this.isNameChar(c)) {
        items.push(ref(this.parseName()));
      } else {
        break;
      }
      this.skipSpace(nested);
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private parseInt(): number {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (start === this.pos) this.fail('expecting an integer');
    return Number(this.src.slice(start, this.pos));
  }

  private parseHex(digits: number): number {
    const text = this.src.slice(this.pos, this.pos + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(text)) {
      this.fail(`expecting ${digits} hex digits`);
    }
    this.pos += digits;
    const cp = parseInt(text, 16);
    if (cp > MAX_CODE_POINT) this.fail('code point above U+10FFFF');
    return cp;
  }

  /** One character of a literal or class, escapes resolved, as a code point. */
  private parseChar(): number {
    const c = this.peek();
    if (c !== '\\') {
      const cp = this.src.codePointAt(this.pos)!;
      this.pos += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const e = this.peek(1);
    this.pos += 2;
    switch (e) {
      case 'x':
        return this.parseHex(2);
      case 'u':
        return this.parseHex(4);
      case 'U':
        return this.parseHex(8);
      case 't':
        return 9;
      case 'r':
        return 13;
      case 'n':
        return 10;
      case '\\':
      case '"':
      case '[':
      case ']':
      case '-':
        return e.codePointAt(0)!;
    }
    if (this.dialect === 'xgrammar-printed') {
      const simple: Record<string, number> = {
        '0': 0,
        '/': 0x2f,
        b: 8,
        f: 12,
        v: 11,
        a: 7,
        "'": 0x27,
        '?': 0x3f,
        '^': 0x5e,
      };
      if (e !== undefined && e in simple) return simple[e]!;
    }
    this.pos -= 2;
    return this.fail(`unknown escape "\\${e ?? ''}"`);
  }
}

/** Parses llama.cpp GBNF exactly as llama.cpp's parser would accept it (syntax only). */
export function parseGbnf(src: string): Grammar {
  return new Parser(src, 'gbnf').parse();
}

/** Parses the EBNF that xgrammar's Grammar.toString() prints. */
export function parseXGrammarPrinted(src: string): Grammar {
  return new Parser(src, 'xgrammar-printed').parse();
}

// ---------------------------------------------------------------------------------------------
// Checks (what llama.cpp checks after parsing, plus what either engine would refuse)
// ---------------------------------------------------------------------------------------------

/** Returns a predicate: can this expression match the empty string? */
export function nullability(g: Grammar): (e: Expr) => boolean {
  const nullable = new Map<string, boolean>(g.rules.map((r) => [r.name, false]));
  const isNullable = (e: Expr): boolean => {
    switch (e.t) {
      case 'seq':
        return e.items.every(isNullable);
      case 'alt':
        return e.alts.some(isNullable);
      case 'lit':
        return e.cps.length === 0;
      case 'cls':
      case 'any':
        return false;
      case 'ref':
        return nullable.get(e.name) ?? false;
      case 'rep':
        return e.min === 0 || isNullable(e.body);
    }
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const r of g.rules) {
      if (!nullable.get(r.name) && isNullable(r.body)) {
        nullable.set(r.name, true);
        changed = true;
      }
    }
  }
  return isNullable;
}

/**
 * Throws GrammarSyntaxError when the grammar has no root rule, references an undefined rule,
 * defines a rule twice, or is left-recursive (llama.cpp refuses left recursion).
 */
export function checkGrammar(g: Grammar, root = 'root'): void {
  const defined = new Set<string>();
  for (const r of g.rules) {
    if (defined.has(r.name)) throw new GrammarSyntaxError(`rule "${r.name}" is defined twice`);
    defined.add(r.name);
  }
  if (!defined.has(root)) throw new GrammarSyntaxError(`the grammar has no "${root}" rule`);
  for (const r of g.rules) {
    for (const name of refsIn(r.body)) {
      if (!defined.has(name)) {
        throw new GrammarSyntaxError(`rule "${name}" is used in rule "${r.name}" but not defined`);
      }
    }
  }
  const exprNullable = nullability(g);
  const leftRefs = (e: Expr, out: Set<string>): void => {
    switch (e.t) {
      case 'seq':
        for (const item of e.items) {
          leftRefs(item, out);
          if (!exprNullable(item)) break;
        }
        return;
      case 'alt':
        for (const a of e.alts) leftRefs(a, out);
        return;
      case 'rep':
        leftRefs(e.body, out);
        return;
      case 'ref':
        out.add(e.name);
        return;
      default:
        return;
    }
  };
  const edges = new Map<string, Set<string>>();
  for (const r of g.rules) {
    const out = new Set<string>();
    leftRefs(r.body, out);
    edges.set(r.name, out);
  }
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const visit = (name: string, path: string[]): void => {
    state.set(name, 1);
    for (const next of edges.get(name) ?? []) {
      const s = state.get(next);
      if (s === 1) {
        const cycle = [...path.slice(path.indexOf(next)), next].join(' -> ');
        throw new GrammarSyntaxError(`left recursion (${cycle}) is not supported by llama.cpp`);
      }
      if (s === undefined) visit(next, [...path, next]);
    }
    state.set(name, 2);
  };
  for (const r of g.rules) if (!state.has(r.name)) visit(r.name, [r.name]);
}

export function refsIn(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.t) {
    case 'seq':
      e.items.forEach((i) => refsIn(i, out));
      break;
    case 'alt':
      e.alts.forEach((a) => refsIn(a, out));
      break;
    case 'rep':
      refsIn(e.body, out);
      break;
    case 'ref':
      out.add(e.name);
      break;
    default:
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transformations
// ---------------------------------------------------------------------------------------------

/** Applies `f` bottom-up to every expression of the grammar (rule bodies and lookaheads). */
export function mapExprs(g: Grammar, f: (e: Expr) => Expr): Grammar {
  const walk = (e: Expr): Expr => {
    switch (e.t) {
      case 'seq':
        return f({ t: 'seq', items: e.items.map(walk) });
      case 'alt':
        return f({ t: 'alt', alts: e.alts.map(walk) });
      case 'rep':
        return f({ ...e, body: walk(e.body) });
      default:
        return f(e);
    }
  };
  return {
    rules: g.rules.map((r) => {
      const rule: Rule = { name: r.name, body: walk(r.body) };
      if (r.lookahead) rule.lookahead = walk(r.lookahead);
      return rule;
    }),
  };
}

/** Renames rules (and every reference to them). */
export function renameRules(g: Grammar, rename: (name: string) => string): Grammar {
  const renamed = mapExprs(g, (e) => (e.t === 'ref' ? ref(rename(e.name)) : e));
  return { rules: renamed.rules.map((r) => ({ ...r, name: rename(r.name) })) };
}

/**
 * Makes every rule name a valid GBNF name (letters, digits, "-"), keeping names distinct and
 * `root` as it is. xgrammar reads the same names.
 */
export function sanitizeNames(g: Grammar): Grammar {
  const taken = new Set<string>();
  const map = new Map<string, string>();
  for (const r of g.rules) if (/^[A-Za-z0-9-]+$/.test(r.name)) taken.add(r.name);
  for (const r of g.rules) {
    if (/^[A-Za-z0-9-]+$/.test(r.name)) {
      map.set(r.name, r.name);
      continue;
    }
    const base = r.name.replace(/[^A-Za-z0-9-]/g, '-') || 'r';
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    taken.add(name);
    map.set(r.name, name);
  }
  return renameRules(g, (n) => map.get(n) ?? n);
}

export function dropLookaheads(g: Grammar): Grammar {
  return { rules: g.rules.map((r) => ({ name: r.name, body: r.body })) };
}

/** Does this class contain exactly the given code points? */
export function classIs(e: Expr, cps: number[]): boolean {
  if (e.t !== 'cls' || e.neg) return false;
  const set = new Set<number>();
  for (const [lo, hi] of e.ranges) {
    if (hi - lo > cps.length) return false;
    for (let c = lo; c <= hi; c++) set.add(c);
  }
  return set.size === cps.length && cps.every((c) => set.has(c));
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

export function normalizeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.map(([lo, hi]): [number, number] => [lo, hi]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** The code points (up to U+10FFFF) not in `ranges`. */
export function complementRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of normalizeRanges(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

export type PrintDialect = 'gbnf' | 'xgrammar';

const hex = (cp: number, width: number): string =>
  cp.toString(16).toUpperCase().padStart(width, '0');

function escapeCp(cp: number, inClass: boolean): string {
  switch (cp) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
  }
  if (inClass) {
    if (cp === 0x5d) return '\\]';
    if (cp === 0x5b) return '\\[';
    // "-" and "^" are read differently by position; spell them as code points
    if (cp === 0x2d || cp === 0x5e) return `\\u${hex(cp, 4)}`;
  }
  if (cp >= 0x20 && cp < 0x7f) return String.fromCodePoint(cp);
  return cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
}

function printClass(neg: boolean, ranges: Array<[number, number]>): string {
  const body = ranges
    .map(([lo, hi]) =>
      lo === hi ? escapeCp(lo, true) : `${escapeCp(lo, true)}-${escapeCp(hi, true)}`,
    )
    .join('');
  return `[${neg ? '^' : ''}${body}]`;
}

const isEmptyExpr = (e: Expr): boolean =>
  (e.t === 'lit' && e.cps.length === 0) || (e.t === 'seq' && e.items.every(isEmptyExpr));

function printExpr(e: Expr, dialect: PrintDialect, context: 'top' | 'item' | 'atom'): string {
  switch (e.t) {
    case 'lit':
      return `"${e.cps.map((c) => escapeCp(c, false)).join('')}"`;
    case 'cls': {
      if (e.neg && e.ranges.length === 0) return printExpr({ t: 'any' }, dialect, context);
      if (dialect === 'xgrammar' && !e.neg) {
        // xgrammar 0.1.27 reads non-ASCII members of a class as bytes: list them as literals
        const { ascii, nonAscii } = splitAscii(e.ranges);
        const count = nonAscii.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
        if (count > 0 && count <= NON_ASCII_LITERAL_LIMIT) {
          const alts: string[] = ascii.length > 0 ? [printClass(false, ascii)] : [];
          for (const [lo, hi] of nonAscii) {
            for (let c = lo; c <= hi; c++) alts.push(`"${escapeCp(c, false)}"`);
          }
          return alts.length === 1 ? alts[0]! : `(${alts.join(' | ')})`;
        }
      }
      return printClass(e.neg, e.ranges);
    }
    case 'any':
      return dialect === 'gbnf' ? '.' : '[^]';
    case 'ref':
      return e.name;
    case 'seq': {
      const items = e.items.filter((i) => !isEmptyExpr(i));
      if (items.length === 0) return '""';
      if (items.length === 1) return printExpr(items[0]!, dialect, context);
      const text = items.map((i) => printExpr(i, dialect, 'item')).join(' ');
      return context === 'atom' ? `(${text})` : text;
    }
    case 'alt': {
      const text = e.alts.map((a) => printExpr(a, dialect, 'top')).join(' | ');
      return context === 'top' ? text : `(${text})`;
    }
    case 'rep': {
      if (isEmptyExpr(e.body) || e.max === 0) return '""';
      const { min, max } = e;
      const suffix =
        max === null
          ? min === 0
            ? '*'
            : min === 1
              ? '+'
              : `{${min},}`
          : min === 0 && max === 1
            ? '?'
            : min === max
              ? `{${min}}`
              : `{${min},${max}}`;
      // a repeated repetition or a literal of several characters gets its own parentheses
      const wrap = e.body.t === 'rep' || (e.body.t === 'lit' && e.body.cps.length > 1);
      const inner = printExpr(e.body, dialect, 'atom');
      const body = wrap ? `(${inner})` : inner;
      return `${body}${suffix}`;
    }
  }
}

/**
 * xgrammar 0.1.27 (web) mis-handles character classes with non-ASCII members: a positive class
 * matches their bytes instead ("[\u0080-\u07ff]" allows no 2-byte character), and a negated
 * class clamps non-ASCII exclusions to U+007F. The printer lists up to this many non-ASCII
 * members of a positive class as literals; anything else cannot be given to xgrammar.
 */
export const NON_ASCII_LITERAL_LIMIT = 256;

function splitAscii(ranges: Array<[number, number]>): {
  ascii: Array<[number, number]>;
  nonAscii: Array<[number, number]>;
} {
  const ascii: Array<[number, number]> = [];
  const nonAscii: Array<[number, number]> = [];
  for (const [lo, hi] of normalizeRanges(ranges)) {
    if (lo <= 0x7f) ascii.push([lo, Math.min(hi, 0x7f)]);
    if (hi > 0x7f) nonAscii.push([Math.max(lo, 0x80), hi]);
  }
  return { ascii, nonAscii };
}

/** Can xgrammar enforce this class exactly (as printed by printGrammar)? */
export function xgrammarCanReadClass(ranges: Array<[number, number]>, neg: boolean): boolean {
  const { nonAscii } = splitAscii(ranges);
  if (nonAscii.length === 0) return true;
  if (neg) return false;
  return nonAscii.reduce((n, [lo, hi]) => n + hi - lo + 1, 0) <= NON_ASCII_LITERAL_LIMIT;
}

/** Classes of the grammar that xgrammar would not enforce exactly, printed as GBNF. */
export function xgrammarClassIssues(g: Grammar): string[] {
  const issues = new Set<string>();
  mapExprs(g, (e) => {
    if (
      e.t === 'cls' &&
      !(e.neg && e.ranges.length === 0) &&
      !xgrammarCanReadClass(e.ranges, e.neg)
    ) {
      issues.add(printClass(e.neg, e.ranges));
    }
    return e;
  });
  return [...issues];
}

export function printRule(r: Rule, dialect: PrintDialect): string {
  const body = printExpr(r.body, dialect, 'top');
  if (dialect === 'xgrammar' && r.lookahead) {
    return `${r.name} ::= ${body} (= ${printExpr(r.lookahead, dialect, 'top')})`;
  }
  return `${r.name} ::= ${body}`;
}

/** Prints the grammar, root rule first. Names must already be GBNF names (see sanitizeNames). */
export function printGrammar(g: Grammar, dialect: PrintDialect): string {
  const rules = [...g.rules].sort((a, b) => Number(b.name === 'root') - Number(a.name === 'root'));
  return rules.map((r) => printRule(r, dialect)).join('\n') + '\n';
}

/**
 * Rewrites every repetition whose count exceeds llama.cpp's limit (MAX_REPETITION) into an
 * equivalent expression whose counts stay within it: `x{a,b}` becomes `x{a}` (in blocks of at
 * most the limit) followed by `x{0,b-a}`, the latter as nested optional blocks
 * (`x{L} rest | x{0,L-1}`), so that a parser never has more than two ways to read a prefix.
 * xgrammar reads large counts itself; only the GBNF needs this.
 */
export function splitLongRepetitions(g: Grammar, limit = MAX_REPETITION): Grammar {
  const exact = (body: Expr, n: number): Expr[] => {
    const parts: Expr[] = [];
    for (let left = n; left > 0; left -= limit)
      parts.push(rep(body, Math.min(left, limit), Math.min(left, limit)));
    return parts;
  };
  const upTo = (body: Expr, n: number): Expr =>
    n <= limit
      ? rep(body, 0, n)
      : alt(seq(rep(body, limit, limit), upTo(body, n - limit)), rep(body, 0, limit - 1));
  return mapExprs(g, (e) => {
    if (e.t !== 'rep' || (e.min <= limit && (e.max === null || e.max <= limit))) return e;
    const head =
      e.min > limit ? exact(e.body, e.min) : e.min > 0 ? [rep(e.body, e.min, e.min)] : [];
    if (e.max === null) return seq(...head, rep(e.body, 0, null));
    const rest = e.max - e.min;
    return seq(...head, ...(rest > 0 ? [upTo(e.body, rest)] : []));
  });
}
