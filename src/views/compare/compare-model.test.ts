import { describe, expect, it } from 'vitest';
import {
  changedRowsOf,
  compareKeyOf,
  comparePairs,
  compareRowOf,
  detailTensorOf,
  mergeCurvePoints,
  parseTargetPercent,
  perRowRuleOverlap,
  tensorsInScope,
  totalsOf,
  widestRow,
} from './compare-model';
import type { SweepTensorResult, TensorMeta } from '../../engine/protocol';

const meta = (name: string, status: TensorMeta['status'], rows: number, cols: number, layer: number | null): TensorMeta => ({
  name,
  key: name,
  status,
  shape: [rows, cols],
  dtype: 'F32',
  rows,
  cols,
  params: rows * cols,
  layer,
  matrixType: name,
});

describe('detailTensorOf', () => {
  const tensors = [
    meta('classifier.weight', 'new', 3, 128, null),
    meta('emb.LayerNorm.bias', 'pruned', 1, 128, null),
    meta('emb.word.weight', 'pruned', 6000, 128, null),
    meta('layer.0.query.weight', 'pruned', 128, 128, 0),
  ];
  it('keeps a selected pruned tensor, even a 1-row one', () => {
    expect(detailTensorOf(tensors, 'layer.0.query.weight')).toBe('layer.0.query.weight');
    expect(detailTensorOf(tensors, 'emb.LayerNorm.bias')).toBe('emb.LayerNorm.bias');
  });
  it('otherwise takes the first pruned matrix with more than one row, not a bias or a new tensor', () => {
    expect(detailTensorOf(tensors, null)).toBe('emb.word.weight');
    expect(detailTensorOf(tensors, 'classifier.weight')).toBe('emb.word.weight');
  });
  it('falls back to a 1-row tensor when there is nothing else, and to null without pruned tensors', () => {
    expect(detailTensorOf([tensors[0], tensors[1]], null)).toBe('emb.LayerNorm.bias');
    expect(detailTensorOf([tensors[0]], null)).toBeNull();
  });
});

describe('compare model', () => {
  it('asks for rule@k1 vs rule@k2, then KEN@k1 vs each other rule@k1', () => {
    expect(comparePairs('magnitude', 8, 3)).toEqual([
      { a: { k: 8, rule: 'magnitude' }, b: { k: 3, rule: 'magnitude' } },
      { a: { k: 8, rule: 'ken' }, b: { k: 8, rule: 'delta' } },
      { a: { k: 8, rule: 'ken' }, b: { k: 8, rule: 'magnitude' } },
      { a: { k: 8, rule: 'ken' }, b: { k: 8, rule: 'random' } },
    ]);
  });

  it('keys differ whenever k1, k2, rule, scope or pair differ', () => {
    const base = compareKeyOf(1, { kind: 'all' }, 'ken', 64, 32);
    expect(compareKeyOf(1, { kind: 'all' }, 'ken', 64, 32)).toBe(base);
    for (const other of [
      compareKeyOf(2, { kind: 'all' }, 'ken', 64, 32),
      compareKeyOf(1, { kind: 'layers' }, 'ken', 64, 32),
      compareKeyOf(1, { kind: 'all' }, 'delta', 64, 32),
      compareKeyOf(1, { kind: 'all' }, 'ken', 63, 32),
      compareKeyOf(1, { kind: 'all' }, 'ken', 64, 31),
    ]) {
      expect(other).not.toBe(base);
    }
  });

  it('selects the tensors a run of the scope selects, and the widest pruned row', () => {
    const tensors = [
      meta('emb', 'pruned', 10, 8, null),
      meta('layer.0.w', 'pruned', 4, 16, 0),
      meta('head', 'new', 2, 32, null),
      meta('ids', 'not-float', 1, 64, null),
    ];
    expect(tensorsInScope(tensors, { kind: 'all' }).map((t) => t.name)).toEqual(['emb', 'layer.0.w', 'head']);
    expect(tensorsInScope(tensors, { kind: 'layers' }).map((t) => t.name)).toEqual(['layer.0.w']);
    expect(tensorsInScope(tensors, { kind: 'pattern', pattern: '^e|head' }).map((t) => t.name)).toEqual(['emb', 'head']);
    expect(tensorsInScope(tensors, { kind: 'pattern', pattern: '(' })).toEqual([]);
    expect(widestRow(tensors)).toBe(16);
  });

  it('builds rows, totals, changed rows and per-row rule overlap from sweep results', () => {
    const result: SweepTensorResult = {
      name: 'w',
      rows: 2,
      cols: 4,
      total: 8,
      keptWhole: false,
      diffs: [
        { both: 2, onlyA: 2, onlyB: 1, neither: 3, jaccard: 0.4, keptA: 4, keptB: 3, bothPerRow: Uint32Array.from([2, 0]), onlyAPerRow: Uint32Array.from([0, 2]), onlyBPerRow: Uint32Array.from([0, 1]) },
        { both: 4, onlyA: 0, onlyB: 0, neither: 4, jaccard: 1, keptA: 4, keptB: 4, bothPerRow: Uint32Array.from([2, 2]), onlyAPerRow: Uint32Array.from([0, 0]), onlyBPerRow: Uint32Array.from([0, 0]) },
        { both: 2, onlyA: 2, onlyB: 2, neither: 2, jaccard: 1 / 3, keptA: 4, keptB: 4, bothPerRow: Uint32Array.from([1, 1]), onlyAPerRow: Uint32Array.from([1, 1]), onlyBPerRow: Uint32Array.from([1, 1]) },
        { both: 0, onlyA: 4, onlyB: 4, neither: 0, jaccard: 0, keptA: 4, keptB: 4, bothPerRow: Uint32Array.from([0, 0]), onlyAPerRow: Uint32Array.from([2, 2]), onlyBPerRow: Uint32Array.from([2, 2]) },
      ],
    };
    const row = compareRowOf(result);
    expect(row).toEqual({ name: 'w', keptWhole: false, total: 8, keptK1: 4, keptK2: 3, both: 2, onlyK1: 2, onlyK2: 1, jaccard: 0.4, ruleOverlap: { delta: 1, magnitude: 1 / 3, random: 0 } });
    // A tensor kept whole (e.g. a new classifier head) is listed but left out of the model totals.
    const totals = totalsOf([row, { ...row, name: 'v' }, { ...row, name: 'head', keptWhole: true, total: 100, keptK1: 100, keptK2: 100, both: 100 }]);
    expect([totals.total, totals.keptK1, totals.keptK2, totals.both, totals.onlyK1, totals.onlyK2, totals.jaccard]).toEqual([16, 8, 6, 4, 4, 2, 4 / 10]);
    expect(changedRowsOf(result, 5)).toEqual([{ rowIndex: 1, changed: 3, onlyA: 2, onlyB: 1, jaccard: 0 }]);
    const overlap = perRowRuleOverlap(result);
    expect(overlap.map((o) => [o.rule, [...o.jaccardPerRow]])).toEqual([
      ['delta', [1, 1]],
      ['magnitude', [1 / 3, 1 / 3]],
      ['random', [0, 0]],
    ]);
    expect(changedRowsOf({ ...result, diffs: [{ ...result.diffs![0], bothPerRow: undefined }] }, 5)).toEqual([]);
  });

  it('merges exact extra points into a curve by k', () => {
    const p = (k: number, keptCount: number) => ({ k, keptCount, total: 10, keptFraction: keptCount / 10 });
    expect(mergeCurvePoints([p(1, 1), p(4, 4)], [p(2, 2), p(4, 4)])).toEqual([p(1, 1), p(2, 2), p(4, 4)]);
  });

  it('parses a target percentage or says what is wrong', () => {
    expect(parseTargetPercent('25')).toEqual({ fraction: 0.25 });
    expect(parseTargetPercent(' 12.5 % ')).toEqual({ fraction: 0.125 });
    expect(parseTargetPercent('100')).toEqual({ fraction: 1 });
    expect(parseTargetPercent('')).toEqual({ problem: 'Type a kept percentage between 0 and 100.' });
    expect(parseTargetPercent('120')).toEqual({ problem: '"120" is not a percentage between 0 and 100.' });
    expect(parseTargetPercent('abc')).toEqual({ problem: '"abc" is not a percentage between 0 and 100.' });
  });
});
