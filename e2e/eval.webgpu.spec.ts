// The eval forward pass on tfjs's WebGPU backend (SwiftShader here), forced by the backend menu. SwiftShader
// runs it on the CPU slowly, so a 48-row slice of the demo set is used; the expected count of correct rows
// comes from the PyTorch reference predictions, not from another run of the app.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { parseReferenceLogits } from '../src/eval/reference';

const ROWS = 48;

test('WebGPU backend: the fine-tuned model on 48 demo rows matches the reference predictions', async ({ page }) => {
  test.skip(test.info().project.name !== 'webgpu', 'needs WebGPU');
  test.setTimeout(600_000);
  const lines = readFileSync('public/demo/eval.tsv', 'utf8').split('\n').slice(0, ROWS);
  const reference = parseReferenceLogits(readFileSync('test/fixtures/tiny-bert/eval_reference_logits.tsv', 'utf8')).slice(0, ROWS);
  const expectedCorrect = reference.filter((row, index) => row.predicted === Number(lines[index].split('\t')[1])).length;

  const app = new AppPage(page);
  await app.open('?k=8');
  await app.waitForDone(8);
  await app.tab('eval').click();
  await page.getByTestId('eval-file').setInputFiles({ name: 'slice.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(lines.join('\n')) });
  await expect(page.getByTestId('eval-dataset-info')).toHaveAttribute('data-rows', String(ROWS));
  await page.getByTestId('eval-backend').selectOption('webgpu');
  await page.getByTestId('eval-finetuned').click();
  const status = page.getByTestId('eval-status');
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 540_000 });
  await expect(status).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('eval-row-finetuned')).toHaveAttribute('data-correct', String(expectedCorrect));
  await expect(page.getByTestId('eval-row-finetuned')).toHaveAttribute('data-total', String(ROWS));
});
