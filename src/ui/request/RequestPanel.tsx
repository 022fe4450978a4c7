import { useMemo, useState } from 'react';
import type { RequestDraft } from '../../request/types';
import { useSettledDraft } from '../useSettledDraft';
import { REQUEST_JSON_EDITOR, useRequestStore } from '../../store/requestStore';
import { exportJson } from '../../request/export';
import { importRequest } from '../../request/import';
import { encodeShare, ShareError } from '../../request/share';
import { ExportTargetPanel } from './ExportTargetPanel';
import { ImportPanel } from './ImportPanel';
import { PresetsPanel } from '../presets/PresetsPanel';

/** The live request JSON: edits here replace the draft when they parse. */
function LiveJson() {
  // A large request re-serialises only when typing pauses (see useSettledDraft).
  const { draft, settling } = useSettledDraft();
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  const setEditorError = useRequestStore((s) => s.setEditorError);
  const json = useMemo(() => exportJson(draft), [draft]);
  const [text, setText] = useState(json);
  const [error, setError] = useState<string | null>(null);
  // The draft this editor last showed, and the one it last wrote. A change from elsewhere
  // (the form, an import) replaces the text during the same render, so the editor is never a
  // commit behind the draft (an effect left a moment where it showed the old request); the
  // editor's own edits are left as typed.
  const [shown, setShown] = useState(draft);
  const [written, setWritten] = useState<RequestDraft | null>(null);
  if (draft !== shown) {
    setShown(draft);
    if (draft !== written) {
      setText(json);
      setError(null);
    }
  }
  return (
    <div className="live-json">
      <textarea
        aria-label="Request JSON"
        data-testid="request-json"
        spellCheck={false}
        rows={18}
        value={text}
        aria-busy={settling}
        className={error ? 'invalid' : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          try {
            const { draft: d, unknown } = importRequest(t);
            setError(null);
            setEditorError(REQUEST_JSON_EDITOR, null);
            setWritten(d);
            replaceDraft(d, unknown);
          } catch (err) {
            const msg = (err as Error).message;
            setError(msg);
            setEditorError(REQUEST_JSON_EDITOR, msg);
          }
        }}
      />
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** Brings a control of this pane into view and focuses it (Import sits below the export). */
function jumpTo(label: string) {
  const el = document.querySelector<HTMLElement>(`[aria-label="${label}"]`);
  el?.focus({ preventScroll: true });
  el?.scrollIntoView({ block: 'center' });
}

export function RequestPanel() {
  const draft = useRequestStore((s) => s.draft);
  const unknown = useRequestStore((s) => s.unknownFields);
  const clearUnknown = useRequestStore((s) => s.clearUnknown);
  const [notice, setNotice] = useState<string | null>(null);
  const [shareUrl, setShareUrl] = useState<string | null>(null);

  return (
    <section className="request-panel" aria-label="Request">
      <div className="section-head">
        <h2>Request</h2>
        <nav className="jump-links" aria-label="Jump to">
          <button type="button" onClick={() => jumpTo('Export target')}>
            Go to export
          </button>
          <button type="button" onClick={() => jumpTo('Import request')}>
            Go to import
          </button>
        </nav>
      </div>
      <LiveJson />
      {Object.keys(unknown).length > 0 && (
        <div className="notice warn" data-testid="unknown-fields">
          Unknown fields (not sent, kept here so nothing is lost):{' '}
          <code>{JSON.stringify(unknown)}</code>
          <button type="button" onClick={clearUnknown}>
            Discard
          </button>
        </div>
      )}
      <h3>Export</h3>
      <ExportTargetPanel />
      <div className="button-row">
        <button
          type="button"
          onClick={() => {
            try {
              const url = `${location.origin}${location.pathname}#${encodeShare(draft)}`;
              setShareUrl(url);
              void navigator.clipboard?.writeText(url).catch(() => undefined);
            } catch (e) {
              setNotice(e instanceof ShareError ? e.message : String(e));
            }
          }}
        >
          Share link
        </button>
      </div>
      {shareUrl && (
        <input
          className="share-url"
          aria-label="Share URL"
          readOnly
          value={shareUrl}
          onFocus={(e) => e.target.select()}
        />
      )}
      {notice && (
        <div className="notice" role="status">
          {notice}
        </div>
      )}
      <ImportPanel />
      <PresetsPanel />
    </section>
  );
}
