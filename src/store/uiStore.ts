import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export type Theme = 'system' | 'light' | 'dark';
/** The page's panes: the conversation, the parameter form, the request (JSON, export, import). */
export type Pane = 'chat' | 'params' | 'request';

interface UiState {
  theme: Theme;
  setTheme: (t: Theme) => void;
  /** The pane a tab shows where the page is too narrow to show them all. */
  pane: Pane;
  setPane: (p: Pane) => void;
}

export const useUiStore = create<UiState>()(
  persist(
    (set) => ({
      theme: 'system',
      setTheme: (theme) => set({ theme }),
      pane: 'chat',
      setPane: (pane) => set({ pane }),
    }),
    {
      name: 'playground.ui',
      version: 1,
      partialize: (s) => ({ theme: s.theme }),
    },
  ),
);
