/**
 * Starts one generation, in the tab (the engine worker) or on a server (./serverClient),
 * and feeds a RunView through `patch`. Used by Run (useRunActions) and by Compare; Stop
 * cancels every run started here.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { engineClient } from '../../engine/client';
import { runOnServer, type ServerConfig } from '../../engine/serverClient';
import type { ChatRequest, RequestDraft } from '../../request/types';
import { translateRequest } from '../../server/translate';
import type { Target } from '../../server/facts';
import { useEngineStore } from '../../store/engineStore';
import { applyChunks, viewOfCompletion, type RunView } from '../../store/runStore';
import { runOptionsOf, useTabOptionsStore } from '../../store/tabOptionsStore';
import { ensureModelLoaded } from '../engine/loadModel';

export type Patch = (f: (r: RunView) => RunView) => void;

const cancels = new Map<string, () => void>();

/** Cancels one run started by this module, if it has not ended. */
export function cancelRun(runId: string): void {
  cancels.get(runId)?.();
}

/** Cancels every run started by this module that has not ended. */
export function cancelAllRuns(): void {
  for (const cancel of [...cancels.values()]) cancel();
}

/** Applies chunks at most once per animation frame, however fast they arrive. */
function chunkBuffer(patch: Patch) {
  let buffer: ChatCompletionChunk[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const chunks = buffer;
    buffer = [];
    if (chunks.length) patch((r) => applyChunks(r, chunks));
  };
  return {
    push(chunk: ChatCompletionChunk) {
      buffer.push(chunk);
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(flush);
      }
    },
    flush,
  };
}

/** Runs the request (the spec's form) on the tab's engine; resolves when it has ended. */
export function runInTab(runId: string, request: ChatRequest, patch: Patch): Promise<void> {
  const chunks = chunkBuffer(patch);
  return new Promise<void>((resolve) => {
    const end = () => {
      cancels.delete(runId);
      resolve();
    };
    cancels.set(runId, () => engineClient().cancel(runId));
    void ensureModelLoaded()
      .then(() => {
        engineClient().run(
          runId,
          request,
          {
            onQueued: (position) =>
              patch((r) => ({ ...r, status: 'queued', queuePosition: position })),
            // Timings count from here: model loading and queueing are not the run's own time.
            onStarted: (prompt, tabNotes) =>
              patch((r) => ({
                ...r,
                status: 'running',
                queuePosition: null,
                prompt,
                tabNotes,
                startedAt: performance.now(),
              })),
            onChunk: (chunk) => chunks.push(chunk),
            onDone: (completion) => {
              chunks.flush();
              patch((r) => ({
                ...(request.stream ? { ...r, completion } : viewOfCompletion(r, completion)),
                status: 'done',
                endedAt: performance.now(),
              }));
              end();
            },
            onError: (error) => {
              chunks.flush();
              patch((r) => ({
                ...r,
                status: error.type === 'cancelled' ? 'cancelled' : 'error',
                error,
                endedAt: performance.now(),
              }));
              end();
            },
          },
          // Tab-only options travel beside the request, never in it.
          runOptionsOf(useTabOptionsStore.getState()),
        );
      })
      .catch((error: unknown) => {
        const e = useEngineStore.getState().error;
        patch((r) => ({
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
        end();
      });
  });
}

export interface ServerRunSettings extends ServerConfig {
  target: Target;
  /** Replaces the request's model when not empty. */
  model: string;
  jsonSchemaName: string;
}

/** The exact body Run sends to the server: the target's translation, model replaced if asked. */
export function serverBody(
  draft: RequestDraft,
  s: Pick<ServerRunSettings, 'target' | 'model' | 'jsonSchemaName'>,
): Record<string, unknown> {
  const { body } = translateRequest(draft, s.target, { jsonSchemaName: s.jsonSchemaName });
  const model = s.model.trim();
  if (model !== '') body.model = model;
  return body;
}

/** Sends the target's translated body to the server; resolves when the run has ended. */
export function runOnServerInto(
  runId: string,
  body: Record<string, unknown>,
  config: ServerConfig,
  patch: Patch,
): Promise<void> {
  const chunks = chunkBuffer(patch);
  const controller = new AbortController();
  cancels.set(runId, () => controller.abort());
  patch((r) => ({ ...r, status: 'running', queuePosition: null }));
  return runOnServer(config, body, controller.signal, {
    onChunk: (chunk) => chunks.push(chunk),
    onDone: (completion) => {
      chunks.flush();
      patch((r) => ({
        ...(completion ? viewOfCompletion(r, completion) : r),
        status: 'done',
        endedAt: performance.now(),
      }));
    },
    onError: (error) => {
      chunks.flush();
      const { kind, note, ...apiError } = error;
      patch((r) => ({
        ...r,
        status: kind === 'cancelled' ? 'cancelled' : 'error',
        error: apiError,
        ...(note !== undefined ? { errorNote: note } : {}),
        endedAt: performance.now(),
      }));
    },
  }).finally(() => cancels.delete(runId));
}
