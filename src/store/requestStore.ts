import { create } from 'zustand';
import { persist, createJSONStorage } from 'zustand/middleware';
import type { RequestDraft } from '../request/types';
import { lazyLocalStorage } from './lazyLocalStorage';

export const DEFAULT_DRAFT: RequestDraft = {
  model: 'tiny-random',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello! Who are you?' },
  ],
};

interface RequestState {
  draft: RequestDraft;
  /** Imported fields the parameter table does not know; shown, never silently dropped. */
  unknownFields: Record<string, unknown>;
  /** Text editors whose content does not parse yet (param -> message); block Run. */
  editorErrors: Record<string, string>;
  setParam: (name: string, value: unknown) => void;
  resetParam: (name: string) => void;
  resetAll: () => void;
  replaceDraft: (draft: RequestDraft, unknown?: Record<string, unknown>) => void;
  setEditorError: (name: string, message: string | null) => void;
  clearUnknown: () => void;
  /** Back to the default draft (after a draft the UI cannot show). */
  resetDraft: () => void;
}

export const REQUEST_STORE_VERSION = 1;

/** Older persisted shapes -> the current one. Version 0 stored the draft as `request`. */
export function migrateRequestState(persisted: unknown, version: number): Partial<RequestState> {
  const p = (persisted ?? {}) as Record<string, unknown>;
  if (version === 0 && p.request && typeof p.request === 'object') {
    return { draft: p.request as RequestDraft, unknownFields: {} };
  }
  const draft = p.draft && typeof p.draft === 'object' ? (p.draft as RequestDraft) : DEFAULT_DRAFT;
  return { draft, unknownFields: (p.unknownFields as Record<string, unknown>) ?? {} };
}

export const useRequestStore = create<RequestState>()(
  persist(
    (set) => ({
      draft: DEFAULT_DRAFT,
      unknownFields: {},
      editorErrors: {},
      setParam: (name, value) => set((s) => ({ draft: { ...s.draft, [name]: value } })),
      resetParam: (name) =>
        set((s) => {
          const draft = { ...s.draft };
          delete draft[name];
          const editorErrors = { ...s.editorErrors };
          delete editorErrors[name];
          return { draft, editorErrors };
        }),
      resetAll: () =>
        set((s) => ({
          draft: {
            model: s.draft.model ?? DEFAULT_DRAFT.model,
            messages: s.draft.messages ?? DEFAULT_DRAFT.messages,
          },
          editorErrors: {},
        })),
      replaceDraft: (draft, unknown = {}) =>
        set({ draft, unknownFields: unknown, editorErrors: {} }),
      setEditorError: (name, message) =>
        set((s) => {
          const editorErrors = { ...s.editorErrors };
          if (message === null) delete editorErrors[name];
          else editorErrors[name] = message;
          return { editorErrors };
        }),
      clearUnknown: () => set({ unknownFields: {} }),
      resetDraft: () => set({ draft: DEFAULT_DRAFT, unknownFields: {}, editorErrors: {} }),
    }),
    {
      name: 'playground.request',
      version: REQUEST_STORE_VERSION,
      // A large draft is written when typing pauses (see lazyLocalStorage).
      storage: createJSONStorage(lazyLocalStorage),
      partialize: (s) => ({ draft: s.draft, unknownFields: s.unknownFields }),
      migrate: (persisted, version) => migrateRequestState(persisted, version) as RequestState,
    },
  ),
);
