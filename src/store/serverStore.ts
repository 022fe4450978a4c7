/**
 * Settings of the "Server" engine. Base URL, model name and target are remembered in
 * localStorage; the API key is a secret: it lives in this store's memory only, or in
 * sessionStorage (this tab only) when the user ticks "remember for this tab". It is never
 * written to localStorage, and nothing that exports or shares a request reads it.
 */
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { Target } from '../server/facts';
import { isTarget } from './exportStore';

/** The sessionStorage entry that holds the key while "remember for this tab" is ticked. */
export const SESSION_KEY_ENTRY = 'playground.server.apiKey';

export const DEFAULT_SERVER_BASE_URL = 'http://localhost:8000/v1';

interface ServerState {
  baseUrl: string;
  /** Model name sent to the server; empty: the request's own model field. */
  model: string;
  /** The target whose translated body Run sends. */
  sendAs: Target;
  apiKey: string;
  rememberKey: boolean;
  /** The server's model ids (GET /models), fetched by Load; not persisted. */
  servedModels: string[] | null;
  /** Load (the model list) in progress, or its error. */
  modelsStatus: 'idle' | 'loading' | 'ready' | 'error';
  modelsError: string | null;
  setModelList: (
    p: Partial<Pick<ServerState, 'servedModels' | 'modelsStatus' | 'modelsError'>>,
  ) => void;
  setBaseUrl: (u: string) => void;
  setModel: (m: string) => void;
  setSendAs: (t: Target) => void;
  setApiKey: (k: string) => void;
  setRememberKey: (remember: boolean) => void;
}

function session(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

function rememberedKey(): string | null {
  try {
    return session()?.getItem(SESSION_KEY_ENTRY) ?? null;
  } catch {
    return null;
  }
}

function writeSessionKey(key: string | null): void {
  try {
    if (key === null) session()?.removeItem(SESSION_KEY_ENTRY);
    else session()?.setItem(SESSION_KEY_ENTRY, key);
  } catch {
    // sessionStorage refused (private mode, quota): the key stays in memory only.
  }
}

const initialKey = rememberedKey();

export const useServerStore = create<ServerState>()(
  persist(
    (set, get) => ({
      baseUrl: DEFAULT_SERVER_BASE_URL,
      model: '',
      sendAs: 'vllm',
      apiKey: initialKey ?? '',
      rememberKey: initialKey !== null,
      servedModels: null,
      modelsStatus: 'idle',
      modelsError: null,
      setModelList: (p) => set(p),
      // Another server: its model list is unknown until the next Load.
      setBaseUrl: (baseUrl) =>
        set({ baseUrl, servedModels: null, modelsStatus: 'idle', modelsError: null }),
      setModel: (model) => set({ model }),
      setSendAs: (sendAs) => set({ sendAs }),
      setApiKey: (apiKey) => {
        if (get().rememberKey) writeSessionKey(apiKey);
        set({ apiKey });
      },
      setRememberKey: (rememberKey) => {
        writeSessionKey(rememberKey ? get().apiKey : null);
        set({ rememberKey });
      },
    }),
    {
      name: 'playground.server',
      version: 1,
      // The key and the remember flag are never part of what goes to localStorage.
      partialize: (s) => ({ baseUrl: s.baseUrl, model: s.model, sendAs: s.sendAs }),
      merge: (persisted, current) => {
        const p = (persisted ?? {}) as Record<string, unknown>;
        return {
          ...current,
          baseUrl: typeof p.baseUrl === 'string' ? p.baseUrl : current.baseUrl,
          model: typeof p.model === 'string' ? p.model : current.model,
          sendAs: isTarget(p.sendAs) ? p.sendAs : current.sendAs,
        };
      },
    },
  ),
);
