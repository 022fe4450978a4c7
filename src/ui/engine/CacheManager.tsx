import { useEffect, useState } from 'react';
import { formatBytes, type WebGpuCacheReport } from '../../engine/webgpu/modelCatalog';
import { useEngineStore } from '../../store/engineStore';
import { useWebGpuStore } from '../../store/webgpuStore';
import { deleteWebGpuCached, refreshWebGpuCache } from './webgpuActions';

function StorageEstimate({ estimate }: { estimate: WebGpuCacheReport['estimate'] }) {
  if (!estimate) return <p data-testid="storage-estimate">Storage estimate unavailable.</p>;
  const pct =
    estimate.quota > 0 ? ` (${((estimate.usage / estimate.quota) * 100).toFixed(1)}%)` : '';
  return (
    <p data-testid="storage-estimate">
      Storage: {formatBytes(estimate.usage)} used of {formatBytes(estimate.quota)}
      {pct}
    </p>
  );
}

function CachedList({ report, busy }: { report: WebGpuCacheReport; busy: boolean }) {
  if (report.models.length === 0 && report.otherBytes === 0)
    return <p data-testid="cache-empty">No WebGPU models are cached.</p>;
  return (
    <ul className="cache-list" data-testid="cache-list">
      {report.models.map((m) => (
        <li key={m.modelId}>
          <span>{m.modelId}</span>{' '}
          <span>{m.sizeBytes === null ? '?' : formatBytes(m.sizeBytes)}</span>
          {!m.complete && <span className="hint"> (incomplete download)</span>}
          {m.sharesWeightsWith.length > 0 && (
            <span className="hint"> (same files as {m.sharesWeightsWith.join(', ')})</span>
          )}{' '}
          <button
            type="button"
            aria-label={`Delete ${m.modelId}`}
            disabled={busy}
            onClick={() => void deleteWebGpuCached(m.modelId)}
          >
            Delete
          </button>
        </li>
      ))}
      {report.otherBytes > 0 && (
        <li>
          <span>other model files</span> <span>{formatBytes(report.otherBytes)}</span>
        </li>
      )}
    </ul>
  );
}

/** What the WebGPU model cache holds, the storage estimate, delete one or all. */
export function CacheManager() {
  const report = useWebGpuStore((s) => s.cache);
  const status = useWebGpuStore((s) => s.cacheStatus);
  const error = useWebGpuStore((s) => s.cacheError);
  const loadedModel = useEngineStore((s) => s.model?.name ?? null);
  const [open, setOpen] = useState(false);
  const busy = status === 'loading';
  // read the cache when the panel opens, and again after a model loads (it is cached then)
  useEffect(() => {
    if (open) void refreshWebGpuCache();
  }, [open, loadedModel]);
  return (
    <details
      className="cache-manager"
      data-testid="cache-manager"
      open={open}
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>Model cache</summary>
      {busy && !report && <p>Reading the cache…</p>}
      {report && (
        <>
          <StorageEstimate estimate={report.estimate} />
          <CachedList report={report} busy={busy} />
        </>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      <button type="button" disabled={busy} onClick={() => void refreshWebGpuCache()}>
        Refresh
      </button>{' '}
      <button
        type="button"
        disabled={busy || !report || (report.models.length === 0 && report.otherBytes === 0)}
        onClick={() => {
          if (window.confirm('Delete every cached WebGPU model?')) void deleteWebGpuCached(null);
        }}
      >
        Delete all
      </button>
    </details>
  );
}
