import { create } from 'zustand';
import { persist, createJSONStorage } from 'zustand/middleware';
import { PLAYGROUND_DEFAULTS } from '../request/params';
import type { RequestDraft } from '../request/types';
import { cpuModelName, DEFAULT_CPU_MODEL_URL } from './engineStore';
import { lazyLocalStorage } from './lazyLocalStorage';

export const DEFAULT_DRAFT: RequestDraft = {
  // The model the engine bar picks by default, so the field, the exports and the picker agree.
  model: cpuModelName(DEFAULT_CPU_MODEL_URL),
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello! Who are you?' },
  ],
  ...PLAYGROUND_DEFAULTS,
};

/** The key of the Request JSON editor's parse error in `editorErrors`. */
export const REQUEST_JSON_EDITOR = '(request JSON)';

/** The draft a share link replaced, kept so that it can be restored. */
export interface ReplacedDraft {
  draft: RequestDraft;
  unknownFields: Record<string, unknown>;
}

interface RequestState {
  draft: RequestDraft;
  /** Imported fields the parameter table does not know; shown, never silently dropped. */
  unknownFields: Record<string, unknown>;
  /** Text editors whose content does not parse yet (param -> message); block Run. */
  editorErrors: Record<string, string>;
  /** The draft before the last share link was opened; null once restored or dismissed. */
  replacedByShare: ReplacedDraft | null;
  setParam: (name: string, value: unknown) => void;
  resetParam: (name: string) => void;
  resetAll: () => void;
  replaceDraft: (draft: RequestDraft, unknown?: Record<string, unknown>) => void;
  /** Opens a shared request, keeping the current draft for "Undo". */
  openShared: (draft: RequestDraft, unknown: Record<string, unknown>) => void;
  restoreReplaced: () => void;
  dismissReplaced: () => void;
  setEditorError: (name: string, message: string | null) => void;
  clearUnknown: () => void;
  /** Back to the default draft (after a draft the UI cannot show). */
  resetDraft: () => void;
}

export const REQUEST_STORE_VERSION = 2;

/** The legacy default model name (version 1), before the default followed the picker. */
const V1_DEFAULT_MODEL = 'tiny-random';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Older persisted shapes -> the current one. Version 0 stored the draft as `request`.
 * Before version 2 a draft without `stream` meant "never touched" (the API default, off);
 * such drafts take the playground's defaults (stream on), and the old default model name.
 */
export function migrateRequestState(persisted: unknown, version: number): Partial<RequestState> {
  const p = (persisted ?? {}) as Record<string, unknown>;
  let draft: RequestDraft | null = null;
  let unknownFields: Record<string, unknown> = {};
  if (version === 0 && isRecord(p.request)) draft = p.request;
  else if (isRecord(p.draft)) {
    draft = p.draft;
    if (isRecord(p.unknownFields)) unknownFields = p.unknownFields;
  }
  if (draft === null) return { draft: DEFAULT_DRAFT, unknownFields: {} };
  if (version < 2) {
    draft = { ...PLAYGROUND_DEFAULTS, ...draft };
    if (draft.model === V1_DEFAULT_MODEL) draft.model = DEFAULT_DRAFT.model;
  }
  const replaced = p.replacedByShare;
  const replacedByShare =
    isRecord(replaced) && isRecord(replaced.draft)
      ? {
          draft: replaced.draft,
          unknownFields: isRecord(replaced.unknownFields) ? replaced.unknownFields : {},
        }
      : null;
  return { draft, unknownFields, ...(replacedByShare ? { replacedByShare } : {}) };
}

/** A draft change from the form rebuilds the Request JSON editor, so its parse error is gone. */
function withoutRequestJsonError(errors: Record<string, string>): Record<string, string> {
  if (!(REQUEST_JSON_EDITOR in errors)) return errors;
  const next = { ...errors };
  delete next[REQUEST_JSON_EDITOR];
  return next;
}

export const useRequestStore = create<RequestState>()(
  persist(
    (set) => ({
      draft: DEFAULT_DRAFT,
      unknownFields: {},
      editorErrors: {},
      replacedByShare: null,
      setParam: (name, value) =>
        set((s) => ({
          draft: { ...s.draft, [name]: value },
          editorErrors: withoutRequestJsonError(s.editorErrors),
        })),
      resetParam: (name) =>
        set((s) => {
          const draft = { ...s.draft };
          delete draft[name];
          const editorErrors = withoutRequestJsonError(s.editorErrors);
          if (name in editorErrors) {
            const next = { ...editorErrors };
            delete next[name];
            return { draft, editorErrors: next };
          }
          return { draft, editorErrors };
        }),
      resetAll: () =>
        set((s) => ({
          draft: {
            model: s.draft.model ?? DEFAULT_DRAFT.model,
            messages: s.draft.messages ?? DEFAULT_DRAFT.messages,
            ...PLAYGROUND_DEFAULTS,
          },
          editorErrors: {},
        })),
      replaceDraft: (draft, unknown = {}) =>
        set({ draft, unknownFields: unknown, editorErrors: {} }),
      openShared: (draft, unknown) =>
        set((s) => ({
          draft,
          unknownFields: unknown,
          editorErrors: {},
          replacedByShare:
            JSON.stringify(s.draft) === JSON.stringify(draft)
              ? s.replacedByShare
              : { draft: s.draft, unknownFields: s.unknownFields },
        })),
      restoreReplaced: () =>
        set((s) =>
          s.replacedByShare
            ? {
                draft: s.replacedByShare.draft,
                unknownFields: s.replacedByShare.unknownFields,
                editorErrors: {},
                replacedByShare: null,
              }
            : {},
        ),
      dismissReplaced: () => set({ replacedByShare: null }),
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
      partialize: (s) => ({
        draft: s.draft,
        unknownFields: s.unknownFields,
        replacedByShare: s.replacedByShare,
      }),
      migrate: (persisted, version) => migrateRequestState(persisted, version) as RequestState,
    },
  ),
);
