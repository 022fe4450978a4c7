import { useState } from 'react';
import { importRequest } from '../../request/import';
import type { RequestDraft } from '../../request/types';
import { useRequestStore } from '../../store/requestStore';
import type { RunView } from '../../store/runStore';
import { RunDiff, runLabel } from './RunDiff';
import './loop.css';

/** A cancelled run was the user's own choice: it is listed as "stopped". */
const statusLabel = (s: RunView['status']) => (s === 'cancelled' ? 'stopped' : s);

/**
 * Every kept run: restore its exact request into the form, or pick two to diff (request
 * and answer side by side). Model output is shown as text.
 */
export function RunHistory({ runs }: { runs: RunView[] }) {
  const [picked, setPicked] = useState<string[]>([]);
  const [undo, setUndo] = useState<{
    draft: RequestDraft;
    unknown: Record<string, unknown>;
    label: string;
  } | null>(null);
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  if (runs.length === 0) return null;

  const restore = (r: RunView) => {
    if (r.request === null) return;
    const before = useRequestStore.getState();
    const { draft, unknown } = importRequest(JSON.stringify(r.request));
    replaceDraft(draft, unknown);
    setUndo({ draft: before.draft, unknown: before.unknownFields, label: runLabel(r) });
  };
  const toggle = (id: string, on: boolean) =>
    setPicked((p) =>
      on ? [...p.filter((x) => x !== id), id].slice(-2) : p.filter((x) => x !== id),
    );
  // Older run on the left: the list is newest first.
  const pair = runs.filter((r) => picked.includes(r.runId)).reverse();

  return (
    <details className="run-history" open={picked.length > 0 || undefined}>
      <summary>Run history ({runs.length})</summary>
      <ol data-testid="run-history">
        {runs.map((r, i) => (
          <li key={r.runId} data-run-id={r.runId} data-status={r.status}>
            <label className="inline">
              <input
                type="checkbox"
                checked={picked.includes(r.runId)}
                onChange={(e) => toggle(r.runId, e.target.checked)}
                aria-label={`Diff run ${runs.length - i}`}
              />
              <span>
                #{runs.length - i} {i === 0 && '(latest) '}
                <code>{runLabel(r)}</code> — {statusLabel(r.status)} —{' '}
                <span className="history-answer">{r.choices[0]?.content.slice(0, 60)}</span>
              </span>
            </label>{' '}
            <button
              type="button"
              disabled={r.request === null}
              onClick={() => restore(r)}
              aria-label={`Restore the request of run ${runs.length - i}`}
            >
              Restore request
            </button>
          </li>
        ))}
      </ol>
      {undo && (
        <div className="notice" role="status" data-testid="restore-notice">
          Restored the request of run <code>{undo.label}</code>.{' '}
          <button
            type="button"
            onClick={() => {
              replaceDraft(undo.draft, undo.unknown);
              setUndo(null);
            }}
          >
            Undo
          </button>
        </div>
      )}
      {pair.length === 2 ? (
        <RunDiff before={pair[0]!} after={pair[1]!} />
      ) : (
        <p className="hint">Tick two runs to see their requests and answers side by side.</p>
      )}
    </details>
  );
}
