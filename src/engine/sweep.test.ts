import { describe, expect, it } from 'vitest';
import { countAtWith, findKForTarget, priorityOrder, sweepCounts, sweepDiffs, type SweepHost, type SweepTensor } from './sweep';
import { selectByRule } from '../core/rules';
import { diffMasks } from '../core/compare';
import type { Progress, SweepTensorResult } from './protocol';
import { loadGoldenPair, type GoldenTensor } from '../../test/helpers/golden-masks';

/** A host over in-memory tensors computing selections with core selectByRule (what the worker's CPU path does). */
function memoryHost(tensors: GoldenTensor[], opened: string[] = []): SweepHost {
  return {
    async open(t) {
      opened.push(t.name);
      const g = tensors.find((x) => x.name === t.name)!;
      return (k, rule) => selectByRule(rule, g.fine, g.pre, g.rows, g.cols, k, 0, g.name);
    },
  };
}

const asSweep = (ts: GoldenTensor[]): SweepTensor[] => ts.map((t) => ({ name: t.name, rows: t.rows, cols: t.cols }));

describe('sweepCounts', () => {
  it('counts exactly from the masks, priority tensor first, with progress', async () => {
    const golden = await loadGoldenPair('bert-slices');
    const tensors = asSweep(golden);
    const streamed: SweepTensorResult[] = [];
    const progress: Progress[] = [];
    const ks = [1, 64, 700, 800];
    const result = await sweepCounts(
      memoryHost(golden),
      tensors,
      ks,
      'magnitude',
      new AbortController().signal,
      { onTensor: (r) => streamed.push(r), onProgress: (p) => progress.push(p) },
      'encoder.layer.0.output.dense.weight',
    );
    expect(streamed[0].name).toBe('encoder.layer.0.output.dense.weight');
    expect(streamed).toHaveLength(tensors.length);
    // Magnitude keeps exactly min(k, n) per row (k > n: whole row), so the totals are computable by hand.
    const expected = ks.map((k) => tensors.reduce((s, t) => s + t.rows * Math.min(k, t.cols), 0));
    expect(result.keptCounts).toEqual(expected);
    expect(result.total).toBe(tensors.reduce((s, t) => s + t.rows * t.cols, 0));
    const last = progress[progress.length - 1];
    expect([last.tensorsDone, last.paramsDone]).toEqual([tensors.length, result.total * ks.length]);
  });

  it('keeps whole tensors whole at every k without opening them', async () => {
    const golden = await loadGoldenPair('rows-7');
    const opened: string[] = [];
    const tensors = asSweep(golden).map((t, i) => ({ ...t, keptWhole: i === 0 }));
    const result = await sweepCounts(memoryHost(golden, opened), tensors, [1, 2], 'random', new AbortController().signal);
    expect(opened).toEqual([tensors[1].name]);
    expect(result.perTensor[0].keptCounts).toEqual([tensors[0].rows * tensors[0].cols, tensors[0].rows * tensors[0].cols]);
    expect(result.perTensor[1].keptCounts).toEqual([tensors[1].rows, tensors[1].rows * 2]);
    // Model-wide counts are of pruned parameters only: the whole tensor is listed but not counted.
    expect(result.perTensor.map((t) => t.keptWhole)).toEqual([true, false]);
    expect(result.total).toBe(tensors[1].rows * tensors[1].cols);
    expect(result.keptCounts).toEqual([tensors[1].rows, tensors[1].rows * 2]);
  });

  it('stops when cancelled and rejects with an AbortError', async () => {
    const golden = await loadGoldenPair('bert-slices');
    const controller = new AbortController();
    const run = sweepCounts(memoryHost(golden), asSweep(golden), [8], 'magnitude', controller.signal, {
      onTensor: () => controller.abort(),
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects bad k values', async () => {
    await expect(sweepCounts(memoryHost([]), [], [0], 'ken', new AbortController().signal)).rejects.toThrow(/sweep k must be an integer >= 1/);
    await expect(sweepCounts(memoryHost([]), [], [], 'ken', new AbortController().signal)).rejects.toThrow(/no k values/);
  });
});

describe('sweepDiffs', () => {
  it('gives the same counts as diffMasks on the two selections, per-row only for the detail tensor', async () => {
    const golden = await loadGoldenPair('bert-slices');
    const pairs = [
      { a: { k: 64, rule: 'magnitude' as const }, b: { k: 192, rule: 'magnitude' as const } },
      { a: { k: 64, rule: 'magnitude' as const }, b: { k: 64, rule: 'delta' as const } },
    ];
    const detail = 'encoder.layer.0.attention.self.query.weight';
    const results = await sweepDiffs(memoryHost(golden), asSweep(golden), pairs, new AbortController().signal, {}, detail);
    expect(results[0].name).toBe(detail);
    for (const r of results) {
      const g = golden.find((t) => t.name === r.name)!;
      pairs.forEach((p, i) => {
        const a = selectByRule(p.a.rule, g.fine, g.pre, g.rows, g.cols, p.a.k);
        const b = selectByRule(p.b.rule, g.fine, g.pre, g.rows, g.cols, p.b.k);
        const d = diffMasks(a.maskBits, b.maskBits, g.rows, g.cols);
        const got = r.diffs![i];
        expect([got.both, got.onlyA, got.onlyB, got.neither, got.keptA, got.keptB]).toEqual([d.both, d.onlyA, d.onlyB, d.neither, a.keptCount, b.keptCount]);
        if (r.name === detail) expect([...got.onlyBPerRow!]).toEqual([...d.onlyBPerRow]);
        else expect(got.onlyBPerRow).toBeUndefined();
      });
    }
  });
});

describe('findKForTarget', () => {
  const fakeCounts = (counts: Record<number, number>, total: number) => {
    const asked: number[] = [];
    const countAt = async (k: number) => {
      asked.push(k);
      return { keptCount: counts[k], total };
    };
    return { countAt, asked };
  };
  const linear = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i + 1, (i + 1) * 10]));

  it('bisects to the smallest k reaching the target on a monotone curve', async () => {
    const { countAt, asked } = fakeCounts(linear, 1000);
    const r = await findKForTarget(0.255, countAt, 1, 100, new AbortController().signal);
    expect([r.k, r.keptCount, r.keptFraction, r.reached, r.monotone, r.note]).toEqual([26, 260, 0.26, true, true, undefined]);
    expect(asked.length).toBeLessThanOrEqual(9);
  });

  it('uses known sweep counts to narrow the bracket', async () => {
    const { countAt, asked } = fakeCounts(linear, 1000);
    const known = [10, 20, 30, 40].map((k) => ({ k, keptCount: k * 10, total: 1000 }));
    const r = await findKForTarget(0.255, countAt, 1, 100, new AbortController().signal, known);
    expect(r.k).toBe(26);
    expect(asked.every((k) => k > 20 && k <= 30 || k === 1 || k === 100)).toBe(true);
    expect(r.evaluations).toBe(asked.length);
  });

  it('handles the ends: target below k_min, and unreachable targets', async () => {
    const { countAt } = fakeCounts(linear, 1000);
    expect((await findKForTarget(0, countAt, 1, 100, new AbortController().signal)).k).toBe(1);
    const r = await findKForTarget(1, countAt, 1, 50, new AbortController().signal);
    expect([r.k, r.reached, r.keptCount]).toEqual([50, false, 500]);
    expect(r.note).toMatch(/no k up to 50 reaches the target/);
    await expect(findKForTarget(1.5, countAt, 1, 50, new AbortController().signal)).rejects.toThrow(/between 0 and 1/);
  });

  it('on a non-monotone step returns the smallest evaluated k reaching the target and says so', async () => {
    // Counts drop at k=4: 5 reaches 0.5 at k=3 already (a KEN keep-by-value jump).
    const counts = { 1: 1, 2: 2, 3: 5, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8 };
    const { countAt } = fakeCounts(counts, 10);
    const known = [{ k: 3, keptCount: 5, total: 10 }, { k: 4, keptCount: 4, total: 10 }];
    const r = await findKForTarget(0.5, countAt, 1, 8, new AbortController().signal, known);
    expect([r.k, r.keptCount, r.monotone]).toEqual([3, 5, false]);
    expect(r.note).toMatch(/not monotone/);
  });

  it('with countAtWith counts the whole model exactly (magnitude: rows * min(k, n))', async () => {
    const golden = await loadGoldenPair('rows-64');
    const tensors = asSweep(golden);
    const countAt = countAtWith(memoryHost(golden), tensors, 'magnitude');
    const total = tensors.reduce((s, t) => s + t.rows * t.cols, 0);
    const r = await findKForTarget(0.3, countAt, 1, 64, new AbortController().signal);
    const exact = (k: number) => tensors.reduce((s, t) => s + t.rows * Math.min(k, t.cols), 0);
    expect(r.keptCount).toBe(exact(r.k));
    expect(exact(r.k) / total).toBeGreaterThanOrEqual(0.3);
    expect(exact(r.k - 1) / total).toBeLessThan(0.3);
  });

  it('priorityOrder puts the named tensor first and keeps the rest in order', () => {
    expect(priorityOrder([{ name: 'a' }, { name: 'b' }, { name: 'c' }], 'c').map((t) => t.name)).toEqual(['c', 'a', 'b']);
    expect(priorityOrder([{ name: 'a' }, { name: 'b' }], 'zz').map((t) => t.name)).toEqual(['a', 'b']);
  });
});
