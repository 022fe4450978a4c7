import { describe, expect, it } from 'vitest';
import { checkPromptFits } from './runChat';
import type { ModelInfo } from './protocol';

const info: ModelInfo = {
  engine: 'cpu',
  name: 'm',
  contextLength: 512,
  chatTemplate: null,
  bosToken: null,
  eosToken: null,
  vocabSize: 100,
};

describe('checkPromptFits', () => {
  it('refuses a prompt that fills the context with a 400 that gives both numbers', () => {
    let caught: unknown;
    try {
      checkPromptFits(info, 600);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({
      status: 400,
      error: { param: 'messages', type: 'invalid_request_error' },
    });
    const message = (caught as { error: { message: string } }).error.message;
    expect(message).toContain('600 tokens');
    expect(message).toContain('context size is 512 tokens');
  });

  it('lets a prompt through that leaves room, or whose length is unknown', () => {
    expect(() => checkPromptFits(info, 511)).not.toThrow();
    expect(() => checkPromptFits(info, null)).not.toThrow();
    expect(() => checkPromptFits(info, 512)).toThrow();
  });
});
