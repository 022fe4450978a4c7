import { expect, type Locator, type Page } from '@playwright/test';
import { RequestPanel } from './pages';

/**
 * Page objects for the conversation loop (messages, conversation actions, run history and
 * diff), presets and the parameter sweep.
 */

type Json = Record<string, unknown>;

export class MessagesPanel {
  constructor(private readonly page: Page) {}
  message(i: number): Locator {
    return this.page.getByTestId(`message-${i}`);
  }
  content(i: number): Locator {
    return this.page.getByLabel(`Content of message ${i + 1}`, { exact: true });
  }
  role(i: number): Locator {
    return this.page.getByLabel(`Role of message ${i + 1}`, { exact: true });
  }
  get all(): Locator {
    return this.page
      .locator('[data-testid^="message-"]')
      .filter({ has: this.page.locator('textarea') });
  }
  async list(): Promise<Json[]> {
    return (await new RequestPanel(this.page).read()).messages as Json[];
  }
}

export class ConversationActions {
  constructor(private readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('conversation-actions');
  }
  button(name: string | RegExp): Locator {
    return this.root.getByRole('button', { name });
  }
}

export class RunHistory {
  constructor(private readonly page: Page) {}
  async open() {
    const summary = this.page.getByText(/^Run history \(\d+\)$/);
    const details = this.page.locator('details.run-history');
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await summary.click();
  }
  get items(): Locator {
    return this.page.getByTestId('run-history').locator(':scope > li');
  }
  /** n counts from the oldest run (#1). */
  async restore(n: number) {
    await this.open();
    await this.page.getByRole('button', { name: `Restore the request of run ${n}` }).click();
  }
  async pick(n: number) {
    await this.open();
    await this.page.getByLabel(`Diff run ${n}`, { exact: true }).check();
  }
  get diff(): Locator {
    return this.page.getByTestId('run-diff');
  }
}

export class SweepPanel {
  constructor(private readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('sweep');
  }
  async open() {
    if (!(await this.root.evaluate((d) => (d as HTMLDetailsElement).open)))
      await this.root.locator('summary').click();
  }
  async axis(i: 0 | 1, name: string, values?: string) {
    await this.root.getByLabel(i === 0 ? 'Sweep parameter' : 'Second parameter').selectOption(name);
    if (values !== undefined)
      await this.root
        .getByLabel(i === 0 ? 'Values' : 'Second values', { exact: true })
        .fill(values);
  }
  get runButton(): Locator {
    return this.root.getByRole('button', { name: /^Start sweep/ });
  }
  get cancelButton(): Locator {
    return this.root.getByRole('button', { name: 'Cancel sweep' });
  }
  get cells(): Locator {
    return this.root.getByTestId('sweep-cell');
  }
  cell(label: string): Locator {
    return this.root.locator(`[data-testid="sweep-cell"][data-label="${label}"]`);
  }
  async waitIdle(timeout = 120_000) {
    await expect(this.cancelButton).toBeDisabled({ timeout });
  }
}

export class PresetsPanel {
  constructor(private readonly page: Page) {}
  get root(): Locator {
    return this.page.getByTestId('presets');
  }
  async save(name: string) {
    await this.root.getByLabel('Preset name').fill(name);
    await this.root.getByRole('button', { name: 'Save preset' }).click();
  }
  get names(): Locator {
    return this.root.locator('.preset-name');
  }
  button(action: 'Load' | 'Rename' | 'Delete', name: string): Locator {
    return this.root.getByRole('button', { name: `${action} preset ${name}`, exact: true });
  }
  get error(): Locator {
    return this.root.getByTestId('presets-error');
  }
  get notice(): Locator {
    return this.root.getByTestId('presets-notice');
  }
}
