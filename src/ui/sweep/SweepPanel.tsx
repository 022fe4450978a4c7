import { useRef, useState } from 'react';
import { REQUEST_CHECKS } from '../../request/checks';
import {
  expandGrid,
  meanLogprob,
  parseSweepValues,
  SWEEPABLE_PARAMS,
  sweepCellRequest,
  type SweepAxis,
  type SweepCell,
} from '../../request/sweep';
import { validateRequest } from '../../request/validate';
import { useRequestStore } from '../../store/requestStore';
import { emptyRun, type RunView } from '../../store/runStore';
import { ensureModelLoaded } from '../engine/loadModel';
import { useEngineStore } from '../../store/engineStore';
import { cancelRun } from '../response/runners';
import { newRunId, runDraftInto } from '../response/useRunActions';
import type { Validation } from '../useValidation';
import '../conversation/loop.css';

interface CellView {
  cell: SweepCell;
  /** null: not run (yet, or the sweep was cancelled first). */
  run: RunView | null;
  /** The request this cell would send does not validate. */
  invalid: string | null;
}

interface AxisInput {
  name: string;
  text: string;
}

const NONE = '';

function readAxes(inputs: AxisInput[]): { axes: SweepAxis[]; error: string | null } {
  const axes: SweepAxis[] = [];
  for (const a of inputs) {
    if (a.name === NONE) continue;
    const r = parseSweepValues(a.name, a.text);
    if (r.error !== undefined) return { axes, error: r.error };
    axes.push({ name: a.name, values: r.values });
  }
  if (axes.length === 0) return { axes, error: 'Pick a parameter to sweep.' };
  try {
    return { axes, error: expandGrid(axes).length > 0 ? null : 'Nothing to run.' };
  } catch (e) {
    return { axes, error: (e as Error).message };
  }
}

const fmtMean = (m: number | null) => (m === null ? '—' : m.toFixed(3));

/* Model output is untrusted: every answer below is rendered as text, never as HTML. */
function Cell({ view }: { view: CellView }) {
  const run = view.run;
  return (
    <div
      className="sweep-cell"
      data-testid="sweep-cell"
      data-label={view.cell.label}
      data-status={view.invalid ? 'invalid' : (run?.status ?? 'pending')}
    >
      <h5>{view.cell.label}</h5>
      {view.invalid && <div className="field-error">{view.invalid}</div>}
      {run?.error && run.status !== 'cancelled' && (
        <div className="field-error">
          {run.error.status} {run.error.type}: {run.error.message}
        </div>
      )}
      {run === null && !view.invalid && <div className="hint">not run</div>}
      {run?.status === 'cancelled' && <div className="hint">stopped</div>}
      {run?.choices.map((c) => (
        <div key={c.index} data-testid={`sweep-choice-${c.index}`}>
          <div className="sweep-mean">
            {run.choices.length > 1 && `choice ${c.index} · `}mean logprob{' '}
            <span data-testid="sweep-mean">{fmtMean(meanLogprob(c.logprobs))}</span> ·{' '}
            {c.logprobs.length} tokens · {c.finishReason ?? '…'}
          </div>
          <div className="content" data-testid="sweep-content">
            {c.content}
            {c.toolCalls.map((t) => `\n${t.name}(${t.arguments})`).join('')}
          </div>
        </div>
      ))}
    </div>
  );
}

/**
 * Runs the current request over a grid of one or two numeric parameters, one run after
 * another through the same runner as Run, and shows the answers side by side with each
 * choice's mean token logprob. Sweep runs stay out of the run history.
 */
export function SweepPanel({ validation }: { validation: Validation }) {
  const [inputs, setInputs] = useState<AxisInput[]>([
    { name: 'temperature', text: '0, 0.7, 1.4' },
    { name: NONE, text: '1, 2' },
  ]);
  const [cells, setCells] = useState<CellView[]>([]);
  const [columns, setColumns] = useState(1);
  const [running, setRunning] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const cancelled = useRef(false);
  const current = useRef<string | null>(null);
  const { axes, error } = readAxes(inputs);
  const count = error === null ? axes.reduce((n, a) => n * a.values.length, 1) : 0;

  const setInput = (i: number, patch: Partial<AxisInput>) =>
    setInputs((all) => all.map((a, j) => (j === i ? { ...a, ...patch } : a)));

  const run = async () => {
    const grid = expandGrid(axes);
    const draft = useRequestStore.getState().draft;
    cancelled.current = false;
    setRunning(true);
    setLoadError(null);
    setColumns(axes.length === 2 ? axes[1]!.values.length : grid.length);
    const views: CellView[] = grid.map((cell) => {
      const r = validateRequest(sweepCellRequest(draft, cell), REQUEST_CHECKS);
      return { cell, run: null, invalid: r.ok ? null : r.errors[0]!.message };
    });
    setCells(views);
    if (useEngineStore.getState().engine !== 'server') {
      try {
        await ensureModelLoaded();
      } catch (e) {
        setLoadError(
          `The model did not load: ${useEngineStore.getState().error?.message ?? String(e)}`,
        );
        setRunning(false);
        return;
      }
    }
    for (const [i, view] of views.entries()) {
      if (cancelled.current) break;
      if (view.invalid) continue;
      const runId = newRunId();
      const request = sweepCellRequest(draft, view.cell);
      current.current = runId;
      const patchCell = (f: (r: RunView) => RunView) =>
        setCells((all) =>
          all.map((c, j) => (j === i && c.run?.runId === runId ? { ...c, run: f(c.run) } : c)),
        );
      setCells((all) => all.map((c, j) => (j === i ? { ...c, run: emptyRun(runId, request) } : c)));
      await runDraftInto(runId, request, patchCell);
    }
    current.current = null;
    setRunning(false);
  };

  const cancel = () => {
    cancelled.current = true;
    if (current.current) cancelRun(current.current);
  };

  return (
    <details className="sweep" data-testid="sweep">
      <summary>Parameter sweep</summary>
      <p className="hint">
        Runs the current request once per value (or pair of values) and shows the answers side by
        side, each with its mean token logprob (the runs ask for logprobs).
      </p>
      {inputs.map((a, i) => (
        <div className="sweep-axis" key={i}>
          <label className="inline">
            {i === 0 ? 'Sweep parameter' : 'Second parameter'}
            <select
              value={a.name}
              disabled={running}
              onChange={(e) => setInput(i, { name: e.target.value })}
            >
              {i > 0 && <option value={NONE}>none</option>}
              {SWEEPABLE_PARAMS.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          {a.name !== NONE && (
            <label className="inline">
              {i === 0 ? 'Values' : 'Second values'}
              <input
                type="text"
                value={a.text}
                disabled={running}
                onChange={(e) => setInput(i, { text: e.target.value })}
                placeholder="0, 0.5, 1"
              />
            </label>
          )}
        </div>
      ))}
      {error && (
        <div className="field-error" data-testid="sweep-error">
          {error}
        </div>
      )}
      <div className="button-row">
        <button
          type="button"
          onClick={() => void run()}
          disabled={error !== null || running || !validation.runnable}
        >
          Start sweep{count > 0 ? ` (${count} runs)` : ''}
        </button>
        <button type="button" onClick={cancel} disabled={!running}>
          Cancel sweep
        </button>
        <span role="status" data-testid="sweep-status">
          {running
            ? `Running ${cells.filter((c) => c.run !== null).length} of ${cells.length}…`
            : cells.length > 0
              ? `Ran ${cells.filter((c) => c.run?.status === 'done').length} of ${cells.length}.`
              : ''}
        </span>
      </div>
      {loadError && (
        <div className="field-error" role="alert">
          {loadError}
        </div>
      )}
      {cells.length > 0 && (
        <div
          className="sweep-grid"
          data-testid="sweep-grid"
          style={{ '--sweep-columns': columns } as React.CSSProperties}
        >
          {cells.map((c) => (
            <Cell key={c.cell.label} view={c} />
          ))}
        </div>
      )}
    </details>
  );
}
