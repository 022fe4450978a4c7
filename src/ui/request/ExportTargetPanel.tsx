import { useMemo, useState } from 'react';
import { bodyCode, CODE_LANGS, type CodeLang } from '../../server/code';
import { TARGETS, TARGET_LABELS, type Target } from '../../server/facts';
import { translateRequest } from '../../server/translate';
import { useExportStore } from '../../store/exportStore';
import { useSettledDraft } from '../useSettledDraft';
import { DEFAULT_SERVER_BASE_URL, useServerStore } from '../../store/serverStore';
import { CompatReport } from './CompatReport';

type Tab = 'json' | CodeLang;
const TABS: { id: Tab; label: string; file: string }[] = [
  { id: 'json', label: 'JSON', file: 'request.json' },
  { id: 'curl', label: 'curl', file: 'request.sh' },
  { id: 'python', label: 'Python', file: 'request.py' },
  { id: 'javascript', label: 'JavaScript', file: 'request.mjs' },
];

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** The code reads the key from this variable; the key itself never appears. */
const API_KEY_ENV = 'OPENAI_API_KEY';

function isCodeLang(t: Tab): t is CodeLang {
  return (CODE_LANGS as readonly string[]).includes(t);
}

/** The URL the code calls: OpenAI's, or the Server engine's base URL for vLLM. */
function codeBaseUrl(target: Target, serverBaseUrl: string): string {
  if (target === 'openai') return OPENAI_BASE_URL;
  return serverBaseUrl.trim() || DEFAULT_SERVER_BASE_URL;
}

function codeFor(body: Record<string, unknown>, tab: Tab, baseUrl: string): string {
  if (!isCodeLang(tab)) return JSON.stringify(body, null, 2);
  try {
    return bodyCode(body, tab, { baseUrl, apiKeyEnv: API_KEY_ENV });
  } catch {
    // A base URL the code cannot carry (not a URL, credentials in it): use the default.
    return bodyCode(body, tab, { baseUrl: DEFAULT_SERVER_BASE_URL, apiKeyEnv: API_KEY_ENV });
  }
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Export for one server target: the body and code it takes, and the compatibility report. */
export function ExportTargetPanel() {
  // A large request re-translates only when typing pauses (see useSettledDraft).
  const { draft } = useSettledDraft();
  const target = useExportStore((s) => s.target);
  const setTarget = useExportStore((s) => s.setTarget);
  const jsonSchemaName = useExportStore((s) => s.jsonSchemaName);
  const setJsonSchemaName = useExportStore((s) => s.setJsonSchemaName);
  const serverBaseUrl = useServerStore((s) => s.baseUrl);
  const [tab, setTab] = useState<Tab>('json');
  const [notice, setNotice] = useState<string | null>(null);
  const translation = useMemo(
    () => translateRequest(draft, target, { jsonSchemaName }),
    [draft, target, jsonSchemaName],
  );
  const baseUrl = codeBaseUrl(target, serverBaseUrl);
  const code = useMemo(() => codeFor(translation.body, tab, baseUrl), [translation, tab, baseUrl]);
  const file = TABS.find((t) => t.id === tab)!.file;
  const needsSchemaName = target === 'openai' && draft.guided_json !== undefined;

  return (
    <div className="export-target">
      <div className="button-row">
        <label>
          Target{' '}
          <select
            aria-label="Export target"
            value={target}
            onChange={(e) => setTarget(e.target.value as Target)}
          >
            {TARGETS.map((t) => (
              <option key={t} value={t}>
                {TARGET_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        {needsSchemaName && (
          <label title="OpenAI needs a name for the schema: 1-64 letters, digits, _ or -">
            json_schema name{' '}
            <input
              aria-label="json_schema name"
              type="text"
              size={16}
              placeholder="e.g. answer"
              spellCheck={false}
              value={jsonSchemaName}
              onChange={(e) => setJsonSchemaName(e.target.value)}
            />
          </label>
        )}
      </div>
      <div className="export-layout">
        <div className="export-code">
          <div role="tablist" className="tabs">
            {TABS.map((t) => (
              <button
                key={t.id}
                role="tab"
                aria-selected={tab === t.id}
                onClick={() => setTab(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
          <pre
            className="code"
            data-testid="export-code"
            tabIndex={0}
            role="region"
            aria-label={`Exported ${TABS.find((t) => t.id === tab)!.label}`}
          >
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
          </div>
          {notice && (
            <div className="notice" role="status">
              {notice}
            </div>
          )}
        </div>
        <CompatReport target={target} report={translation.report} />
      </div>
    </div>
  );
}
