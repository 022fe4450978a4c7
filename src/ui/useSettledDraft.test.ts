import { describe, expect, it } from 'vitest';
import { draftTextSize } from './useSettledDraft';

describe('draftTextSize', () => {
  it('counts the text of string and multi-part message content', () => {
    expect(
      draftTextSize({
        model: 'm',
        messages: [
          { role: 'user', content: 'abc' },
          { role: 'user', content: [{ type: 'text', text: 'de' }, { type: 'image_url' }] },
          { role: 'assistant', content: null },
        ],
      }),
    ).toBe(5);
  });

  it('is 0 for a draft whose messages are not a list', () => {
    expect(draftTextSize({ model: 'm', messages: 'oops' })).toBe(0);
    expect(draftTextSize({ model: 'm', messages: [null, 3] })).toBe(0);
  });
});
