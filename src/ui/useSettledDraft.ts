import { useEffect, useState } from 'react';
import { useRequestStore } from '../store/requestStore';
import type { RequestDraft } from '../request/types';

/** Above this much message text, views derived from the whole request wait for a pause. */
export const LARGE_DRAFT_CHARS = 32_000;
/** The pause in typing after which those views catch up. */
export const SETTLE_MS = 350;

/** The characters of message text in a draft (the part that grows to hundreds of kB). */
export function draftTextSize(draft: RequestDraft): number {
  const messages = draft.messages;
  if (!Array.isArray(messages)) return 0;
  let n = 0;
  for (const m of messages as unknown[]) {
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof content === 'string') n += content.length;
    else if (Array.isArray(content))
      for (const p of content as unknown[]) {
        const text = (p as { text?: unknown } | null)?.text;
        if (typeof text === 'string') n += text.length;
      }
  }
  return n;
}

/**
 * The draft for views that re-serialise or lay out the whole request (the request JSON, the
 * export code): the live draft while it is small, so they never lag; for a large one, the
 * draft as of the last pause in typing, so a keystroke in a 200 kB message does not re-render
 * 200 kB of JSON and code.
 */
export function useSettledDraft(): { draft: RequestDraft; settling: boolean } {
  const live = useRequestStore((s) => s.draft);
  const large = draftTextSize(live) > LARGE_DRAFT_CHARS;
  const [settled, setSettled] = useState(live);
  // While small, the settled draft follows at once (so growing past the limit starts from
  // the current request, not an old one).
  if (!large && settled !== live) setSettled(live);
  useEffect(() => {
    if (!large) return;
    const timer = setTimeout(() => setSettled(live), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [live, large]);
  if (!large) return { draft: live, settling: false };
  return { draft: settled, settling: settled !== live };
}
