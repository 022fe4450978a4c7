import { useEffect, useState } from 'react';
import { decodeShare, ShareError } from '../../request/share';
import { importRequest } from '../../request/import';
import { validateRequest } from '../../request/validate';
import { REQUEST_CHECKS } from '../../request/checks';
import { useRequestStore } from '../../store/requestStore';

/**
 * Opens a request carried by the URL hash (share link) at start and on hash changes. The
 * draft it replaces stays restorable ("Undo"), and values the form cannot use as they are
 * (a role "wizard", a temperature "hot") are listed here and flagged at their controls.
 */
export function SharedRequest() {
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[] | null>(null);
  const openShared = useRequestStore((s) => s.openShared);
  const replaced = useRequestStore((s) => s.replacedByShare);
  const restore = useRequestStore((s) => s.restoreReplaced);
  const dismiss = useRequestStore((s) => s.dismissReplaced);
  useEffect(() => {
    const load = () => {
      try {
        const shared = decodeShare(location.hash);
        if (!shared) return;
        const { draft, unknown } = importRequest(JSON.stringify(shared));
        const v = validateRequest(draft, REQUEST_CHECKS);
        openShared(draft, unknown);
        setProblems(v.ok ? [] : v.errors.map((e) => e.message));
        setError(null);
        history.replaceState(null, '', location.pathname + location.search);
      } catch (e) {
        setError(
          e instanceof ShareError
            ? e.message
            : `This share link is broken: ${(e as Error).message}`,
        );
      }
    };
    load();
    window.addEventListener('hashchange', load);
    return () => window.removeEventListener('hashchange', load);
  }, [openShared]);

  if (error)
    return (
      <div className="notice error" role="alert" data-testid="share-error">
        {error}
      </div>
    );
  if (problems === null && !replaced) return null;
  const close = () => {
    setProblems(null);
    dismiss();
  };
  return (
    <div className="notice" role="status" data-testid="share-opened">
      Opened a shared request.
      {problems && problems.length > 0 && (
        <>
          {' '}
          It has {problems.length} value{problems.length === 1 ? '' : 's'} the form cannot use as{' '}
          {problems.length === 1 ? 'it is' : 'they are'} (marked at the controls):
          <ul data-testid="share-problems">
            {problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </>
      )}{' '}
      {replaced && (
        <button
          type="button"
          onClick={() => {
            restore();
            setProblems(null);
          }}
        >
          Undo: restore your previous draft
        </button>
      )}{' '}
      <button type="button" onClick={close}>
        {replaced ? 'Keep the shared request' : 'Close'}
      </button>
    </div>
  );
}
