import { useMemo } from 'react';
import { checkBaseUrl } from '../../engine/serverClient';
import { TARGETS, TARGET_LABELS, type Target } from '../../server/facts';
import { serverFlags, translateRequest } from '../../server/translate';
import { useExportStore } from '../../store/exportStore';
import { useRequestStore } from '../../store/requestStore';
import { useServerStore } from '../../store/serverStore';
import { chooseServerModel } from './serverModels';

/** What Run does to the request on this target, in one line. */
function SendSummary({ target }: { target: Target }) {
  const draft = useRequestStore((s) => s.draft);
  const jsonSchemaName = useExportStore((s) => s.jsonSchemaName);
  const report = useMemo(
    () => translateRequest(draft, target, { jsonSchemaName }).report,
    [draft, target, jsonSchemaName],
  );
  const left = report.filter((l) => l.action === 'refused' || l.action === 'dropped');
  const flags = serverFlags(report);
  return (
    <span className="hint" data-testid="server-send-summary">
      {left.length > 0
        ? `Left out for this target: ${left.map((l) => l.param).join(', ')}. `
        : 'Nothing is left out. '}
      {flags.length > 0 && <>Needs server flags: {flags.join(' ')}. </>}
      See the compatibility report under Export.
    </span>
  );
}

/**
 * The "Server" engine: where Run sends the request. The API key is masked and kept in
 * memory (or this tab's sessionStorage when asked); see src/store/serverStore.ts.
 */
export function ServerSettings() {
  const s = useServerStore();
  let urlError: string | null = null;
  try {
    checkBaseUrl(s.baseUrl);
  } catch (e) {
    urlError = (e as Error).message;
  }
  return (
    <div className="server-settings" data-testid="server-settings">
      <label>
        Base URL{' '}
        <input
          aria-label="Server base URL"
          type="url"
          size={28}
          placeholder="http://localhost:8000/v1"
          spellCheck={false}
          value={s.baseUrl}
          className={urlError ? 'invalid' : undefined}
          onChange={(e) => s.setBaseUrl(e.target.value)}
        />
      </label>
      {s.servedModels && s.servedModels.length > 0 ? (
        <label>
          Model{' '}
          <select
            aria-label="Server model"
            value={s.model}
            onChange={(e) => chooseServerModel(e.target.value)}
          >
            {!s.servedModels.includes(s.model) && (
              <option value={s.model}>{s.model === '' ? "(the request's model)" : s.model}</option>
            )}
            {s.servedModels.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          Model{' '}
          <input
            aria-label="Server model"
            type="text"
            size={18}
            placeholder="e.g. Qwen/Qwen3-0.6B (Load lists the server's)"
            spellCheck={false}
            value={s.model}
            onChange={(e) => s.setModel(e.target.value)}
          />
        </label>
      )}
      <label>
        API key{' '}
        <input
          aria-label="API key"
          type="password"
          size={14}
          autoComplete="off"
          spellCheck={false}
          value={s.apiKey}
          onChange={(e) => s.setApiKey(e.target.value)}
        />
      </label>
      <label
        title={
          s.rememberKey
            ? "The key is kept in this tab's sessionStorage until the tab closes."
            : 'The key is kept in memory only: a reload forgets it.'
        }
      >
        <input
          type="checkbox"
          checked={s.rememberKey}
          onChange={(e) => s.setRememberKey(e.target.checked)}
        />{' '}
        remember for this tab
      </label>
      <label>
        Send as{' '}
        <select
          aria-label="Send as"
          value={s.sendAs}
          onChange={(e) => s.setSendAs(e.target.value as Target)}
        >
          {TARGETS.map((t) => (
            <option key={t} value={t}>
              {TARGET_LABELS[t]}
            </option>
          ))}
        </select>
      </label>
      {urlError && (
        <span className="field-error" role="alert" data-testid="server-url-error">
          {urlError}
        </span>
      )}
      <SendSummary target={s.sendAs} />
    </div>
  );
}
