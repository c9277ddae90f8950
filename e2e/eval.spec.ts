// The Evaluate tab on the demo pair, in the browser: the fine-tuned model's accuracy and a small KEN
// sweep must show the numbers of test/fixtures/tiny-bert/README.md (computed there with PyTorch).
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './pages/AppPage';

async function openEvalTab(page: Page): Promise<AppPage> {
  const app = new AppPage(page);
  // A small k keeps the app's own startup KEN run short; evaluation is independent of it.
  await app.open('?k=8');
  await app.waitForDone(8);
  await app.tab('eval').click();
  await expect(page.getByTestId('eval-dataset-info')).toHaveAttribute('data-rows', '717');
  return app;
}

const status = (page: Page) => page.getByTestId('eval-status');

test('evaluates the fine-tuned demo model (87.03%) and a KEN sweep matching the README', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await openEvalTab(page);
  await expect(page.getByTestId('eval-dataset-info')).toContainText('0 = games, 1 = science, 2 = sound');

  await page.getByTestId('eval-finetuned').click();
  await expect(status(page)).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  const finetuned = page.getByTestId('eval-row-finetuned');
  await expect(finetuned.getByTestId('eval-accuracy')).toHaveText('87.03%');
  await expect(finetuned).toHaveAttribute('data-correct', '624');
  await expect(finetuned).toHaveAttribute('data-total', '717');
  // 'auto' runs on WASM here: cpu-fallback has no WebGPU, and the webgpu project's SwiftShader adapter is
  // software, which auto skips (eval.webgpu.spec.ts forces WebGPU).
  await expect(status(page)).toHaveAttribute('data-backend', 'wasm');
  // The reason follows in parentheses without naming the backend twice ("Done on wasm (…)").
  await expect(status(page)).toHaveText(/^Done on wasm( \((?!wasm)[^)]*\))?\.$/);

  await page.getByTestId('eval-ks').fill('64, 8');
  await page.getByTestId('eval-sweep').click();
  await expect(status(page)).toHaveAttribute('data-state', 'running');
  await expect(status(page)).toHaveAttribute('data-state', 'done', { timeout: 400_000 });
  const k8 = page.getByTestId('eval-row-k-8');
  const k64 = page.getByTestId('eval-row-k-64');
  await expect(k8.getByTestId('eval-accuracy')).toHaveText('41.14%');
  await expect(k8.getByTestId('eval-kept')).toHaveText('5.47%');
  await expect(k64.getByTestId('eval-accuracy')).toHaveText('66.11%');
  await expect(k64.getByTestId('eval-kept')).toHaveText('43.72%');
  await expect(k64).toHaveAttribute('data-correct', '474');

  // The figure: one point per k at (kept fraction, accuracy) and the fine-tuned reference line.
  const chart = page.getByTestId('eval-chart');
  await expect(chart.getByTestId('eval-chart-point-64')).toHaveAttribute('data-accuracy', (474 / 717).toFixed(6));
  await expect(chart.getByTestId('eval-chart-point-8')).toHaveAttribute('data-accuracy', (295 / 717).toFixed(6));
  await expect(chart.getByTestId('eval-chart-finetuned')).toHaveAttribute('data-accuracy', (624 / 717).toFixed(6));
  expect(errors).toEqual([]);
});

test.describe('input and control', () => {
  test.skip(() => test.info().project.name === 'webgpu', 'backend-independent; covered on cpu-fallback');

  test('a malformed TSV is refused with the file and line named; a good one replaces the set', async ({ page }) => {
    await openEvalTab(page);
    await page.getByTestId('eval-file').setInputFiles({ name: 'mine.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from('a fine sentence\t0\nno label on this line\n') });
    await expect(page.getByTestId('eval-dataset-error')).toHaveText('mine.tsv, line 2: expected 2 tab-separated fields (sentence, label), found 1');
    await expect(page.getByTestId('eval-finetuned')).toBeDisabled();
    await page.getByTestId('eval-file').setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from('sentence,label\n"chess engine, with ""opening book""",games\nsynthesizer,sound\n') });
    await expect(page.getByTestId('eval-dataset-info')).toHaveAttribute('data-rows', '2');
    await expect(page.getByTestId('eval-dataset-error')).toHaveCount(0);
  });

  test('a sweep can be cancelled; an invalid k list is explained', async ({ page }) => {
    test.setTimeout(300_000);
    await openEvalTab(page);
    await page.getByTestId('eval-ks').fill('8, x');
    await page.getByTestId('eval-sweep').click();
    await expect(page.getByTestId('eval-error')).toHaveText('Sweep ks: "x" is not a whole number >= 1');
    await page.getByTestId('eval-ks').fill('8, 16, 32, 64, 96, 128');
    await page.getByTestId('eval-sweep').click();
    await expect(page.getByTestId('eval-progress')).toBeVisible({ timeout: 120_000 });
    await page.getByTestId('eval-cancel').click();
    await expect(status(page)).toHaveAttribute('data-state', 'idle', { timeout: 120_000 });
    await expect(status(page)).toHaveText('Cancelled.');
    await expect(page.getByTestId('eval-row-k-128')).toHaveCount(0);
  });
});
