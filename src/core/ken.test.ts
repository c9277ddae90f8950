// Edge cases of the KEN API: input validation, whole rows, densities beyond int32, empty tensors.
import { describe, expect, it } from 'vitest';
import { getBit } from './bits';
import { finishTensor, kenRowDetails, mergeTensor, planTensor, selectTensor } from './ken';

const f32 = Math.fround;

describe('input validation', () => {
  it('rejects k < 1 and non-integer k with a clear message', () => {
    const row = new Float32Array([1, 2, 3]);
    for (const k of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => kenRowDetails(row, k)).toThrow(/k must be an integer >= 1/);
      expect(() => selectTensor(row, 1, 3, k)).toThrow(RangeError);
      expect(() => planTensor(row, 1, 3, k)).toThrow(RangeError);
    }
  });

  it('names the shape when the values do not make the tensor', () => {
    expect(() => selectTensor(new Float32Array(5), 2, 3, 1)).toThrow(/5 fine-tuned values do not make a 2 x 3 tensor/);
    const plan = planTensor(new Float32Array(6), 2, 3, 2);
    expect(() => finishTensor(new Float32Array(6), plan, new Int32Array(3))).toThrow(/expected 2 x 2 rounded densities/);
    const sel = selectTensor(new Float32Array(6), 2, 3, 2);
    expect(() => mergeTensor(new Float32Array(6), new Float32Array(5), sel)).toThrow(/KEN merge/);
  });
});

describe('rows kept whole', () => {
  it('names the reason: k > n, NaN/Inf, all values equal (even with a nonzero float32 std)', () => {
    const rows = [
      [0.1, 0.2, 0.3], // k = 4 > n
      [0.1, NaN, 0.3],
      [0.1, Infinity, 0.3],
      [0.1, 0.1, 0.1],
    ];
    const fine = Float32Array.from(rows.flat());
    const sel = selectTensor(fine, 4, 3, 3);
    expect(sel.wholeRows).toEqual([
      { rowIndex: 1, reason: 'non-finite' },
      { rowIndex: 2, reason: 'non-finite' },
      { rowIndex: 3, reason: 'zero-std' },
    ]);
    expect(selectTensor(fine, 4, 3, 4).wholeRows.map((w) => w.reason)).toEqual(['k>n', 'k>n', 'k>n', 'k>n']);
    const constant = kenRowDetails(new Float32Array(7).fill(0.1), 2);
    expect(constant.std).toBe(f32(7.450581e-9)); // np.full(7, 0.1, np.float32).std()
    expect(constant.wholeReason).toBe('zero-std');
    expect(Array.from(kenRowDetails(Float32Array.from(rows[1]), 2).keep)).toEqual([1, 1, 1]);
    // Whole rows take the fine-tuned values in the merge, exact zeros included.
    const zeros = new Float32Array([0, 0, 0]);
    const merged = mergeTensor(zeros, new Float32Array([5, 6, 7]), selectTensor(zeros, 1, 3, 2));
    expect(Array.from(merged)).toEqual([0, 0, 0]);
  });

  it('handles empty tensors and empty rows', () => {
    expect(selectTensor(new Float32Array(0), 0, 5, 3).keptCount).toBe(0);
    expect(selectTensor(new Float32Array(0), 2, 0, 1).wholeRows).toEqual([
      { rowIndex: 0, reason: 'k>n' },
      { rowIndex: 1, reason: 'k>n' },
    ]);
  });
});

describe('densities beyond int32', () => {
  it('orders by the exact float64 integers and flags the row for GPU engines', () => {
    // 767 equal values and one a float32 ulp above: the bandwidth is ~1e-11, densities ~1e10.
    const base = f32(0.0123);
    const above = new Float32Array(new Uint32Array([new Uint32Array(new Float32Array([base]).buffer)[0] + 1]).buffer)[0];
    const row = new Float32Array(768).fill(base);
    row[400] = above;
    const k = 5;
    const d = kenRowDetails(row, k);
    expect(d.wholeReason).toBeNull();
    expect(Math.max(...d.roundedDensity64)).toBeGreaterThan(2 ** 31);
    expect(Math.max(...d.roundedDensity)).toBe(2 ** 31 - 1);
    expect(planTensor(row, 1, 768, k).densityMayExceedInt32[0]).toBe(1);
    const sel = selectTensor(row, 1, 768, k);
    for (let i = 0; i < 768; i++) expect(Number(getBit(sel.maskBits, i))).toBe(d.keep[i]);
    // Float64 rounded densities through finishTensor give the same selection.
    const plan = planTensor(row, 1, 768, k);
    expect(finishTensor(row, plan, d.roundedDensity64).maskBits).toEqual(sel.maskBits);
    expect(() => finishTensor(row, plan, new Float64Array(k).fill(0.5))).toThrow(/must be integers/);
  });
});
