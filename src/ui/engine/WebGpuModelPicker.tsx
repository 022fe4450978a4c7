import { useEffect } from 'react';
import { entryLabel, type CatalogEntry } from '../../engine/webgpu/modelCatalog';
import { useEngineStore } from '../../store/engineStore';
import { useWebGpuStore } from '../../store/webgpuStore';
import { CustomModelForm } from './CustomModelForm';
import { loadWebGpuCatalog, pageHasWebGpu } from './webgpuActions';

const CUSTOM = '__custom__';

/** Shown instead of the picker where WebGPU cannot run: says why and offers the CPU engine. */
export function NoWebGpuNotice({ reason }: { reason: string }) {
  const setEngine = useEngineStore((s) => s.setEngine);
  return (
    <span className="field-error" role="alert" data-testid="no-webgpu">
      WebGPU is not available: {reason}.{' '}
      <button type="button" onClick={() => setEngine('cpu')}>
        Use the CPU engine
      </button>
    </span>
  );
}

function ModelOptions({ models }: { models: CatalogEntry[] }) {
  const ok = models.filter((m) => m.supported);
  const no = models.filter((m) => !m.supported);
  const option = (m: CatalogEntry) => (
    <option
      key={m.modelId}
      value={m.modelId}
      disabled={!m.supported}
      title={[...m.reasons, ...m.warnings].join('; ') || undefined}
    >
      {entryLabel(m)}
    </option>
  );
  return (
    <>
      {ok.length > 0 && <optgroup label="Runs on this GPU">{ok.map(option)}</optgroup>}
      {no.length > 0 && <optgroup label="Not supported here">{no.map(option)}</optgroup>}
    </>
  );
}

/** WebLLM model picker: prebuilt models with their VRAM needs, or a custom model. */
export function WebGpuModelPicker() {
  const catalog = useWebGpuStore((s) => s.catalog);
  const status = useWebGpuStore((s) => s.catalogStatus);
  const error = useWebGpuStore((s) => s.catalogError);
  const useCustom = useWebGpuStore((s) => s.useCustom);
  const setWebGpu = useWebGpuStore((s) => s.set);
  const modelId = useEngineStore((s) => s.webgpuModelId);
  const setModelId = useEngineStore((s) => s.setWebgpuModelId);
  const hasGpu = pageHasWebGpu();

  useEffect(() => {
    if (hasGpu && status === 'idle') void loadWebGpuCatalog();
  }, [hasGpu, status]);

  if (!hasGpu) return <NoWebGpuNotice reason="this browser has no WebGPU (navigator.gpu)" />;
  if (catalog && catalog.gpu.kind !== 'ok') return <NoWebGpuNotice reason={catalog.gpu.message} />;

  const selected = catalog?.models.find((m) => m.modelId === modelId);
  return (
    <>
      <label>
        WebLLM model{' '}
        <select
          aria-label="WebLLM model"
          data-testid="webgpu-model-picker"
          value={useCustom ? CUSTOM : modelId}
          disabled={status === 'loading'}
          onChange={(e) => {
            if (e.target.value === CUSTOM) {
              setWebGpu({ useCustom: true });
            } else {
              setWebGpu({ useCustom: false });
              setModelId(e.target.value);
            }
          }}
        >
          {!catalog && (
            <option value={modelId}>{status === 'error' ? modelId : 'loading models…'}</option>
          )}
          {catalog && !selected && !useCustom && <option value={modelId}>{modelId}</option>}
          {catalog && <ModelOptions models={catalog.models} />}
          <option value={CUSTOM}>Custom model (URLs)…</option>
        </select>
      </label>
      {status === 'error' && error && (
        <span className="field-error" role="alert">
          Could not list the WebGPU models: {error.message}{' '}
          <button type="button" onClick={() => void loadWebGpuCatalog(true)}>
            Retry
          </button>
        </span>
      )}
      {!useCustom && selected && selected.warnings.length > 0 && (
        <span className="hint" data-testid="webgpu-model-warning">
          {selected.warnings.join('; ')}
        </span>
      )}
      {useCustom && <CustomModelForm />}
    </>
  );
}
