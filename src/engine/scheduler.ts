/**
 * One engine, one generation at a time: queued jobs start by priority (lower first),
 * then arrival. A queued or running job can be cancelled by id; a failing job never
 * stops the queue.
 */
export interface Job {
  id: string;
  priority: number;
  run: (signal: AbortSignal) => Promise<void>;
  onQueued?: (position: number) => void;
  onCancelledWhileQueued?: () => void;
}

interface Entry {
  job: Job;
  seq: number;
  controller: AbortController;
}

export class Scheduler {
  private queue: Entry[] = [];
  private running: Entry | null = null;
  private seq = 0;
  private idleWaiters: (() => void)[] = [];

  submit(job: Job): void {
    const entry: Entry = { job, seq: this.seq++, controller: new AbortController() };
    this.queue.push(entry);
    this.queue.sort((a, b) => a.job.priority - b.job.priority || a.seq - b.seq);
    if (this.running) job.onQueued?.(this.queue.indexOf(entry) + 1);
    queueMicrotask(() => this.pump());
  }

  cancel(id: string): boolean {
    if (this.running?.job.id === id) {
      this.running.controller.abort();
      return true;
    }
    const i = this.queue.findIndex((e) => e.job.id === id);
    if (i < 0) return false;
    const [entry] = this.queue.splice(i, 1);
    entry!.job.onCancelledWhileQueued?.();
    return true;
  }

  get pending(): string[] {
    return this.queue.map((e) => e.job.id);
  }

  get current(): string | null {
    return this.running?.job.id ?? null;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queue.shift();
    if (!next) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((r) => r());
      return;
    }
    this.running = next;
    void next.job
      .run(next.controller.signal)
      .catch(() => undefined)
      .finally(() => {
        this.running = null;
        this.pump();
      });
  }
}
