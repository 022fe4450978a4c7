import { useMemo, useState } from 'react';
import { useRequestStore } from '../../store/requestStore';
import { explainSchemaLoosening } from '../../constraints/schema';
import type { RequestDraft } from '../../request/types';
import { runOptionsOf, useTabOptionsStore } from '../../store/tabOptionsStore';

/** The JSON schemas of a request, with the field each comes from. */
function schemasOf(d: RequestDraft): { param: string; schema: unknown }[] {
  const out: { param: string; schema: unknown }[] = [];
  const rf = d.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (rf?.type === 'json_schema' && rf.json_schema?.schema !== undefined)
    out.push({ param: 'response_format', schema: rf.json_schema.schema });
  if (d.guided_json !== undefined) {
    try {
      out.push({
        param: 'guided_json',
        schema: typeof d.guided_json === 'string' ? JSON.parse(d.guided_json) : d.guided_json,
      });
    } catch {
      // The validator reports a guided_json that does not parse.
    }
  }
  return out;
}

interface Compiled {
  kind: string;
  source?: string;
  gbnf?: string;
  warnings: string[];
  notEnforced?: string[];
}

/** "View grammar": what the request's constraint compiles to, and what it will not enforce. */
export function GrammarView() {
  const draft = useRequestStore((s) => s.draft);
  const stringCap = useTabOptionsStore((s) => runOptionsOf(s).stringCap ?? null);
  const loosening = useMemo(
    () =>
      schemasOf(draft).flatMap(({ param, schema }) =>
        explainSchemaLoosening(schema).map((l) => ({ param, ...l })),
      ),
    [draft],
  );
  const [compiled, setCompiled] = useState<Compiled | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const view = () => {
    setBusy(true);
    // Loaded on demand: the compiler pulls in xgrammar's wasm.
    void import('../../constraints/compile')
      // As a run in the tab compiles it: with the tab's string cap, when on.
      .then(({ compileConstraint }) => compileConstraint(draft as never, { stringCap }))
      .then(
        (c) => {
          setCompiled(c as Compiled);
          setError(null);
        },
        (e: Error & { param?: string }) => {
          setCompiled(null);
          setError(`${e.param ? `${e.param}: ` : ''}${e.message}`);
        },
      )
      .finally(() => setBusy(false));
  };
  return (
    <div className="grammar-view" data-testid="grammar-view">
      {loosening.length > 0 && (
        <div className="notice warn" data-testid="schema-loosening">
          The grammar will not enforce these schema keywords:
          <ul>
            {loosening.map((l, i) => (
              <li key={i}>
                <code>
                  {l.param}
                  {l.path || ''} {l.keyword}
                </code>
                : {l.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <button type="button" onClick={view} disabled={busy}>
        {busy ? 'Compiling…' : 'View grammar'}
      </button>
      {error && (
        <div className="field-error" role="alert" data-testid="grammar-error">
          {error}
        </div>
      )}
      {compiled && compiled.kind === 'none' && (
        <p className="hint">This request has no output constraint.</p>
      )}
      {compiled && compiled.kind !== 'none' && (
        <>
          <p className="hint">
            {compiled.kind} from <code>{compiled.source}</code> — GBNF as llama.cpp reads it:
          </p>
          <pre className="code" data-testid="grammar-text">
            {compiled.gbnf}
          </pre>
        </>
      )}
      {compiled && compiled.warnings.length > 0 && (
        <ul className="hint">
          {compiled.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
