import { useState } from 'react';
import {
  parsePresetsFile,
  presetNameProblem,
  presetsFile,
  type Preset,
} from '../../request/presets';
import type { RequestDraft } from '../../request/types';
import { usePresetStore } from '../../store/presetStore';
import { useRequestStore } from '../../store/requestStore';
import '../conversation/loop.css';

type Notice = { text: string; undo?: () => void } | null;

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function RenameForm({ preset, done }: { preset: Preset; done: () => void }) {
  const presets = usePresetStore((s) => s.presets);
  const rename = usePresetStore((s) => s.rename);
  const [name, setName] = useState(preset.name);
  const taken = name !== preset.name && presets.some((p) => p.name === name);
  const problem = presetNameProblem(name) ?? (taken ? `A preset "${name}" exists already.` : null);
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        rename(preset.name, name);
        done();
      }}
    >
      <input
        type="text"
        aria-label={`New name for preset ${preset.name}`}
        value={name}
        autoFocus
        onChange={(e) => setName(e.target.value)}
      />
      <button type="submit" disabled={problem !== null}>
        Save name
      </button>
      <button type="button" onClick={done}>
        Cancel
      </button>
      {problem && <span className="field-error">{problem}</span>}
    </form>
  );
}

/**
 * Named requests: save the current request, load, rename, delete; export all to a file and
 * import such a file back (a bad file changes nothing). Kept in localStorage.
 */
export function PresetsPanel() {
  const presets = usePresetStore((s) => s.presets);
  const { save, remove, restore, importPresets } = usePresetStore.getState();
  const replaceDraft = useRequestStore((s) => s.replaceDraft);
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [error, setError] = useState<string | null>(null);
  const nameProblem = presetNameProblem(name);

  const saveCurrent = () => {
    if (nameProblem) return;
    const existed = presets.some((p) => p.name === name);
    save(name, useRequestStore.getState().draft);
    setError(null);
    setNotice({ text: `${existed ? 'Updated' : 'Saved'} preset "${name}".` });
    setName('');
  };

  const load = (p: Preset) => {
    const before: { draft: RequestDraft; unknown: Record<string, unknown> } = {
      draft: useRequestStore.getState().draft,
      unknown: useRequestStore.getState().unknownFields,
    };
    replaceDraft(p.request);
    setNotice({
      text: `Loaded preset "${p.name}".`,
      undo: () => replaceDraft(before.draft, before.unknown),
    });
  };

  const del = (p: Preset) => {
    const at = presets.indexOf(p);
    remove(p.name);
    setNotice({ text: `Deleted preset "${p.name}".`, undo: () => restore(p, at) });
  };

  const importFile = async (file: File) => {
    try {
      const imported = parsePresetsFile(await file.text());
      const r = importPresets(imported);
      setError(null);
      setNotice({
        text:
          `Imported ${r.added} preset${r.added === 1 ? '' : 's'} from ${file.name}` +
          (r.renamed ? `, ${r.renamed} under a new name (the name was taken)` : '') +
          (r.skipped ? `, ${r.skipped} already here` : '') +
          '.',
      });
    } catch (e) {
      setNotice(null);
      setError(`${file.name}: ${(e as Error).message} Nothing was imported.`);
    }
  };

  return (
    <section className="presets" aria-label="Presets" data-testid="presets">
      <h3>Presets</h3>
      <form
        className="button-row"
        onSubmit={(e) => {
          e.preventDefault();
          saveCurrent();
        }}
      >
        <label className="inline">
          Preset name
          <input
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. cold JSON answers"
          />
        </label>
        <button type="submit" disabled={nameProblem !== null} title="Save the current request">
          Save preset
        </button>
      </form>
      {presets.length === 0 ? (
        <p className="hint">No presets yet: name the current request and save it.</p>
      ) : (
        <ul data-testid="preset-list">
          {presets.map((p) => (
            <li key={p.name} data-preset={p.name}>
              {renaming === p.name ? (
                <RenameForm preset={p} done={() => setRenaming(null)} />
              ) : (
                <>
                  <span className="preset-name">{p.name}</span>
                  <button
                    type="button"
                    onClick={() => load(p)}
                    aria-label={`Load preset ${p.name}`}
                  >
                    Load
                  </button>
                  <button
                    type="button"
                    onClick={() => setRenaming(p.name)}
                    aria-label={`Rename preset ${p.name}`}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    onClick={() => del(p)}
                    aria-label={`Delete preset ${p.name}`}
                  >
                    Delete
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="button-row">
        <button
          type="button"
          disabled={presets.length === 0}
          onClick={() => download('playground-presets.json', presetsFile(presets))}
        >
          Export presets
        </button>
        <label className="file-button">
          Import presets…
          <input
            type="file"
            accept=".json,application/json"
            aria-label="Import presets file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void importFile(f);
            }}
          />
        </label>
      </div>
      {error && (
        <div className="field-error" role="alert" data-testid="presets-error">
          {error}
        </div>
      )}
      {notice && (
        <div className="notice" role="status" data-testid="presets-notice">
          {notice.text}{' '}
          {notice.undo && (
            <button
              type="button"
              onClick={() => {
                notice.undo!();
                setNotice(null);
              }}
            >
              Undo
            </button>
          )}
        </div>
      )}
    </section>
  );
}
