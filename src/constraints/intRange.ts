/**
 * Exact grammar for the decimal integers in a range (either end may be open), in JSON's
 * spelling: no leading zeros, no "+", "-0" not produced. Works on decimal strings (BigInt), so
 * bounds beyond 64 bits are fine.
 */
import { alt, cls, EMPTY, lit, rep, seq } from './grammar';
import type { Expr } from './grammar';

const DIGIT = cls([[0x30, 0x39]]);
const digits = (n: number): Expr => (n === 0 ? EMPTY : n === 1 ? DIGIT : rep(DIGIT, n, n));
const digitClass = (lo: number, hi: number): Expr => cls([[0x30 + lo, 0x30 + hi]]);

/** Integers whose decimal strings have the same length n, between a and b (inclusive). */
function sameLength(a: string, b: string): Expr {
  if (a === b) return a.length === 0 ? EMPTY : lit(a);
  let i = 0;
  while (a[i] === b[i]) i++;
  const prefix = a.slice(0, i);
  const ai = Number(a[i]);
  const bi = Number(b[i]);
  const tailA = a.slice(i + 1);
  const tailB = b.slice(i + 1);
  const m = tailA.length;
  const alts: Expr[] = [];
  let low = ai;
  let high = bi;
  if (!/^0*$/.test(tailA)) {
    alts.push(seq(lit(a[i]!), sameLength(tailA, '9'.repeat(m))));
    low = ai + 1;
  }
  const upper = !/^9*$/.test(tailB) ? seq(lit(b[i]!), sameLength('0'.repeat(m), tailB)) : null;
  if (upper) high = bi - 1;
  if (low <= high) alts.push(seq(digitClass(low, high), digits(m)));
  if (upper) alts.push(upper);
  const body = alt(...alts);
  return prefix ? seq(lit(prefix), body) : body;
}

/** Non-negative integers in [lo, hi]; hi null = no upper bound. Returns null when empty. */
function nonNegative(lo: bigint, hi: bigint | null): Expr | null {
  if (hi !== null && lo > hi) return null;
  const loText = lo.toString();
  const alts: Expr[] = [];
  const lastLength = hi === null ? loText.length : hi.toString().length;
  for (let len = loText.length; len <= lastLength; len++) {
    const from = len === loText.length ? loText : '1' + '0'.repeat(len - 1);
    const to = hi !== null && len === lastLength ? hi.toString() : '9'.repeat(len);
    alts.push(sameLength(from, to));
  }
  if (hi === null) {
    // every number with more digits than lo
    alts.push(seq(digitClass(1, 9), rep(DIGIT, loText.length, null)));
  }
  return alt(...alts);
}

/** Integers in [lo, hi] (null = open end). Returns null when the range is empty. */
export function integerRangeExpr(lo: bigint | null, hi: bigint | null): Expr | null {
  if (lo !== null && hi !== null && lo > hi) return null;
  const parts: Expr[] = [];
  if (lo === null || lo < 0n) {
    // negative numbers: magnitudes in [max(1, -hi), -lo]
    const magLo = hi !== null && hi < 0n ? -hi : 1n;
    const magHi = lo === null ? null : -lo;
    const neg = nonNegative(magLo, magHi);
    if (neg) parts.push(seq(lit('-'), neg));
  }
  if (hi === null || hi >= 0n) {
    const pos = nonNegative(lo !== null && lo > 0n ? lo : 0n, hi);
    if (pos) parts.push(pos);
  }
  return parts.length === 0 ? null : alt(...parts);
}
