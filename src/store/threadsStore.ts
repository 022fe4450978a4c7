import { create } from 'zustand';
import { persist } from 'zustand/middleware';

/** The CPU engine's thread count: null = the default (src/engine/threads.ts). */
export interface ThreadsState {
  threads: number | null;
  setThreads: (n: number | null) => void;
}

export const useThreadsStore = create<ThreadsState>()(
  persist(
    (set) => ({
      threads: null,
      setThreads: (threads) => set({ threads }),
    }),
    { name: 'playground.threads', version: 1 },
  ),
);
