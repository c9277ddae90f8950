import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  diffMasks,
  firstKReaching,
  keptFractionCurve,
  nonMonotoneSteps,
  sumDiffCounts,
  sweepKValues,
  topChangedRows,
} from './compare';
import { bitAt, goldenManifestCase, loadGoldenMasksU8, packU8Mask } from '../../test/helpers/golden-masks';

/** Independent oracle: one bit at a time. */
function naiveDiff(a: Uint8Array, b: Uint8Array, rows: number, cols: number) {
  const perRow = Array.from({ length: rows }, () => ({ both: 0, onlyA: 0, onlyB: 0 }));
  let neither = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = bitAt(a, r * cols + c);
      const y = bitAt(b, r * cols + c);
      if (x && y) perRow[r].both++;
      else if (x) perRow[r].onlyA++;
      else if (y) perRow[r].onlyB++;
      else neither++;
    }
  }
  const sum = (key: 'both' | 'onlyA' | 'onlyB') => perRow.reduce((s, p) => s + p[key], 0);
  return { perRow, both: sum('both'), onlyA: sum('onlyA'), onlyB: sum('onlyB'), neither };
}

describe('diffMasks', () => {
  it('counts a hand-computed 2x5 pair whose rows straddle bytes', () => {
    // A = {0,1,2 | 4}, B = {1,2,3 | 0,4}: bit index = row*5 + col.
    const a = new Uint8Array([0b00000111, 0b00000010]);
    const b = new Uint8Array([0b00101110, 0b00000010]);
    const d = diffMasks(a, b, 2, 5);
    expect([d.both, d.onlyA, d.onlyB, d.neither]).toEqual([3, 1, 2, 4]);
    expect(d.jaccard).toBe(0.5);
    expect([...d.bothPerRow]).toEqual([2, 1]);
    expect([...d.onlyAPerRow]).toEqual([1, 0]);
    expect([...d.onlyBPerRow]).toEqual([1, 1]);
    expect([...d.changedPerRow]).toEqual([2, 1]);
    expect(topChangedRows(d, 5)).toEqual([
      { rowIndex: 0, changed: 2, onlyA: 1, onlyB: 1, jaccard: 0.5 },
      { rowIndex: 1, changed: 1, onlyA: 0, onlyB: 1, jaccard: 0.5 },
    ]);
  });

  it('ignores bits past the end and treats two empty masks as identical', () => {
    const d = diffMasks(new Uint8Array([0b11111000]), new Uint8Array([0b00000000]), 1, 3);
    expect([d.both, d.onlyA, d.onlyB, d.neither, d.jaccard]).toEqual([0, 0, 0, 3, 1]);
    expect(topChangedRows(d, 3)).toEqual([]);
  });

  it('rejects a mask too short for the shape, naming the sizes', () => {
    expect(() => diffMasks(new Uint8Array(1), new Uint8Array(2), 3, 5)).toThrow(/mask A has 1 bytes; 3 x 5 needs 2/);
  });

  it('breaks equal changed counts by lowest row index and honours the limit', () => {
    // 3 rows x 2 cols; A = all ones, B = row 1 empty, rows 0 and 2 half empty.
    const a = packU8Mask(new Uint8Array([1, 1, 1, 1, 1, 1]));
    const b = packU8Mask(new Uint8Array([1, 0, 0, 0, 0, 1]));
    const d = diffMasks(a, b, 3, 2);
    expect(topChangedRows(d, 2).map((r) => [r.rowIndex, r.changed])).toEqual([
      [1, 2],
      [0, 1],
    ]);
  });

  it('agrees with a bit-by-bit oracle on random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 37 }),
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        (rows, cols, a, b) => {
          const d = diffMasks(a, b, rows, cols);
          const o = naiveDiff(a, b, rows, cols);
          expect([d.both, d.onlyA, d.onlyB, d.neither]).toEqual([o.both, o.onlyA, o.onlyB, o.neither]);
          expect([...d.bothPerRow]).toEqual(o.perRow.map((p) => p.both));
          expect([...d.changedPerRow]).toEqual(o.perRow.map((p) => p.onlyA + p.onlyB));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on golden KEN masks (bert-slices k=64 vs k=192) matches the U8 masks entry by entry', async () => {
    const c = goldenManifestCase('bert-slices');
    const m64 = await loadGoldenMasksU8('bert-slices', 64);
    const m192 = await loadGoldenMasksU8('bert-slices', 192);
    const perTensor = [];
    for (const [name, u8a] of m64) {
      const u8b = m192.get(name)!;
      const total = c.masks['64'].counts[name].total;
      const cols = name.endsWith('output.dense.weight') ? 3072 : 768;
      const rows = total / cols;
      const d = diffMasks(packU8Mask(u8a), packU8Mask(u8b), rows, cols);
      let both = 0;
      let onlyA = 0;
      let onlyB = 0;
      for (let i = 0; i < u8a.length; i++) {
        if (u8a[i] === 1 && u8b[i] === 1) both++;
        else if (u8a[i] === 1) onlyA++;
        else if (u8b[i] === 1) onlyB++;
      }
      expect([d.both, d.onlyA, d.onlyB], name).toEqual([both, onlyA, onlyB]);
      // Kept counts on each side are the manifest's.
      expect(d.both + d.onlyA).toBe(c.masks['64'].counts[name].kept);
      expect(d.both + d.onlyB).toBe(c.masks['192'].counts[name].kept);
      perTensor.push(d);
    }
    const sum = sumDiffCounts(perTensor);
    const kept64 = Object.values(c.masks['64'].counts).reduce((s, x) => s + x.kept, 0);
    expect(sum.both + sum.onlyA).toBe(kept64);
  });
});

describe('kept-fraction curves', () => {
  it('sorts by k and computes exact fractions', () => {
    const curve = keptFractionCurve([4, 1, 2], [40, 10, 20], 80);
    expect(curve).toEqual([
      { k: 1, keptCount: 10, total: 80, keptFraction: 0.125 },
      { k: 2, keptCount: 20, total: 80, keptFraction: 0.25 },
      { k: 4, keptCount: 40, total: 80, keptFraction: 0.5 },
    ]);
    expect(firstKReaching(curve, 0.25)?.k).toBe(2);
    expect(firstKReaching(curve, 0.26)?.k).toBe(4);
    expect(firstKReaching(curve, 0.6)).toBeNull();
  });

  it('reports non-monotone steps and rejects bad input', () => {
    const curve = keptFractionCurve([1, 2, 3, 4], [10, 22, 21, 30], 100);
    expect(nonMonotoneSteps(curve)).toEqual([3]);
    expect(firstKReaching(curve, 0.21)?.k).toBe(2);
    expect(() => keptFractionCurve([1, 2], [1], 5)).toThrow(/2 k values but 1 counts/);
    expect(() => keptFractionCurve([1], [6], 5)).toThrow(/6 kept at k=1 exceeds total 5/);
  });

  it('sweep k values are unique, ascending, within 1..maxK and include both ends', () => {
    expect(sweepKValues(1)).toEqual([1]);
    expect(sweepKValues(4, 24)).toEqual([1, 2, 3, 4]);
    for (const maxK of [7, 128, 512, 3072]) {
      const ks = sweepKValues(maxK, 20);
      expect(ks[0]).toBe(1);
      expect(ks[ks.length - 1]).toBe(maxK);
      expect(ks.length).toBeLessThanOrEqual(20);
      for (let i = 1; i < ks.length; i++) expect(ks[i]).toBeGreaterThan(ks[i - 1]);
    }
    expect(() => sweepKValues(0)).toThrow(/maxK must be an integer >= 1/);
  });
});
