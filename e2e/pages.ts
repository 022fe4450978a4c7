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
}

export async function freshApp(page: Page, hash = '') {
  await page.goto(`/${hash}`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`/${hash}`);
  await expect(page.getByRole('heading', { name: 'Parameters' })).toBeVisible();
}

/** Loads the default model (the generated tiny GGUF) through the engine bar. */
export async function loadTinyModel(page: Page) {
  await page.getByLabel('GGUF model URL').fill('models/tiny-random.gguf');
  await page.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(page.getByTestId('engine-status')).toContainText('Loaded', { timeout: 60_000 });
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
