/**
 * `window.playground`: the in-tab OpenAI endpoint for the developer console (and the e2e
 * tests): `const client = await playground.openai(); await client.chat.completions.create(...)`.
 */
import { engineClient } from '../engine/client';
import { createInTabEndpoint, IN_TAB_BASE_URL } from '../engine/inTabEndpoint';
import { ensureModelLoaded } from './engine/loadModel';
import type { PromptPreview, TokenMatch } from '../engine/protocol';
import type { ChatRequest } from '../request/types';

export interface PlaygroundApi {
  baseURL: string;
  fetch: typeof fetch;
  openai: () => Promise<import('openai').default>;
  /** The exact prompt the engine would get for a request, and its token count. */
  renderPrompt: (request: unknown) => Promise<PromptPreview>;
  /** Token ids of the loaded model whose text matches. */
  lookupToken: (text: string) => Promise<TokenMatch[]>;
}

export function installDevApi(): void {
  const inTabFetch = createInTabEndpoint(engineClient(), ensureModelLoaded) as typeof fetch;
  const api: PlaygroundApi = {
    baseURL: IN_TAB_BASE_URL,
    fetch: inTabFetch,
    openai: async () => {
      const { default: OpenAI } = await import('openai');
      return new OpenAI({
        baseURL: IN_TAB_BASE_URL,
        apiKey: 'in-tab',
        fetch: inTabFetch,
        dangerouslyAllowBrowser: true,
        maxRetries: 0,
      });
    },
    lookupToken: async (text) => {
      await ensureModelLoaded();
      return engineClient().lookupToken(text);
    },
    renderPrompt: async (request) => {
      await ensureModelLoaded();
      return engineClient().preview(request as ChatRequest);
    },
  };
  (window as unknown as { playground: PlaygroundApi }).playground = api;
}
