import { useEffect, useId, useRef, useState } from 'react';

interface Props {
  id: string;
  /** undefined = not set: the editor is empty and shows `placeholder`. */
  value: unknown;
  placeholder?: unknown;
  onValid: (value: unknown) => void;
  onClear: () => void;
  onSyntaxError: (message: string | null) => void;
  rows?: number;
  describedBy?: string;
  ariaLabel?: string;
}

const show = (v: unknown) => (v === undefined ? '' : (JSON.stringify(v, null, 2) ?? ''));

/** A JSON text editor: edits apply while the text parses; a syntax error shows inline. */
export function JsonEditor(props: Props) {
  const {
    id,
    value,
    placeholder,
    onValid,
    onClear,
    onSyntaxError,
    rows = 6,
    describedBy,
    ariaLabel,
  } = props;
  const pretty = show(value);
  const [text, setText] = useState(pretty);
  const [error, setError] = useState<string | null>(null);
  const lastApplied = useRef(pretty);
  const errId = useId();

  useEffect(() => {
    // Follow outside changes (reset, import, the request JSON panel).
    if (pretty !== lastApplied.current) {
      lastApplied.current = pretty;
      setText(pretty);
      setError(null);
    }
  }, [pretty]);

  const apply = (t: string) => {
    setText(t);
    if (t.trim() === '') {
      setError(null);
      onSyntaxError(null);
      lastApplied.current = '';
      onClear();
      return;
    }
    try {
      const parsed: unknown = JSON.parse(t);
      setError(null);
      onSyntaxError(null);
      lastApplied.current = show(parsed);
      onValid(parsed);
    } catch (err) {
      const msg = `JSON syntax error: ${(err as Error).message}`;
      setError(msg);
      onSyntaxError(msg);
    }
  };

  return (
    <div className="json-editor">
      <textarea
        id={id}
        className={error ? 'invalid' : undefined}
        spellCheck={false}
        rows={rows}
        value={text}
        placeholder={placeholder === undefined ? undefined : `e.g. ${show(placeholder)}`}
        aria-label={ariaLabel}
        aria-invalid={error ? true : undefined}
        aria-describedby={[describedBy, error ? errId : ''].filter(Boolean).join(' ') || undefined}
        onChange={(e) => apply(e.target.value)}
      />
      {error && (
        <div className="field-error" id={errId} role="alert" data-testid="json-syntax-error">
          {error}
        </div>
      )}
    </div>
  );
}
