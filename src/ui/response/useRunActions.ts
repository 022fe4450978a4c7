import { useCallback } from 'react';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { engineClient } from '../../engine/client';
import { useEngineStore } from '../../store/engineStore';
import { useRequestStore } from '../../store/requestStore';
import { applyChunks, useRunStore, viewOfCompletion } from '../../store/runStore';
import type { ChatRequest } from '../../request/types';
import type { Validation } from '../useValidation';
import { ensureModelLoaded } from '../engine/loadModel';

function newRunId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/** Run and Stop: the only place that starts generations from the UI. */
export function useRunActions(validation: Validation) {
  const run = useCallback(() => {
    if (!validation.runnable) return;
    const request = useRequestStore.getState().draft as unknown as ChatRequest;
    const runId =
      typeof request.request_id === 'string' && request.request_id
        ? request.request_id
        : newRunId();
    const { start, patch } = useRunStore.getState();
    start(runId);
    // Chunks are applied at most once per animation frame, however fast they arrive.
    let buffer: ChatCompletionChunk[] = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      const chunks = buffer;
      buffer = [];
      if (chunks.length) patch(runId, (r) => applyChunks(r, chunks));
    };
    void ensureModelLoaded()
      .then(() => {
        engineClient().run(runId, request, {
          onQueued: (position) =>
            patch(runId, (r) => ({ ...r, status: 'queued', queuePosition: position })),
          onStarted: (prompt) =>
            patch(runId, (r) => ({ ...r, status: 'running', queuePosition: null, prompt })),
          onChunk: (chunk) => {
            buffer.push(chunk);
            if (!scheduled) {
              scheduled = true;
              requestAnimationFrame(flush);
            }
          },
          onDone: (completion) => {
            flush();
            patch(runId, (r) => ({
              ...(request.stream ? { ...r, completion } : viewOfCompletion(r, completion)),
              status: 'done',
              endedAt: performance.now(),
            }));
          },
          onError: (error) => {
            flush();
            patch(runId, (r) => ({
              ...r,
              status: error.type === 'cancelled' ? 'cancelled' : 'error',
              error,
              endedAt: performance.now(),
            }));
          },
        });
      })
      .catch((error: unknown) => {
        const e = useEngineStore.getState().error;
        patch(runId, (r) => ({
          ...r,
          status: 'error',
          error: e ?? {
            status: 500,
            message: String(error),
            type: 'internal_error',
            param: null,
            code: null,
          },
          endedAt: performance.now(),
        }));
      });
  }, [validation.runnable]);

  const stop = useCallback(() => {
    const { runs } = useRunStore.getState();
    for (const r of runs)
      if (r.status === 'running' || r.status === 'queued') engineClient().cancel(r.runId);
  }, []);

  return { run, stop };
}
