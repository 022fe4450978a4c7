// How many threads the CPU engine uses when none are asked for. Imported by the engine and by
// the page (the thread setting shows it), so both agree.

/** True when the page may share memory with workers (wasm threads need it). */
export function canUseThreads(): boolean {
  return typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
}

/**
 * The cores the browser reports, less one for the page, at least 1; 1 without cross-origin
 * isolation. More threads than free cores makes llama.cpp's spinning threads wait on each
 * other: many times slower, not faster.
 */
export function defaultThreads(): number {
  if (!canUseThreads()) return 1;
  const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return Math.max(1, cores - 1);
}

/** The most threads the setting offers: every reported core (at least 1). */
export function maxThreads(): number {
  if (!canUseThreads()) return 1;
  return Math.max(1, typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1);
}
