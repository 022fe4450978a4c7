import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { RunOptions } from '../engine/protocol';

/**
 * The default length when the string cap is first turned on. 32, not 64: on SmolLM2-135M at
 * temperature 1 (npm run bench:structured, docs/structured-outputs.md) 32 ended more runs with
 * valid JSON than 64 at both 96 and 256 max_tokens (arrays of free strings run out of tokens).
 */
export const DEFAULT_STRING_CAP = 32;

/**
 * Tab-only behaviours of in-tab runs (not request parameters: never in the request JSON, the
 * exports or a server run). Off by default.
 */
export interface TabOptionsState {
  /** Cap free JSON strings (schema gives no maxLength, pattern, format, enum or const). */
  stringCapOn: boolean;
  /** The cap's length in characters (kept while the cap is off). */
  stringCap: number;
  setStringCapOn: (on: boolean) => void;
  setStringCap: (n: number) => void;
}

export const useTabOptionsStore = create<TabOptionsState>()(
  persist(
    (set) => ({
      stringCapOn: false,
      stringCap: DEFAULT_STRING_CAP,
      setStringCapOn: (stringCapOn) => set({ stringCapOn }),
      setStringCap: (stringCap) => set({ stringCap }),
    }),
    { name: 'playground.tabOptions', version: 1 },
  ),
);

/** The run options a run in the tab carries to the worker (pure: from the store's state). */
export function runOptionsOf(s: Pick<TabOptionsState, 'stringCapOn' | 'stringCap'>): RunOptions {
  const valid = Number.isInteger(s.stringCap) && s.stringCap >= 1;
  return { stringCap: s.stringCapOn && valid ? s.stringCap : null };
}
