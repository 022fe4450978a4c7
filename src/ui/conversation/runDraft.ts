import { REQUEST_CHECKS } from '../../request/checks';
import type { RequestDraft } from '../../request/types';
import { validateRequest } from '../../request/validate';
import { useRequestStore } from '../../store/requestStore';
import { startRun } from '../response/useRunActions';

/**
 * Runs a draft that a conversation action has just built (the rendered validation is a
 * render behind it). Returns why it did not run, or null when it started.
 */
export function runIfValid(draft: RequestDraft): string | null {
  const editors = Object.keys(useRequestStore.getState().editorErrors);
  if (editors.length > 0) return `Fix ${editors.join(', ')} first.`;
  const result = validateRequest(draft, REQUEST_CHECKS);
  if (!result.ok) return result.errors[0]!.message;
  startRun(draft);
  return null;
}

/** Focuses the content of message `index` once the editor shows it. */
export function focusMessage(index: number): void {
  requestAnimationFrame(() =>
    document
      .querySelector<HTMLTextAreaElement>(`[data-testid="message-${index}"] textarea`)
      ?.focus(),
  );
}
