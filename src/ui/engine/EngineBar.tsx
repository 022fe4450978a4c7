import { useEngineStore, type EngineChoice } from '../../store/engineStore';
import { loadSelectedModel, setPickedFile } from './loadModel';
import { ServedModels } from './ServedModels';
import { ServerSettings } from './ServerSettings';
import { ThreadsSetting } from './ThreadsSetting';
import { progressLabel } from './progressLabel';
import { WebGpuErrorActions, WebGpuPanel } from './WebGpuPanel';

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
          <ThreadsSetting />
        </>
      ) : (
        <WebGpuPanel />
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
            {s.progress && s.progress.total > 0 ? (
              <progress max={s.progress.total} value={s.progress.loaded} />
            ) : (
              <progress aria-label="Loading, size unknown" />
            )}
            {progressLabel(s.progress)}
          </>
        )}
        {s.status === 'ready' && s.model && <>Loaded: {s.model.name}</>}
        {s.status === 'error' && s.error && (
          <span className="field-error" role="alert">
            {s.error.message} <WebGpuErrorActions error={s.error} />
          </span>
        )}
        {s.status === 'idle' && 'No model loaded'}
      </span>
    </div>
  );
}
