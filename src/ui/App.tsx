import { useEffect } from 'react';
import { useUiStore, type Theme } from '../store/uiStore';
import { useValidation } from './useValidation';
import { ParamsForm } from './params/ParamsForm';
import { MessagesEditor } from './messages/MessagesEditor';
import { RequestPanel } from './request/RequestPanel';
import { SharedRequest } from './request/SharedRequest';
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

export function App() {
  useTheme();
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
      <SharedRequest />
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
