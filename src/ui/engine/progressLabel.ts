import type { LoadProgress } from '../../engine/protocol';
import { formatBytes } from '../../engine/webgpu/modelCatalog';

/** "download 150.0 MiB / 1.22 GiB", or "compile shaders 40%" for phases without bytes. */
export function progressLabel(p: LoadProgress | null): string {
  if (!p) return 'starting…';
  if (p.unit === 'fraction') {
    const pct = p.total > 0 ? Math.round((p.loaded / p.total) * 100) : 0;
    return `${p.phase} ${pct}%`;
  }
  return p.total > 0
    ? `${p.phase} ${formatBytes(p.loaded)} / ${formatBytes(p.total)}`
    : `${p.phase} ${formatBytes(p.loaded)}`;
}
