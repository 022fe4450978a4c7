import { describe, expect, it } from 'vitest';
import { migratePresetState } from './presetStore';

describe('persisted presets', () => {
  const preset = { name: 'p', request: { model: 'm', messages: [] } };
  it('keeps valid presets and drops what storage mangled', () => {
    expect(migratePresetState({ presets: [preset, { name: '' }, 'x'] })).toEqual({
      presets: [preset],
    });
  });
  it('reads junk as no presets', () => {
    expect(migratePresetState('garbage')).toEqual({ presets: [] });
    expect(migratePresetState(null)).toEqual({ presets: [] });
  });
});
