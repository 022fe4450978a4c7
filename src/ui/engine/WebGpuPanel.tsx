import type { WorkerError } from '../../engine/protocol';
import { useEngineStore } from '../../store/engineStore';
import { CacheManager } from './CacheManager';
import { loadSelectedModel } from './loadModel';
import { WebGpuModelPicker } from './WebGpuModelPicker';

/** The WebGPU engine's controls in the engine bar: model picker (or custom model) and cache. */
export function WebGpuPanel() {
  return (
    <>
      <WebGpuModelPicker />
      <CacheManager />
    </>
  );
}

/** The way forward after a WebGPU load error: the CPU engine, or a reload. */
export function WebGpuErrorActions({ error }: { error: WorkerError }) {
  const setEngine = useEngineStore((s) => s.setEngine);
  if (error.code === 'webgpu_unavailable' || error.code === 'shader_f16_unsupported')
    return (
      <button type="button" onClick={() => setEngine('cpu')}>
        Use the CPU engine
      </button>
    );
  if (error.code === 'device_lost' || error.code === 'download_failed')
    return (
      <button type="button" onClick={() => void loadSelectedModel().catch(() => undefined)}>
        Reload
      </button>
    );
  return null;
}
