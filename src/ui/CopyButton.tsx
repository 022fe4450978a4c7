import { useState } from 'react';
import { copyText } from './copy';

/** A copy button whose result ("Copied." or why not) is announced politely. */
export function CopyButton({
  text,
  label = 'Copy',
  ariaLabel,
}: {
  text: string | (() => string);
  label?: string;
  ariaLabel?: string;
}) {
  const [status, setStatus] = useState('');
  return (
    <>
      <button
        type="button"
        aria-label={ariaLabel}
        onClick={() => {
          setStatus('');
          copyText(typeof text === 'function' ? text() : text).then(
            () => setStatus('Copied.'),
            (e: Error) => setStatus(`Copy failed: ${e.message}.`),
          );
        }}
      >
        {label}
      </button>
      <span className="copy-status hint" role="status">
        {status}
      </span>
    </>
  );
}
