import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reasoningSplitter, splitReasoning, type ReasoningOptions } from './reasoning';
import { cutAt } from './testing/pieces';

function stream(pieces: string[], opts: ReasoningOptions = {}) {
  const s = reasoningSplitter(opts);
  const deltas = [...pieces.map((p) => s.push(p)), s.flush()];
  return {
    deltas,
    reasoning: deltas.map((d) => d.reasoning).join(''),
    content: deltas.map((d) => d.content).join(''),
    sawReasoning: s.sawReasoning,
  };
}

/** Independent oracle of the documented rules. */
function oracle(text: string, open: string, close: string, startsInReasoning: boolean) {
  let body: string | null = null;
  if (startsInReasoning) body = text;
  else {
    const t = text.trimStart();
    if (t.startsWith(open)) body = t.slice(open.length);
  }
  if (body === null) return { reasoning: null, content: text };
  const end = body.indexOf(close);
  return end < 0
    ? { reasoning: body, content: '' }
    : { reasoning: body.slice(0, end), content: body.slice(end + close.length) };
}

describe('reasoningSplitter', () => {
  it('splits a think block off the answer', () => {
    expect(splitReasoning('<think>Let me see.</think>\n\nIt is 4.')).toEqual({
      reasoning: 'Let me see.',
      content: '\n\nIt is 4.',
    });
  });

  it('handles tags split across tokens and never leaks a partial tag', () => {
    const r = stream(['<th', 'ink>', 'hmm', '</th', 'ink', '>ok']);
    expect(r.reasoning).toBe('hmm');
    expect(r.content).toBe('ok');
    for (const d of r.deltas) {
      expect(d.reasoning).not.toMatch(/[<>]/);
      expect(d.content).not.toMatch(/[<>]/);
    }
  });

  it('starts inside reasoning when the prompt ended in an open block', () => {
    const r = stream(['a', 'b</think>', 'c'], { startsInReasoning: true });
    expect(r).toMatchObject({ reasoning: 'ab', content: 'c', sawReasoning: true });
  });

  it('output without a think block is all content', () => {
    expect(splitReasoning('Hi <think>x</think>')).toEqual({
      reasoning: null,
      content: 'Hi <think>x</think>',
    });
    const r = stream(['  ', 'Hi']);
    expect(r).toMatchObject({ content: '  Hi', sawReasoning: false });
  });

  it('a cut-off think block is all reasoning', () => {
    expect(splitReasoning('<think>still thinking</th')).toEqual({
      reasoning: 'still thinking</th',
      content: null,
    });
  });

  it('drops whitespace before the open tag and keeps later tags as text', () => {
    expect(splitReasoning('\n<think>a</think>b<think>c</think>')).toEqual({
      reasoning: 'a',
      content: 'b<think>c</think>',
    });
  });

  it('a partial open tag that turns out to be text is released as content', () => {
    const r = stream(['<thi', 'ng>']);
    expect(r).toMatchObject({ reasoning: '', content: '<thing>', sawReasoning: false });
    expect(stream(['<th'])).toMatchObject({ content: '<th', sawReasoning: false });
  });

  it('supports other tags', () => {
    const opts = { openTag: '<|begin_of_thought|>', closeTag: '<|end_of_thought|>' };
    expect(splitReasoning('<|begin_of_thought|>x<|end_of_thought|>y', opts)).toEqual({
      reasoning: 'x',
      content: 'y',
    });
  });

  it('property: any split of the text gives the same split as the oracle', () => {
    const unit = fc.constantFrom('<think>', '</think>', '<', '/', 't', 'h', '>', ' ', 'x', '\n');
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 16 }).map((a) => a.join('')),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (text, cuts, startsInReasoning) => {
          const want = oracle(text, '<think>', '</think>', startsInReasoning);
          const r = stream(cutAt(text, cuts), { startsInReasoning });
          expect(r.content).toBe(want.content);
          if (want.reasoning === null) expect(r.sawReasoning).toBe(false);
          else expect(r.reasoning).toBe(want.reasoning);
          expect(splitReasoning(text, { startsInReasoning })).toEqual({
            reasoning: want.reasoning,
            content: want.content === '' ? null : want.content,
          });
        },
      ),
      { numRuns: 3000 },
    );
  });
});
