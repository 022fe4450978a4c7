import { useState } from 'react';
import { useRunStore, type ChoiceView, type RunView } from '../../store/runStore';
import { useRequestStore } from '../../store/requestStore';
import type { Validation } from '../useValidation';
import { PromptPreview } from './PromptPreview';
import { ComparePanel } from './ComparePanel';

function Tokens({ choice }: { choice: ChoiceView }) {
  return (
    <div className="tokens" data-testid="tokens">
      {choice.logprobs.map((t, i) => (
        <span
          key={i}
          className="token"
          style={{ background: `hsla(${Math.round(120 * Math.exp(t.logprob))}, 70%, 50%, 0.25)` }}
          title={[
            `${JSON.stringify(t.token)}: ${t.logprob.toFixed(3)}`,
            ...t.top_logprobs.map((a) => `  ${JSON.stringify(a.token)}: ${a.logprob.toFixed(3)}`),
          ].join('\n')}
        >
          {t.token}
        </span>
      ))}
    </div>
  );
}

function Choice({ choice }: { choice: ChoiceView }) {
  const [showTokens, setShowTokens] = useState(false);
  return (
    <div
      className="choice"
      data-testid={`choice-${choice.index}`}
      data-finish={choice.finishReason ?? ''}
    >
      {choice.reasoning && (
        <details className="reasoning" data-testid="reasoning">
          <summary>Reasoning</summary>
          {choice.reasoning}
        </details>
      )}
      {/* Model output is untrusted: it is rendered as text, never as HTML. */}
      <div className="content" data-testid="content">
        {choice.content}
      </div>
      {choice.toolCalls.length > 0 && (
        <div className="tool-calls" data-testid="tool-calls">
          {choice.toolCalls.map((t, i) => (
            <pre className="code" key={i}>
              {t.name}({t.arguments}) <span className="hint">{t.id}</span>
            </pre>
          ))}
        </div>
      )}
      <div className="meta">
        choice {choice.index} · finish_reason:{' '}
        <code data-testid="finish-reason">{choice.finishReason ?? '…'}</code>
        {choice.logprobs.length > 0 && (
          <button type="button" onClick={() => setShowTokens(!showTokens)}>
            {showTokens ? 'Hide' : 'Show'} token logprobs
          </button>
        )}
      </div>
      {showTokens && <Tokens choice={choice} />}
    </div>
  );
}

function RunMeta({ run }: { run: RunView }) {
  const elapsed = run.endedAt !== null ? (run.endedAt - run.startedAt) / 1000 : null;
  const ttft = run.firstTokenAt !== null ? (run.firstTokenAt - run.startedAt) / 1000 : null;
  const tps = run.usage && elapsed ? run.usage.completion_tokens / elapsed : null;
  return (
    <div className="meta" data-testid="run-meta">
      <span data-testid="run-status">{run.status}</span>
      {typeof run.request?.user === 'string' && (
        <>
          {' '}
          · user <code data-testid="run-user">{run.request.user}</code>
        </>
      )}
      {run.queuePosition !== null && <> · queue position {run.queuePosition}</>}
      {run.responseId && (
        <>
          {' '}
          · id <code data-testid="response-id">{run.responseId}</code>
        </>
      )}
      {run.usage && (
        <span data-testid="usage">
          {' '}
          · prompt {run.usage.prompt_tokens} + completion {run.usage.completion_tokens} ={' '}
          {run.usage.total_tokens} tokens
        </span>
      )}
      {ttft !== null && <> · first token {ttft.toFixed(2)} s</>}
      {elapsed !== null && <> · {elapsed.toFixed(2)} s</>}
      {tps !== null && <> · {tps.toFixed(1)} tok/s</>}
    </div>
  );
}

export function ResponsePanel({
  validation,
  run,
  stop,
}: {
  validation: Validation;
  run: () => void;
  stop: () => void;
}) {
  const runs = useRunStore((s) => s.runs);
  const latest = runs[0];
  const editorErrors = useRequestStore((s) => s.editorErrors);
  const busy = runs.some((r) => r.status === 'running' || r.status === 'queued');
  const problems = validation.errors.length + Object.keys(editorErrors).length;
  return (
    <section className="response" aria-label="Response">
      <div className="section-head">
        <h2>Response</h2>
        <button
          type="button"
          className="primary"
          onClick={run}
          disabled={!validation.runnable}
          title="Run (Ctrl+Enter)"
        >
          Run <kbd>Ctrl+Enter</kbd>
        </button>
        <button type="button" onClick={stop} disabled={!busy} title="Stop (Esc)">
          Stop <kbd>Esc</kbd>
        </button>
        {problems > 0 && (
          <span className="field-error" data-testid="run-blocked">
            Fix {problems} problem{problems > 1 ? 's' : ''} to run.
          </span>
        )}
      </div>
      <PromptPreview />
      <ComparePanel validation={validation} />
      {latest && (
        <div data-testid="latest-run" data-status={latest.status}>
          <RunMeta run={latest} />
          {latest.error && (
            <div className="field-error" role="alert" data-testid="run-error">
              {latest.error.status} {latest.error.type}
              {latest.error.param ? ` (param: ${latest.error.param})` : ''}: {latest.error.message}
            </div>
          )}
          {latest.error && latest.errorNote && (
            <div className="hint" data-testid="run-error-note">
              {latest.errorNote}
            </div>
          )}
          {latest.choices.map((c) => (
            <Choice key={c.index} choice={c} />
          ))}
          {latest.completion && (
            <details>
              <summary>Raw response JSON</summary>
              <pre className="code" data-testid="raw-response">
                {JSON.stringify(latest.completion, null, 2)}
              </pre>
            </details>
          )}
        </div>
      )}
      {runs.length > 1 && (
        <details>
          <summary>Earlier runs ({runs.length - 1})</summary>
          <ul data-testid="run-history">
            {runs.slice(1).map((r) => (
              <li key={r.runId} data-run-id={r.runId} data-status={r.status}>
                {r.responseId ?? r.runId} — {r.status} — {r.choices[0]?.content.slice(0, 60)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
