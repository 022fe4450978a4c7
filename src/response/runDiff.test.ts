import { describe, expect, it } from 'vitest';
import { requestText, sideBySideLines, sideBySideWords } from './runDiff';

describe('sideBySideLines', () => {
  it('aligns unchanged lines and pairs a changed line with its replacement', () => {
    const a = requestText({ model: 'm', temperature: 0.2, seed: 1 });
    const b = requestText({ model: 'm', temperature: 0.9, seed: 1 });
    const rows = sideBySideLines(a, b);
    expect(rows.filter((r) => r.kind !== 'same')).toEqual([
      { kind: 'changed', left: '  "temperature": 0.2', right: '  "temperature": 0.9' },
    ]);
    expect(rows.filter((r) => r.kind === 'same').map((r) => r.left)).toEqual([
      '{',
      '  "model": "m",',
      '  "seed": 1,',
      '}',
    ]);
  });

  it('shows a line only one side has against an empty cell', () => {
    const rows = sideBySideLines('a\nb\nc', 'a\nc\nd');
    expect(rows).toEqual([
      { kind: 'same', left: 'a', right: 'a' },
      { kind: 'removed', left: 'b', right: null },
      { kind: 'same', left: 'c', right: 'c' },
      { kind: 'added', left: null, right: 'd' },
    ]);
  });

  it('pairs a longer removed block with a shorter added one', () => {
    const rows = sideBySideLines('x\n1\n2\ny', 'x\n3\ny');
    expect(rows).toEqual([
      { kind: 'same', left: 'x', right: 'x' },
      { kind: 'changed', left: '1', right: '3' },
      { kind: 'removed', left: '2', right: null },
      { kind: 'same', left: 'y', right: 'y' },
    ]);
  });

  it('equal texts have no changed row', () => {
    const t = requestText({ messages: [{ role: 'user', content: 'hi' }] });
    expect(sideBySideLines(t, t).every((r) => r.kind === 'same')).toBe(true);
  });
});

describe('sideBySideWords', () => {
  it('marks the words each side has alone and keeps the shared ones', () => {
    const d = sideBySideWords('the cat sat', 'the dog sat');
    expect(d.differs).toBe(true);
    expect(d.left.filter((s) => s.changed).map((s) => s.text)).toEqual(['cat']);
    expect(d.right.filter((s) => s.changed).map((s) => s.text)).toEqual(['dog']);
    expect(d.left.map((s) => s.text).join('')).toBe('the cat sat');
    expect(d.right.map((s) => s.text).join('')).toBe('the dog sat');
  });

  it('equal answers do not differ', () => {
    expect(sideBySideWords('same', 'same')).toEqual({
      left: [{ text: 'same', changed: false }],
      right: [{ text: 'same', changed: false }],
      differs: false,
    });
  });
});

describe('requestText', () => {
  it('orders keys so that field order is not a difference', () => {
    expect(requestText({ b: 1, a: { d: 2, c: 3 } })).toBe(requestText({ a: { c: 3, d: 2 }, b: 1 }));
  });
  it('keeps a "__proto__" field visible', () => {
    expect(requestText(JSON.parse('{"__proto__": 1}') as Record<string, unknown>)).toContain(
      '"__proto__": 1',
    );
  });
});
