/// <reference lib="webworker" />
import type { FromWorker, ToWorker } from './protocol';
import { workerError } from './protocol';

const post = (m: FromWorker) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'load') post({ type: 'loadError', error: workerError(501, 'no engine yet') });
  else if (m.type === 'run')
    post({ type: 'runError', runId: m.runId, error: workerError(501, 'no engine yet') });
  else if (m.type !== 'cancel')
    post({ type: 'reply', callId: m.callId, ok: false, error: workerError(501, 'no engine yet') });
};
