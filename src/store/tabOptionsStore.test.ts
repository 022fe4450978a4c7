import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_STRING_CAP, runOptionsOf, useTabOptionsStore } from './tabOptionsStore';

describe('tab options: the string cap', () => {
  beforeEach(() =>
    useTabOptionsStore.setState({ stringCapOn: false, stringCap: DEFAULT_STRING_CAP }),
  );

  it('is off by default: runs carry no cap', () => {
    expect(useTabOptionsStore.getState().stringCapOn).toBe(false);
    expect(runOptionsOf(useTabOptionsStore.getState())).toEqual({ stringCap: null });
  });

  it('carries the chosen length when on, and keeps it while off', () => {
    const s = useTabOptionsStore.getState();
    s.setStringCap(12);
    expect(runOptionsOf(useTabOptionsStore.getState())).toEqual({ stringCap: null });
    s.setStringCapOn(true);
    expect(runOptionsOf(useTabOptionsStore.getState())).toEqual({ stringCap: 12 });
  });

  it('sends no cap while the length is not a positive whole number', () => {
    for (const bad of [0, -3, 2.5, Number.NaN])
      expect(runOptionsOf({ stringCapOn: true, stringCap: bad })).toEqual({ stringCap: null });
  });
});
