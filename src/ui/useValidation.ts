import { useMemo } from 'react';
import { useRequestStore } from '../store/requestStore';
import { validateRequest, errorParamRoot } from '../request/validate';
import type { ApiError } from '../request/types';
import { REQUEST_CHECKS } from '../request/checks';
import { checkBaseUrl } from '../engine/serverClient';
import { useEngineStore } from '../store/engineStore';
import { useServerStore } from '../store/serverStore';

export interface Validation {
  errors: ApiError[];
  byParam: Map<string, ApiError[]>;
  /** Problems of the engine settings (the Server engine's base URL), not of the request. */
  settings: string[];
  /** Run is allowed only when the request validates, every editor parses and the settings hold. */
  runnable: boolean;
}

function settingsProblems(engine: string, baseUrl: string): string[] {
  if (engine !== 'server') return [];
  try {
    checkBaseUrl(baseUrl);
    return [];
  } catch (e) {
    return [`Server base URL: ${(e as Error).message}`];
  }
}

export function useValidation(): Validation {
  const draft = useRequestStore((s) => s.draft);
  const editorErrors = useRequestStore((s) => s.editorErrors);
  const engine = useEngineStore((s) => s.engine);
  const baseUrl = useServerStore((s) => s.baseUrl);
  return useMemo(() => {
    const settings = settingsProblems(engine, baseUrl);
    const result = validateRequest(draft, REQUEST_CHECKS);
    const errors = result.ok ? [] : result.errors;
    const byParam = new Map<string, ApiError[]>();
    for (const e of errors) {
      const root = errorParamRoot(e) ?? '';
      byParam.set(root, [...(byParam.get(root) ?? []), e]);
    }
    const runnable = result.ok && Object.keys(editorErrors).length === 0 && settings.length === 0;
    return { errors, byParam, settings, runnable };
  }, [draft, editorErrors, engine, baseUrl]);
}
