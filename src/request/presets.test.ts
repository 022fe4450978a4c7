import { describe, expect, it } from 'vitest';
import {
  freeName,
  mergePresets,
  parsePresetsFile,
  PresetFileError,
  presetNameProblem,
  presetsFile,
  presetsFromStorage,
  type Preset,
} from './presets';

const req = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'm',
  messages: [{ role: 'user', content }],
  ...extra,
});
const a: Preset = { name: 'cold', request: req('hi', { temperature: 0 }) };
const b: Preset = { name: 'hot', request: req('hi', { temperature: 1.5, seed: 3 }) };

const file = (presets: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: 'intab-playground-presets', version: 1, presets, ...extra });

describe('presets file', () => {
  it('round-trips every preset exactly', () => {
    expect(parsePresetsFile(presetsFile([a, b]))).toEqual([a, b]);
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[]', /not a presets file/],
    [JSON.stringify({ model: 'm', messages: [] }), /not a presets file/],
    [file([], { version: 2 }), /version 2 is not supported/],
    [file({}), /no "presets" list/],
    [file([42]), /Preset 1 is not an object/],
    [file([{ name: '', request: req('x') }]), /Preset 1: A preset needs a name/],
    [file([{ name: 'x' }]), /Preset "x" has no "request" object/],
    [file([{ name: 'x', request: { model: 'm' } }]), /Preset "x": "messages" must be a list/],
    [
      file([{ name: 'x', request: req('x', { temprature: 1 }) }]),
      /"temprature" is not a chat-completion parameter/,
    ],
    [file([a, a]), /Preset "cold" appears twice/],
  ])('refuses %s with a clear message', (text, message) => {
    expect(() => parsePresetsFile(text)).toThrow(PresetFileError);
    expect(() => parsePresetsFile(text)).toThrow(message);
  });

  it('refuses a "__proto__" field instead of swallowing it', () => {
    const text = `{"format":"intab-playground-presets","version":1,"presets":[{"name":"p","request":{"messages":[],"__proto__":{"x":1}}}]}`;
    expect(() => parsePresetsFile(text)).toThrow(/"__proto__" is not a chat-completion parameter/);
  });
});

describe('names', () => {
  it('needs a non-blank name of limited length', () => {
    expect(presetNameProblem('  ')).toMatch(/needs a name/);
    expect(presetNameProblem('x'.repeat(101))).toMatch(/at most 100/);
    expect(presetNameProblem('ok')).toBeNull();
  });
  it('finds a free name', () => {
    expect(freeName('p', new Set(['q']))).toBe('p');
    expect(freeName('p', new Set(['p', 'p (2)']))).toBe('p (3)');
  });
});

describe('mergePresets', () => {
  it('adds new presets, skips identical ones, renames a different one with a taken name', () => {
    const changed: Preset = { name: 'cold', request: req('other') };
    const r = mergePresets([a], [a, changed, b]);
    expect(r.presets).toEqual([a, { name: 'cold (2)', request: changed.request }, b]);
    expect({ added: r.added, renamed: r.renamed, skipped: r.skipped }).toEqual({
      added: 2,
      renamed: 1,
      skipped: 1,
    });
  });
});

describe('presetsFromStorage', () => {
  it('keeps the valid presets and drops junk without throwing', () => {
    expect(presetsFromStorage([a, null, { name: 3 }, b, a])).toEqual([a, b]);
    expect(presetsFromStorage('junk')).toEqual([]);
  });
});
