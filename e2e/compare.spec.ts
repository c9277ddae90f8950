// The Compare view on the demo pair: what it shows (k1 vs k2 per tensor, changed rows, other rules' overlap,
// the kept-fraction sweep and k for a target kept %) equals what the pure layers compute in Node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AppPage } from './pages/AppPage';
import { openCheckpointFromFiles } from '../src/formats/checkpoint';
import { pairCheckpoints } from '../src/formats/pairing';
import { readTensorFloat32 } from '../src/formats/safetensors';
import type { TensorPair } from '../src/formats/types';
import { selectByRule } from '../src/core/rules';
import { diffMasks, topChangedRows } from '../src/core/compare';
import type { SelectionRule, TensorSelection } from '../src/core/types';

// UI behaviour does not depend on the backend (the CPU pool and WebGPU give the same masks, see app.spec).
test.skip(() => test.info().project.name === 'webgpu', 'covered on cpu-fallback');

const DEMO_DIR = join(process.cwd(), 'public', 'demo');

interface DemoTensor {
  pair: TensorPair;
  fine: Float32Array | null;
  pre: Float32Array | null;
}

let demo: Promise<DemoTensor[]> | null = null;

/** The demo pair's runnable tensors, read with the project's own readers (what the worker reads). */
function demoTensors(): Promise<DemoTensor[]> {
  demo ??= (async () => {
    const open = (side: string) =>
      openCheckpointFromFiles(
        readdirSync(join(DEMO_DIR, side)).map((name) => ({ file: new Blob([readFileSync(join(DEMO_DIR, side, name))]), path: name })),
        side,
      );
    const pairs = pairCheckpoints(await open('pretrained'), await open('finetuned'));
    const out: DemoTensor[] = [];
    for (const pair of pairs) {
      if (pair.status === 'new' || pair.status === 'shape-mismatch') out.push({ pair, fine: null, pre: null });
      else if (pair.status === 'pruned' && pair.finetuned && pair.pretrained) {
        out.push({ pair, fine: await readTensorFloat32(pair.finetuned), pre: await readTensorFloat32(pair.pretrained) });
      }
    }
    return out;
  })();
  return demo;
}

const selections = new Map<string, TensorSelection | null>();
/** One tensor's selection in Node (null: kept whole), with the worker's seed (0) and tensor name. */
function selectionOf(t: DemoTensor, k: number, rule: SelectionRule): TensorSelection | null {
  const key = `${t.pair.name}|${k}|${rule}`;
  if (!selections.has(key)) {
    selections.set(key, t.fine ? selectByRule(rule, t.fine, t.pre, t.pair.rows, t.pair.cols, k, 0, t.pair.name) : null);
  }
  return selections.get(key) ?? null;
}

function keptOf(t: DemoTensor, k: number, rule: SelectionRule): number {
  return selectionOf(t, k, rule)?.keptCount ?? t.pair.rows * t.pair.cols;
}

/** Kept and total entries of the pruned tensors (tensors kept whole are not counted in model totals). */
async function modelKept(k: number, rule: SelectionRule): Promise<{ kept: number; total: number }> {
  let kept = 0;
  let total = 0;
  for (const t of await demoTensors()) {
    if (!t.fine) continue;
    kept += keptOf(t, k, rule);
    total += t.pair.rows * t.pair.cols;
  }
  return { kept, total };
}

async function openCompare(page: Page): Promise<AppPage> {
  const app = new AppPage(page);
  await app.open();
  await app.waitForDone(64);
  await app.tab('compare').click();
  return app;
}

async function waitForCompare(page: Page, k1: number, k2: number): Promise<void> {
  const state = page.getByTestId('compare-state');
  await expect(state).toHaveAttribute('data-k1', String(k1));
  await expect(state).toHaveAttribute('data-k2', String(k2));
  await expect(state).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

test('k1 vs k2 per tensor, the rows that change most and other rules equal the core computed in Node', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const app = await openCompare(page);
  await expect(page.getByTestId('cache-budget')).toHaveAttribute('data-bytes', String(256 * 1024 * 1024));
  await expect(page.getByTestId('cache-budget')).toContainText('256 MiB');
  await page.getByTestId('k2-input').fill('16');
  await waitForCompare(page, 64, 16);

  const tensors = await demoTensors();
  const rows = page.getByTestId('compare-row');
  await expect(rows).toHaveCount(tensors.length);
  // One read of every row's numbers, then exact comparison with Node.
  const shown = await rows.evaluateAll((trs) =>
    trs.map((tr) => {
      const d = (tr as HTMLElement).dataset;
      return {
        name: d.name ?? '',
        values: [d.keptK1, d.keptK2, d.both, d.onlyK1, d.onlyK2, d.total].map(Number),
        overlaps: [d.overlapDelta, d.overlapMagnitude, d.overlapRandom].map(Number),
      };
    }),
  );
  const byName = new Map(shown.map((s) => [s.name, s]));
  let sums = [0, 0, 0, 0, 0, 0];
  for (const t of tensors) {
    const got = byName.get(t.pair.name);
    expect(got, t.pair.name).toBeDefined();
    const total = t.pair.rows * t.pair.cols;
    const a = selectionOf(t, 64, 'ken');
    const b = selectionOf(t, 16, 'ken');
    let expected: number[];
    let overlaps: number[];
    if (a && b) {
      const d = diffMasks(a.maskBits, b.maskBits, t.pair.rows, t.pair.cols);
      expected = [a.keptCount, b.keptCount, d.both, d.onlyA, d.onlyB, total];
      overlaps = (['delta', 'magnitude', 'random'] as const).map(
        (rule) => diffMasks(a.maskBits, selectionOf(t, 64, rule)!.maskBits, t.pair.rows, t.pair.cols).jaccard,
      );
    } else {
      expected = [total, total, total, 0, 0, total];
      overlaps = [1, 1, 1];
    }
    expect(got!.values, t.pair.name).toEqual(expected);
    expect(got!.overlaps, t.pair.name).toEqual(overlaps);
    if (a && b) sums = sums.map((s, i) => s + expected[i]);
  }
  const totalRow = page.getByTestId('compare-total');
  const totalShown = await totalRow.evaluate((tr) => {
    const d = (tr as HTMLElement).dataset;
    return [d.keptK1, d.keptK2, d.both, d.onlyK1, d.onlyK2, d.total].map(Number);
  });
  expect(totalShown).toEqual(sums);
  // The tiny-bert README: KEN at k = 64 keeps 43.72% of the 1,577,984 pruned entries.
  expect(totalShown[5]).toBe(1_577_984);
  expect(totalShown[0]).toBe((await modelKept(64, 'ken')).kept);

  // With no tensor selected the detail chart shows a weight matrix, not a 1-row bias: whole, distinct row ticks.
  await expect(page.getByTestId('changed-row')).toHaveCount(12);
  const ticks = await page.getByTestId('row-overlap-chart').locator('.tick text').allTextContents();
  expect(ticks.length).toBeGreaterThan(8);
  expect(new Set(ticks).size).toBe(ticks.length);

  // Select a weight matrix: its rows that change most, as topChangedRows computes them.
  const name = 'bert.encoder.layer.0.attention.self.query.weight';
  await page.locator(`[data-testid="compare-row"][data-name="${name}"]`).click();
  await waitForCompare(page, 64, 16);
  await expect(page.locator(`[data-testid="compare-row"][data-name="${name}"]`)).toHaveClass(/selected/);
  const t = tensors.find((x) => x.pair.name === name)!;
  const expectedTop = topChangedRows(diffMasks(selectionOf(t, 64, 'ken')!.maskBits, selectionOf(t, 16, 'ken')!.maskBits, t.pair.rows, t.pair.cols), 12);
  expect(expectedTop.length).toBeGreaterThan(0);
  const changed = page.getByTestId('changed-row');
  await expect(changed).toHaveCount(expectedTop.length);
  const shownTop = await changed.evaluateAll((buttons) => buttons.map((b) => [Number((b as HTMLElement).dataset.row), Number((b as HTMLElement).dataset.changed)]));
  expect(shownTop).toEqual(expectedTop.map((r) => [r.rowIndex, r.changed]));
  await expect(page.getByTestId('row-overlap-chart').locator('path.curve')).toHaveCount(3);

  // A changed row opens in the neuron view.
  await changed.first().click();
  await expect(app.tab('neuron')).toHaveAttribute('aria-selected', 'true');
  expect(errors).toEqual([]);
});

test('changing k shows only the new k as current and matches Node; the rule selector re-runs with that rule', async ({ page }) => {
  const app = await openCompare(page);
  await waitForCompare(page, 64, 32);
  await app.setK(20);
  // The state names the new k at once; its numbers appear only when computed for it.
  await expect(page.getByTestId('compare-state')).toHaveAttribute('data-k1', '20');
  await waitForCompare(page, 20, 32);
  const total = await page.getByTestId('compare-total').evaluate((tr) => Number((tr as HTMLElement).dataset.keptK1));
  expect(total).toBe((await modelKept(20, 'ken')).kept);

  await page.getByTestId('rule-select').selectOption('magnitude');
  await expect(app.status).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('compare-state')).toHaveAttribute('data-rule', 'magnitude');
  await waitForCompare(page, 20, 32);
  const shown = await page.getByTestId('compare-total').evaluate((tr) => [Number((tr as HTMLElement).dataset.keptK1), Number((tr as HTMLElement).dataset.keptK2)]);
  expect(shown).toEqual([(await modelKept(20, 'magnitude')).kept, (await modelKept(32, 'magnitude')).kept]);
});

test('sweeping k gives exact kept counts, and a target kept % gives a k whose exact fraction is reported', async ({ page }) => {
  const app = await openCompare(page);
  await page.getByTestId('curve-sweep').click();
  await expect(page.getByTestId('curve-state')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await page.getByText('Exact model-wide counts per k').click();
  const points = await page.getByTestId('curve-point').evaluateAll((trs) =>
    trs.map((tr) => [(tr as HTMLElement).dataset.k, (tr as HTMLElement).dataset.kept, (tr as HTMLElement).dataset.total].map(Number)),
  );
  expect(points.length).toBeGreaterThan(10);
  expect(points[0][0]).toBe(1);
  // Every k of the sweep, recomputed in Node (exact equality, not an estimate).
  for (const [k, kept, total] of points) {
    expect([k, kept, total]).toEqual([k, ...Object.values(await modelKept(k, 'ken'))]);
  }
  await expect(page.getByTestId('kept-curve').locator('.series-model circle')).not.toHaveCount(0);

  await page.getByTestId('target-input').fill('30');
  await page.getByTestId('target-find').click();
  const result = page.getByTestId('target-result');
  await expect(result).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  const k = Number(await result.getAttribute('data-k'));
  const kept = Number(await result.getAttribute('data-kept'));
  const total = Number(await result.getAttribute('data-total'));
  const exact = await modelKept(k, 'ken');
  expect([kept, total]).toEqual([exact.kept, exact.total]);
  expect(kept / total).toBeGreaterThanOrEqual(0.3);
  expect((await modelKept(k - 1, 'ken')).kept / total).toBeLessThan(0.3);
  await expect(page.getByTestId('target-fraction')).toHaveText(`${((kept / total) * 100).toFixed(2)}%`);
  // The k found becomes the app's k, and the run at it reports the same exact count.
  // (The status's data-kept/data-total also count the tensors kept whole: the same entries on both sides.)
  const status = await app.waitForDone(k);
  expect(status.kept - kept).toBe(status.total - total);
});
