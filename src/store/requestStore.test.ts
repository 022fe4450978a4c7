import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAFT, migrateRequestState } from './requestStore';

describe('persisted draft migration', () => {
  it('reads version 0, which kept the draft under "request"', () => {
    const draft = { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0.2 };
    expect(migrateRequestState({ request: draft }, 0)).toEqual({
      draft: { ...draft, stream: true },
      unknownFields: {},
    });
  });
  it('keeps a current draft and its unknown fields', () => {
    const draft = { model: 'm', messages: [], seed: 1, stream: false };
    expect(migrateRequestState({ draft, unknownFields: { foo: 1 } }, 2)).toEqual({
      draft,
      unknownFields: { foo: 1 },
    });
  });
  it('falls back to the default draft for anything unreadable', () => {
    expect(migrateRequestState(null, 1)).toEqual({ draft: DEFAULT_DRAFT, unknownFields: {} });
    expect(migrateRequestState('garbage', 3)).toEqual({ draft: DEFAULT_DRAFT, unknownFields: {} });
  });
});

describe('version 1 -> 2', () => {
  it('turns streaming on for drafts that never set it, and keeps an explicit choice', () => {
    const untouched = { model: 'm', messages: [] };
    expect(migrateRequestState({ draft: untouched }, 1).draft).toEqual({
      ...untouched,
      stream: true,
    });
    const off = { model: 'm', messages: [], stream: false };
    expect(migrateRequestState({ draft: off }, 1).draft).toEqual(off);
  });
  it('replaces the old default model name by the one the picker starts with', () => {
    const d = migrateRequestState({ draft: { model: 'tiny-random', messages: [] } }, 1).draft!;
    expect(d.model).toBe(DEFAULT_DRAFT.model);
    expect(DEFAULT_DRAFT.model).toBe('SmolLM2-135M-Instruct.Q4_K-Q5_1');
  });
  it('keeps a draft replaced by a share link', () => {
    const replacedByShare = { draft: { model: 'mine', messages: [] }, unknownFields: {} };
    expect(
      migrateRequestState({ draft: { model: 'm' }, replacedByShare }, 1).replacedByShare,
    ).toEqual(replacedByShare);
  });
});

describe('the default draft', () => {
  it('streams (the playground default), unlike the API default', () => {
    expect(DEFAULT_DRAFT.stream).toBe(true);
  });
});
