import { useEffect, useState } from 'react';
import {
  DEFAULT_CPU_MODEL_URL,
  FALLBACK_CPU_MODEL_URL,
  useEngineStore,
} from '../../store/engineStore';
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
    void fetchServedModels().then((m) => {
      if (!live) return;
      setModels(m);
      // Without the default model on this site, pick the fallback now (not only at Load), so
      // that the picker, the request's model field and the exports agree from the start.
      const url = useEngineStore.getState().cpuModelUrl;
      const files = m.map((x) => `models/${x.file}`);
      if (m.length > 0 && url === DEFAULT_CPU_MODEL_URL && !files.includes(url))
        pickCpuModelUrl(
          files.includes(FALLBACK_CPU_MODEL_URL) ? FALLBACK_CPU_MODEL_URL : files[0]!,
        );
    });
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
