/**
 * The model's Hugging Face `tokenizer_config.json`, which MLC model repositories carry next to
 * the weights: the Jinja chat template and the special tokens the template sees. WebLLM itself
 * ignores it (its chat path uses MLC's own conv_template), so the worker fetches it, keeps it in
 * the Cache API, and renders prompts from it. Pure apart from `fetchCachedText`, whose fetch and
 * cache are passed in.
 */

/** The Cache API cache that keeps tokenizer_config.json (and chat_template.jinja) per model. */
export const TOKENIZER_CONFIG_CACHE = 'playground/webllm-tokenizer-config';

export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

export interface TokenizerConfigInfo {
  /** The default chat template, null when the config has none. */
  chatTemplate: string | null;
  /** Every named template, when the config lists several (e.g. "default", "tool_use"). */
  namedTemplates: Record<string, string>;
  bosToken: string | null;
  eosToken: string | null;
  /** Whether encoding adds BOS on its own (what `add_special_tokens` adds on top of the template). */
  addBosToken: boolean;
  /** added_tokens_decoder, by id. */
  addedTokens: AddedToken[];
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

/** A special token as configs write it: a string, or an AddedToken object `{content, ...}`. */
function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  const o = asObj(v);
  return o && typeof o.content === 'string' ? o.content : null;
}

/**
 * Reads what the prompt renderer needs. `chat_template` may be a string or a list of
 * `{name, template}` (Hugging Face then uses "default"). `add_bos_token` is read when present;
 * otherwise a tokenizer with a BOS token is taken to add it (what Llama-style fast tokenizers'
 * post-processors do), and one without does not.
 */
export function readTokenizerConfig(json: unknown): TokenizerConfigInfo {
  const c = asObj(json) ?? {};
  const namedTemplates: Record<string, string> = {};
  let chatTemplate: string | null = null;
  if (typeof c.chat_template === 'string') {
    chatTemplate = c.chat_template;
  } else if (Array.isArray(c.chat_template)) {
    for (const t of c.chat_template) {
      const o = asObj(t);
      if (o && typeof o.name === 'string' && typeof o.template === 'string')
        namedTemplates[o.name] = o.template;
    }
    chatTemplate = namedTemplates.default ?? Object.values(namedTemplates)[0] ?? null;
  }
  const bosToken = tokenText(c.bos_token);
  const eosToken = tokenText(c.eos_token);
  const addedTokens: AddedToken[] = [];
  const decoder = asObj(c.added_tokens_decoder);
  if (decoder) {
    for (const [key, value] of Object.entries(decoder)) {
      const id = Number(key);
      const o = asObj(value);
      if (!Number.isInteger(id) || !o || typeof o.content !== 'string') continue;
      addedTokens.push({ id, content: o.content, special: o.special === true });
    }
    addedTokens.sort((a, b) => a.id - b.id);
  }
  const addBosToken =
    typeof c.add_bos_token === 'boolean' ? c.add_bos_token : bosToken !== null && bosToken !== '';
  return { chatTemplate, namedTemplates, bosToken, eosToken, addBosToken, addedTokens };
}

/** The special tokens as the chat template sees them (bos_token, eos_token). */
export function templateSpecialTokens(info: TokenizerConfigInfo): {
  bos_token?: string;
  eos_token?: string;
} {
  return {
    ...(info.bosToken !== null ? { bos_token: info.bosToken } : {}),
    ...(info.eosToken !== null ? { eos_token: info.eosToken } : {}),
  };
}

/** The subset of the Cache API this module uses. */
export interface TextCache {
  match(url: string): Promise<{ text(): Promise<string> } | undefined>;
  put(url: string, response: Response): Promise<void>;
}

export class FetchFailedError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'FetchFailedError';
  }
}

/**
 * A text file from the cache, else from the network (then stored). A cached copy makes the
 * page work offline once the file has been fetched.
 */
export async function fetchCachedText(
  url: string,
  deps: { fetch: typeof fetch; cache: TextCache | null },
): Promise<string> {
  const hit = await deps.cache?.match(url).catch(() => undefined);
  if (hit) return hit.text();
  let res: Response;
  try {
    res = await deps.fetch(url);
  } catch (e) {
    throw new FetchFailedError(
      url,
      null,
      `could not fetch ${url}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!res.ok) throw new FetchFailedError(url, res.status, `${url} answered HTTP ${res.status}`);
  const text = await res.clone().text();
  await deps.cache?.put(url, res).catch(() => undefined); // a full disk must not fail the load
  return text;
}
