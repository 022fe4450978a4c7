import type { StateStorage } from 'zustand/middleware';

/** Values longer than this are written after a pause instead of on every change. */
const LARGE_VALUE = 32_000;
const WRITE_DELAY_MS = 500;

/**
 * localStorage for persisted stores, except that a large value (a 200 kB prompt) is written
 * once typing pauses, not on every keystroke; anything pending is written when the page is
 * hidden or closed, so a reload never loses it. Small values are written at once.
 */
export function lazyLocalStorage(): StateStorage {
  // Where there is no localStorage (Node), this throws and the store is not persisted.
  const storage = localStorage;
  const pending = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const [k, v] of pending) storage.setItem(k, v);
    pending.clear();
  };
  if (typeof window !== 'undefined') {
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') flush();
    });
  }
  return {
    getItem: (name) => pending.get(name) ?? storage.getItem(name),
    setItem: (name, value) => {
      if (value.length <= LARGE_VALUE && !pending.has(name)) {
        storage.setItem(name, value);
        return;
      }
      pending.set(name, value);
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, WRITE_DELAY_MS);
    },
    removeItem: (name) => {
      pending.delete(name);
      storage.removeItem(name);
    },
  };
}
