import { create } from 'zustand';
import { persist, createJSONStorage } from 'zustand/middleware';
import { mergePresets, presetsFromStorage, type Preset } from '../request/presets';
import type { RequestDraft } from '../request/types';

interface PresetState {
  presets: Preset[];
  /** Saves under `name`, replacing a preset of that name. */
  save: (name: string, request: RequestDraft) => void;
  rename: (from: string, to: string) => void;
  remove: (name: string) => void;
  /** Puts a removed preset back where it was. */
  restore: (preset: Preset, at: number) => void;
  importPresets: (imported: Preset[]) => ReturnType<typeof mergePresets>;
}

export const PRESET_STORE_VERSION = 1;

/** Persisted presets of any version (or junk) -> the valid ones. */
export function migratePresetState(persisted: unknown): Pick<PresetState, 'presets'> {
  const p = (persisted ?? {}) as Record<string, unknown>;
  return { presets: presetsFromStorage(p.presets) };
}

export const usePresetStore = create<PresetState>()(
  persist(
    (set, get) => ({
      presets: [],
      save: (name, request) =>
        set((s) => {
          const at = s.presets.findIndex((p) => p.name === name);
          const preset = { name, request };
          if (at < 0) return { presets: [...s.presets, preset] };
          return { presets: s.presets.map((p, i) => (i === at ? preset : p)) };
        }),
      rename: (from, to) =>
        set((s) => ({ presets: s.presets.map((p) => (p.name === from ? { ...p, name: to } : p)) })),
      remove: (name) => set((s) => ({ presets: s.presets.filter((p) => p.name !== name) })),
      restore: (preset, at) =>
        set((s) => ({
          presets: [...s.presets.slice(0, at), preset, ...s.presets.slice(at)],
        })),
      importPresets: (imported) => {
        const result = mergePresets(get().presets, imported);
        set({ presets: result.presets });
        return result;
      },
    }),
    {
      name: 'playground.presets',
      version: PRESET_STORE_VERSION,
      storage: createJSONStorage(() => localStorage),
      partialize: (s) => ({ presets: s.presets }),
      migrate: (persisted) => migratePresetState(persisted) as PresetState,
      // Storage is untrusted: whatever it holds, only valid presets reach the app.
      merge: (persisted, current) => ({ ...current, ...migratePresetState(persisted) }),
    },
  ),
);
