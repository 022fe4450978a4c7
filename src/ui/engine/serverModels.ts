import { listServerModels, type ServerRunError } from '../../engine/serverClient';
import { useRequestStore } from '../../store/requestStore';
import { useServerStore } from '../../store/serverStore';

/**
 * Load in Server mode: asks the server which models it serves (nothing is downloaded into
 * the tab) and picks one, so that Run and the exports name a model the server has.
 */
export async function loadServerModels(): Promise<void> {
  const s = useServerStore.getState();
  s.setModelList({ modelsStatus: 'loading', modelsError: null });
  try {
    const ids = await listServerModels({ baseUrl: s.baseUrl, apiKey: s.apiKey });
    useServerStore.getState().setModelList({
      servedModels: ids,
      modelsStatus: 'ready',
      modelsError: ids.length === 0 ? 'The server lists no models.' : null,
    });
    const chosen = useServerStore.getState().model.trim();
    const first = ids[0];
    if (first !== undefined && !ids.includes(chosen)) chooseServerModel(first);
  } catch (e) {
    const err = e as ServerRunError;
    useServerStore.getState().setModelList({
      modelsStatus: 'error',
      modelsError: `${err.message}${err.note ? ` ${err.note}` : ''}`,
    });
  }
}

/** The model Run sends to the server; the request's model field names it too. */
export function chooseServerModel(id: string): void {
  useServerStore.getState().setModel(id);
  if (id !== '') useRequestStore.getState().setParam('model', id);
}
