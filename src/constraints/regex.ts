/**
 * Regular expression -> grammar expression, through a real regex parser (regjsparser).
 *
 * The pattern must match the whole output (as vLLM's guided_regex does); "^" at the start and
 * "$" at the end are accepted and change nothing. Character classes: \d is [0-9], \w is
 * [A-Za-z0-9_], \s is ASCII white space [\t\n\v\f\r ], "." is any character except \n and \r.
 * Classes with non-ASCII characters must be a positive list of at most 256 of them (xgrammar). Python's named group "(?P<name>" is read as "(?<name>".
 * Refused with a ConstraintError naming the construct: backreferences, lookahead / lookbehind,
 * word boundaries, anchors elsewhere than at the ends, inline flags, Unicode property escapes,
 * unknown letter escapes (e.g. Python's \Z), classes that match nothing, and counts above 2000.
 */
// a default import: regjsparser is CommonJS, and plain Node (tsx tools) gives no named exports
import regjsparser from 'regjsparser';
import type { AstNode, CharacterClassBody, RootNode } from 'regjsparser';
import { ConstraintError } from './errors';
import {
  alt,
  cls,
  complementRanges,
  EMPTY,
  MAX_REPETITION,
  NON_ASCII_LITERAL_LIMIT,
  normalizeRanges,
  rep,
  seq,
  xgrammarCanReadClass,
} from './grammar';
import type { Expr } from './grammar';

type Ranges = Array<[number, number]>;
type Features = { namedGroups: true; lookbehind: true; modifiers: true };
type Node = AstNode<Features>;

const normalize = normalizeRanges;
export const complement = complementRanges;

const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
// ASCII white space (Python's and xgrammar's reading; JavaScript adds Unicode spaces)
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
// "." is any character but \n and \r (JavaScript also stops at U+2028/U+2029, Python only at
// \n); a class excluding only ASCII is one both engines enforce exactly.
const DOT_EXCLUDES: Ranges = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
];

function escapeRanges(value: 'd' | 'D' | 'w' | 'W' | 's' | 'S'): Ranges {
  const base =
    value === 'd' || value === 'D' ? DIGIT : value === 'w' || value === 'W' ? WORD : SPACE;
  return value === value.toLowerCase() ? base : complement(base);
}

/** Negated when that excludes only ASCII (what xgrammar reads right), positive otherwise. */
function classExpr(ranges: Ranges): Expr {
  const positive = normalize(ranges);
  const negative = complement(positive);
  return negative.every(([, hi]) => hi <= 0x7f) ? cls(negative, true) : cls(positive);
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
      root = regjsparser.parse(source, flags, {
        namedGroups: true,
        lookbehind: true,
        modifiers: true,
      });
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
        const expr = classExpr(set);
        if (expr.t === 'cls' && !xgrammarCanReadClass(expr.ranges, expr.neg)) {
          return this.fail(
            `character class "${n.raw}" cannot be enforced on the WebGPU engine: xgrammar 0.1.27 handles classes with non-ASCII characters only as a positive list of at most ${NON_ASCII_LITERAL_LIMIT} of them`,
          );
        }
        return expr;
      }
      case 'characterClassEscape':
        return classExpr(escapeRanges(n.value));
      case 'dot':
        return classExpr(complement(DOT_EXCLUDES));
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
