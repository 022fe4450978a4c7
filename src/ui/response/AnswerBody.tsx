import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { copyText } from '../copy';

type Renderer = (text: string) => string;
let renderer: Renderer | null = null;
let loading: Promise<Renderer> | null = null;

function loadRenderer(): Promise<Renderer> {
  loading ??= import('./markdown').then((m) => (renderer = m.renderMarkdown));
  return loading;
}

/**
 * Loads the Markdown renderer ahead of the first answer (a model is ready or a run starts),
 * so parsing its code never lands in the middle of a stream.
 */
export function preloadMarkdownRenderer(): void {
  void loadRenderer();
}

/** The renderer once loaded; plain text is shown until then. */
function useRenderer(): Renderer | null {
  // A function given to useState is called as an initialiser: wrap the renderer.
  const [r, setR] = useState<Renderer | null>(() => renderer);
  useEffect(() => {
    if (!r) void loadRenderer().then((f) => setR(() => f));
  }, [r]);
  return r;
}

/**
 * An answer's text, as sanitised Markdown (code blocks with copy buttons) or as the raw text.
 * The Markdown follows the stream through a deferred value, so a long answer never blocks
 * typing or the stream itself.
 */
export function AnswerBody({ text, raw }: { text: string; raw: boolean }) {
  const render = useRenderer();
  const deferred = useDeferredValue(text);
  const [status, setStatus] = useState('');
  const html = useMemo(() => (render && !raw ? render(deferred) : ''), [render, raw, deferred]);
  if (raw || !render) {
    return (
      <div className="content raw" data-testid="content" data-format="raw">
        {text}
      </div>
    );
  }
  return (
    <>
      <div
        className="content markdown"
        data-testid="content"
        data-format="markdown"
        // Sanitised by renderMarkdown (markdown-it without HTML, then DOMPurify).
        dangerouslySetInnerHTML={{ __html: html }}
        onClick={(e) => {
          const button = (e.target as Element).closest('button.copy-code');
          const code = button?.closest('.code-block')?.querySelector('code')?.textContent;
          if (code == null) return;
          setStatus('');
          copyText(code).then(
            () => setStatus('Code copied.'),
            (err: Error) => setStatus(`Copy failed: ${err.message}.`),
          );
        }}
      />
      <span className="copy-status hint" role="status">
        {status}
      </span>
    </>
  );
}
