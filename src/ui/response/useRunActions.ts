import { useCallback } from 'react';
import { useEngineStore } from '../../store/engineStore';
import { useExportStore } from '../../store/exportStore';
import { useRequestStore } from '../../store/requestStore';
import { useServerStore } from '../../store/serverStore';
import { useRunStore } from '../../store/runStore';
import type { ChatRequest, RequestDraft } from '../../request/types';
import type { Validation } from '../useValidation';
import { cancelAllRuns, runInTab, runOnServerInto, serverBody, type Patch } from './runners';

export function newRunId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/** Runs `draft` on the engine the engine bar picked (the tab or a server) into `patch`. */
export function runDraftInto(runId: string, draft: RequestDraft, patch: Patch): Promise<void> {
  if (useEngineStore.getState().engine === 'server') {
    const s = useServerStore.getState();
    const body = serverBody(draft, {
      target: s.sendAs,
      model: s.model,
      jsonSchemaName: useExportStore.getState().jsonSchemaName,
    });
    return runOnServerInto(runId, body, { baseUrl: s.baseUrl, apiKey: s.apiKey }, patch);
  }
  return runInTab(runId, draft as unknown as ChatRequest, patch);
}

/**
 * Starts one run of `draft`, recorded in the run history with its exact request. Callers
 * check that the draft is runnable.
 */
export function startRun(draft: RequestDraft): string {
  const requestId = draft.request_id;
  const runId = typeof requestId === 'string' && requestId ? requestId : newRunId();
  const { start, patch } = useRunStore.getState();
  start(runId, draft);
  void runDraftInto(runId, draft, (f) => patch(runId, f));
  return runId;
}

/** Run and Stop: the only place that starts generations from the UI (Compare aside). */
export function useRunActions(validation: Validation) {
  const run = useCallback(() => {
    if (!validation.runnable) return;
    startRun(useRequestStore.getState().draft);
  }, [validation.runnable]);

  const stop = useCallback(() => cancelAllRuns(), []);

  return { run, stop };
}
