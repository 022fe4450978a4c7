/**
 * Named requests (presets): the file they are exported to and read back from, and the
 * checks that keep a bad file or bad storage from losing anything.
 */
import { isParamName } from './params';
import type { RequestDraft } from './types';

export interface Preset {
  name: string;
  request: RequestDraft;
}

export const PRESETS_FILE_FORMAT = 'intab-playground-presets';
export const PRESETS_FILE_VERSION = 1;
export const PRESET_NAME_MAX = 100;

export class PresetFileError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a name cannot name a preset, or null. */
export function presetNameProblem(name: string): string | null {
  if (name.trim() === '') return 'A preset needs a name.';
  if (name.length > PRESET_NAME_MAX)
    return `A preset name has at most ${PRESET_NAME_MAX} characters.`;
  return null;
}

/** The file all presets are exported to. */
export function presetsFile(presets: readonly Preset[]): string {
  return `${JSON.stringify(
    { format: PRESETS_FILE_FORMAT, version: PRESETS_FILE_VERSION, presets },
    null,
    2,
  )}\n`;
}

/** One preset read from untrusted JSON; throws a message naming the preset and the field. */
export function checkPreset(value: unknown, where: string): Preset {
  if (!isObject(value)) throw new PresetFileError(`${where} is not an object.`);
  const { name, request } = value;
  if (typeof name !== 'string') throw new PresetFileError(`${where} has no "name" string.`);
  const nameProblem = presetNameProblem(name);
  if (nameProblem) throw new PresetFileError(`${where}: ${nameProblem}`);
  const label = `Preset "${name}"`;
  if (!isObject(request)) throw new PresetFileError(`${label} has no "request" object.`);
  for (const key of Object.keys(request)) {
    if (!isParamName(key))
      throw new PresetFileError(`${label}: "${key}" is not a chat-completion parameter.`);
  }
  if (!Array.isArray(request.messages))
    throw new PresetFileError(`${label}: "messages" must be a list of messages.`);
  return { name, request: request as RequestDraft };
}

/** Reads an exported presets file; throws PresetFileError with the first problem found. */
export function parsePresetsFile(text: string): Preset[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PresetFileError(`The file is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(value) || value.format !== PRESETS_FILE_FORMAT)
    throw new PresetFileError(
      `This is not a presets file (expected "format": "${PRESETS_FILE_FORMAT}").`,
    );
  if (value.version !== PRESETS_FILE_VERSION)
    throw new PresetFileError(
      `Presets file version ${JSON.stringify(value.version)} is not supported (expected ${PRESETS_FILE_VERSION}).`,
    );
  if (!Array.isArray(value.presets)) throw new PresetFileError('The file has no "presets" list.');
  const presets = value.presets.map((p, i) => checkPreset(p, `Preset ${i + 1}`));
  const seen = new Set<string>();
  for (const p of presets) {
    if (seen.has(p.name))
      throw new PresetFileError(`Preset "${p.name}" appears twice in the file.`);
    seen.add(p.name);
  }
  return presets;
}

/** A name not taken yet: "name", else "name (2)", "name (3)", ... */
export function freeName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name} (${i})`;
    if (!taken.has(candidate)) return candidate;
  }
}

const sameRequest = (a: RequestDraft, b: RequestDraft) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Imported presets added to the existing ones; nothing existing is replaced. An identical
 * preset is skipped; a different one with a taken name is added under a free name.
 */
export function mergePresets(
  existing: readonly Preset[],
  imported: readonly Preset[],
): { presets: Preset[]; added: number; renamed: number; skipped: number } {
  const presets = [...existing];
  const taken = new Set(existing.map((p) => p.name));
  let added = 0;
  let renamed = 0;
  let skipped = 0;
  for (const p of imported) {
    const same = presets.find((q) => q.name === p.name);
    if (same && sameRequest(same.request, p.request)) {
      skipped++;
      continue;
    }
    const name = freeName(p.name, taken);
    if (name !== p.name) renamed++;
    taken.add(name);
    presets.push({ name, request: p.request });
    added++;
  }
  return { presets, added, renamed, skipped };
}

/** Presets from storage: the valid ones are kept, junk is dropped (never thrown). */
export function presetsFromStorage(value: unknown): Preset[] {
  if (!Array.isArray(value)) return [];
  const out: Preset[] = [];
  const seen = new Set<string>();
  for (const [i, p] of value.entries()) {
    try {
      const preset = checkPreset(p, `Preset ${i + 1}`);
      if (seen.has(preset.name)) continue;
      seen.add(preset.name);
      out.push(preset);
    } catch {
      // A stored preset that no longer reads is dropped rather than breaking the app.
    }
  }
  return out;
}
