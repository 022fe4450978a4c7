/**
 * Side-by-side diffs of two runs: their request JSON line by line, and their answers word
 * by word. jsdiff computes the edit script; this module only shapes it for two columns.
 */
import { diffLines, diffWordsWithSpace, type Change } from 'diff';

/** One row of a two-column line diff; null: no line on that side. */
export interface DiffRow {
  kind: 'same' | 'changed' | 'removed' | 'added';
  left: string | null;
  right: string | null;
}

/** A piece of one side of a word diff: shared text, or text only this side has. */
export interface DiffSegment {
  text: string;
  changed: boolean;
}

export interface WordDiff {
  left: DiffSegment[];
  right: DiffSegment[];
  /** False when both texts are equal. */
  differs: boolean;
}

/** Beyond this the edit script is not worth the wait: the sides show as wholly replaced. */
const DIFF_TIMEOUT_MS = 300;

const splitLines = (value: string) => value.replace(/\n$/, '').split('\n');

/** Lines of `before` and `after` in two aligned columns; removed lines pair with added ones. */
export function sideBySideLines(before: string, after: string): DiffRow[] {
  // Both end with a newline, so a last line is not "changed" only for lacking one.
  before = before.endsWith('\n') ? before : `${before}\n`;
  after = after.endsWith('\n') ? after : `${after}\n`;
  const changes: Change[] = diffLines(before, after, { timeout: DIFF_TIMEOUT_MS }) ?? [
    { value: before, removed: true, added: false, count: 1 },
    { value: after, removed: false, added: true, count: 1 },
  ];
  const rows: DiffRow[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.value === '') continue;
    if (!c.added && !c.removed) {
      for (const line of splitLines(c.value)) rows.push({ kind: 'same', left: line, right: line });
      continue;
    }
    if (c.removed) {
      const removed = splitLines(c.value);
      const next = changes[i + 1];
      const added = next?.added ? splitLines(next.value) : [];
      if (next?.added) i++;
      for (let j = 0; j < Math.max(removed.length, added.length); j++) {
        const left = removed[j] ?? null;
        const right = added[j] ?? null;
        rows.push({
          kind: left !== null && right !== null ? 'changed' : left !== null ? 'removed' : 'added',
          left,
          right,
        });
      }
      continue;
    }
    for (const line of splitLines(c.value)) rows.push({ kind: 'added', left: null, right: line });
  }
  return rows;
}

/** Two texts word by word: each side keeps its own words, the ones the other lacks marked. */
export function sideBySideWords(before: string, after: string): WordDiff {
  if (before === after) {
    const same = before === '' ? [] : [{ text: before, changed: false }];
    return { left: same, right: same, differs: false };
  }
  const changes = diffWordsWithSpace(before, after, { timeout: DIFF_TIMEOUT_MS }) ?? [
    { value: before, removed: true, added: false, count: 1 },
    { value: after, removed: false, added: true, count: 1 },
  ];
  const left: DiffSegment[] = [];
  const right: DiffSegment[] = [];
  for (const c of changes) {
    if (c.value === '') continue;
    if (!c.added) left.push({ text: c.value, changed: c.removed });
    if (!c.removed) right.push({ text: c.value, changed: c.added });
  }
  return { left, right, differs: true };
}

/** A request as the diff shows it: stable key order, so only real differences show. */
export function requestText(request: Record<string, unknown> | null): string {
  if (request === null) return '';
  return JSON.stringify(sortKeys(request), null, 2);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    Object.defineProperty(out, k, {
      value: sortKeys((v as Record<string, unknown>)[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
