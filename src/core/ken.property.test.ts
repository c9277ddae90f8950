// Property tests: the fast CPU path (selectTensor), the GPU split (planTensor + densityExact +
// finishTensor) and the fast density bound all agree with the step-by-step reference (kenRowDetails)
// on thousands of random rows: duplicates, exact zeros and -0, tiny ranges, heavy tails, k in 1..n+1.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBit } from './bits';
import { approximateDensities, DensityWorkspace, densityExact, gridValue } from './density';
import { finishTensor, gridPoint, kenRowDetails, mergeTensor, planTensor, selectTensor, type SelectOptions } from './ken';
import { roundHalfEven } from './numpy';
import type { TensorSelection } from './types';

const f32 = Math.fround;

/** One row of a chosen flavour; every value is a float32. */
function rowArbitrary(minLength: number, maxLength: number): fc.Arbitrary<Float32Array> {
  const length = fc.integer({ min: minLength, max: maxLength });
  const normalish = fc.double({ min: -0.2, max: 0.2, noNaN: true });
  const flavours: fc.Arbitrary<number[]>[] = [
    // Dense weights.
    length.chain((n) => fc.array(normalish, { minLength: n, maxLength: n })),
    // Small integers: many duplicates and exact distance ties.
    length.chain((n) => fc.array(fc.integer({ min: -4, max: 4 }), { minLength: n, maxLength: n })),
    // Mostly exact zeros (both signs) with a few deltas.
    length.chain((n) =>
      fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, -0) }, { weight: 1, arbitrary: normalish }), { minLength: n, maxLength: n }),
    ),
    // A tiny range: a base value plus a few float32 ulps.
    fc.tuple(length, fc.double({ min: -2, max: 2, noNaN: true }), fc.integer({ min: 1, max: 6 })).chain(([n, base, spread]) =>
      fc.array(fc.integer({ min: 0, max: spread }), { minLength: n, maxLength: n }).map((steps) => {
        const b = f32(base);
        const ulp = Math.max(Math.abs(b) * 2 ** -23, 2 ** -126);
        return steps.map((s) => b + s * ulp);
      }),
    ),
    // Heavy tails: mostly small values and a few huge ones.
    length.chain((n) =>
      fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.double({ min: -0.01, max: 0.01, noNaN: true }) },
          { weight: 1, arbitrary: fc.double({ min: -300, max: 300, noNaN: true }) },
        ),
        { minLength: n, maxLength: n },
      ),
    ),
    // Quantized values on a coarse grid around an offset (duplicates far from zero).
    fc.tuple(length, fc.double({ min: -50, max: 50, noNaN: true })).chain(([n, offset]) =>
      fc.array(fc.integer({ min: -20, max: 20 }), { minLength: n, maxLength: n }).map((q) => q.map((v) => offset + v / 64)),
    ),
    // Tiny magnitudes (float32 distances round to equal values far from the grid point).
    length.chain((n) => fc.array(fc.double({ min: -1e-30, max: 1e-30, noNaN: true }), { minLength: n, maxLength: n })),
  ];
  return fc.oneof(...flavours).map((values) => Float32Array.from(values.map((v) => f32(v))));
}

/** Rows plus a k in 1..n+1 (k > n: whole rows). */
const rowAndK = (minLength: number, maxLength: number) =>
  rowArbitrary(minLength, maxLength).chain((row) => fc.tuple(fc.constant(row), fc.integer({ min: 1, max: row.length + 1 })));

function expectSameAsReference(fine: Float32Array, rows: number, cols: number, k: number, sel: TensorSelection): void {
  expect(sel.rows).toBe(rows);
  expect(sel.cols).toBe(cols);
  let keptCount = 0;
  for (let r = 0; r < rows; r++) {
    const d = kenRowDetails(fine.subarray(r * cols, (r + 1) * cols), k);
    for (let c = 0; c < cols; c++) {
      if (d.keep[c] !== Number(getBit(sel.maskBits, r * cols + c))) {
        throw new Error(`row ${r} col ${c} (k=${k}, n=${cols}): reference ${d.keep[c]}, fast ${Number(getBit(sel.maskBits, r * cols + c))}`);
      }
    }
    expect(sel.keptPerRow[r]).toBe(d.keptCount);
    keptCount += d.keptCount;
    const whole = sel.wholeRows.find((w) => w.rowIndex === r);
    expect(whole?.reason ?? null).toBe(d.wholeReason);
  }
  expect(sel.keptCount).toBe(keptCount);
}

const FORCE_FAST: SelectOptions = { densityMethod: 'fast' };

describe('selectTensor equals kenRowDetails row by row', () => {
  it('on short rows (n <= 48), auto and forced-fast densities', () => {
    fc.assert(
      fc.property(rowAndK(1, 48), ([row, k]) => {
        expectSameAsReference(row, 1, row.length, k, selectTensor(row, 1, row.length, k));
        expectSameAsReference(row, 1, row.length, k, selectTensor(row, 1, row.length, k, FORCE_FAST));
      }),
      { numRuns: 2500 },
    );
  });

  it('on longer rows (n up to 400), forced-fast densities', () => {
    fc.assert(
      fc.property(rowAndK(49, 400), ([row, k]) => {
        expectSameAsReference(row, 1, row.length, k, selectTensor(row, 1, row.length, k, FORCE_FAST));
      }),
      { numRuns: 300 },
    );
  });

  it('on multi-row tensors (workspaces reused across rows of different kinds)', () => {
    const tensor = fc
      .tuple(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 6 }))
      .chain(([cols, rows]) =>
        fc.tuple(
          fc.array(rowArbitrary(cols, cols), { minLength: rows, maxLength: rows }),
          fc.integer({ min: 1, max: cols + 1 }),
        ),
      );
    fc.assert(
      fc.property(tensor, ([rowList, k]) => {
        const cols = rowList[0].length;
        const fine = new Float32Array(rowList.length * cols);
        rowList.forEach((row, r) => fine.set(row, r * cols));
        expectSameAsReference(fine, rowList.length, cols, k, selectTensor(fine, rowList.length, cols, k, FORCE_FAST));
      }),
      { numRuns: 400 },
    );
  });

  it('every density rechecked exactly (huge bound) still gives the same masks', () => {
    fc.assert(
      fc.property(rowAndK(2, 64), ([row, k]) => {
        const stats = { rechecks: 0 };
        const sel = selectTensor(row, 1, row.length, k, { densityMethod: 'fast', fast: { boundScale: 1e30 }, stats });
        expectSameAsReference(row, 1, row.length, k, sel);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fast densities', () => {
  it('stay within their bound of densityExact, and the bound is far below 0.5', () => {
    const ws = new DensityWorkspace();
    fc.assert(
      fc.property(rowArbitrary(2, 300), fc.integer({ min: 2, max: 400 }), (row, k) => {
        const plan = planTensor(row, 1, row.length, Math.min(k, row.length));
        if (plan.wholeReason[0] !== null) return;
        const kk = plan.k;
        if (kk < 2) return;
        approximateDensities(row, plan.bandwidth[0], plan.min[0], plan.max[0], kk, ws);
        for (let j = 0; j < kk; j++) {
          const exact = densityExact(row, gridValue(plan.min[0], plan.max[0], kk, j), plan.bandwidth[0]);
          const error = Math.abs(ws.approx[j] - exact);
          if (!(error <= ws.bounds[j])) throw new Error(`j=${j}: |${ws.approx[j]} - ${exact}| = ${error} > bound ${ws.bounds[j]}`);
          // The bound is useful: relative to the kernel peak it is tiny, so rechecks stay rare.
          expect(ws.bounds[j] * plan.bandwidth[0] * Math.sqrt(2 * Math.PI)).toBeLessThan(1e-4);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('GPU split and merge', () => {
  it('planTensor + densityExact at gridPoint + finishTensor equals selectTensor', () => {
    const tensor = fc
      .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }))
      .chain(([cols, rows]) =>
        fc.tuple(fc.array(rowArbitrary(cols, cols), { minLength: rows, maxLength: rows }), fc.integer({ min: 1, max: cols + 1 })),
      );
    fc.assert(
      fc.property(tensor, ([rowList, k]) => {
        const rows = rowList.length;
        const cols = rowList[0].length;
        const fine = new Float32Array(rows * cols);
        rowList.forEach((row, r) => fine.set(row, r * cols));
        const plan = planTensor(fine, rows, cols, k);
        // Float64: near-constant rows can have densities beyond 2^31 (planTensor's densityMayExceedInt32).
        const rounded = new Float64Array(rows * k);
        for (let r = 0; r < rows; r++) {
          if (plan.wholeReason[r] !== null) continue;
          const row = fine.subarray(r * cols, (r + 1) * cols);
          for (let j = 0; j < k; j++) rounded[r * k + j] = roundHalfEven(densityExact(row, gridPoint(plan, r, j), plan.bandwidth[r]));
        }
        const finished = finishTensor(fine, plan, rounded);
        const fast = selectTensor(fine, rows, cols, k);
        expect(finished.maskBits).toEqual(fast.maskBits);
        expect(finished.keptPerRow).toEqual(fast.keptPerRow);
        expect(finished.wholeRows).toEqual(fast.wholeRows);
      }),
      { numRuns: 300 },
    );
  });

  it('mergeTensor follows rule 8 (kept nonzero -> fine, else pre; whole rows -> fine)', () => {
    fc.assert(
      fc.property(rowAndK(1, 40), fc.double({ min: -1, max: 1, noNaN: true }), ([row, k], shift) => {
        const pre = row.map((v) => f32(v + shift));
        const sel = selectTensor(row, 1, row.length, k);
        const merged = mergeTensor(row, pre, sel);
        const d = kenRowDetails(row, k);
        for (let i = 0; i < row.length; i++) {
          const want = d.wholeReason !== null ? row[i] : d.keep[i] && row[i] !== 0 ? row[i] : pre[i];
          expect(Object.is(merged[i], want)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
