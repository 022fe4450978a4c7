import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { WorkerError } from '../engine/protocol';
import type { WebGpuCacheReport, WebGpuCatalog } from '../engine/webgpu/modelCatalog';

type Status = 'idle' | 'loading' | 'ready' | 'error';

/** The WebGPU engine's model picker, custom model form and cache manager. */
export interface WebGpuState {
  catalog: WebGpuCatalog | null;
  catalogStatus: Status;
  catalogError: WorkerError | null;
  cache: WebGpuCacheReport | null;
  cacheStatus: Status;
  cacheError: WorkerError | null;
  /** Load the custom model (URLs below) instead of the picked prebuilt one. */
  useCustom: boolean;
  customModelUrl: string;
  customModelLibUrl: string;
  set: (p: Partial<WebGpuState>) => void;
}

export const useWebGpuStore = create<WebGpuState>()(
  persist(
    (set) => ({
      catalog: null,
      catalogStatus: 'idle',
      catalogError: null,
      cache: null,
      cacheStatus: 'idle',
      cacheError: null,
      useCustom: false,
      customModelUrl: '',
      customModelLibUrl: '',
      set: (p) => set(p),
    }),
    {
      name: 'playground.webgpu',
      version: 1,
      partialize: (s) => ({
        useCustom: s.useCustom,
        customModelUrl: s.customModelUrl,
        customModelLibUrl: s.customModelLibUrl,
      }),
    },
  ),
);
