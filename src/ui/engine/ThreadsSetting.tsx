import { canUseThreads, defaultThreads, maxThreads } from '../../engine/threads';
import { useEngineStore } from '../../store/engineStore';
import { useThreadsStore } from '../../store/threadsStore';

/**
 * The CPU engine's thread count, used at the next load; beside it, the count the loaded model
 * runs with. Without cross-origin isolation wasm has no threads: fixed at 1, saying why.
 */
export function ThreadsSetting() {
  const threads = useThreadsStore((s) => s.threads);
  const setThreads = useThreadsStore((s) => s.setThreads);
  const model = useEngineStore((s) => s.model);
  const isolated = canUseThreads();
  const max = maxThreads();
  const running = model?.engine === 'cpu' ? model.threads : undefined;
  return (
    <label
      title={
        isolated
          ? `Threads for the next load. Default ${defaultThreads()}: the cores less one for the page; more threads than free cores run many times slower.`
          : 'One thread: this page is not cross-origin isolated (COOP/COEP headers), so wasm threads are unavailable.'
      }
    >
      Threads{' '}
      <input
        aria-label="CPU threads"
        type="number"
        min={1}
        max={max}
        step={1}
        disabled={!isolated}
        value={isolated ? (threads ?? defaultThreads()) : 1}
        onChange={(e) => {
          const n = Math.round(Number(e.target.value));
          setThreads(Number.isFinite(n) && n >= 1 ? Math.min(n, max) : null);
        }}
      />
      {running !== undefined && <span data-testid="running-threads"> (running {running})</span>}
    </label>
  );
}

/** The KV cache llama.cpp set up for the loaded model (from its load log), beside the threads. */
export function KvCacheFact() {
  const model = useEngineStore((s) => s.model);
  const kv = model?.engine === 'cpu' ? model.kvCache : undefined;
  if (!kv) return null;
  const attention = kv.flashAttn === 'disabled' ? ', no flash attention' : '';
  return (
    <span
      data-testid="running-kv-cache"
      title="The KV cache type and attention path llama.cpp reported when it loaded the model."
    >
      KV cache {kv.type}
      {attention}
    </span>
  );
}
