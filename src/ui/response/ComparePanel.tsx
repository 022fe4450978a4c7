import { useState, type ReactNode } from 'react';
import type { ChatRequest } from '../../request/types';
import { TARGET_LABELS } from '../../server/facts';
import { useEngineStore } from '../../store/engineStore';
import { useExportStore } from '../../store/exportStore';
import { useRequestStore } from '../../store/requestStore';
import { emptyRun, type RunView } from '../../store/runStore';
import { useServerStore } from '../../store/serverStore';
import { ensureModelLoaded } from '../engine/loadModel';
import type { Validation } from '../useValidation';
import { runInTab, runOnServerInto, serverBody, type Patch } from './runners';
import { newRunId } from './useRunActions';

const seconds = (from: number, to: number | null) =>
  to === null ? '—' : `${((to - from) / 1000).toFixed(2)} s`;

function Field({ name, label, children }: { name: string; label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-field={name}>{children}</dd>
    </>
  );
}

/** One side of the comparison; model output is shown as text, never as HTML. */
function CompareColumn({
  testId,
  title,
  run,
}: {
  testId: string;
  title: string;
  run: RunView | null;
}) {
  const choice = run?.choices[0];
  const elapsed = run && run.endedAt !== null ? (run.endedAt - run.startedAt) / 1000 : null;
  const tokens = run?.usage?.completion_tokens ?? (choice?.logprobs.length || null);
  return (
    <div className="compare-column" data-testid={testId} data-status={run?.status ?? ''}>
      <h4>{title}</h4>
      {run === null ? (
        <p className="hint">Not run yet.</p>
      ) : (
        <dl>
          <Field name="status" label="status">
            {run.status}
          </Field>
          {run.tabNotes && run.tabNotes.length > 0 && (
            <Field name="tab-notes" label="tab option">
              <span className="badge">tab only</span> {run.tabNotes.join('; ')}
            </Field>
          )}
          {run.error && (
            <Field name="error" label="error">
              <span className="field-error">
                {run.error.status} {run.error.type}
                {run.error.param ? ` (param: ${run.error.param})` : ''}: {run.error.message}
              </span>
            </Field>
          )}
          <Field name="text" label="text">
            <span className="content">{choice?.content ?? ''}</span>
          </Field>
          {choice?.reasoning && (
            <Field name="reasoning" label="reasoning">
              <span className="content">{choice.reasoning}</span>
            </Field>
          )}
          {choice && choice.toolCalls.length > 0 && (
            <Field name="tool-calls" label="tool calls">
              {choice.toolCalls.map((t) => `${t.name}(${t.arguments})`).join('\n')}
            </Field>
          )}
          <Field name="finish-reason" label="finish_reason">
            <code>{choice?.finishReason ?? '—'}</code>
          </Field>
          <Field name="tokens" label="completion tokens">
            {tokens ?? '—'}
          </Field>
          <Field name="usage" label="usage">
            {run.usage
              ? `prompt ${run.usage.prompt_tokens} + completion ${run.usage.completion_tokens} = ${run.usage.total_tokens}`
              : '—'}
          </Field>
          <Field name="first-token" label="first token">
            {seconds(run.startedAt, run.firstTokenAt)}
          </Field>
          <Field name="total" label="total">
            {seconds(run.startedAt, run.endedAt)}
          </Field>
          <Field name="rate" label="tok/s">
            {run.usage && elapsed ? (run.usage.completion_tokens / elapsed).toFixed(1) : '—'}
          </Field>
        </dl>
      )}
    </div>
  );
}

/** Runs the same request in the tab and on the server at once, and shows both side by side. */
export function ComparePanel({ validation }: { validation: Validation }) {
  const engine = useEngineStore((s) => s.engine);
  const tabModel = useEngineStore((s) => s.model?.name ?? null);
  const baseUrl = useServerStore((s) => s.baseUrl);
  const sendAs = useServerStore((s) => s.sendAs);
  const [tab, setTab] = useState<RunView | null>(null);
  const [server, setServer] = useState<RunView | null>(null);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  if (engine !== 'server') return null;

  const compare = async () => {
    const draft = useRequestStore.getState().draft;
    const s = useServerStore.getState();
    const body = serverBody(draft, {
      target: s.sendAs,
      model: s.model,
      jsonSchemaName: useExportStore.getState().jsonSchemaName,
    });
    setBusy(true);
    setLoadError(null);
    try {
      // Load first, so that the tab's timings count generation only.
      await ensureModelLoaded();
    } catch (e) {
      setLoadError(
        `The tab's model did not load: ${useEngineStore.getState().error?.message ?? String(e)}`,
      );
      setBusy(false);
      return;
    }
    const tabId = newRunId();
    const serverId = newRunId();
    setTab(emptyRun(tabId));
    setServer(emptyRun(serverId));
    const patchTab: Patch = (f) => setTab((r) => (r && r.runId === tabId ? f(r) : r));
    const patchServer: Patch = (f) => setServer((r) => (r && r.runId === serverId ? f(r) : r));
    await Promise.all([
      runInTab(tabId, draft as unknown as ChatRequest, patchTab),
      runOnServerInto(serverId, body, { baseUrl: s.baseUrl, apiKey: s.apiKey }, patchServer),
    ]);
    setBusy(false);
  };

  return (
    <details className="compare" data-testid="compare" open={tab !== null || undefined}>
      <summary>Compare: the tab and the server</summary>
      <div className="button-row">
        <button
          type="button"
          onClick={() => void compare()}
          disabled={!validation.runnable || busy}
          title="Runs the request in the tab and on the server at the same time"
        >
          Compare tab and server
        </button>
      </div>
      {loadError && (
        <div className="field-error" role="alert">
          {loadError}
        </div>
      )}
      <div className="compare-columns">
        <CompareColumn
          testId="compare-tab"
          title={`In the tab${tabModel ? ` (${tabModel})` : ''}`}
          run={tab}
        />
        <CompareColumn
          testId="compare-server"
          title={`Server (${baseUrl}, as ${TARGET_LABELS[sendAs]})`}
          run={server}
        />
      </div>
    </details>
  );
}
