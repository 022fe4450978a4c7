import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { TARGETS, type Target } from '../server/facts';

/** Current vLLM (structured_outputs): what a server started today accepts. */
export const DEFAULT_EXPORT_TARGET: Target = 'vllm';

interface ExportState {
  /** The server form that the export tabs and the compatibility report are for. */
  target: Target;
  /** OpenAI's response_format.json_schema.name, used when guided_json goes to OpenAI. */
  jsonSchemaName: string;
  setTarget: (t: Target) => void;
  setJsonSchemaName: (name: string) => void;
}

export function isTarget(v: unknown): v is Target {
  return typeof v === 'string' && (TARGETS as readonly string[]).includes(v);
}

export const useExportStore = create<ExportState>()(
  persist(
    (set) => ({
      target: DEFAULT_EXPORT_TARGET,
      jsonSchemaName: '',
      setTarget: (target) => set({ target }),
      setJsonSchemaName: (jsonSchemaName) => set({ jsonSchemaName }),
    }),
    {
      name: 'playground.export',
      version: 1,
      partialize: (s) => ({ target: s.target, jsonSchemaName: s.jsonSchemaName }),
      // Only known values come back from storage.
      merge: (persisted, current) => {
        const p = (persisted ?? {}) as Record<string, unknown>;
        return {
          ...current,
          target: isTarget(p.target) ? p.target : current.target,
          jsonSchemaName:
            typeof p.jsonSchemaName === 'string' ? p.jsonSchemaName : current.jsonSchemaName,
        };
      },
    },
  ),
);
