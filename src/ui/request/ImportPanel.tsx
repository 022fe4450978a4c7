import { useState } from 'react';
import { importCode, type CodeForm } from '../../server/importCode';
import { useRequestStore } from '../../store/requestStore';

const FORM_LABELS: Record<CodeForm, string> = {
  json: 'JSON',
  curl: 'a curl command',
  python: 'Python code',
  javascript: 'JavaScript code',
};

/** Import of JSON, curl, Python or JavaScript (any target's form) into the form. */
export function ImportPanel() {
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ form: CodeForm; notes: string[] } | null>(null);

  const doImport = (input: string) => {
    try {
      const r = importCode(input);
      replaceDraft(r.draft, r.unknown);
      setError(null);
      setText('');
      setResult({ form: r.form, notes: r.notes });
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    }
  };

  return (
    <>
      <h3>Import</h3>
      <textarea
        aria-label="Import request"
        rows={4}
        spellCheck={false}
        placeholder="Paste or drop a request JSON, a curl command, or Python / JavaScript code (any target's form, structured_outputs included)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onDrop={(e) => {
          const f = e.dataTransfer.files[0];
          if (f) {
            e.preventDefault();
            void f.text().then(doImport);
          }
        }}
      />
      <div className="button-row">
        <button type="button" onClick={() => doImport(text)} disabled={text.trim() === ''}>
          Import
        </button>
        <label className="file-button">
          Open file…
          <input
            type="file"
            accept=".json,.txt,.sh,.py,.js,.mjs,.ts,application/json"
            onChange={(e) => void e.target.files?.[0]?.text().then(doImport)}
          />
        </label>
      </div>
      {error && (
        <div className="field-error" role="alert" data-testid="import-error">
          {error}
        </div>
      )}
      {result && (
        <div className="notice" role="status" data-testid="import-result">
          Imported from {FORM_LABELS[result.form]}.
          {result.notes.length > 0 && (
            <>
              {' '}
              Not mapped as it is:
              <ul data-testid="import-notes">
                {result.notes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </>
  );
}
