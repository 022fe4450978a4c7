import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lazyLocalStorage } from './lazyLocalStorage';

/** A Map-backed localStorage and the page events the storage listens to. */
function fakePage() {
  const data = new Map<string, string>();
  const writes: string[] = [];
  const storage = {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => {
      writes.push(k);
      data.set(k, v);
    },
    removeItem: (k: string) => void data.delete(k),
  };
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('window', win);
  vi.stubGlobal('document', doc);
  return { data, writes, win, doc };
}

describe('lazyLocalStorage', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('writes a small value at once', () => {
    const page = fakePage();
    lazyLocalStorage().setItem('k', 'small');
    expect(page.data.get('k')).toBe('small');
  });

  it('writes a large value once typing pauses, and reads it back before that', () => {
    const page = fakePage();
    const s = lazyLocalStorage();
    const big = (n: number) => 'x'.repeat(40_000 + n);
    for (let i = 0; i < 10; i++) {
      s.setItem('k', big(i));
      vi.advanceTimersByTime(100);
    }
    expect(page.writes).toEqual([]);
    expect(s.getItem('k')).toBe(big(9));
    vi.advanceTimersByTime(500);
    expect(page.writes).toEqual(['k']);
    expect(page.data.get('k')).toBe(big(9));
  });

  it('writes what is pending when the page is hidden or closed', () => {
    const page = fakePage();
    const s = lazyLocalStorage();
    s.setItem('k', 'y'.repeat(50_000));
    page.win.dispatchEvent(new Event('pagehide'));
    expect(page.data.get('k')).toHaveLength(50_000);
    s.setItem('k', 'z'.repeat(50_000));
    page.doc.visibilityState = 'hidden';
    page.doc.dispatchEvent(new Event('visibilitychange'));
    expect(page.data.get('k')).toBe('z'.repeat(50_000));
  });

  it('keeps the order of writes: a small value after a pending large one is not overtaken', () => {
    const page = fakePage();
    const s = lazyLocalStorage();
    s.setItem('k', 'y'.repeat(50_000));
    s.setItem('k', 'small');
    vi.advanceTimersByTime(500);
    expect(page.data.get('k')).toBe('small');
  });
});
