import type { ChatEngine } from './runChat';
import type { TokenMatch } from './protocol';

/** An engine with a model in memory, as the worker holds it. */
export interface LoadedEngine extends ChatEngine {
  lookupToken(text: string): TokenMatch[];
  unload(): Promise<void>;
}
