// Page object for the app shell: the status line, the k control, tabs and the pair table.
// Every wait is on app state (data-* of the status element), never on time.
import { expect, type Locator, type Page } from '@playwright/test';

export type KenState = 'idle' | 'loading' | 'running' | 'done' | 'error';

export interface StatusSnapshot {
  state: string;
  backend: string;
  k: number;
  kept: number;
  total: number;
  elapsedMs: number;
  pairVersion: number;
  text: string;
}

export class AppPage {
  readonly status: Locator;
  readonly error: Locator;
  readonly kInput: Locator;
  readonly kSlider: Locator;
  readonly kProblem: Locator;
  readonly pairTable: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByTestId('ken-status');
    this.error = page.getByTestId('ken-error');
    this.kInput = page.getByTestId('k-input');
    this.kSlider = page.getByTestId('k-slider');
    this.kProblem = page.getByTestId('k-problem');
    this.pairTable = page.getByTestId('pair-table');
  }

  async open(query = ''): Promise<void> {
    await this.page.goto(`/${query}`);
  }

  async expectState(state: KenState): Promise<void> {
    await expect(this.status).toHaveAttribute('data-state', state);
  }

  /**
   * Waits until a run at k has finished: the status reports that k and state done. With minPairVersion,
   * first waits for a newer pair to be open, so the done state of the previous pair cannot pass for it.
   */
  async waitForDone(k: number, options: { minPairVersion?: number } = {}): Promise<StatusSnapshot> {
    const { minPairVersion } = options;
    if (minPairVersion !== undefined) {
      await expect
        .poll(async () => Number(await this.status.getAttribute('data-pair-version')), { timeout: 120_000 })
        .toBeGreaterThanOrEqual(minPairVersion);
    }
    await expect(this.status).toHaveAttribute('data-k', String(k));
    await expect(this.status).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
    return this.snapshot();
  }

  async snapshot(): Promise<StatusSnapshot> {
    const attr = async (name: string) => (await this.status.getAttribute(name)) ?? '';
    return {
      state: await attr('data-state'),
      backend: await attr('data-backend'),
      k: Number(await attr('data-k')),
      kept: Number(await attr('data-kept')),
      total: Number(await attr('data-total')),
      elapsedMs: Number(await attr('data-elapsed-ms')),
      pairVersion: Number(await attr('data-pair-version')),
      text: (await this.status.textContent()) ?? '',
    };
  }

  async setK(k: number | string): Promise<void> {
    await this.kInput.fill(String(k));
  }

  tab(view: 'pair' | 'model' | 'matrix' | 'neuron' | 'compare' | 'export' | 'eval'): Locator {
    return this.page.getByTestId(`tab-${view}`);
  }

  pairRow(tensorName: string): Locator {
    return this.pairTable.locator(`tr[data-tensor="${tensorName}"]`);
  }
}
