import { useEffect, useState } from 'react';
import { useUiStore, type Theme } from '../store/uiStore';
import { useRequestStore } from '../store/requestStore';
import { decodeShare, ShareError } from '../request/share';
import { importRequest } from '../request/import';
import { useValidation } from './useValidation';
import { ParamsForm } from './params/ParamsForm';
import { MessagesEditor } from './messages/MessagesEditor';
import { RequestPanel } from './request/RequestPanel';
import { ResponsePanel } from './response/ResponsePanel';
import { EngineBar } from './engine/EngineBar';
import { useRunActions } from './response/useRunActions';
import { Workspace } from './layout/Workspace';
import { PromptMeter } from './messages/PromptMeter';

function useTheme() {
  const theme = useUiStore((s) => s.theme);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      const dark = theme === 'dark' || (theme === 'system' && media.matches);
      document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}

/** Opens a request carried by the URL hash (share link), once, at start. */
function useShareLink(): string | null {
  const [error, setError] = useState<string | null>(null);
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  useEffect(() => {
    const load = () => {
      try {
        const shared = decodeShare(location.hash);
        if (!shared) return;
        const { draft, unknown } = importRequest(JSON.stringify(shared));
        replaceDraft(draft, unknown);
        setError(null);
        history.replaceState(null, '', location.pathname + location.search);
      } catch (e) {
        setError(
          e instanceof ShareError
            ? e.message
            : `This share link is broken: ${(e as Error).message}`,
        );
      }
    };
    load();
    window.addEventListener('hashchange', load);
    return () => window.removeEventListener('hashchange', load);
  }, [replaceDraft]);
  return error;
}

export function App() {
  useTheme();
  const shareError = useShareLink();
  const validation = useValidation();
  const theme = useUiStore((s) => s.theme);
  const setTheme = useUiStore((s) => s.setTheme);
  const { run, stop } = useRunActions(validation);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        run();
      } else if (e.key === 'Escape') {
        stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run, stop]);

  return (
    <div className="app">
      <header className="top-bar">
        <h1>In-tab playground</h1>
        <EngineBar />
        <label className="theme-select">
          Theme
          <select
            aria-label="Theme"
            value={theme}
            onChange={(e) => setTheme(e.target.value as Theme)}
          >
            <option value="system">system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
      </header>
      {shareError && (
        <div className="notice error" role="alert" data-testid="share-error">
          {shareError}
        </div>
      )}
      <Workspace
        panes={{
          chat: (
            <>
              <MessagesEditor validation={validation}>
                <PromptMeter />
              </MessagesEditor>
              <ResponsePanel validation={validation} run={run} stop={stop} />
            </>
          ),
          params: <ParamsForm validation={validation} />,
          request: <RequestPanel />,
        }}
      />
    </div>
  );
}
