// The app opens on the demo pair and runs KEN at k = 64 by itself; the status reports exactly what the
// pure core computes for that pair in Node, on WebGPU (webgpu project) and on the CPU pool (cpu-fallback).
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { expectedTotals } from './pages/expected';
import { formatCount, formatPercent } from '../src/views/shell/format';

const isWebgpuProject = () => test.info().project.name === 'webgpu';

test('opens on the demo pair and reports the kept count the core computes at k = 64', async ({ page }) => {
  const app = new AppPage(page);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // WebGPU must be forced on the webgpu project so a silent fallback to the CPU cannot pass.
  await app.open(isWebgpuProject() ? '?backend=webgpu' : '');
  await expect(page.getByTestId('tab-model')).toBeVisible();
  const status = await app.waitForDone(64);
  const expected = await expectedTotals(64);
  expect({ kept: status.kept, total: status.total }).toEqual(expected);
  expect(status.backend).toBe(isWebgpuProject() ? 'webgpu' : 'cpu');
  expect(status.elapsedMs).toBeGreaterThan(0);
  expect(status.text).toContain(`k = 64 on ${formatCount(expected.total)} parameters: ${formatPercent(expected.kept / expected.total)} kept`);
  expect(status.text).toContain(isWebgpuProject() ? 'on WebGPU' : 'on CPU');
  expect(errors).toEqual([]);
});

test.describe('shell interactions', () => {
  // UI behaviour does not depend on the backend; SwiftShader time is spent on the smoke test only.
  test.skip(() => isWebgpuProject(), 'covered on cpu-fallback');

  test('every view has a tab that shows it', async ({ page }) => {
    const app = new AppPage(page);
    await app.open();
    await app.waitForDone(64);
    for (const view of ['pair', 'model', 'matrix', 'neuron', 'compare', 'export', 'eval'] as const) {
      await app.tab(view).click();
      await expect(app.tab(view)).toHaveAttribute('aria-selected', 'true');
      await expect(page.locator('#view-panel')).toHaveAttribute('aria-labelledby', `tab-${view}`);
    }
  });

  test('the pair table lists every tensor with its status and kept share; a click opens it in Matrix', async ({ page }) => {
    const app = new AppPage(page);
    await app.open();
    await app.waitForDone(64);
    await app.tab('pair').click();
    const rows = app.pairTable.locator('tbody tr');
    // 73 fine-tuned tensors + the ones only in the pre-trained checkpoint.
    await expect(rows).not.toHaveCount(0);
    await expect(app.pairRow('classifier.weight')).toHaveAttribute('data-status', 'new');
    await expect(app.pairRow('classifier.weight').getByTestId('kept-cell')).toHaveText('100.0%');
    const query = app.pairRow('bert.encoder.layer.0.attention.self.query.weight');
    await expect(query).toHaveAttribute('data-status', 'pruned');
    await expect(query.getByTestId('kept-cell')).toHaveText(/^\d+\.\d%$/);
    const { kept, total } = await expectedTotals(64);
    await expect(page.getByTestId('kept-total')).toHaveText(formatPercent(kept / total));
    await query.click();
    await expect(app.tab('matrix')).toHaveAttribute('aria-selected', 'true');
    await app.tab('pair').click();
    await expect(query).toHaveClass(/selected/);
  });

  test('changing k re-runs KEN and the newest k wins; an invalid k shows why and runs nothing', async ({ page }) => {
    const app = new AppPage(page);
    await app.open();
    await app.waitForDone(64);
    await app.setK(8);
    await app.setK(16);
    const status = await app.waitForDone(16);
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(16));
    await app.setK(0);
    await expect(app.kProblem).toContainText('k must be a whole number of at least 1');
    await expect(app.kInput).toHaveAttribute('aria-invalid', 'true');
    await expect(app.status).toHaveAttribute('data-state', 'done');
    await expect(app.status).toHaveAttribute('data-k', '16');
    await app.setK('2.5');
    await expect(app.kProblem).toBeVisible();
    await app.setK(16);
    await expect(app.kProblem).toHaveCount(0);
  });

  test('a run can be cancelled and the app stays usable', async ({ page }) => {
    const app = new AppPage(page);
    await app.open();
    await app.waitForDone(64);
    await app.setK(768);
    await expect(app.status).toHaveAttribute('data-state', 'running');
    await page.getByTestId('ken-cancel').click();
    await app.expectState('idle');
    await app.setK(32);
    const status = await app.waitForDone(32);
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(32));
  });

  test('forcing WebGPU where there is none says so instead of failing silently', async ({ page }) => {
    const app = new AppPage(page);
    await app.open('?backend=webgpu');
    await app.expectState('error');
    await expect(app.error).toContainText(/WebGPU/i);
  });
});
