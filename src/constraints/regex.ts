/**
 * Regular expression -> grammar expression, through a real regex parser (regjsparser).
 *
 * The pattern must match the whole output (as vLLM's guided_regex does); "^" at the start and
 * "$" at the end are accepted and change nothing. Characters classes follow JavaScript: \d is
 * [0-9], \w is [A-Za-z0-9_], \s is JavaScript's white space set, "." is any character except
 * line terminators (\n \r U+2028 U+2029). Python's named group "(?P<name>" is read as "(?<name>".
 * Refused with a ConstraintError naming the construct: backreferences, lookahead / lookbehind,
 * word boundaries, anchors elsewhere than at the ends, inline flags, Unicode property escapes,
 * unknown letter escapes (e.g. Python's \Z), classes that match nothing, and counts above 2000.
 */
import { parse } from 'regjsparser';
import type { AstNode, CharacterClassBody, RootNode } from 'regjsparser';
import { ConstraintError } from './errors';
import { alt, cls, EMPTY, MAX_CODE_POINT, MAX_REPETITION, rep, seq } from './grammar';
import type { Expr } from './grammar';

type Ranges = Array<[number, number]>;
type Features = { namedGroups: true; lookbehind: true; modifiers: true };
type Node = AstNode<Features>;

function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: Ranges = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];

function escapeRanges(value: 'd' | 'D' | 'w' | 'W' | 's' | 'S'): Ranges {
  const base =
    value === 'd' || value === 'D' ? DIGIT : value === 'w' || value === 'W' ? WORD : SPACE;
  return value === value.toLowerCase() ? base : complement(base);
}

/** Prints a class compactly: the negated form when that is shorter. */
function classExpr(ranges: Ranges): Expr {
  const positive = normalize(ranges);
  const negative = complement(positive);
  return negative.length < positive.length ? cls(negative, true) : cls(positive);
}

export class RegexConverter {
  constructor(private readonly param: string) {}

  private fail(message: string): never {
    throw new ConstraintError(this.param, message);
  }

  convert(pattern: string): Expr {
    const source = pattern.replace(/\(\?P</g, '(?<');
    // Astral characters need the "u" flag to be one character; otherwise stay lenient like Python.
    const flags = /[\u{10000}-\u{10FFFF}]/u.test(source) ? 'u' : '';
    let root: RootNode<Features>;
    try {
      root = parse(source, flags, { namedGroups: true, lookbehind: true, modifiers: true });
    } catch (e) {
      const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      return this.fail(`invalid regular expression: ${message}`);
    }
    const alternatives = root.type === 'disjunction' ? root.body : [root];
    return alt(...alternatives.map((a) => this.topAlternative(a)));
  }

  /** Drops a leading "^" and trailing "$" of a top-level alternative. */
  private topAlternative(node: Node): Expr {
    let body: Node[] = node.type === 'alternative' ? [...node.body] : [node];
    while (body[0]?.type === 'anchor' && body[0].kind === 'start') body = body.slice(1);
    while (body.length > 0) {
      const last = body[body.length - 1]!;
      if (last.type === 'anchor' && last.kind === 'end') body = body.slice(0, -1);
      else break;
    }
    return this.sequence(body);
  }

  private sequence(nodes: Node[]): Expr {
    const items: Expr[] = [];
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0) items.push({ t: 'lit', cps: run });
      run = [];
    };
    for (const n of nodes) {
      if (n.type === 'value') {
        run.push(this.valueCodePoint(n));
      } else {
        flush();
        items.push(this.node(n));
      }
    }
    flush();
    return items.length === 0 ? EMPTY : seq(...items);
  }

  private valueCodePoint(n: Extract<Node, { type: 'value' }>): number {
    if (n.kind === 'identifier' && /^\\[A-Za-z]$/.test(n.raw)) {
      return this.fail(`unsupported escape "${n.raw}" in the regular expression`);
    }
    if (n.codePoint >= 0xd800 && n.codePoint <= 0xdfff) {
      return this.fail('lone surrogate in the regular expression');
    }
    return n.codePoint;
  }

  private node(n: Node): Expr {
    switch (n.type) {
      case 'value':
        return { t: 'lit', cps: [this.valueCodePoint(n)] };
      case 'alternative':
        return this.sequence(n.body);
      case 'disjunction':
        return alt(...n.body.map((b) => this.node(b)));
      case 'group': {
        if (n.behavior === 'lookahead' || n.behavior === 'negativeLookahead') {
          return this.fail(`lookahead "${n.raw}" is not supported in guided regular expressions`);
        }
        if (n.behavior === 'lookbehind' || n.behavior === 'negativeLookbehind') {
          return this.fail(`lookbehind "${n.raw}" is not supported in guided regular expressions`);
        }
        if (n.behavior === 'ignore' && n.modifierFlags) {
          return this.fail(
            `inline flags "${n.raw}" are not supported in guided regular expressions`,
          );
        }
        return this.sequence(n.body);
      }
      case 'quantifier': {
        const max = n.max ?? null;
        if (n.min > MAX_REPETITION || (max !== null && max > MAX_REPETITION)) {
          return this.fail(
            `repetition "${n.raw}" exceeds ${MAX_REPETITION}, the most llama.cpp's grammar allows`,
          );
        }
        return rep(this.node(n.body[0]), n.min, max);
      }
      case 'characterClass': {
        const ranges: Ranges = [];
        for (const item of n.body) ranges.push(...this.classItem(item));
        const set = n.negative ? complement(ranges) : normalize(ranges);
        if (set.length === 0) return this.fail(`character class "${n.raw}" matches nothing`);
        return classExpr(set);
      }
      case 'characterClassEscape':
        return classExpr(escapeRanges(n.value));
      case 'dot':
        return classExpr(complement(LINE_TERMINATORS));
      case 'anchor':
        if (n.kind === 'boundary' || n.kind === 'not-boundary') {
          return this.fail(
            `word boundary "${n.raw}" is not supported in guided regular expressions`,
          );
        }
        return this.fail(
          `anchor "${n.raw}" is only supported at the start ("^") or end ("$") of the pattern`,
        );
      case 'reference':
        return this.fail(`backreference "${n.raw}" is not supported in guided regular expressions`);
      case 'characterClassRange':
        return this.fail(`"${n.raw}" is not supported outside a character class`);
    }
  }

  private classItem(item: CharacterClassBody): Ranges {
    switch (item.type) {
      case 'value': {
        const cp = this.valueCodePoint(item);
        return [[cp, cp]];
      }
      case 'characterClassRange': {
        const lo = this.valueCodePoint(item.min);
        const hi = this.valueCodePoint(item.max);
        return [[lo, hi]];
      }
      case 'characterClassEscape':
        return escapeRanges(item.value);
      default:
        return this.fail(`"${item.raw}" is not supported in guided regular expressions`);
    }
  }
}

/** Converts a regex to a grammar expression; throws ConstraintError(param, ...) on failure. */
export function regexToExpr(pattern: string, param: string): Expr {
  return new RegexConverter(param).convert(pattern);
}
