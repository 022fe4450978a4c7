import { describe, expect, it } from 'vitest';
import { PARAMS } from './params';
import { validateRequest } from './validate';
import {
  expandGrid,
  MAX_SWEEP_CELLS,
  meanLogprob,
  parseSweepValues,
  SWEEPABLE_PARAMS,
  sweepCellRequest,
} from './sweep';

describe('SWEEPABLE_PARAMS', () => {
  it('are the numeric parameters of the table (no second list)', () => {
    const names = SWEEPABLE_PARAMS.map((p) => p.name);
    expect(names).toContain('temperature');
    expect(names).toContain('top_p');
    expect(names).toContain('seed');
    expect(names).not.toContain('max_tokens'); // deprecated
    expect(names).not.toContain('stop');
    for (const p of PARAMS) {
      const numeric = p.kind.type === 'number' || p.kind.type === 'integer';
      expect(names.includes(p.name)).toBe(numeric && !('deprecated' in p));
    }
  });
});

describe('parseSweepValues', () => {
  it('reads values separated by commas or spaces, once each', () => {
    expect(parseSweepValues('temperature', '0, 0.5 1,1')).toEqual({ values: [0, 0.5, 1] });
  });
  it.each([
    ['temperature', '', /at least one value/],
    ['temperature', '0, hot', /"hot" is not a number/],
    ['temperature', '2.5', /out of range \(0 to 2\)/],
    ['top_p', '-0.1', /out of range/],
    ['seed', '1.5', /not a whole number/],
    ['seed', '1e30', /not a whole number/],
    ['temperature', '0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8', /at most 8 values/],
    ['stop', '1', /not a numeric parameter/],
  ])('%s "%s" is refused with a message', (name, text, message) => {
    expect(parseSweepValues(name, text).error).toMatch(message);
  });
});

describe('expandGrid', () => {
  it('crosses two axes, the first varying slowest', () => {
    const cells = expandGrid([
      { name: 'temperature', values: [0, 1] },
      { name: 'seed', values: [1, 2, 3] },
    ]);
    expect(cells.map((c) => c.overrides)).toEqual([
      { temperature: 0, seed: 1 },
      { temperature: 0, seed: 2 },
      { temperature: 0, seed: 3 },
      { temperature: 1, seed: 1 },
      { temperature: 1, seed: 2 },
      { temperature: 1, seed: 3 },
    ]);
    expect(cells[4]!.label).toBe('temperature=1 · seed=2');
  });
  it('one axis gives one cell per value', () => {
    expect(expandGrid([{ name: 'top_p', values: [0.1, 0.9] }]).map((c) => c.label)).toEqual([
      'top_p=0.1',
      'top_p=0.9',
    ]);
  });
  it('refuses the same parameter twice and too many runs', () => {
    expect(() =>
      expandGrid([
        { name: 'seed', values: [1] },
        { name: 'seed', values: [2] },
      ]),
    ).toThrow(/two axes/);
    const many = Array.from({ length: 6 }, (_, i) => i);
    expect(() =>
      expandGrid([
        { name: 'seed', values: many },
        { name: 'n', values: many.map((i) => i + 1) },
      ]),
    ).toThrow(new RegExp(`at most ${MAX_SWEEP_CELLS}`));
  });
});

describe('sweepCellRequest', () => {
  it('sets the cell values and logprobs, and drops request_id', () => {
    const draft = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.7,
      request_id: 'fixed',
    };
    const [cell] = expandGrid([{ name: 'temperature', values: [0.2] }]);
    const r = sweepCellRequest(draft, cell!);
    expect(r).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      logprobs: true,
    });
    expect(validateRequest(r).ok).toBe(true);
    expect(draft.temperature).toBe(0.7);
  });
});

describe('meanLogprob', () => {
  it('is the mean of the token logprobs, null without tokens', () => {
    expect(meanLogprob([{ logprob: -1 }, { logprob: -2 }, { logprob: -3 }])).toBe(-2);
    expect(meanLogprob([])).toBeNull();
  });
});
