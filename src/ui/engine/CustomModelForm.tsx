import { customModelId, customModelProblems } from '../../engine/webgpu/modelCatalog';
import { useWebGpuStore } from '../../store/webgpuStore';

/** A WebLLM model that is not in the prebuilt list: MLC weights URL + compiled library URL. */
export function CustomModelForm() {
  const modelUrl = useWebGpuStore((s) => s.customModelUrl);
  const modelLibUrl = useWebGpuStore((s) => s.customModelLibUrl);
  const set = useWebGpuStore((s) => s.set);
  const touched = modelUrl !== '' || modelLibUrl !== '';
  const problems = touched ? customModelProblems(modelUrl.trim(), modelLibUrl.trim()) : [];
  return (
    <fieldset className="custom-model" data-testid="custom-model-form">
      <legend>Custom WebLLM model</legend>
      <label>
        Model URL{' '}
        <input
          aria-label="Custom model URL"
          type="url"
          size={36}
          placeholder="https://huggingface.co/mlc-ai/Model-q4f32_1-MLC"
          value={modelUrl}
          onChange={(e) => set({ customModelUrl: e.target.value })}
        />
      </label>
      <label>
        Model library URL{' '}
        <input
          aria-label="Custom model library URL"
          type="url"
          size={36}
          placeholder="https://…/Model-q4f32_1-webgpu.wasm"
          value={modelLibUrl}
          onChange={(e) => set({ customModelLibUrl: e.target.value })}
        />
      </label>
      {problems.length > 0 ? (
        <span className="field-error" data-testid="custom-model-problems">
          {problems.join(' ')}
        </span>
      ) : (
        touched && <span className="hint">Loads as {customModelId(modelUrl.trim())}</span>
      )}
    </fieldset>
  );
}
