// The Export tab on the demo pair at k = 64: every artifact is downloaded from the app and checked
// against what Node computes with the same inputs: masks against the core's selectTensor, the model,
// subnetwork and reports against the shared pipeline run in Node (the CLI's bytes), the ZIP parsed back,
// and "apply subnetwork" rebuilding the pruned model bit for bit.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { DEMO_DIR } from './pages/expected';
import { readStoredZip } from './pages/zip-read';
import { selectTensor } from '../src/core/ken';
import { runExport } from '../src/export/pipeline';
import { MemorySink } from '../src/export/sink';
import { openCheckpointFromFiles } from '../src/formats/checkpoint';
import { pairCheckpoints } from '../src/formats/pairing';
import { readTensorFloat32 } from '../src/formats/safetensors';

test.skip(() => test.info().project.name === 'webgpu', 'the export runs on the CPU in its own worker; covered on cpu-fallback');

async function openFolder(folder: string) {
  const files = readdirSync(folder).map((name) => ({ file: new Blob([readFileSync(join(folder, name))]), path: name }));
  return openCheckpointFromFiles(files, folder);
}

/** What the CLI writes for the demo pair at k = 64, computed here with the shared pipeline. */
async function expectedOutputs() {
  const pre = await openFolder(join(DEMO_DIR, 'pretrained'));
  const fine = await openFolder(join(DEMO_DIR, 'finetuned'));
  const pairs = pairCheckpoints(pre, fine);
  const sinks = { model: new MemorySink(), subnetwork: new MemorySink() };
  const report = await runExport(
    {
      pairs,
      fineOrder: [...fine.tensors.keys()],
      pretrainedLabel: 'pre',
      finetunedLabel: 'fine',
      modelMetadata: { format: 'pt' },
      inlineFiles: { 'config.json': readFileSync(join(DEMO_DIR, 'finetuned', 'config.json'), 'utf8') },
    },
    { settings: { k: 64, scope: { kind: 'all' }, rule: 'ken', backend: 'node' }, sinks },
  );
  return { pairs, report, model: sinks.model.bytes(), subnetwork: sinks.subnetwork.bytes() };
}

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId(testId).click()]);
  const path = await file.path();
  await expect(page.getByTestId('export-status')).toHaveAttribute('data-state', 'done');
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}

function safetensorsTensors(file: Uint8Array): Map<string, { dtype: string; shape: number[]; bytes: Uint8Array }> {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { dtype: string; shape: number[]; bytes: Uint8Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    out.set(name, { dtype: entry.dtype, shape: entry.shape, bytes: file.subarray(8 + headerLength + entry.data_offsets[0], 8 + headerLength + entry.data_offsets[1]) });
  }
  return out;
}

test('downloads masks, subnetwork, model ZIP and reports at k = 64, and rebuilds the model from the subnetwork', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const app = new AppPage(page);
  await app.open('?k=64');
  await app.waitForDone(64);
  await app.tab('export').click();
  await expect(page.getByTestId('view-export')).toBeVisible();
  const expected = await expectedOutputs();
  // Before the subnetwork is written its size is only an upper estimate, and says so.
  await expect(page.getByTestId('subnetwork-size')).toHaveAttribute('data-exact', 'false');
  await expect(page.getByTestId('subnetwork-size')).toContainText('at most');

  const masks = await download(page, 'export-masks');
  expect(masks.name).toBe('masks-k64.safetensors');
  const maskTensors = safetensorsTensors(masks.bytes);
  let prunedCount = 0;
  for (const pair of expected.pairs) {
    if (pair.status !== 'pruned' || !pair.finetuned) continue;
    prunedCount++;
    const selection = selectTensor(await readTensorFloat32(pair.finetuned), pair.rows, pair.cols, 64);
    const mask = maskTensors.get(pair.name);
    expect(mask?.dtype, pair.name).toBe('U8');
    let mismatches = 0;
    let ones = 0;
    for (let i = 0; i < mask!.bytes.length; i++) {
      const bit = (selection.maskBits[i >> 3] >> (i & 7)) & 1;
      if (mask!.bytes[i] !== bit) mismatches++;
      ones += mask!.bytes[i];
    }
    expect(mismatches, pair.name).toBe(0);
    expect(ones, pair.name).toBe(selection.keptCount);
  }
  expect(maskTensors.size).toBe(prunedCount);

  const subnetwork = await download(page, 'export-subnetwork');
  expect(subnetwork.name).toBe('subnetwork-k64.safetensors');
  expect(Buffer.compare(subnetwork.bytes, expected.subnetwork)).toBe(0);
  await expect(page.getByTestId('subnetwork-size')).toContainText(/MB|kB/);
  await expect(page.getByTestId('export-sizes')).toContainText('% of the fine-tuned checkpoint');
  await expect(page.getByTestId('subnetwork-size')).toHaveAttribute('data-exact', 'true');
  await expect(page.getByTestId('written-subnetwork')).toHaveAttribute('data-bytes', String(subnetwork.bytes.length));
  await expect(page.getByTestId('export-status')).toContainText('saved subnetwork-k64.safetensors');

  const zip = await download(page, 'export-model');
  expect(zip.name).toBe('kenviz-pruned-k64.zip');
  const entries = readStoredZip(zip.bytes);
  expect(Buffer.compare(entries.get('model.safetensors')!, expected.model)).toBe(0);
  expect(new TextDecoder().decode(entries.get('config.json'))).toBe(readFileSync(join(DEMO_DIR, 'finetuned', 'config.json'), 'utf8'));
  expect(entries.has('vocab.txt')).toBe(true);

  const reportJson = await download(page, 'export-report-json');
  const report = JSON.parse(new TextDecoder().decode(reportJson.bytes)) as typeof expected.report;
  expect(report.k).toBe(64);
  expect(report.totals.keptInPruned).toBe(expected.report.totals.keptInPruned);
  expect(report.tensors.map((t) => [t.name, t.kept])).toEqual(expected.report.tensors.map((t) => [t.name, t.kept]));
  const reportCsv = await download(page, 'export-report-csv');
  const lines = new TextDecoder().decode(reportCsv.bytes).trim().split('\n');
  expect(lines.length).toBe(expected.report.tensors.length + 2);
  expect(lines[lines.length - 1]).toContain(String(expected.report.totals.keptInPruned));

  // Apply: the downloaded subnetwork + the loaded pre-trained checkpoint -> the same pruned model.
  const [applied] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByTestId('apply-subnetwork-input').setInputFiles({ name: 'subnetwork-k64.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(subnetwork.bytes) }),
  ]);
  const appliedEntries = readStoredZip(new Uint8Array(readFileSync(await applied.path())));
  expect(Buffer.compare(appliedEntries.get('model.safetensors')!, expected.model)).toBe(0);

  // A damaged subnetwork is refused with a message naming the file.
  const damaged = Buffer.from(subnetwork.bytes.subarray(0, subnetwork.bytes.length - 64));
  await page.getByTestId('apply-subnetwork-input').setInputFiles({ name: 'damaged.safetensors', mimeType: 'application/octet-stream', buffer: damaged });
  await expect(page.getByTestId('export-status')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('export-status')).toContainText('damaged.safetensors');
  expect(errors).toEqual([]);
});
