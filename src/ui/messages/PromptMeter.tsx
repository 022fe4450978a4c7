import { useEffect, useRef, useState } from 'react';
import { engineClient } from '../../engine/client';
import { useEngineStore } from '../../store/engineStore';
import { useRequestStore } from '../../store/requestStore';
import type { ChatRequest, RequestDraft } from '../../request/types';
import type { WorkerError } from '../../engine/protocol';

/** How long typing must pause before the prompt is rendered and counted again. */
const COUNT_DELAY_MS = 400;

interface Count {
  tokens: number | null;
  /** Why the prompt could not be counted (an invalid request, say). */
  error: string | null;
}

/** The completion budget the request reserves: max_completion_tokens, else max_tokens. */
function reserved(draft: RequestDraft): number | null {
  const v = draft.max_completion_tokens ?? draft.max_tokens;
  return typeof v === 'number' && v > 0 ? v : null;
}

const pct = (n: number, of: number) => `${Math.round((100 * n) / of)}%`;

/**
 * The prompt's token count, live, against the loaded model's context size: the loaded model
 * renders the prompt with its chat template and counts it in the worker, a short pause after
 * the last change.
 */
export function PromptMeter() {
  const draft = useRequestStore((s) => s.draft);
  const model = useEngineStore((s) => (s.status === 'ready' ? s.model : null));
  const [count, setCount] = useState<Count | null>(null);
  const [counted, setCounted] = useState<RequestDraft | null>(null);
  const sequence = useRef(0);

  useEffect(() => {
    if (!model) return;
    const n = ++sequence.current;
    const timer = setTimeout(() => {
      engineClient()
        .preview(draft as unknown as ChatRequest)
        .then(
          (p): Count => ({ tokens: p.tokenCount, error: null }),
          (e: WorkerError): Count => ({ tokens: null, error: e.message ?? String(e) }),
        )
        .then((c) => {
          if (n !== sequence.current) return; // a newer draft is being counted
          setCount(c);
          setCounted(draft);
        });
    }, COUNT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, model]);

  if (!model) {
    return (
      <div className="prompt-meter hint" data-testid="prompt-meter">
        Load a model to count the prompt&apos;s tokens against its context.
      </div>
    );
  }
  const context = model.contextLength;
  const tokens = count?.tokens ?? null;
  const budget = reserved(draft);
  const over = tokens !== null && tokens + (budget ?? 0) > context;
  const stale = counted !== draft;
  return (
    <div
      className={`prompt-meter${over ? ' over' : ''}`}
      data-testid="prompt-meter"
      data-tokens={tokens ?? ''}
      data-context={context}
      aria-busy={stale}
    >
      <div className="prompt-meter-text">
        Prompt:{' '}
        <strong data-testid="prompt-tokens">
          {tokens === null ? '…' : tokens.toLocaleString()}
        </strong>{' '}
        tokens of {context.toLocaleString()} context
        <span className="hint"> ({model.name})</span>
        {tokens !== null && <> ({pct(tokens, context)})</>}
        {budget !== null && <> · up to {budget.toLocaleString()} more for the answer</>}
        {stale && <span className="hint"> (counting…)</span>}
      </div>
      <meter
        aria-label="Context used by the prompt"
        min={0}
        max={context}
        low={context * 0.75}
        high={context * 0.9}
        optimum={0}
        value={Math.min(tokens ?? 0, context)}
      />
      {over && (
        <div className="field-error" data-testid="prompt-over">
          The prompt{budget !== null ? ' and the answer budget' : ''} exceed the model&apos;s
          context of {context.toLocaleString()} tokens.
        </div>
      )}
      {count?.error && (
        <div className="hint" data-testid="prompt-count-error">
          Not counted: {count.error}
        </div>
      )}
    </div>
  );
}
