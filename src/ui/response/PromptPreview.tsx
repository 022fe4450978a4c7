import { useCallback, useEffect, useRef, useState } from 'react';
import { engineClient } from '../../engine/client';
import { useRequestStore } from '../../store/requestStore';
import type { ChatRequest, RequestDraft } from '../../request/types';
import type { PromptPreview as Preview, WorkerError } from '../../engine/protocol';
import { ensureModelLoaded } from '../engine/loadModel';

/** How long the draft must stay unchanged before an open preview re-renders it. */
const REFRESH_DELAY_MS = 300;

/**
 * Shows the exact rendered prompt and its token count before running. While open it follows
 * the draft: each change re-renders it after a short pause, marked "(refreshing…)" meanwhile.
 */
export function PromptPreview() {
  const draft = useRequestStore((s) => s.draft);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  /** The draft the preview (or error) on screen was rendered from. */
  const [shownDraft, setShownDraft] = useState<RequestDraft | null>(null);
  /** The draft of the latest request sent; only the latest answer is shown. */
  const requested = useRef<RequestDraft | null>(null);
  const sequence = useRef(0);

  const refresh = useCallback(() => {
    const d = useRequestStore.getState().draft;
    requested.current = d;
    const n = ++sequence.current;
    void ensureModelLoaded()
      .then(() => engineClient().preview(d as unknown as ChatRequest))
      .then(
        (p) => {
          if (n !== sequence.current) return;
          setPreview(p);
          setError(null);
          setShownDraft(d);
        },
        (e: WorkerError) => {
          if (n !== sequence.current) return;
          setPreview(null);
          setError(e.message ?? String(e));
          setShownDraft(d);
        },
      );
  }, []);

  useEffect(() => {
    if (!open || draft === requested.current) return;
    const timer = setTimeout(refresh, REFRESH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [open, draft, refresh]);

  const refreshing = open && shownDraft !== draft;
  return (
    <details
      className="prompt-preview"
      open={open}
      onToggle={(e) => {
        const isOpen = (e.target as HTMLDetailsElement).open;
        setOpen(isOpen);
        if (isOpen) refresh();
      }}
    >
      <summary>
        Prompt preview{preview && ` (${preview.tokenCount ?? '?'} tokens)`}
        {refreshing && (
          <span className="hint" data-testid="prompt-refreshing">
            {' '}
            (refreshing…)
          </span>
        )}
      </summary>
      <button type="button" onClick={refresh}>
        Refresh
      </button>
      {error && (
        <div className="field-error" role="alert" data-testid="prompt-error">
          {error}
        </div>
      )}
      {preview && (
        <pre
          className={`code${refreshing ? ' stale' : ''}`}
          data-testid="prompt-text"
          aria-busy={refreshing}
          tabIndex={0}
        >
          {preview.prompt}
        </pre>
      )}
    </details>
  );
}
