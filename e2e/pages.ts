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
