import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { holdBackStop, normalizeStops } from './holdBackStop';
import { cutAt } from './testing/pieces';

/** Independent oracle: read left to right, cut at the first position where a stop string ends. */
function cutAtFirstStop(text: string, stops: string[]): { text: string; stop: string | null } {
  for (let end = 1; end <= text.length; end++) {
    const head = text.slice(0, end);
    const ending = stops.filter((s) => s.length > 0 && head.endsWith(s));
    if (ending.length > 0) {
      const longest = ending.reduce((a, b) => (b.length > a.length ? b : a));
      return { text: text.slice(0, end - longest.length), stop: longest };
    }
  }
  return { text, stop: null };
}

function run(pieces: string[], stops: string[]) {
  const m = holdBackStop(stops);
  const emitted: string[] = [];
  let stop: string | null = null;
  let pushedAfterStop = 0;
  for (const p of pieces) {
    if (m.stopped) pushedAfterStop++;
    const r = m.push(p);
    emitted.push(r.emit);
    if (r.stopped) stop = r.stop;
  }
  emitted.push(m.flush());
  return { emitted, stop, pushedAfterStop, matcher: m };
}

// Small alphabets make stop strings actually occur, overlap and share prefixes.
const smallText = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n', 'é'), maxLength: 40 });
const stopSet = fc.array(
  fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n', 'é'), minLength: 1, maxLength: 4 }),
  { maxLength: 4 },
);

describe('holdBackStop', () => {
  it('emits text before the stop string and drops the rest', () => {
    const { emitted, stop } = run(['Hello', ' wor', 'ld\n\nBye'], ['\n\n']);
    expect(emitted.join('')).toBe('Hello world');
    expect(stop).toBe('\n\n');
  });

  it('holds back a partial stop string until it is decided', () => {
    const m = holdBackStop(['</end>']);
    expect(m.push('abc</e')).toEqual({ emit: 'abc', stopped: false, stop: null });
    expect(m.push('x')).toEqual({ emit: '</ex', stopped: false, stop: null });
    expect(m.push('</en')).toEqual({ emit: '', stopped: false, stop: null });
    expect(m.flush()).toBe('</en');
  });

  it('finds a stop string spread over many pieces', () => {
    const { emitted, stop } = run(['x', 'S', 'T', 'O', 'P', 'y'], ['STOP']);
    expect(emitted.join('')).toBe('x');
    expect(stop).toBe('STOP');
    // Nothing of "STOP" was ever emitted, even before it completed.
    expect(emitted.some((e) => /[STOP]/.test(e))).toBe(false);
  });

  it('takes the stop string that completes first, not the one that starts first', () => {
    // "bc" completes at offset 3, "abcd" would only complete at 4.
    expect(run(['abcd'], ['abcd', 'bc']).emitted.join('')).toBe('a');
    expect(run(['a', 'b', 'c', 'd'], ['abcd', 'bc']).emitted.join('')).toBe('a');
    // Equal ends: the longer (earlier starting) one wins.
    expect(run(['xabc'], ['bc', 'abc'])).toMatchObject({ stop: 'abc' });
    expect(run(['xabc'], ['bc', 'abc']).emitted.join('')).toBe('x');
  });

  it('stops at a stop string at the very start and then ignores everything', () => {
    const { emitted, matcher } = run(['##', 'more'], ['##']);
    expect(emitted.join('')).toBe('');
    expect(matcher.stopped).toBe(true);
    expect(matcher.push('later')).toEqual({ emit: '', stopped: true, stop: '##' });
  });

  it('without stop strings passes everything through at once', () => {
    const m = holdBackStop(undefined);
    expect(m.push('a</')).toEqual({ emit: 'a</', stopped: false, stop: null });
    expect(m.flush()).toBe('');
  });

  it('ignores empty and duplicate stop strings', () => {
    expect(normalizeStops(['', 'x', 'x'])).toEqual(['x']);
    expect(normalizeStops('y')).toEqual(['y']);
    expect(normalizeStops(null)).toEqual([]);
  });

  it('property: emitted text == text cut before the first stop string, for any split', () => {
    fc.assert(
      fc.property(smallText, stopSet, fc.array(fc.nat(), { maxLength: 8 }), (text, stops, cuts) => {
        const want = cutAtFirstStop(text, stops);
        const { emitted, stop } = run(cutAt(text, cuts), stops);
        expect(emitted.join('')).toBe(want.text);
        expect(stop).toBe(want.stop);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: no emitted prefix ever contains or ends inside a stop string', () => {
    fc.assert(
      fc.property(smallText, stopSet, fc.array(fc.nat(), { maxLength: 8 }), (text, stops, cuts) => {
        const { emitted } = run(cutAt(text, cuts), stops);
        const want = cutAtFirstStop(text, stops);
        let prefix = '';
        for (const e of emitted) {
          prefix += e;
          for (const s of stops.filter((x) => x.length > 0)) expect(prefix).not.toContain(s);
          // Every emitted prefix is a prefix of the final answer: nothing is ever taken back.
          expect(want.text.startsWith(prefix)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: only text that could still start a stop string is held back', () => {
    fc.assert(
      fc.property(smallText, stopSet, (text, stops) => {
        const m = holdBackStop(stops);
        const r = m.push(text);
        if (r.stopped) return;
        const held = text.slice(r.emit.length);
        expect(r.emit + held).toBe(text);
        // The held text is a proper prefix of some stop string (or empty) ...
        if (held) expect(stops.some((s) => s.startsWith(held) && s !== held)).toBe(true);
        // ... and no longer suffix of the emitted text is one.
        for (let k = held.length + 1; k <= text.length; k++) {
          const suffix = text.slice(text.length - k);
          expect(stops.some((s) => s.length > k && s.startsWith(suffix))).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
