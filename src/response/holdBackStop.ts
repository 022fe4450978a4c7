/**
 * Streaming stop-string matcher.
 *
 * Like vLLM (without include_stop_str_in_output), no character of a stop string ever reaches the
 * client: any trailing text that could still grow into a stop string is held back until the
 * next piece decides it. When a stop string completes, the text before it is released, the stop
 * string and everything after it are dropped, and the caller must end the choice with
 * finish_reason "stop".
 *
 * "First" stop string means the first one to COMPLETE while the text is read left to right
 * (smallest end offset; at equal ends the one that starts earlier). That rule does not depend
 * on how the text is cut into tokens. vLLM differs only when one token completes two stop
 * strings at once: it then takes the first in request order.
 */

export interface StopPush {
  /** Text that is safe to show now. */
  emit: string;
  /** True once a stop string has completed; later pushes emit nothing. */
  stopped: boolean;
  /** The stop string that completed, if any. */
  stop: string | null;
}

export interface StopMatcher {
  push(piece: string): StopPush;
  /** End of generation: releases the held-back text (nothing once stopped). */
  flush(): string;
  readonly stopped: boolean;
  readonly matched: string | null;
}

/** Empty stop strings are ignored: they would stop before the first character. */
export function normalizeStops(stop: string | readonly string[] | null | undefined): string[] {
  const list = stop == null ? [] : typeof stop === 'string' ? [stop] : [...stop];
  return [...new Set(list.filter((s) => s.length > 0))];
}

/**
 * `includeStop` (vLLM's include_stop_str_in_output): the stop string stays at the end of the
 * text, and nothing is held back (vLLM holds text back only to hide a stop string).
 */
export function holdBackStop(
  stop: string | readonly string[] | null | undefined,
  includeStop = false,
): StopMatcher {
  const stops = normalizeStops(stop);
  if (includeStop) return keepStop(stops);
  let held = '';
  let matched: string | null = null;
  let stopped = false;

  return {
    get stopped() {
      return stopped;
    },
    get matched() {
      return matched;
    },
    push(piece: string): StopPush {
      if (stopped) return { emit: '', stopped, stop: matched };
      const buf = held + piece;
      const hit = firstCompletedStop(buf, stops);
      if (hit) {
        stopped = true;
        matched = hit.stop;
        held = '';
        return { emit: buf.slice(0, hit.start), stopped, stop: matched };
      }
      const keep = heldSuffixLength(buf, stops);
      held = buf.slice(buf.length - keep);
      return { emit: buf.slice(0, buf.length - keep), stopped, stop: null };
    },
    flush(): string {
      const out = held;
      held = '';
      return stopped ? '' : out;
    },
  };
}

/** The include_stop_str_in_output matcher: emits every piece at once, cut after the stop. */
function keepStop(stops: readonly string[]): StopMatcher {
  const longest = Math.max(0, ...stops.map((s) => s.length));
  // Already emitted text that a stop string may still start in.
  let tail = '';
  let matched: string | null = null;
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    get matched() {
      return matched;
    },
    push(piece: string): StopPush {
      if (stopped) return { emit: '', stopped, stop: matched };
      const buf = tail + piece;
      const hit = firstCompletedStop(buf, stops);
      if (hit) {
        stopped = true;
        matched = hit.stop;
        return {
          emit: buf.slice(tail.length, hit.start + hit.stop.length),
          stopped,
          stop: matched,
        };
      }
      tail = buf.slice(Math.max(0, buf.length - (longest - 1)));
      return { emit: piece, stopped, stop: null };
    },
    flush: () => '',
  };
}

/** The occurrence of any stop string in `text` that completes first. */
export function firstCompletedStop(
  text: string,
  stops: readonly string[],
): { start: number; stop: string } | null {
  let best: { start: number; end: number; stop: string } | null = null;
  for (const s of stops) {
    const start = text.indexOf(s);
    if (start < 0) continue;
    const end = start + s.length;
    if (!best || end < best.end || (end === best.end && start < best.start)) {
      best = { start, end, stop: s };
    }
  }
  return best && { start: best.start, stop: best.stop };
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
export function heldSuffixLength(text: string, stops: readonly string[]): number {
  let keep = 0;
  for (const s of stops) {
    for (let k = Math.min(text.length, s.length - 1); k > keep; k--) {
      if (text.endsWith(s.slice(0, k))) {
        keep = k;
        break;
      }
    }
  }
  return keep;
}
