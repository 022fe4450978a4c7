/**
 * A parameter sweep: one request run over a grid of values of one or two numeric
 * parameters of the table, each run asking for logprobs so its choices can be compared
 * by mean token logprob.
 */
import { PARAMS, paramSpec, type ParamSpec } from './params';
import type { RequestDraft } from './types';

export const MAX_SWEEP_VALUES = 8;
export const MAX_SWEEP_CELLS = 32;

export interface SweepAxis {
  name: string;
  values: number[];
}

export interface SweepCell {
  /** The swept parameters' values of this cell, in axis order. */
  overrides: Record<string, number>;
  label: string;
}

type NumericSpec = ParamSpec & { kind: { type: 'number' | 'integer'; min: number; max?: number } };

const isNumeric = (p: ParamSpec): p is NumericSpec =>
  p.kind.type === 'number' || p.kind.type === 'integer';

/** The parameters a sweep can vary: the table's numeric ones, deprecated ones aside. */
export const SWEEPABLE_PARAMS: readonly NumericSpec[] = (PARAMS as readonly ParamSpec[]).filter(
  (p): p is NumericSpec => isNumeric(p) && p.deprecated === undefined,
);

/** Reads "0, 0.5, 1" (commas or spaces) for a parameter; checks the table's range and kind. */
export function parseSweepValues(
  name: string,
  text: string,
): { values: number[]; error?: undefined } | { error: string; values?: undefined } {
  const spec = paramSpec(name);
  if (!spec || !isNumeric(spec)) return { error: `${name} is not a numeric parameter.` };
  const words = text.split(/[\s,;]+/).filter((w) => w !== '');
  if (words.length === 0) return { error: `Give at least one value of ${name}.` };
  const values: number[] = [];
  for (const w of words) {
    const v = Number(w);
    if (!Number.isFinite(v)) return { error: `${name}: "${w}" is not a number.` };
    if (spec.kind.type === 'integer' && !Number.isSafeInteger(v))
      return { error: `${name}: "${w}" is not a whole number (up to 2^53).` };
    const { min, max } = spec.kind;
    if (v < min || (max !== undefined && v > max))
      return {
        error: `${name}: ${w} is out of range (${min} to ${max ?? 'no limit'}).`,
      };
    if (!values.includes(v)) values.push(v);
  }
  if (values.length > MAX_SWEEP_VALUES)
    return { error: `${name}: at most ${MAX_SWEEP_VALUES} values.` };
  return { values };
}

/** Every combination of the axes' values, the first axis varying slowest. */
export function expandGrid(axes: readonly SweepAxis[]): SweepCell[] {
  const names = axes.map((a) => a.name);
  if (new Set(names).size !== names.length) throw new Error('A parameter appears on two axes.');
  let cells: Record<string, number>[] = [{}];
  for (const axis of axes) {
    cells = cells.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.name]: v })));
  }
  if (cells.length > MAX_SWEEP_CELLS)
    throw new Error(`${cells.length} runs is more than a sweep runs (at most ${MAX_SWEEP_CELLS}).`);
  return cells.map((overrides) => ({
    overrides,
    label: Object.entries(overrides)
      .map(([k, v]) => `${k}=${v}`)
      .join(' · '),
  }));
}

/**
 * The request one cell runs: the draft with the cell's values, logprobs on (for the mean),
 * and no request_id (each run needs its own).
 */
export function sweepCellRequest(draft: RequestDraft, cell: SweepCell): RequestDraft {
  const request: RequestDraft = { ...draft, ...cell.overrides, logprobs: true };
  delete request.request_id;
  return request;
}

/** The mean token logprob of an answer; null for an answer without tokens. */
export function meanLogprob(tokens: readonly { logprob: number }[]): number | null {
  if (tokens.length === 0) return null;
  return tokens.reduce((s, t) => s + t.logprob, 0) / tokens.length;
}
