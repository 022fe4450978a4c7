import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the parameter form (one row per table entry). */
export class ParamsPanel {
  constructor(private readonly page: Page) {}
  row(name: string): Locator {
    return this.page.getByTestId(`param-${name}`);
  }
  input(name: string): Locator {
    return this.page.locator(`#param-${name}`);
  }
  async reset(name: string) {
    await this.page.getByRole('button', { name: `Reset ${name}`, exact: true }).click();
  }
  error(name: string): Locator {
    return this.page.getByTestId(`error-${name}`);
  }
  async setNumber(name: string, value: number | string) {
    await this.input(name).fill(String(value));
  }
  async setText(name: string, value: string) {
    await this.input(name).fill(value);
  }
}

/** Page object for the live request JSON, export and import. */
export class RequestPanel {
  constructor(private readonly page: Page) {}
  get json(): Locator {
    return this.page.getByTestId('request-json');
  }
  async read(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.json.inputValue()) as Record<string, unknown>;
  }
  async exportTab(name: 'JSON' | 'curl' | 'Python' | 'JavaScript'): Promise<string> {
    await this.page.getByRole('tab', { name }).click();
    return (await this.page.getByTestId('export-code').textContent()) ?? '';
  }
  async importText(text: string) {
    await this.page.getByLabel('Import request').fill(text);
    await this.page.getByRole('button', { name: 'Import', exact: true }).click();
  }
}

/** Page object for Run/Stop and the response view. */
export class ResponsePanel {
  constructor(private readonly page: Page) {}
  get runButton(): Locator {
    return this.page.getByRole('button', { name: /^Run/ });
  }
  get latest(): Locator {
    return this.page.getByTestId('latest-run');
  }
  async waitDone(timeout = 60_000) {
    await expect(this.latest).toHaveAttribute('data-status', /done|error|cancelled/, { timeout });
  }
  content(i = 0): Locator {
    return this.page.getByTestId(`choice-${i}`).getByTestId('content');
  }

  /** A choice's exact text: switches its view to raw text (Markdown changes whitespace). */
  async rawText(i = 0): Promise<string> {
    const toggle = this.page.getByTestId(`choice-${i}`).getByRole('button', { name: 'Raw text' });
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    await expect(this.content(i)).toHaveAttribute('data-format', 'raw');
    return (await this.content(i).textContent()) ?? '';
  }
}

export async function freshApp(page: Page, hash = '') {
  await page.goto(`/${hash}`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`/${hash}`);
  // Messages shows at every width (Parameters sits behind a tab on a phone).
  await expect(page.getByRole('heading', { name: 'Messages' })).toBeVisible();
}

/** Loads the default model (the generated tiny GGUF) through the engine bar. */
export async function loadTinyModel(page: Page) {
  await loadModelUrl(page, 'models/tiny-random.gguf', 60_000);
}

/** Loads a GGUF by URL in the CPU engine and waits until it is ready. */
export async function loadModelUrl(page: Page, url: string, timeout = 120_000) {
  await page.getByLabel('GGUF model URL').fill(url);
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('engine-status')).toContainText('Loaded', { timeout });
}

type Json = Record<string, unknown>;

/** One request through the official openai client against the in-tab endpoint. */
export async function inTab(page: Page, body: Json): Promise<Json> {
  return page.evaluate(async (b) => {
    const w = window as unknown as {
      playground: {
        openai: () => Promise<{
          chat: { completions: { create: (x: unknown) => Promise<unknown> } };
        }>;
      };
    };
    const client = await w.playground.openai();
    try {
      const r = await client.chat.completions.create(b);
      if (b.stream) {
        const chunks: unknown[] = [];
        for await (const c of r as AsyncIterable<unknown>) chunks.push(c);
        return { chunks };
      }
      return r as Record<string, unknown>;
    } catch (e) {
      const err = e as { status?: number; error?: unknown; message?: string };
      return { thrown: { status: err.status, error: err.error, message: err.message } };
    }
  }, body);
}

export async function renderPrompt(page: Page, body: Json): Promise<string> {
  return page.evaluate(async (b) => {
    const w = window as unknown as {
      playground: { renderPrompt: (x: unknown) => Promise<{ prompt: string }> };
    };
    try {
      return (await w.playground.renderPrompt(b)).prompt;
    } catch (e) {
      throw new Error(`renderPrompt failed: ${JSON.stringify(e)}`, { cause: e });
    }
  }, body);
}

/** Page object for reading an answer: Markdown or raw text, copy buttons, code blocks. */
export class AnswerView {
  constructor(
    private readonly page: Page,
    private readonly index = 0,
  ) {}
  get choice(): Locator {
    return this.page.getByTestId(`choice-${this.index}`);
  }
  get body(): Locator {
    return this.choice.getByTestId('content');
  }
  get rawToggle(): Locator {
    return this.choice.getByRole('button', { name: 'Raw text' });
  }
  get copyAnswer(): Locator {
    return this.choice.getByRole('button', { name: `Copy answer ${this.index}` });
  }
  codeBlocks(): Locator {
    return this.body.locator('.code-block');
  }
  copyCode(n: number): Locator {
    return this.body.getByRole('button', { name: `Copy code block ${n}` });
  }
}

/** The clipboard's text (the context must grant clipboard-read). */
export async function clipboardText(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Points the Server engine at a base URL the test answers with page.route (one reply). */
export async function useRoutedServer(
  page: Page,
  baseUrl: string,
  completion: unknown,
  status = 200,
) {
  await page.route(`${baseUrl}/**`, (route) => {
    const headers = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': '*',
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    };
    if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers });
    if (!route.request().url().endsWith('/chat/completions'))
      return route.fulfill({ status: 404, headers, json: { detail: 'Not Found' } });
    const body = route.request().postDataJSON() as { stream?: boolean } | null;
    if (status !== 200 || body?.stream !== true)
      return route.fulfill({ status, headers, json: completion });
    // A streamed request gets the same completion as one chunk per choice, as a server sends.
    return route.fulfill({
      status,
      headers: { ...headers, 'Content-Type': 'text/event-stream' },
      body: asEventStream(completion),
    });
  });
  await page.getByLabel('Engine').selectOption('server');
  await page.getByLabel('Server base URL').fill(baseUrl);
}

interface RoutedChoice {
  index: number;
  message: Record<string, unknown>;
  finish_reason: string | null;
}

/** A chat.completion as the SSE stream of chat.completion.chunk objects that carries it. */
function asEventStream(completion: unknown): string {
  const c = completion as {
    id?: string;
    model?: string;
    created?: number;
    choices: RoutedChoice[];
  };
  const events = c.choices.map((choice) => {
    const { tool_calls: calls, ...message } = choice.message;
    const delta: Record<string, unknown> = { ...message };
    if (Array.isArray(calls))
      delta.tool_calls = calls.map((call: unknown, index: number) => ({
        index,
        ...(call as object),
      }));
    return {
      id: c.id ?? 'chatcmpl-routed',
      object: 'chat.completion.chunk',
      created: c.created ?? 0,
      model: c.model ?? 'routed',
      choices: [{ index: choice.index, delta, finish_reason: choice.finish_reason }],
    };
  });
  return [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), 'data: [DONE]\n\n'].join('');
}

/** Page object for the live prompt token count and context bar beside the messages. */
export class PromptMeter {
  constructor(private readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('prompt-meter');
  }
  get bar(): Locator {
    return this.root.getByRole('meter', { name: 'Context used by the prompt' });
  }
  /** Waits until the count matches the draft on screen, then returns it. */
  async tokens(): Promise<number> {
    await expect(this.root).toHaveAttribute('aria-busy', 'false', { timeout: 30_000 });
    return Number(await this.root.getAttribute('data-tokens'));
  }
}

/** Page object for the page layout: panes and the tabs that reach them. */
export class Layout {
  constructor(private readonly page: Page) {}
  pane(name: 'chat' | 'params' | 'request'): Locator {
    return this.page.getByTestId(`pane-${name}`);
  }
  tab(name: 'Conversation' | 'Parameters' | 'Request & export'): Locator {
    return this.page.getByTestId('pane-tabs').getByRole('tab', { name });
  }
  /** Shows a pane: by its tab where tabs are shown, else it is already on screen. */
  async show(name: 'Conversation' | 'Parameters' | 'Request & export') {
    if (await this.page.getByTestId('pane-tabs').isVisible()) await this.tab(name).click();
  }
}
