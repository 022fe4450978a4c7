import { useEngineStore, type EngineChoice } from '../../store/engineStore';
import { loadSelectedModel, setPickedFile } from './loadModel';
import { ServedModels } from './ServedModels';
import { ServerSettings } from './ServerSettings';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function EngineBar() {
  const s = useEngineStore();
  const hasWebGpu = typeof navigator !== 'undefined' && 'gpu' in navigator;
  return (
    <div className="engine-bar" data-testid="engine-bar">
      <label>
        Engine{' '}
        <select
          aria-label="Engine"
          value={s.engine}
          onChange={(e) => s.setEngine(e.target.value as EngineChoice)}
        >
          <option value="cpu">CPU (llama.cpp wasm)</option>
          <option value="webgpu">WebGPU (WebLLM){hasWebGpu ? '' : ' — not available'}</option>
          <option value="server">Server (OpenAI-compatible URL)</option>
        </select>
      </label>
      {s.engine === 'server' ? (
        <ServerSettings />
      ) : s.engine === 'cpu' ? (
        <>
          <ServedModels />
          <label>
            GGUF URL{' '}
            <input
              aria-label="GGUF model URL"
              type="text"
              size={28}
              value={s.cpuModelUrl}
              onChange={(e) => {
                setPickedFile(null);
                s.setCpuModelUrl(e.target.value);
              }}
            />
          </label>
          <label className="file-button">
            Open GGUF…
            <input
              type="file"
              accept=".gguf"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setPickedFile(f);
                if (f) void loadSelectedModel().catch(() => undefined);
              }}
            />
          </label>
        </>
      ) : (
        <label>
          WebLLM model{' '}
          <input
            aria-label="WebLLM model id"
            type="text"
            size={32}
            value={s.webgpuModelId}
            onChange={(e) => s.setWebgpuModelId(e.target.value)}
          />
        </label>
      )}
      <button
        type="button"
        onClick={() => void loadSelectedModel().catch(() => undefined)}
        disabled={s.status === 'loading'}
      >
        Load
      </button>
      <span className="progress" data-testid="engine-status" aria-live="polite">
        {s.status === 'loading' && (
          <>
            <progress max={s.progress?.total || 1} value={s.progress?.loaded ?? 0} />
            {s.progress
              ? `${s.progress.phase} ${formatBytes(s.progress.loaded)} / ${formatBytes(s.progress.total)}`
              : 'starting…'}
          </>
        )}
        {s.status === 'ready' && s.model && <>Loaded: {s.model.name}</>}
        {s.status === 'error' && s.error && (
          <span className="field-error" role="alert">
            {s.error.message}
          </span>
        )}
        {s.status === 'idle' && 'No model loaded'}
      </span>
    </div>
  );
}
