import { useEffect, useRef, useState } from 'react';
import { useRequestStore } from '../../store/requestStore';
import { exportJson, toCurl, toJavaScript, toPython } from '../../request/export';
import { importRequest, ImportError } from '../../request/import';
import { encodeShare, ShareError } from '../../request/share';

type Tab = 'json' | 'curl' | 'python' | 'javascript';
const TABS: { id: Tab; label: string; file: string }[] = [
  { id: 'json', label: 'JSON', file: 'request.json' },
  { id: 'curl', label: 'curl', file: 'request.sh' },
  { id: 'python', label: 'Python', file: 'request.py' },
  { id: 'javascript', label: 'JavaScript', file: 'request.mjs' },
];

/** The live request JSON: edits here replace the draft when they parse. */
function LiveJson() {
  const draft = useRequestStore((s) => s.draft);
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  const setEditorError = useRequestStore((s) => s.setEditorError);
  const json = exportJson(draft);
  const [text, setText] = useState(json);
  const [error, setError] = useState<string | null>(null);
  const last = useRef(json);
  useEffect(() => {
    if (json !== last.current) {
      last.current = json;
      setText(json);
      setError(null);
    }
  }, [json]);
  return (
    <div className="live-json">
      <textarea
        aria-label="Request JSON"
        data-testid="request-json"
        spellCheck={false}
        rows={18}
        value={text}
        className={error ? 'invalid' : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          try {
            const { draft: d, unknown } = importRequest(t);
            setError(null);
            setEditorError('(request JSON)', null);
            last.current = exportJson(d);
            replaceDraft(d, unknown);
          } catch (err) {
            const msg = (err as Error).message;
            setError(msg);
            setEditorError('(request JSON)', msg);
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

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function RequestPanel() {
  const draft = useRequestStore((s) => s.draft);
  const unknown = useRequestStore((s) => s.unknownFields);
  const clearUnknown = useRequestStore((s) => s.clearUnknown);
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  const [tab, setTab] = useState<Tab>('json');
  const [notice, setNotice] = useState<string | null>(null);
  const [importText, setImportText] = useState('');
  const [importError, setImportError] = useState<string | null>(null);
  const [shareUrl, setShareUrl] = useState<string | null>(null);
  const code =
    tab === 'curl'
      ? toCurl(draft)
      : tab === 'python'
        ? toPython(draft)
        : tab === 'javascript'
          ? toJavaScript(draft)
          : exportJson(draft);
  const file = TABS.find((t) => t.id === tab)!.file;

  const doImport = (text: string) => {
    try {
      const r = importRequest(text);
      replaceDraft(r.draft, r.unknown);
      setImportError(null);
      setImportText('');
      const n = Object.keys(r.unknown).length;
      setNotice(
        n
          ? `Imported; ${n} unknown field(s) kept aside: ${Object.keys(r.unknown).join(', ')}`
          : 'Imported.',
      );
    } catch (e) {
      setImportError(e instanceof ImportError ? e.message : String(e));
    }
  };

  return (
    <section className="request-panel" aria-label="Request">
      <div className="section-head">
        <h2>Request</h2>
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
      <div role="tablist" className="tabs">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={tab === t.id} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <pre className="code" data-testid="export-code">
        {code}
      </pre>
      <div className="button-row">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard?.writeText(code).then(
              () => setNotice('Copied.'),
              () => setNotice('Copy failed: the browser refused clipboard access.'),
            )
          }
        >
          Copy
        </button>
        <button type="button" onClick={() => download(file, code)}>
          Download {file}
        </button>
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
      <h3>Import</h3>
      <textarea
        aria-label="Import request"
        rows={4}
        placeholder="Paste or drop a request JSON or a curl command"
        value={importText}
        onChange={(e) => setImportText(e.target.value)}
        onDrop={(e) => {
          const f = e.dataTransfer.files[0];
          if (f) {
            e.preventDefault();
            void f.text().then(doImport);
          }
        }}
      />
      <div className="button-row">
        <button
          type="button"
          onClick={() => doImport(importText)}
          disabled={importText.trim() === ''}
        >
          Import
        </button>
        <label className="file-button">
          Open file…
          <input
            type="file"
            accept=".json,.txt,.sh,application/json"
            onChange={(e) => void e.target.files?.[0]?.text().then(doImport)}
          />
        </label>
      </div>
      {importError && (
        <div className="field-error" role="alert" data-testid="import-error">
          {importError}
        </div>
      )}
    </section>
  );
}
