import type { LoadProgress, ModelSource } from '../protocol';
import type { LoadedEngine } from '../loadedEngine';
import { workerError } from '../protocol';

export async function loadWebLlmEngine(
  _source: Extract<ModelSource, { kind: 'webllm' }>,
  _onProgress: (p: LoadProgress) => void,
): Promise<LoadedEngine> {
  throw workerError(501, 'The WebGPU engine is not wired up yet; use the CPU engine.', 'model');
}
