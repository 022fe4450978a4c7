import { describe, expect, it } from 'vitest';
import { stringCapWarning } from '../constraints/compile';
import type { ChatRequest } from '../request/types';
import { constraintFor, contextOverflowError, tabNotesOf } from './runChat';

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

describe('the string cap (a tab option carried with a run)', () => {
  const req = (extra: Record<string, unknown>) =>
    ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra }) as ChatRequest;
  const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

  it('reaches the compiler and is reported as a tab note', async () => {
    const on = await constraintFor(req({ guided_json: schema }), { stringCap: 8 });
    expect(on).not.toBeNull();
    expect(on!.warnings).toContain(stringCapWarning(8));
    expect(tabNotesOf(on, { stringCap: 8 })).toEqual([stringCapWarning(8)]);
  });

  it('is off without the option: no cap, no note, another grammar', async () => {
    const off = await constraintFor(req({ guided_json: schema }));
    const on = await constraintFor(req({ guided_json: schema }), { stringCap: 8 });
    expect(off!.warnings.join()).not.toMatch(/cap/);
    expect(tabNotesOf(off, {})).toEqual([]);
    expect(tabNotesOf(off, { stringCap: null })).toEqual([]);
    expect(JSON.stringify(off)).not.toEqual(JSON.stringify(on));
  });

  it('says nothing where it does not apply (no JSON strings to cap)', async () => {
    const regex = await constraintFor(req({ guided_regex: '[a-z]+' }), { stringCap: 8 });
    expect(tabNotesOf(regex, { stringCap: 8 })).toEqual([]);
    expect(tabNotesOf(null, { stringCap: 8 })).toEqual([]);
  });
});
