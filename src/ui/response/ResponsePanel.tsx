import { useEffect, useState } from 'react';
import type { ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import { useRunStore, type ChoiceView, type RunView } from '../../store/runStore';
import { REQUEST_JSON_EDITOR, useRequestStore } from '../../store/requestStore';
import { errorParamRoot } from '../../request/validate';
import type { Validation } from '../useValidation';
import { PromptPreview } from './PromptPreview';
import { ComparePanel } from './ComparePanel';
import { ConversationActions } from '../conversation/ConversationActions';
import { RunHistory } from '../conversation/RunHistory';
import { SweepPanel } from '../sweep/SweepPanel';
import { AnswerBody, preloadMarkdownRenderer } from './AnswerBody';
import { useEngineStore } from '../../store/engineStore';
import { CopyButton } from '../CopyButton';

/* Model output is untrusted: every token below is rendered as text, never as HTML. */

const fmtLogprob = (lp: number) => lp.toFixed(3);

function fmtProb(lp: number): string {
  const p = Math.exp(lp) * 100;
  if (p > 0 && p < 0.01) return '<0.01%';
  return `${p.toFixed(2)}%`;
}

/** A token as a visible literal: quotes make spaces and newlines readable. */
const quoted = (token: string) => JSON.stringify(token);

function Alternatives({ top }: { top: ChatCompletionTokenLogprob['top_logprobs'] }) {
  if (top.length === 0) return <span className="hint">none</span>;
  return (
    <ol className="token-alts" data-testid="token-alts">
      {top.map((a, j) => (
        <li key={j}>
          <code>{quoted(a.token)}</code> {fmtLogprob(a.logprob)}{' '}
          <span className="hint">({fmtProb(a.logprob)})</span>
        </li>
      ))}
    </ol>
  );
}

/** The token the user focused or clicked in the strip, with its top alternatives. */
function TokenDetail({ t, i }: { t: ChatCompletionTokenLogprob; i: number }) {
  return (
    <div className="token-detail" data-testid="token-detail">
      <div>
        Token {i + 1}: <code data-testid="token-detail-token">{quoted(t.token)}</code> · logprob{' '}
        {fmtLogprob(t.logprob)} · {fmtProb(t.logprob)}
      </div>
      <div>
        Top alternatives: <Alternatives top={t.top_logprobs} />
      </div>
    </div>
  );
}

function Tokens({ choice }: { choice: ChoiceView }) {
  const [selected, setSelected] = useState<number | null>(null);
  const current = selected !== null ? choice.logprobs[selected] : undefined;
  const detailId = `token-detail-${choice.index}`;
  return (
    <>
      <div className="tokens" data-testid="tokens">
        {choice.logprobs.map((t, i) => (
          <span
            key={i}
            className={`token${selected === i ? ' selected' : ''}`}
            role="button"
            tabIndex={0}
            aria-pressed={selected === i}
            aria-label={`Token ${i + 1}: ${quoted(t.token)}, logprob ${fmtLogprob(t.logprob)}`}
            aria-controls={detailId}
            style={{
              background: `hsla(${Math.round(120 * Math.exp(t.logprob))}, 70%, 50%, 0.25)`,
            }}
            title={[
              `${quoted(t.token)}: ${fmtLogprob(t.logprob)}`,
              ...t.top_logprobs.map((a) => `  ${quoted(a.token)}: ${fmtLogprob(a.logprob)}`),
            ].join('\n')}
            onFocus={() => setSelected(i)}
            onClick={() => setSelected(i)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                setSelected(i);
              }
            }}
          >
            {t.token}
          </span>
        ))}
      </div>
      <div id={detailId} aria-live="polite">
        {current ? (
          <TokenDetail t={current} i={selected!} />
        ) : (
          <div className="hint">Focus or click a token to see its top alternatives.</div>
        )}
      </div>
    </>
  );
}

function LogprobTable({ choice }: { choice: ChoiceView }) {
  return (
    <div
      className="logprob-table-wrap"
      tabIndex={0}
      role="region"
      aria-label={`Token logprobs of choice ${choice.index}`}
    >
      <table className="logprob-table" data-testid="logprob-table">
        <caption>Token logprobs</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Token</th>
            <th scope="col">Logprob</th>
            <th scope="col">Probability</th>
            <th scope="col">Top alternatives (logprob)</th>
          </tr>
        </thead>
        <tbody>
          {choice.logprobs.map((t, i) => (
            <tr key={i}>
              <td>{i + 1}</td>
              <td>
                <code>{quoted(t.token)}</code>
              </td>
              <td>{fmtLogprob(t.logprob)}</td>
              <td>{fmtProb(t.logprob)}</td>
              <td>
                <Alternatives top={t.top_logprobs} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function finishLabel(choice: ChoiceView, status: RunView['status']): string {
  if (choice.finishReason) return choice.finishReason;
  // The API has no "stopped": a choice cut off by Stop has no finish_reason (null).
  if (status === 'cancelled') return 'null';
  if (status === 'error') return 'none (error)';
  return '…';
}

function Choice({ choice, status }: { choice: ChoiceView; status: RunView['status'] }) {
  const [showTokens, setShowTokens] = useState(false);
  const [showTable, setShowTable] = useState(false);
  const [raw, setRaw] = useState(false);
  const hasToolCalls = choice.toolCalls.length > 0;
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
      {/* Model output is untrusted: raw text, or Markdown sanitised by AnswerBody. No empty
          box beside tool calls. */}
      {(choice.content !== '' || !hasToolCalls) && <AnswerBody text={choice.content} raw={raw} />}
      {hasToolCalls && (
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
        <code data-testid="finish-reason">{finishLabel(choice, status)}</code>{' '}
        {status === 'cancelled' && !choice.finishReason && (
          <span className="badge" data-testid="choice-stopped">
            stopped by you
          </span>
        )}{' '}
        <button
          type="button"
          aria-pressed={raw}
          title="Show the answer as raw text instead of formatted Markdown"
          onClick={() => setRaw(!raw)}
        >
          Raw text
        </button>{' '}
        <CopyButton
          text={choice.content}
          label="Copy answer"
          ariaLabel={`Copy answer ${choice.index}`}
        />
        {choice.logprobs.length > 0 && (
          <>
            {' '}
            <button
              type="button"
              aria-expanded={showTokens}
              onClick={() => setShowTokens(!showTokens)}
            >
              {showTokens ? 'Hide' : 'Show'} token logprobs
            </button>{' '}
            <button
              type="button"
              aria-expanded={showTable}
              onClick={() => setShowTable(!showTable)}
            >
              {showTable ? 'Hide' : 'Show'} logprobs table
            </button>
          </>
        )}
      </div>
      {showTokens && <Tokens choice={choice} />}
      {showTable && <LogprobTable choice={choice} />}
    </div>
  );
}

/** A cancelled run was the user's own choice: it is reported as "stopped", never as an error. */
const statusLabel = (s: RunView['status']) => (s === 'cancelled' ? 'stopped' : s);

const isStopped = (run: RunView) => run.status === 'cancelled' || run.error?.type === 'cancelled';

function RunMeta({ run }: { run: RunView }) {
  const elapsed = run.endedAt !== null ? (run.endedAt - run.startedAt) / 1000 : null;
  const ttft = run.firstTokenAt !== null ? (run.firstTokenAt - run.startedAt) / 1000 : null;
  const tps = run.usage && elapsed ? run.usage.completion_tokens / elapsed : null;
  const cached = run.usage?.prompt_tokens_details?.cached_tokens;
  return (
    <div className="meta" data-testid="run-meta">
      <span data-testid="run-status">{statusLabel(run.status)}</span>
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
          · prompt {run.usage.prompt_tokens}
          {cached ? <span data-testid="cached-tokens"> ({cached} from cache)</span> : null} +
          completion {run.usage.completion_tokens} = {run.usage.total_tokens} tokens
        </span>
      )}
      {ttft !== null && <> · first token {ttft.toFixed(2)} s</>}
      {elapsed !== null && <> · {elapsed.toFixed(2)} s</>}
      {tps !== null && <> · {tps.toFixed(1)} tok/s</>}
    </div>
  );
}

/** What a screen reader hears as a run moves on; the error itself is a role="alert" box. */
function announcement(run: RunView | undefined): string {
  if (!run) return '';
  switch (run.status) {
    case 'queued':
      return 'Run queued.';
    case 'running':
      return 'Running…';
    case 'cancelled':
      return 'Run stopped.';
    case 'error':
      return 'Run failed; the error is shown under the run.';
    case 'done': {
      const finish = run.choices.map((c) => c.finishReason ?? 'none').join(', ');
      const tokens = run.usage ? `, ${run.usage.completion_tokens} tokens` : '';
      return `Run done (finish_reason ${finish}${tokens}).`;
    }
  }
}

/** Announces run status changes politely; mounted before the first run so it is heard. */
function RunAnnouncer({ run }: { run: RunView | undefined }) {
  return (
    <div className="sr-only" role="status" data-testid="run-announcer">
      {announcement(run)}
    </div>
  );
}

/** One reason Run is disabled, and where to fix it. */
interface Problem {
  text: string;
  /** The root parameter (or editor) whose control fixes it; null: none. */
  root: string | null;
  /** The full path, e.g. messages[1].content, for a finer target. */
  path: string | null;
}

const FOCUSABLE = 'input, textarea, select, button, [tabindex]';

/** The element to focus for a problem: the parameter's control, or the messages editor. */
function controlOf(root: string, path: string | null): HTMLElement | null {
  if (root === REQUEST_JSON_EDITOR) {
    return document.querySelector<HTMLElement>('[data-testid="request-json"]');
  }
  if (root === 'messages') {
    const section = document.querySelector<HTMLElement>('[data-testid="param-messages"]');
    const index = path !== null ? /^messages\[(\d+)\]/.exec(path)?.[1] : undefined;
    const message =
      index !== undefined
        ? section?.querySelector<HTMLElement>(`[data-testid="message-${index}"]`)
        : null;
    if (message) {
      const wanted = path?.includes('tool_calls') ? '[aria-label^="Tool calls"]' : 'textarea';
      return message.querySelector<HTMLElement>(wanted) ?? message;
    }
    return section;
  }
  return document.getElementById(`param-${root}`);
}

function focusProblem(p: Problem) {
  if (p.root === null) return;
  const el = controlOf(p.root, p.path);
  if (!el) return;
  // A closed group (or tool-calls disclosure) hides the control: open it first.
  for (let d = el.closest('details'); d; d = d.parentElement?.closest('details') ?? null) {
    d.open = true;
  }
  let target: HTMLElement = el;
  if (!el.matches(FOCUSABLE) || el.matches(':disabled')) {
    const inner = el.querySelector<HTMLElement>(
      'input:not(:disabled), textarea:not(:disabled), select:not(:disabled), button:not(:disabled)',
    );
    if (inner) target = inner;
    else el.tabIndex = -1;
  }
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'center' });
}

/** The head of a path such as messages[0].tool_calls: the parameter it belongs to. */
const rootOf = (name: string) => /^[^.[]*/.exec(name)?.[0] || name;

function Problems({ problems }: { problems: Problem[] }) {
  return (
    <ul className="run-problems" data-testid="run-problems" aria-label="Problems to fix">
      {problems.map((p, i) => (
        <li key={i}>
          {p.root !== null ? (
            <button
              type="button"
              className="link"
              title="Go to the control"
              onClick={() => focusProblem(p)}
            >
              {p.text}
            </button>
          ) : (
            <span>{p.text}</span>
          )}
        </li>
      ))}
    </ul>
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
  const problemList: Problem[] = [
    ...validation.errors.map((e) => ({ text: e.message, root: errorParamRoot(e), path: e.param })),
    ...Object.entries(editorErrors).map(([name, message]) => ({
      text: `${name}: ${message}`,
      root: rootOf(name),
      path: name,
    })),
    ...validation.settings.map((text) => ({ text, root: null, path: null })),
  ];
  const problems = problemList.length;
  const stopped = latest !== undefined && isStopped(latest);
  const modelReady = useEngineStore((s) => s.status === 'ready');
  const anyRun = latest !== undefined;
  useEffect(() => {
    if (modelReady || anyRun) preloadMarkdownRenderer();
  }, [modelReady, anyRun]);
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
        {/* aria-disabled keeps focus on Stop when the run it stopped ends. */}
        <button
          type="button"
          onClick={() => busy && stop()}
          aria-disabled={!busy}
          title="Stop (Esc)"
        >
          Stop <kbd>Esc</kbd>
        </button>
        {problems > 0 && (
          <span className="field-error" data-testid="run-blocked">
            Fix {problems} problem{problems > 1 ? 's' : ''} to run.
          </span>
        )}
      </div>
      {problems > 0 && <Problems problems={problemList} />}
      <PromptPreview />
      <ComparePanel validation={validation} />
      <SweepPanel validation={validation} />
      <RunAnnouncer run={latest} />
      {latest && (
        <div data-testid="latest-run" data-status={latest.status}>
          <RunMeta run={latest} />
          {latest.tabNotes && latest.tabNotes.length > 0 && (
            <div className="notice warn" data-testid="run-tab-notes">
              <span className="badge">tab option</span> Applied by the tab, not by the model or a
              server:
              <ul>
                {latest.tabNotes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            </div>
          )}
          {stopped ? (
            <div className="notice stopped" role="status" data-testid="run-stopped">
              Stopped by you.{' '}
              {latest.choices.some((c) => c.content || c.reasoning || c.toolCalls.length)
                ? 'What was generated before the stop is kept below.'
                : 'Nothing was generated before the stop.'}
            </div>
          ) : (
            <>
              {latest.error && (
                <div className="field-error" role="alert" data-testid="run-error">
                  {latest.error.status} {latest.error.type}
                  {latest.error.param ? ` (param: ${latest.error.param})` : ''}:{' '}
                  {latest.error.message}
                </div>
              )}
              {latest.error && latest.errorNote && (
                <div className="hint" data-testid="run-error-note">
                  {latest.errorNote}
                </div>
              )}
            </>
          )}
          {latest.choices.map((c) => (
            <Choice key={c.index} choice={c} status={latest.status} />
          ))}
          <ConversationActions run={latest} />
          {latest.completion && (
            <details>
              <summary>Raw response JSON</summary>
              <pre className="code" data-testid="raw-response" tabIndex={0}>
                {JSON.stringify(latest.completion, null, 2)}
              </pre>
            </details>
          )}
        </div>
      )}
      <RunHistory runs={runs} />
    </section>
  );
}
