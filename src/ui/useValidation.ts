import { useMemo } from 'react';
import { useRequestStore } from '../store/requestStore';
import { validateRequest, errorParamRoot } from '../request/validate';
import type { ApiError } from '../request/types';
import { REQUEST_CHECKS } from '../request/checks';

export interface Validation {
  errors: ApiError[];
  byParam: Map<string, ApiError[]>;
  /** Run is allowed only when the request validates and every editor parses. */
  runnable: boolean;
}

export function useValidation(): Validation {
  const draft = useRequestStore((s) => s.draft);
  const editorErrors = useRequestStore((s) => s.editorErrors);
  return useMemo(() => {
    const result = validateRequest(draft, REQUEST_CHECKS);
    const errors = result.ok ? [] : result.errors;
    const byParam = new Map<string, ApiError[]>();
    for (const e of errors) {
      const root = errorParamRoot(e) ?? '';
      byParam.set(root, [...(byParam.get(root) ?? []), e]);
    }
    return { errors, byParam, runnable: result.ok && Object.keys(editorErrors).length === 0 };
  }, [draft, editorErrors]);
}
