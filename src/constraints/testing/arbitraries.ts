/** fast-check arbitraries shared by the constraint tests. */
import fc from 'fast-check';

export interface Re {
  src: string;
  /** a string the regex matches, from a random source */
  gen: (rnd: () => number) => string;
}

export const ALPHABET = ['a', 'b', 'c', '1', '-', '.', ' ', 'é', '"', '\\', '\n'];
const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)]!;

const ATOMS: Array<[string, string[]]> = [
  ['a', ['a']],
  ['b', ['b']],
  ['1', ['1']],
  ['-', ['-']],
  ['é', ['é']],
  ['"', ['"']],
  ['\\.', ['.']],
  ['\\\\', ['\\']],
  ['\\n', ['\n']],
  [' ', [' ']],
  ['[abc]', ['a', 'b', 'c']],
  ['[^ab]', ['c', '1', 'é', '\n']],
  ['[a-c1]', ['a', 'c', '1']],
  ['[.\\-]', ['.', '-']],
  ['\\d', ['1']],
  ['\\w', ['a', '1', '_']],
  ['\\s', [' ', '\n']],
  ['\\D', ['a', 'é', '\n']],
  ['.', ['a', 'é', '"', '-']],
];

const atom: fc.Arbitrary<Re> = fc
  .constantFrom(...ATOMS)
  .map(([src, samples]) => ({ src, gen: (rnd) => pick(samples, rnd) }));

const QUANTIFIERS: Array<[string, number, number]> = [
  ['?', 0, 1],
  ['*', 0, 3],
  ['+', 1, 3],
  ['{2}', 2, 2],
  ['{0,2}', 0, 2],
  ['{1,3}', 1, 3],
  ['{2,}', 2, 4],
];

export const regexArb: fc.Arbitrary<Re> = fc.letrec<{ re: Re }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.array(tie('re'), { minLength: 2, maxLength: 3 }).map((parts): Re => ({
      src: parts.map((p) => p.src).join(''),
      gen: (rnd) => parts.map((p) => p.gen(rnd)).join(''),
    })),
    fc.array(tie('re'), { minLength: 2, maxLength: 3 }).map((parts): Re => ({
      src: `(${parts.map((p) => p.src).join('|')})`,
      gen: (rnd) => pick(parts, rnd).gen(rnd),
    })),
    fc.tuple(tie('re'), fc.constantFrom(...QUANTIFIERS)).map(([r, [q, min, max]]): Re => ({
      src: `(?:${r.src})${q}`,
      gen: (rnd) => {
        const n = min + Math.floor(rnd() * (max - min + 1));
        return Array.from({ length: n }, () => r.gen(rnd)).join('');
      },
    })),
  ),
})).re;
