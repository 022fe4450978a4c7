import { describe, expect, it } from 'vitest';
import { contextOverflowError } from './runChat';

describe('contextOverflowError', () => {
  it('is a 400 at messages that gives both numbers', () => {
    const e = contextOverflowError(600, 512);
    expect(e).toMatchObject({
      status: 400,
      error: { param: 'messages', type: 'invalid_request_error' },
    });
    expect(e.error.message).toContain('The prompt is 600 tokens');
    expect(e.error.message).toContain('context size is 512 tokens');
  });
});
