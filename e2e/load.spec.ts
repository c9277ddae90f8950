// Loading pairs: files, a folder, URL fields, URL parameters, and bad inputs that must name the file
// and leave the previous pair usable.
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { LoadPanelPage } from './pages/LoadPanelPage';
import { DEMO_DIR, expectedTotals } from './pages/expected';

const demoFiles = (side: 'pretrained' | 'finetuned') =>
  ['model.safetensors', 'config.json', 'vocab.txt'].map((name) => join(DEMO_DIR, side, name));

test.beforeEach(async ({ page }) => {
  const app = new AppPage(page);
  await app.open('?k=32');
  await app.waitForDone(32);
});

test('files picked with the file chooser load and run', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  const before = await app.snapshot();
  await load.chooseFiles('pretrained', demoFiles('pretrained'));
  await load.chooseFiles('finetuned', demoFiles('finetuned'));
  await expect(load.picked('pretrained')).toHaveText('3 files');
  await load.loadButton.click();
  const status = await app.waitForDone(32, { minPairVersion: before.pairVersion + 1 });
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(32));
});

test('a folder picked with the folder chooser loads and runs', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  const before = await app.snapshot();
  await load.chooseFolder('pretrained', join(DEMO_DIR, 'pretrained'));
  await load.chooseFolder('finetuned', join(DEMO_DIR, 'finetuned'));
  await expect(load.picked('finetuned')).toContainText('finetuned/');
  await load.loadButton.click();
  const status = await app.waitForDone(32, { minPairVersion: before.pairVersion + 1 });
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(32));
});

test('URL fields load a pair from the server (single files)', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  const before = await app.snapshot();
  await load.fillUrl('pretrained', '/demo/pretrained/model.safetensors');
  await load.fillUrl('finetuned', '/demo/finetuned/model.safetensors');
  await load.loadButton.click();
  const status = await app.waitForDone(32, { minPairVersion: before.pairVersion + 1 });
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(32));
});

test('URL parameters load, set k and run on open', async ({ page }) => {
  const app = new AppPage(page);
  await app.open('?pretrained=/demo/pretrained/&finetuned=/demo/finetuned/model.safetensors&k=5');
  const status = await app.waitForDone(5);
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(5));
  await expect(page.getByTestId('pair-labels')).toContainText('/demo/finetuned/model.safetensors');
});

test('a file that is not safetensors shows an error naming it; the previous pair keeps working', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  const before = await app.snapshot();
  await load.chooseFiles('pretrained', { name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('{"not": "safetensors"}') });
  await load.chooseFiles('finetuned', demoFiles('finetuned'));
  await load.loadButton.click();
  await app.expectState('error');
  await expect(app.error).toContainText('broken.safetensors');
  expect((await app.snapshot()).pairVersion).toBe(before.pairVersion);
  await app.setK(16);
  const status = await app.waitForDone(16);
  expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(16));
});

test('a file of another format is refused by name', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  await load.chooseFiles('pretrained', { name: 'pytorch_model.bin', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\u0003\u0004') });
  await load.chooseFiles('finetuned', demoFiles('finetuned'));
  await load.loadButton.click();
  await app.expectState('error');
  await expect(app.error).toContainText('pytorch_model.bin');
});

test('a URL that does not exist shows an error naming it', async ({ page }) => {
  const app = new AppPage(page);
  const load = new LoadPanelPage(page);
  const before = await app.snapshot();
  await load.fillUrl('pretrained', '/demo/missing/model.safetensors');
  await load.fillUrl('finetuned', '/demo/finetuned/model.safetensors');
  await load.loadButton.click();
  await app.expectState('error');
  await expect(app.error).toContainText('/demo/missing/model.safetensors');
  await load.demoButton.click();
  await app.waitForDone(32, { minPairVersion: before.pairVersion + 1 });
});
