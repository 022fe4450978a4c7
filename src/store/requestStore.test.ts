import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAFT, migrateRequestState } from './requestStore';

describe('persisted draft migration', () => {
  it('reads version 0, which kept the draft under "request"', () => {
    const draft = { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0.2 };
    expect(migrateRequestState({ request: draft }, 0)).toEqual({ draft, unknownFields: {} });
  });
  it('keeps a current draft and its unknown fields', () => {
    const draft = { model: 'm', messages: [], seed: 1 };
    expect(migrateRequestState({ draft, unknownFields: { foo: 1 } }, 1)).toEqual({
      draft,
      unknownFields: { foo: 1 },
    });
  });
  it('falls back to the default draft for anything unreadable', () => {
    expect(migrateRequestState(null, 1)).toEqual({ draft: DEFAULT_DRAFT, unknownFields: {} });
    expect(migrateRequestState('garbage', 3)).toEqual({ draft: DEFAULT_DRAFT, unknownFields: {} });
  });
});
