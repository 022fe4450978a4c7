import { useCallback } from 'react';
import { useEngineStore } from '../../store/engineStore';
import { useExportStore } from '../../store/exportStore';
import { useRequestStore } from '../../store/requestStore';
import { useServerStore } from '../../store/serverStore';
import { useRunStore } from '../../store/runStore';
import type { ChatRequest } from '../../request/types';
import type { Validation } from '../useValidation';
import { cancelAllRuns, runInTab, runOnServerInto, serverBody } from './runners';

export function newRunId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/** Run and Stop: the only place that starts generations from the UI (Compare aside). */
export function useRunActions(validation: Validation) {
  const run = useCallback(() => {
    if (!validation.runnable) return;
    const draft = useRequestStore.getState().draft;
    const request = draft as unknown as ChatRequest;
    const runId =
      typeof request.request_id === 'string' && request.request_id
        ? request.request_id
        : newRunId();
    const { start, patch } = useRunStore.getState();
    start(runId, draft);
    const patchRun = (f: Parameters<typeof patch>[1]) => patch(runId, f);
    if (useEngineStore.getState().engine === 'server') {
      const s = useServerStore.getState();
      const body = serverBody(draft, {
        target: s.sendAs,
        model: s.model,
        jsonSchemaName: useExportStore.getState().jsonSchemaName,
      });
      void runOnServerInto(runId, body, { baseUrl: s.baseUrl, apiKey: s.apiKey }, patchRun);
    } else {
      void runInTab(runId, request, patchRun);
    }
  }, [validation.runnable]);

  const stop = useCallback(() => cancelAllRuns(), []);

  return { run, stop };
}
