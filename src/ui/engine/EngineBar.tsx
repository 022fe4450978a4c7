import { useState } from 'react';
import { useEngineStore, type EngineChoice } from '../../store/engineStore';
import { loadSelectedModel, pickCpuModelUrl, setPickedFile } from './loadModel';
import { loadServerModels } from './serverModels';
import { useServerStore } from '../../store/serverStore';
import { ServedModels } from './ServedModels';
import { ServerSettings } from './ServerSettings';
import { KvCacheFact, ThreadsSetting } from './ThreadsSetting';
import { progressLabel } from './progressLabel';
import { WebGpuErrorActions, WebGpuPanel } from './WebGpuPanel';

/** CPU engine: llama.cpp's context size (n_ctx) for the next load. */
function ContextSizeInput() {
  const value = useEngineStore((s) => s.cpuContextSize);
  const setValue = useEngineStore((s) => s.setCpuContextSize);
  const [text, setText] = useState(value === null ? '' : String(value));
  const bad = text.trim() !== '' && !/^\d+$/.test(text.trim());
  return (
    <label title="Tokens the model can see at once: prompt and answer together. Applies at the next Load.">
      Context{' '}
      <input
        aria-label="Context size"
        type="text"
        inputMode="numeric"
        size={6}
        placeholder="auto"
        value={text}
        aria-invalid={bad || undefined}
        className={bad ? 'invalid' : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          const n = Number(t.trim());
          setValue(/^\d+$/.test(t.trim()) && n > 0 ? n : null);
        }}
      />
    </label>
  );
}

/** Server mode: Load asks the server for its models (nothing is downloaded into the tab). */
function ServerLoad() {
  const status = useServerStore((s) => s.modelsStatus);
  const error = useServerStore((s) => s.modelsError);
  const models = useServerStore((s) => s.servedModels);
  return (
    <>
      <button
        type="button"
        onClick={() => void loadServerModels()}
        disabled={status === 'loading'}
        title="List the server's models (GET /models)"
      >
        Load
      </button>
      <span className="progress" data-testid="server-models-status" aria-live="polite">
        {status === 'loading' && 'Asking the server for its models…'}
        {status === 'ready' && models && models.length > 0 && (
          <>
            Server lists {models.length} model{models.length === 1 ? '' : 's'}
          </>
        )}
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </span>
    </>
  );
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
                pickCpuModelUrl(e.target.value);
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
          <ContextSizeInput />
          <ThreadsSetting />
          <KvCacheFact />
        </>
      ) : (
        <WebGpuPanel />
      )}
      {s.engine === 'server' ? (
        <ServerLoad />
      ) : (
        // aria-disabled, not disabled: the button keeps focus while the model loads.
        <button
          type="button"
          onClick={() => {
            if (s.status !== 'loading') void loadSelectedModel().catch(() => undefined);
          }}
          aria-disabled={s.status === 'loading'}
        >
          Load
        </button>
      )}
      <span
        className="progress"
        data-testid="engine-status"
        aria-live="polite"
        hidden={s.engine === 'server'}
      >
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
        {s.status !== 'loading' && s.error && (
          <span className="field-error" role="alert" data-testid="load-error">
            {s.model ? 'Load failed, still using the loaded model: ' : ''}
            {s.error.message} <WebGpuErrorActions error={s.error} />
          </span>
        )}
        {s.status === 'idle' && 'No model loaded'}
      </span>
    </div>
  );
}
