// The app opens on the demo pair and runs KEN at k = 64 by itself; the status reports exactly what the
// pure core computes for that pair in Node, on WebGPU (webgpu project) and on the CPU pool (cpu-fallback).
import { expect, test } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { expectedBreakdown, expectedTotals } from './pages/expected';
import { formatCount, formatPercent } from '../src/views/shell/format';

const isWebgpuProject = () => test.info().project.name === 'webgpu';

test('opens on the demo pair and reports the kept count the core computes at k = 64', async ({ page }) => {
  // SwiftShader runs WebGPU on the CPU: the full demo run at k = 64 takes a while there.
  test.setTimeout(300_000);
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
  // The sentence leads with the pruned tensors' share; the 4 new tensors (pooler, classifier) are counted apart.
  const { prunedKept, prunedTotal } = await expectedBreakdown(64);
  expect(prunedTotal).toBe(1_577_984);
  await expect(app.status).toHaveAttribute('data-pruned-total', String(prunedTotal));
  await expect(app.status).toHaveAttribute('data-pruned-kept', String(prunedKept));
  expect(status.text).toContain(
    `k = 64 on ${formatCount(prunedTotal)} pruned parameters: ${formatPercent(prunedKept / prunedTotal)} kept ` +
      `(+${formatCount(expected.total - prunedTotal)} in 4 new tensors, kept whole)`,
  );
  expect(status.text).toContain(isWebgpuProject() ? 'on WebGPU' : 'on CPU');
  expect(errors).toEqual([]);
});

test.describe('shell interactions', () => {
  // UI behaviour does not depend on the backend; SwiftShader time is spent on the smoke test only.
  test.skip(() => isWebgpuProject(), 'covered on cpu-fallback');

  test('tabs switch views; the pair table lists every tensor with status and kept share, a click opens Matrix', async ({ page }) => {
    const app = new AppPage(page);
    // A small k keeps the run short: these checks are about the shell, not KEN's cost.
    await app.open('?k=4');
    await app.waitForDone(4);
    for (const view of ['model', 'matrix', 'neuron', 'compare', 'export', 'eval', 'pair'] as const) {
      await app.tab(view).click();
      await expect(app.tab(view)).toHaveAttribute('aria-selected', 'true');
      await expect(page.locator('#view-panel')).toHaveAttribute('aria-labelledby', `tab-${view}`);
    }
    await expect(app.pairRow('classifier.weight')).toHaveAttribute('data-status', 'new');
    await expect(app.pairRow('classifier.weight').getByTestId('kept-cell')).toHaveText('100.0%');
    const query = app.pairRow('bert.encoder.layer.0.attention.self.query.weight');
    await expect(query).toHaveAttribute('data-status', 'pruned');
    await expect(query.getByTestId('kept-cell')).toHaveText(/^\d+\.\d%$/);
    // The footer shows the same pruned share as the status line.
    const { prunedKept, prunedTotal } = await expectedBreakdown(4);
    await expect(page.getByTestId('kept-total')).toHaveText(formatPercent(prunedKept / prunedTotal));
    await query.click();
    await expect(app.tab('matrix')).toHaveAttribute('aria-selected', 'true');
    await app.tab('pair').click();
    await expect(query).toHaveClass(/selected/);
  });

  test('changing k re-runs KEN and the newest k wins; an invalid k shows why and runs nothing; Cancel stops a run', async ({ page }) => {
    const app = new AppPage(page);
    await app.open('?k=4');
    await app.waitForDone(4);
    await app.setK(2);
    await app.setK(3);
    let status = await app.waitForDone(3);
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(3));
    await app.setK(0);
    await expect(app.kProblem).toContainText('k must be a whole number of at least 1');
    await expect(app.kInput).toHaveAttribute('aria-invalid', 'true');
    await expect(app.status).toHaveAttribute('data-state', 'done');
    await expect(app.status).toHaveAttribute('data-k', '3');
    await app.setK('2.5');
    await expect(app.kProblem).toBeVisible();
    // A large k runs long enough to be cancelled.
    await app.setK(768);
    await expect(app.kProblem).toHaveCount(0);
    await expect(app.status).toHaveAttribute('data-state', 'running');
    await page.getByTestId('ken-cancel').click();
    await app.expectState('idle');
    await app.setK(2);
    status = await app.waitForDone(2);
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(2));
  });

  test('forcing WebGPU where there is none says so; choosing auto runs on the CPU pool', async ({ page }) => {
    const app = new AppPage(page);
    await app.open('?backend=webgpu&k=2');
    await app.expectState('error');
    await expect(app.error).toContainText(/WebGPU/i);
    await page.getByTestId('backend-select').selectOption('auto');
    const status = await app.waitForDone(2);
    expect(status.backend).toBe('cpu');
    expect({ kept: status.kept, total: status.total }).toEqual(await expectedTotals(2));
  });
});
