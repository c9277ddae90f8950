import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkK, hashName, mulberry32, selectByRule, topKIndices } from './rules';
import { diffMasks } from './compare';
import { bitAt, loadGoldenMasksU8, loadGoldenPair, packU8Mask } from '../../test/helpers/golden-masks';

const ones = (bits: Uint8Array, from: number, count: number) => {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (bitAt(bits, from + i)) out.push(i);
  return out;
};

/** Independent oracle: comparator sort by (score desc, index asc), first k. */
function oracleTopK(scores: number[], k: number): number[] {
  return scores
    .map((s, i) => [s, i] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, k)
    .map(([, i]) => i)
    .sort((x, y) => x - y);
}

describe('topKIndices', () => {
  it('takes the largest scores, lowest indices first on ties', () => {
    expect([...topKIndices(Float64Array.from([1, 3, 3, 2, 3]), 2)]).toEqual([1, 2]);
    expect([...topKIndices(Float64Array.from([1, 3, 3, 2, 3]), 4)]).toEqual([1, 2, 3, 4]);
    expect([...topKIndices(Float64Array.from([0, 0, 0]), 2)]).toEqual([0, 1]);
    expect([...topKIndices(Float64Array.from([5, 4]), 3)]).toEqual([0, 1]);
  });

  it('agrees with a comparator-sort oracle', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 45 }), (xs, k) => {
        expect([...topKIndices(Float64Array.from(xs), k)]).toEqual(oracleTopK(xs, k));
      }),
      { numRuns: 300 },
    );
  });
});

describe('selectByRule: magnitude and delta', () => {
  const fine = Float32Array.from([0.5, -2, 2, 1, -1, 0]);
  const pre = Float32Array.from([0.5, -1, 0, 1, 0, -3]);

  it('magnitude keeps the largest |ft|, ties to the lowest index', () => {
    const s = selectByRule('magnitude', fine, pre, 1, 6, 3);
    // |ft| = .5 2 2 1 1 0: 1 and 2, then 1.0 at index 3 before index 4.
    expect(ones(s.maskBits, 0, 6)).toEqual([1, 2, 3]);
    expect(s.maskBits[0]).toBe(0b00001110);
    expect([s.keptCount, [...s.keptPerRow], s.wholeRows, s.rule, s.k]).toEqual([3, [3], [], 'magnitude', 3]);
  });

  it('delta keeps the largest |ft - pt| (TIES trim), ties to the lowest index', () => {
    // |ft - pt| = 0 1 2 0 1 3
    expect(ones(selectByRule('delta', fine, pre, 1, 6, 2).maskBits, 0, 6)).toEqual([2, 5]);
    expect(ones(selectByRule('delta', fine, pre, 1, 6, 3).maskBits, 0, 6)).toEqual([1, 2, 5]);
  });

  it('works per row on rows that do not start on a byte', () => {
    const f = Float32Array.from([1, 5, 3, 9, 2, 7, 4, 8, 6, 0, 0, 0, -1, 0, 0]);
    const s = selectByRule('magnitude', f, null, 3, 5, 2);
    expect(ones(s.maskBits, 0, 5)).toEqual([1, 3]);
    expect(ones(s.maskBits, 5, 5)).toEqual([0, 2]);
    expect(ones(s.maskBits, 10, 5)).toEqual([0, 2]);
    expect([...s.keptPerRow]).toEqual([2, 2, 2]);
    expect(s.keptCount).toBe(6);
  });

  it('keeps rows whole when k > n or a value is not finite, and reports them', () => {
    const f = Float32Array.from([1, 2, 3, NaN, 1, 2]);
    const s = selectByRule('magnitude', f, null, 2, 3, 2);
    expect(ones(s.maskBits, 0, 3)).toEqual([1, 2]);
    expect(ones(s.maskBits, 3, 3)).toEqual([0, 1, 2]);
    expect(s.wholeRows).toEqual([{ rowIndex: 1, reason: 'non-finite' }]);
    expect(s.keptCount).toBe(5);
    const big = selectByRule('delta', f.slice(0, 3), Float32Array.from([0, 0, Infinity]), 1, 3, 1);
    expect(big.wholeRows).toEqual([{ rowIndex: 0, reason: 'non-finite' }]);
    const wide = selectByRule('random', Float32Array.from([1, 2]), null, 1, 2, 3);
    expect(wide.wholeRows).toEqual([{ rowIndex: 0, reason: 'k>n' }]);
    expect(wide.keptCount).toBe(2);
  });

  it('rejects bad k and missing or mismatched inputs with a clear message', () => {
    expect(() => selectByRule('magnitude', fine, null, 1, 6, 0)).toThrow(/k must be an integer >= 1 \(got 0\)/);
    expect(() => checkK(2.5)).toThrow(/got 2.5/);
    expect(() => selectByRule('delta', fine, null, 1, 6, 2, 0, 'w')).toThrow(/w: rule 'delta' needs the pre-trained tensor/);
    expect(() => selectByRule('magnitude', fine, null, 2, 6, 2, 0, 'w')).toThrow(/w: 6 fine-tuned values do not make 2 x 6/);
  });

  it('on golden bert-slices tensors matches the comparator oracle row by row', async () => {
    const tensors = await loadGoldenPair('bert-slices');
    for (const t of tensors.slice(0, 3)) {
      for (const rule of ['delta', 'magnitude'] as const) {
        const k = 64;
        const s = selectByRule(rule, t.fine, t.pre, t.rows, t.cols, k);
        for (let r = 0; r < t.rows; r++) {
          const scores = Array.from({ length: t.cols }, (_, c) =>
            rule === 'delta' ? Math.abs(Math.fround(t.fine[r * t.cols + c] - t.pre[r * t.cols + c])) : Math.abs(t.fine[r * t.cols + c]),
          );
          expect(ones(s.maskBits, r * t.cols, t.cols), `${t.name} ${rule} row ${r}`).toEqual(oracleTopK(scores, k));
        }
        expect(s.keptCount).toBe(t.rows * k);
      }
    }
  });
});

describe('selectByRule: random', () => {
  const f = new Float32Array(40 * 50).map((_, i) => Math.sin(i));

  it('keeps exactly k per row, deterministically for the same seed and name', () => {
    const a = selectByRule('random', f, null, 40, 50, 7, 3, 'layer.w');
    const b = selectByRule('random', f, null, 40, 50, 7, 3, 'layer.w');
    expect([...a.maskBits]).toEqual([...b.maskBits]);
    for (let r = 0; r < 40; r++) expect(ones(a.maskBits, r * 50, 50)).toHaveLength(7);
    expect(a.keptCount).toBe(280);
  });

  it('differs across seeds, tensor names and rows', () => {
    const a = selectByRule('random', f, null, 40, 50, 7, 3, 'layer.w');
    const otherSeed = selectByRule('random', f, null, 40, 50, 7, 4, 'layer.w');
    const otherName = selectByRule('random', f, null, 40, 50, 7, 3, 'layer.v');
    expect(diffMasks(a.maskBits, otherSeed.maskBits, 40, 50).jaccard).toBeLessThan(0.5);
    expect(diffMasks(a.maskBits, otherName.maskBits, 40, 50).jaccard).toBeLessThan(0.5);
    const rowSets = new Set(Array.from({ length: 40 }, (_, r) => ones(a.maskBits, r * 50, 50).join(',')));
    expect(rowSets.size).toBe(40);
  });

  it('spreads picks over all columns (each column chosen about k/n of the time)', () => {
    const rows = 2000;
    const s = selectByRule('random', new Float32Array(rows * 10), null, rows, 10, 3, 0, 'u');
    for (let c = 0; c < 10; c++) {
      let hits = 0;
      for (let r = 0; r < rows; r++) hits += bitAt(s.maskBits, r * 10 + c);
      // Expected 600, sd ~20.5: a biased generator lands far outside.
      expect(hits).toBeGreaterThan(500);
      expect(hits).toBeLessThan(700);
    }
  });

  it('mulberry32 and the name hash are stable across runs', () => {
    const next = mulberry32(1);
    const first = [next(), next()];
    const again = mulberry32(1);
    expect([again(), again()]).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    // FNV-1a 32-bit of "a" is 0xe40c292c (published test vector).
    expect(hashName('a')).toBe(0xe40c292c);
    expect(hashName('')).toBe(0x811c9dc5);
  });
});

describe("selectByRule: 'ken' delegates to core KEN", () => {
  it('matches the golden masks of rows-64 at k = 16 and 64', async () => {
    const tensors = await loadGoldenPair('rows-64');
    for (const k of [16, 64]) {
      const masks = await loadGoldenMasksU8('rows-64', k);
      for (const t of tensors) {
        const s = selectByRule('ken', t.fine, t.pre, t.rows, t.cols, k);
        const expected = packU8Mask(masks.get(t.name)!);
        const d = diffMasks(s.maskBits, expected, t.rows, t.cols);
        expect(d.onlyA + d.onlyB, `${t.name} k=${k}`).toBe(0);
        expect(s.rule).toBe('ken');
      }
    }
  });
});

describe('nthSmallest', () => {
  it('equals the sorted array at every index, duplicates included', async () => {
    const { nthSmallest } = await import('./rules');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b);
        for (let i = 0; i < xs.length; i++) expect(nthSmallest(Float64Array.from(xs), i)).toBe(sorted[i]);
      }),
      { numRuns: 200 },
    );
  });
});
