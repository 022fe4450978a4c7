/**
 * Splits a model's `<think>…</think>` block off its answer, streaming-safe.
 *
 * Rules (one reasoning block per choice, as reasoning models emit it):
 * - The block opens with the open tag when it comes before any non-whitespace text (the
 *   whitespace before it is dropped), or from the first character when the rendered prompt
 *   already ended inside an open block (`startsInReasoning`, e.g. Qwen3 / DeepSeek-R1 templates).
 * - It closes at the first close tag; everything after it is content, verbatim (a later open tag
 *   is just text).
 * - Output that ends inside the block is all reasoning (it was streamed as reasoning, and a
 *   stream cannot take it back).
 * - Text that may still be the start of the tag being looked for is held back, so a tag split
 *   across tokens never leaks into either side.
 */

export interface ReasoningOptions {
  startsInReasoning?: boolean;
  openTag?: string;
  closeTag?: string;
}

export interface ReasoningDelta {
  reasoning: string;
  content: string;
}

export interface ReasoningSplitter {
  push(piece: string): ReasoningDelta;
  flush(): ReasoningDelta;
  /** Whether a reasoning block was ever entered. */
  readonly sawReasoning: boolean;
}

export const DEFAULT_OPEN_TAG = '<think>';
export const DEFAULT_CLOSE_TAG = '</think>';

type State = 'undecided' | 'reasoning' | 'content';

export function reasoningSplitter(opts: ReasoningOptions = {}): ReasoningSplitter {
  const open = opts.openTag ?? DEFAULT_OPEN_TAG;
  const close = opts.closeTag ?? DEFAULT_CLOSE_TAG;
  let state: State = opts.startsInReasoning ? 'reasoning' : 'undecided';
  let sawReasoning = state === 'reasoning';
  let held = '';

  function step(piece: string): ReasoningDelta {
    const out: ReasoningDelta = { reasoning: '', content: '' };
    let buf = held + piece;
    held = '';
    if (state === 'undecided') {
      const lead = buf.length - buf.trimStart().length;
      const rest = buf.slice(lead);
      if (rest.startsWith(open)) {
        state = 'reasoning';
        sawReasoning = true;
        buf = rest.slice(open.length);
      } else if (open.startsWith(rest)) {
        held = buf; // only whitespace and possibly the start of the open tag so far
        return out;
      } else {
        state = 'content';
      }
    }
    if (state === 'reasoning') {
      const end = buf.indexOf(close);
      if (end < 0) {
        const keep = partialTagLength(buf, close);
        held = buf.slice(buf.length - keep);
        out.reasoning = buf.slice(0, buf.length - keep);
        return out;
      }
      out.reasoning = buf.slice(0, end);
      buf = buf.slice(end + close.length);
      state = 'content';
    }
    out.content += buf;
    return out;
  }

  return {
    get sawReasoning() {
      return sawReasoning;
    },
    push: step,
    flush(): ReasoningDelta {
      const rest = held;
      held = '';
      return state === 'reasoning'
        ? { reasoning: rest, content: '' }
        : { reasoning: '', content: rest };
    },
  };
}

/** Non-streaming form: the same rules over a whole text. */
export function splitReasoning(
  text: string,
  opts: ReasoningOptions = {},
): { reasoning: string | null; content: string | null } {
  const s = reasoningSplitter(opts);
  const a = s.push(text);
  const b = s.flush();
  const reasoning = a.reasoning + b.reasoning;
  const content = a.content + b.content;
  return { reasoning: s.sawReasoning ? reasoning : null, content: content === '' ? null : content };
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
export function partialTagLength(text: string, tag: string): number {
  for (let k = Math.min(text.length, tag.length - 1); k > 0; k--) {
    if (text.endsWith(tag.slice(0, k))) return k;
  }
  return 0;
}
