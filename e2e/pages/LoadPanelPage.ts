// Page object for the load panel: per-side file/folder pickers and URL fields, Load and Load demo.
import type { Locator, Page } from '@playwright/test';

export type Side = 'pretrained' | 'finetuned';

type InputFiles = Parameters<Locator['setInputFiles']>[0];

export class LoadPanelPage {
  readonly loadButton: Locator;
  readonly demoButton: Locator;

  constructor(readonly page: Page) {
    this.loadButton = page.getByTestId('load-pair');
    this.demoButton = page.getByTestId('load-demo');
  }

  /** Expands the panel (it starts closed) unless it is open already. */
  async expand(): Promise<void> {
    const toggle = this.page.getByTestId('load-toggle');
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  }

  /** Picks files through the side's "Files…" chooser, as a person would. */
  async chooseFiles(side: Side, files: InputFiles): Promise<void> {
    await this.expand();
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByTestId(`slot-${side}`).getByText('Files…').click();
    await (await chooser).setFiles(files);
  }

  /** Picks a whole folder through the side's folder input (webkitdirectory). */
  async chooseFolder(side: Side, folderPath: string): Promise<void> {
    await this.expand();
    await this.page.getByTestId(`${side}-folder`).setInputFiles(folderPath);
  }

  /** Drops files onto the side's slot: the page fetches them from the server and drops them as a person would. */
  async dropFromServer(side: Side, urls: string[]): Promise<void> {
    await this.expand();
    const dataTransfer = await this.page.evaluateHandle(async (fileUrls) => {
      const transfer = new DataTransfer();
      for (const url of fileUrls) {
        // no-store: Chromium can assemble a truncated body from the cached Range reads the app made
        // of the same file (vite preview gzips whole responses but not ranges).
        const blob = await (await fetch(url, { cache: 'no-store' })).blob();
        transfer.items.add(new File([blob], url.slice(url.lastIndexOf('/') + 1)));
      }
      return transfer;
    }, urls);
    await this.page.getByTestId(`slot-${side}`).dispatchEvent('drop', { dataTransfer });
  }

  async fillUrl(side: Side, url: string): Promise<void> {
    await this.expand();
    await this.page.getByTestId(`${side}-url`).fill(url);
  }

  picked(side: Side): Locator {
    return this.page.getByTestId(`${side}-picked`);
  }
}
