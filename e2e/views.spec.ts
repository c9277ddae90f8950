// The model, matrix and neuron views on the demo pair, checked against numbers computed here in Node
// from the demo safetensors with src/formats and src/core (independently of the app's worker).
import { test, expect, type Page, type TestInfo } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeFileSource } from '../src/formats/node/file-source';
import { openSafetensors, readTensorFloat32 } from '../src/formats/safetensors';
import { kenRowDetails } from '../src/core/ken';
import { expectedTensorCounts } from './pages/expected';

const DEMO = join(process.cwd(), 'public/demo');
const K = 16;
const TENSOR = 'bert.encoder.layer.1.attention.self.query.weight';

async function readDemoTensor(side: 'pretrained' | 'finetuned', name: string): Promise<Float32Array> {
  const tensors = await openSafetensors(await nodeFileSource(join(DEMO, side, 'model.safetensors')));
  const info = tensors.get(name);
  if (!info) throw new Error(`${name} is not in the demo ${side} checkpoint`);
  return readTensorFloat32(info);
}

/** Kept count of one row by the core's reference KEN, run here in Node. */
function keptCountOfRow(fine: Float32Array, cols: number, rowIndex: number, k: number): number {
  return kenRowDetails(fine.slice(rowIndex * cols, (rowIndex + 1) * cols), k).keptCount;
}

async function waitForRun(page: Page, k: number) {
  await expect(page.getByTestId('ken-status')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('ken-status')).toHaveAttribute('data-k', String(k));
}

async function snap(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('model view: one cell per tensor, kept fractions equal the core on the demo pair', async ({ page }, testInfo) => {
  await page.goto(`/?view=model&k=${K}`);
  await waitForRun(page, K);
  const view = page.getByTestId('view-model');
  await expect(view).toBeVisible();
  // 4 layers x 16 matrix types, plus the 9 tensors without a layer (embeddings, pooler, classifier, ...).
  const cells = view.getByTestId('model-cell');
  await expect(cells).toHaveCount(4 * 16 + (await countNonLayerTensors()));
  const fine = await readDemoTensor('finetuned', TENSOR);
  let kept = 0;
  for (let r = 0; r < 128; r++) kept += keptCountOfRow(fine, 128, r, K);
  const cell = view.locator(`[data-testid="model-cell"][data-name="${TENSOR}"]`);
  await expect(cell).toHaveAttribute('data-state', 'kept');
  expect(Number(await cell.getAttribute('data-kept-fraction'))).toBe(kept / (128 * 128));
  // The classifier is new in the fine-tuned checkpoint: marked as kept whole, not coloured by a fraction.
  await expect(view.locator('[data-testid="model-cell"][data-name="classifier.weight"]')).toHaveAttribute('data-state', 'kept-whole');
  // The counts line explains why the run's progress counts fewer tensors than the pair lists.
  const counts = await expectedTensorCounts();
  await expect(view.getByTestId('model-counts')).toHaveAttribute('data-in-run', String(counts.inRun));
  await expect(view.getByTestId('model-counts')).toContainText(`${counts.all} tensors: ${counts.pruned} pruned, ${counts.inRun - counts.pruned} kept whole`);
  // The masked-LM head exists only in the pre-trained checkpoint: said in those words, not as "not pruned".
  await view.locator('[data-testid="model-cell"][data-name="cls.predictions.bias"]').hover();
  await expect(page.getByTestId('model-details')).toContainText('only in pre-trained (not in the fine-tuned model)');
  await cell.hover();
  await expect(page.getByTestId('model-details-kept')).toHaveText(new RegExp(`^${kept} of ${128 * 128} `));
  await snap(page, testInfo, 'model-view');

  const download = page.waitForEvent('download');
  await view.getByTestId('export-svg').click();
  const svg = await readFile(await (await download).path());
  expect(svg.toString('utf8')).toContain('<svg');

  await cell.click();
  await expect(page.getByTestId('tab-matrix')).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(new RegExp(`view=matrix&tensor=${TENSOR.replace(/\./g, '\\.')}`));
});

async function countNonLayerTensors(): Promise<number> {
  const header = await openSafetensors(await nodeFileSource(join(DEMO, 'finetuned', 'model.safetensors')));
  const pre = await openSafetensors(await nodeFileSource(join(DEMO, 'pretrained', 'model.safetensors')));
  // The pair table lists the union of both checkpoints; names without a layer index form their own band.
  const names = new Set([...header.keys(), ...pre.keys()].map((n) => n.replace(/^bert\./, '')));
  return [...names].filter((n) => !/\.layer\.\d+\./.test(n)).length;
}

test('matrix view: the hovered cell reads the demo safetensors, modes and zoom work', async ({ page }, testInfo) => {
  await page.goto(`/?view=matrix&tensor=${TENSOR}&k=${K}`);
  await waitForRun(page, K);
  const view = page.getByTestId('view-matrix');
  await expect(view).toHaveAttribute('data-state', 'ready');
  await expect(view).toHaveAttribute('data-k', String(K));
  await expect(page.getByTestId('matrix-row-meaning')).toContainText("output neuron i's incoming weights");
  const canvas = page.getByTestId('matrix-canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('matrix canvas has no box');
  // A point inside the plot area, which the canvas reports as left,top,width,height.
  const [plotLeft, plotTop, plotW, plotH] = ((await canvas.getAttribute('data-plot')) ?? '').split(',').map(Number);
  const at = { x: box.x + plotLeft + 0.37 * plotW, y: box.y + plotTop + 0.43 * plotH };
  await page.mouse.move(at.x, at.y);
  const readout = page.getByTestId('matrix-readout');
  await expect(readout).toBeVisible();
  const rowIndex = Number(await page.getByTestId('readout-row').textContent());
  const colIndex = Number(await page.getByTestId('readout-col').textContent());
  const fine = await readDemoTensor('finetuned', TENSOR);
  const pre = await readDemoTensor('pretrained', TENSOR);
  const i = rowIndex * 128 + colIndex;
  expect(Number(await page.getByTestId('readout-finetuned').getAttribute('data-value'))).toBe(fine[i]);
  expect(Number(await page.getByTestId('readout-pretrained').getAttribute('data-value'))).toBe(pre[i]);
  const details = kenRowDetails(fine.slice(rowIndex * 128, (rowIndex + 1) * 128), K);
  await expect(page.getByTestId('readout-kept')).toHaveAttribute('data-value', String(details.keep[colIndex]));
  await snap(page, testInfo, 'matrix-view-mask');

  for (const mode of ['kept-values', 'delta', 'neighbours'] as const) {
    await view.getByTestId(`matrix-mode-${mode}`).click();
    await expect(page).toHaveURL(new RegExp(`mode=${mode}`));
    await snap(page, testInfo, `matrix-view-${mode}`);
  }
  await view.getByTestId('matrix-mode-diff').click();
  await expect(view).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('matrix-legend')).toContainText('only k = 16');
  // Beside the plot, not below a 600 px matrix where nobody sees it.
  await expect(page.getByTestId('matrix-legend')).toBeInViewport();
  await snap(page, testInfo, 'matrix-view-diff');

  // Wheel zoom keeps the cell under the pointer; the readout names the same cell afterwards.
  await page.mouse.move(at.x, at.y);
  await page.mouse.wheel(0, -600);
  await expect(page.getByTestId('readout-row')).toHaveText(String(rowIndex));
  await expect(page.getByTestId('readout-col')).toHaveText(String(colIndex));
  await snap(page, testInfo, 'matrix-view-zoomed');

  // A click selects the row: the neuron view opens on it with Enter.
  await page.mouse.click(at.x, at.y);
  await expect(page).toHaveURL(new RegExp(`row=${rowIndex}`));
  const download = page.waitForEvent('download');
  await view.getByTestId('export-png').click();
  const png = await readFile(await (await download).path());
  expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tab-neuron')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('neuron-row')).toHaveValue(String(rowIndex));
  await expect(page.getByTestId('neuron-kept-count')).toHaveAttribute('data-value', String(details.keptCount));
});

test('matrix view: a 6000 x 128 embedding is painted from block aggregates and still reads exact cells', async ({ page }, testInfo) => {
  const name = 'bert.embeddings.word_embeddings.weight';
  await page.goto(`/?view=matrix&tensor=${name}&k=${K}&mode=delta`);
  await waitForRun(page, K);
  const view = page.getByTestId('view-matrix');
  await expect(view).toHaveAttribute('data-state', 'ready');
  await expect(view).toContainText('block aggregates');
  await expect(page.getByTestId('matrix-row-meaning')).toContainText("one token's (or position's) vector");
  const canvas = page.getByTestId('matrix-canvas');
  const [plotLeft, plotTop, plotW, plotH] = ((await canvas.getAttribute('data-plot')) ?? '').split(',').map(Number);
  // hover() scrolls the canvas into view first: the lower rows lie below the fold.
  await canvas.hover({ position: { x: plotLeft + 0.61 * plotW, y: plotTop + 0.77 * plotH } });
  const rowIndex = Number(await page.getByTestId('readout-row').textContent());
  const colIndex = Number(await page.getByTestId('readout-col').textContent());
  expect(rowIndex).toBeGreaterThan(4000);
  const fine = await readDemoTensor('finetuned', name);
  const pre = await readDemoTensor('pretrained', name);
  expect(Number(await page.getByTestId('readout-finetuned').getAttribute('data-value'))).toBe(fine[rowIndex * 128 + colIndex]);
  expect(Number(await page.getByTestId('readout-pretrained').getAttribute('data-value'))).toBe(pre[rowIndex * 128 + colIndex]);
  const keep = kenRowDetails(fine.slice(rowIndex * 128, (rowIndex + 1) * 128), K).keep[colIndex];
  await expect(page.getByTestId('readout-kept')).toHaveAttribute('data-value', String(keep));
  await snap(page, testInfo, 'matrix-view-embedding-delta');
});

test('neuron view: restored from the URL, kept count equals the core, stepper replays the matching', async ({ page }, testInfo) => {
  const name = 'bert.encoder.layer.0.intermediate.dense.weight';
  const rowIndex = 37;
  await page.goto(`/?view=neuron&tensor=${name}&row=${rowIndex}&k=${K}`);
  await waitForRun(page, K);
  await expect(page.getByTestId('tab-neuron')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('neuron-row')).toHaveValue(String(rowIndex));
  const fine = await readDemoTensor('finetuned', name);
  const details = kenRowDetails(fine.slice(rowIndex * 128, (rowIndex + 1) * 128), K);
  await expect(page.getByTestId('neuron-kept-count')).toHaveAttribute('data-value', String(details.keptCount));
  await expect(page.getByTestId('step-label')).toHaveText(`step ${K} / ${K}`);
  await snap(page, testInfo, 'neuron-view');

  await page.getByTestId('step-first').click();
  await page.getByTestId('step-next').click();
  await page.getByTestId('step-next').click();
  await expect(page.getByTestId('step-label')).toHaveText(`step 2 / ${K}`);
  // Step 2 takes the entry the core's greedy matching took second, at the grid point visited second.
  await expect(page.getByTestId('step-text')).toContainText(`grid point g${details.visitOrder[1]} `);
  await expect(page.getByTestId('step-text')).toContainText(`takes entry ${details.takenIndices[1]} `);
  await snap(page, testInfo, 'neuron-view-step2');

  // Down arrow moves to the next row, and the count follows the core again.
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('neuron-row')).toHaveValue(String(rowIndex + 1));
  await expect(page).toHaveURL(new RegExp(`row=${rowIndex + 1}`));
  const next = kenRowDetails(fine.slice((rowIndex + 1) * 128, (rowIndex + 2) * 128), K);
  await expect(page.getByTestId('neuron-kept-count')).toHaveAttribute('data-value', String(next.keptCount));

  // A new k: the view shows the k = 8 row once computed, never the k = 16 one under the new label.
  await page.getByTestId('k-input').fill('8');
  await expect(page.getByTestId('step-label')).toHaveText('step 8 / 8');
  const at8 = kenRowDetails(fine.slice((rowIndex + 1) * 128, (rowIndex + 2) * 128), 8);
  await expect(page.getByTestId('neuron-kept-count')).toHaveAttribute('data-value', String(at8.keptCount));
  await expect(page).toHaveURL(/k=8/);

  const download = page.waitForEvent('download');
  await page.getByTestId('view-neuron').getByTestId('export-svg').click();
  expect((await readFile(await (await download).path())).toString('utf8')).toContain('neuron-figure');
});
