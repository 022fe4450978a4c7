import { useState } from 'react';
import { engineClient } from '../../engine/client';
import type { TokenMatch } from '../../engine/protocol';
import { useEngineStore } from '../../store/engineStore';

/** Finds token ids of the loaded model by text, for logit_bias. */
export function TokenLookup({ onPick }: { onPick: (id: number) => void }) {
  const ready = useEngineStore((s) => s.status === 'ready');
  const [text, setText] = useState('');
  const [matches, setMatches] = useState<TokenMatch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!ready) return <span className="hint">Load a model to look up token ids by text.</span>;
  const search = () =>
    void engineClient()
      .lookupToken(text)
      .then(
        (m) => {
          setMatches(m);
          setError(null);
        },
        (e: { message?: string }) => setError(e.message ?? String(e)),
      );
  return (
    <div className="token-lookup">
      <div className="list-row">
        <input
          type="text"
          aria-label="Token text"
          placeholder="find token by text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              search();
            }
          }}
        />
        <button type="button" onClick={search} disabled={text === ''}>
          Find
        </button>
      </div>
      {error && <div className="field-error">{error}</div>}
      {matches && matches.length === 0 && <span className="hint">No token has this text.</span>}
      {matches && matches.length > 0 && (
        <ul className="token-matches" data-testid="token-matches">
          {matches.map((m) => (
            <li key={m.id}>
              <button type="button" onClick={() => onPick(m.id)} title="Add to logit_bias">
                {m.id}: <code>{JSON.stringify(m.text)}</code>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
