import { TARGET_LABELS, type ReportAction, type ReportLine, type Target } from '../../server/facts';
import { serverFlags } from '../../server/translate';
import { runOptionsOf, useTabOptionsStore } from '../../store/tabOptionsStore';

const ACTION_LABELS: Record<ReportAction, string> = {
  dropped: 'dropped',
  refused: 'refused',
  renamed: 'renamed',
  changed: 'changed',
  'needs-flag': 'needs flag',
  note: 'note',
};

/**
 * What the target does with each field of the request that it does not take as it is:
 * one line per field and fact (src/server/facts.ts), then the server flags they ask for.
 */
export function CompatReport({
  target,
  report,
}: {
  target: Target;
  report: readonly ReportLine[];
}) {
  const flags = serverFlags(report);
  const stringCap = useTabOptionsStore((s) => runOptionsOf(s).stringCap ?? null);
  return (
    <aside className="compat-report" data-testid="compat-report" aria-label="Compatibility report">
      <h4>Compatibility: {TARGET_LABELS[target]}</h4>
      {report.length === 0 ? (
        <p className="hint" data-testid="report-empty">
          Every field that is set is sent as it is.
        </p>
      ) : (
        <ul className="report-lines">
          {report.map((l, i) => (
            <li
              key={`${l.param}-${i}`}
              data-testid="report-line"
              data-param={l.param}
              data-action={l.action}
            >
              <code>{l.param}</code>{' '}
              <span className={`badge report-${l.action}`}>{ACTION_LABELS[l.action]}</span>{' '}
              {l.message}
              {l.flag !== undefined && !l.message.includes(l.flag) && (
                <>
                  {' '}
                  <code className="flag">{l.flag}</code>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {stringCap !== null && (
        <p className="hint" data-testid="report-tab-string-cap">
          <span className="badge">tab only</span> In the tab, JSON strings whose schema gives no
          bound are capped at {stringCap} characters (a setting of the tab, not part of the
          request): {TARGET_LABELS[target]} applies no such cap, so its strings can be longer.
        </p>
      )}
      <div className="server-flags" data-testid="server-flags">
        {flags.length > 0 ? (
          <>
            Start the server with: <code>vllm serve &lt;model&gt; {flags.join(' ')}</code>
          </>
        ) : (
          'No server flag needed.'
        )}
      </div>
    </aside>
  );
}
