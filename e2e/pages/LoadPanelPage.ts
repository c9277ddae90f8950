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

  /** Picks files through the side's "Files…" chooser, as a person would. */
  async chooseFiles(side: Side, files: InputFiles): Promise<void> {
    const chooser = this.page.waitForEvent('filechooser');
    await this.page.getByTestId(`slot-${side}`).getByText('Files…').click();
    await (await chooser).setFiles(files);
  }

  /** Picks a whole folder through the side's folder input (webkitdirectory). */
  async chooseFolder(side: Side, folderPath: string): Promise<void> {
    await this.page.getByTestId(`${side}-folder`).setInputFiles(folderPath);
  }

  async fillUrl(side: Side, url: string): Promise<void> {
    await this.page.getByTestId(`${side}-url`).fill(url);
  }

  picked(side: Side): Locator {
    return this.page.getByTestId(`${side}-picked`);
  }
}
