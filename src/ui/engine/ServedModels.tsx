import { useEffect, useState } from 'react';
import { useEngineStore } from '../../store/engineStore';
import { pickCpuModelUrl, setPickedFile } from './loadModel';

export interface ServedModel {
  file: string;
  label: string;
  bytes: number;
}

/** The GGUF models this site serves (public/models/index.json, written by `npm run models`). */
export async function fetchServedModels(): Promise<ServedModel[]> {
  try {
    const res = await fetch(new URL('models/index.json', location.href));
    if (!res.ok) return [];
    const data = (await res.json()) as { models?: ServedModel[] };
    return Array.isArray(data.models) ? data.models : [];
  } catch {
    return [];
  }
}

export function ServedModels() {
  const [models, setModels] = useState<ServedModel[]>([]);
  const url = useEngineStore((s) => s.cpuModelUrl);
  useEffect(() => {
    let live = true;
    void fetchServedModels().then((m) => live && setModels(m));
    return () => {
      live = false;
    };
  }, []);
  if (models.length === 0) return null;
  const selected = models.find((m) => `models/${m.file}` === url)?.file ?? '';
  return (
    <label>
      Model{' '}
      <select
        aria-label="Served model"
        value={selected}
        onChange={(e) => {
          setPickedFile(null);
          if (e.target.value) pickCpuModelUrl(`models/${e.target.value}`);
        }}
      >
        <option value="">custom URL…</option>
        {models.map((m) => (
          <option key={m.file} value={m.file}>
            {m.label} ({(m.bytes / 1024 ** 2).toFixed(1)} MiB)
          </option>
        ))}
      </select>
    </label>
  );
}
