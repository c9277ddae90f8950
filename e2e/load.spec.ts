// Loading pairs: files, a folder, URL fields, URL parameters, and bad inputs that must name the file
// and leave the previous pair usable. Small k values keep the runs short: loading is under test here.
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { LoadPanelPage } from './pages/LoadPanelPage';
import { DEMO_DIR, expectedTotals } from './pages/expected';

const demoFiles = (side: 'pretrained' | 'finetuned') =>
  ['model.safetensors', 'config.json', 'vocab.txt'].map((name) => join(DEMO_DIR, side, name));

test('URL parameters load a pair, set k and run on open', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('?pretrained=/demo/pretrained/&finetuned=/demo/finetuned/model.safetensors&k=5');
  const status = await app.waitForDone(5);
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(5));
  await expect(page.getByTestId('pair-labels')).toContainText('/demo/finetuned/model.safetensors');
});

test('a URL parameter that does not load says which URL failed, and the demo pair is one click away', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  await app.open('?pretrained=/demo/nowhere/model.safetensors&finetuned=/demo/finetuned/&k=2');
  await app.expectState('error');
  await expect(app.error).toContainText('/demo/nowhere/model.safetensors');
  await expect(load.demoButton).toBeVisible();
  await load.demoButton.click();
  const status = await app.waitForDone(2);
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(2));
});

test.describe('with the demo pair open', () => {
  test.beforeEach(async ({ page }) => {
    const app = new AppPage(page);
    await app.open('?k=2');
    await app.waitForDone(2);
  });

  test('files from the file chooser, a folder from the folder chooser, and dropped files load and run', async ({ page }) => {
    const app = new AppPage(page);
    const load = new LoadPanelPage(page);
    const expected = await expectedTotals(2);
    let before = await app.snapshot();
    await load.chooseFiles('pretrained', demoFiles('pretrained'));
    await load.chooseFiles('finetuned', demoFiles('finetuned'));
    await expect(load.picked('pretrained')).toHaveText('model.safetensors + 2 files');
    await load.loadButton.click();
    let status = await app.waitForDone(2, { minPairVersion: before.pairVersion + 1 });
    expect({ kept: status.kept, total: status.total }).toEqual(expected);

    before = status;
    await load.chooseFolder('pretrained', join(DEMO_DIR, 'pretrained'));
    await load.chooseFolder('finetuned', join(DEMO_DIR, 'finetuned'));
    await expect(load.picked('finetuned')).toContainText('finetuned/');
    await load.loadButton.click();
    status = await app.waitForDone(2, { minPairVersion: before.pairVersion + 1 });
    expect({ kept: status.kept, total: status.total }).toEqual(expected);

    before = status;
    await load.dropFromServer('pretrained', ['/demo/pretrained/model.safetensors', '/demo/pretrained/config.json']);
    await load.dropFromServer('finetuned', ['/demo/finetuned/model.safetensors', '/demo/finetuned/config.json']);
    await expect(load.picked('pretrained')).toHaveText('model.safetensors + 1 file');
    await load.loadButton.click();
    status = await app.waitForDone(2, { minPairVersion: before.pairVersion + 1 });
    expect({ kept: status.kept, total: status.total }).toEqual(expected);
  });

  test('URL fields load a pair from the server', async ({ page }) => {
    const app = new AppPage(page);
    const load = new LoadPanelPage(page);
    const before = await app.snapshot();
    await load.fillUrl('pretrained', '/demo/pretrained/model.safetensors');
    await expect(page.getByTestId('load-hint')).toHaveText('Choose the fine-tuned checkpoint');
    await load.fillUrl('finetuned', '/demo/finetuned/');
    await expect(page.getByTestId('load-hint')).toHaveCount(0);
    // Enter in a URL field loads the pair, like the button.
    await page.getByTestId('finetuned-url').press('Enter');
    const status = await app.waitForDone(2, { minPairVersion: before.pairVersion + 1 });
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(2));
  });

  test('bad inputs show an error naming the file or URL; the previous pair keeps working', async ({ page }) => {
    const app = new AppPage(page);
    const load = new LoadPanelPage(page);
    const before = await app.snapshot();
    const badInputs = [
      { name: 'broken.safetensors', buffer: Buffer.from('{"not": "safetensors"}') },
      // A plausible header length with the header cut short.
      { name: 'truncated.safetensors', buffer: Buffer.concat([Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]) },
      { name: 'pytorch_model.bin', buffer: Buffer.from('PK\u0003\u0004') },
    ];
    await load.chooseFiles('finetuned', demoFiles('finetuned'));
    for (const bad of badInputs) {
      await load.chooseFiles('pretrained', { ...bad, mimeType: 'application/octet-stream' });
      await load.loadButton.click();
      await app.expectState('error');
      await expect(app.error).toContainText(bad.name);
      // Back to a known state so the next bad input's error is its own.
      await app.setK(3);
      await app.waitForDone(3);
      await app.setK(2);
      await app.waitForDone(2);
    }
    await load.fillUrl('pretrained', '/demo/missing/model.safetensors');
    await load.fillUrl('finetuned', '/demo/finetuned/model.safetensors');
    await load.loadButton.click();
    await app.expectState('error');
    await expect(app.error).toContainText('/demo/missing/model.safetensors');
    // The demo pair is still the open one, and it still runs.
    expect((await app.snapshot()).pairVersion).toBe(before.pairVersion);
    await app.setK(3);
    const status = await app.waitForDone(3);
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(3));
  });
});
