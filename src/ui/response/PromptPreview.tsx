import { useState } from 'react';
import { engineClient } from '../../engine/client';
import { useRequestStore } from '../../store/requestStore';
import type { ChatRequest } from '../../request/types';
import type { PromptPreview as Preview, WorkerError } from '../../engine/protocol';
import { ensureModelLoaded } from '../engine/loadModel';

/** Shows the exact rendered prompt and its token count before running. */
export function PromptPreview() {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const refresh = () => {
    const request = useRequestStore.getState().draft as unknown as ChatRequest;
    void ensureModelLoaded()
      .then(() => engineClient().preview(request))
      .then(
        (p) => {
          setPreview(p);
          setError(null);
        },
        (e: WorkerError) => {
          setPreview(null);
          setError(e.message ?? String(e));
        },
      );
  };
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
      <summary>Prompt preview{preview && ` (${preview.tokenCount ?? '?'} tokens)`}</summary>
      <button type="button" onClick={refresh}>
        Refresh
      </button>
      {error && (
        <div className="field-error" role="alert" data-testid="prompt-error">
          {error}
        </div>
      )}
      {preview && (
        <pre className="code" data-testid="prompt-text">
          {preview.prompt}
        </pre>
      )}
    </details>
  );
}
