import { useSyncExternalStore, type ReactNode } from 'react';
import { useUiStore, type Pane } from '../../store/uiStore';

/**
 * How many panes fit side by side. Wide: all three (parameters, conversation, request);
 * medium: the conversation beside one tabbed side pane; narrow: one pane, chosen by tabs.
 */
export type LayoutMode = 'wide' | 'medium' | 'narrow';

const WIDE = '(min-width: 1200px)';
const MEDIUM = '(min-width: 760px)';

function currentMode(): LayoutMode {
  if (window.matchMedia(WIDE).matches) return 'wide';
  if (window.matchMedia(MEDIUM).matches) return 'medium';
  return 'narrow';
}

function subscribe(onChange: () => void) {
  const queries = [WIDE, MEDIUM].map((q) => window.matchMedia(q));
  for (const q of queries) q.addEventListener('change', onChange);
  return () => {
    for (const q of queries) q.removeEventListener('change', onChange);
  };
}

export function useLayoutMode(): LayoutMode {
  return useSyncExternalStore(subscribe, currentMode);
}

const LABELS: Record<Pane, string> = {
  chat: 'Conversation',
  params: 'Parameters',
  request: 'Request & export',
};

/** The panes a tab bar offers in a mode (none where all panes show). */
function tabbedPanes(mode: LayoutMode): Pane[] {
  if (mode === 'wide') return [];
  if (mode === 'medium') return ['params', 'request'];
  return ['chat', 'params', 'request'];
}

/** Which pane each tab shows: on a medium page the conversation always shows. */
function selectedPane(mode: LayoutMode, pane: Pane): Pane {
  return mode === 'medium' && pane === 'chat' ? 'params' : pane;
}

/**
 * The page body: the conversation and its answer in the centre, parameters and the request
 * (JSON, export, import) beside it, each pane one scroll area. Where they do not fit, a tab
 * bar reaches every pane without scrolling. Panes stay mounted when hidden, so nothing typed
 * into one is lost when another is shown.
 */
export function Workspace({ panes }: { panes: Record<Pane, ReactNode> }) {
  const mode = useLayoutMode();
  const pane = useUiStore((s) => s.pane);
  const setPane = useUiStore((s) => s.setPane);
  const tabs = tabbedPanes(mode);
  const selected = selectedPane(mode, pane);
  const shown = (p: Pane) => !tabs.includes(p) || p === selected;
  const order: Pane[] = ['chat', 'params', 'request'];
  return (
    <main className={`workspace mode-${mode}`} data-layout={mode}>
      {tabs.length > 0 && (
        <div role="tablist" aria-label="Panes" className="pane-tabs" data-testid="pane-tabs">
          {tabs.map((p) => (
            <button
              key={p}
              type="button"
              role="tab"
              id={`pane-tab-${p}`}
              aria-controls={`pane-${p}`}
              aria-selected={p === selected}
              tabIndex={p === selected ? 0 : -1}
              onClick={() => setPane(p)}
              onKeyDown={(e) => {
                const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
                if (!step) return;
                e.preventDefault();
                const next = tabs[(tabs.indexOf(p) + step + tabs.length) % tabs.length]!;
                setPane(next);
                document.getElementById(`pane-tab-${next}`)?.focus();
              }}
            >
              {LABELS[p]}
            </button>
          ))}
        </div>
      )}
      {order.map((p) => (
        <div
          key={p}
          id={`pane-${p}`}
          className={`pane pane-${p}`}
          data-testid={`pane-${p}`}
          hidden={!shown(p)}
          // Side by side, the sections inside are the landmarks; tabbed, each pane is a panel.
          {...(tabs.includes(p) ? { role: 'tabpanel', 'aria-labelledby': `pane-tab-${p}` } : {})}
        >
          {panes[p]}
        </div>
      ))}
    </main>
  );
}
