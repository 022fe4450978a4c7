import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Scheduler', () => {
  it('runs queued jobs by priority, then arrival', async () => {
    const s = new Scheduler();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    s.submit({
      id: 'first',
      priority: 0,
      run: async () => {
        order.push('first');
        await gate;
      },
    });
    await tick();
    s.submit({ id: 'low', priority: 5, run: async () => void order.push('low') });
    s.submit({ id: 'high-a', priority: -1, run: async () => void order.push('high-a') });
    s.submit({ id: 'mid', priority: 0, run: async () => void order.push('mid') });
    s.submit({ id: 'high-b', priority: -1, run: async () => void order.push('high-b') });
    expect(s.pending).toEqual(['high-a', 'high-b', 'mid', 'low']);
    release();
    await s.idle();
    expect(order).toEqual(['first', 'high-a', 'high-b', 'mid', 'low']);
  });

  it('cancels a running job through its signal and a queued one before it starts', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.submit({
      id: 'a',
      priority: 0,
      run: (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            seen.push('a aborted');
            resolve();
          }),
        ),
    });
    s.submit({
      id: 'b',
      priority: 0,
      run: async () => void seen.push('b ran'),
      onCancelledWhileQueued: () => seen.push('b cancelled'),
    });
    s.submit({ id: 'c', priority: 0, run: async () => void seen.push('c ran') });
    await tick();
    expect(s.current).toBe('a');
    expect(s.cancel('b')).toBe(true);
    expect(s.cancel('a')).toBe(true);
    expect(s.cancel('nope')).toBe(false);
    await s.idle();
    expect(seen).toEqual(['b cancelled', 'a aborted', 'c ran']);
  });

  it('keeps going after a job throws', async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.submit({
      id: 'bad',
      priority: 0,
      run: async () => {
        throw new Error('boom');
      },
    });
    s.submit({ id: 'good', priority: 0, run: async () => void seen.push('good') });
    await s.idle();
    expect(seen).toEqual(['good']);
  });

  it('reports the queue position of a job that has to wait', async () => {
    const s = new Scheduler();
    const positions: number[] = [];
    let release!: () => void;
    s.submit({ id: 'a', priority: 0, run: () => new Promise<void>((r) => (release = r)) });
    await tick();
    s.submit({
      id: 'b',
      priority: 0,
      run: async () => undefined,
      onQueued: (p) => positions.push(p),
    });
    s.submit({
      id: 'c',
      priority: -1,
      run: async () => undefined,
      onQueued: (p) => positions.push(p),
    });
    expect(positions).toEqual([1, 1]);
    release();
    await s.idle();
  });
});
