import { describe, expect, it } from 'vitest';
import { selectTensor } from '../core/ken';
import { inlineExecutor, rowsPerBlock, selectTensorBlocked, type BlockExecutor } from './pool';

function data(rows: number, cols: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(rows * cols).map(() => (next() - 0.5) * 0.1);
  // Rows KEN keeps whole: constant, and one with a NaN.
  out.fill(0.25, 2 * cols, 3 * cols);
  if (rows > 5) out[5 * cols + 1] = NaN;
  return out;
}

/** Executors that finish in scrambled order, as sub-workers do. */
const delayed = (ms: number): BlockExecutor => async (task) => {
  await new Promise((r) => setTimeout(r, ms));
  return inlineExecutor(task);
};

describe('selectTensorBlocked', () => {
  for (const [rows, cols, k, workers] of [
    [37, 13, 4, 3],
    [64, 100, 16, 2],
    [9, 77, 80, 4], // k > n: every row kept whole
    [1, 1000, 32, 4], // a 1-D tensor is one row, one block
  ] as const) {
    it(`${rows}x${cols} k=${k} over ${workers} executors equals one selectTensor`, async () => {
      const fine = data(rows, cols, rows * cols + k);
      const single = selectTensor(fine, rows, cols, k);
      const executors = Array.from({ length: workers }, (_, i) => delayed((i * 7) % 5));
      let lastRows = 0;
      const blocked = await selectTensorBlocked(executors, fine, rows, cols, k, { onRows: (r) => (lastRows = r) });
      expect(Buffer.from(blocked.maskBits).equals(Buffer.from(single.maskBits))).toBe(true);
      expect([...blocked.keptPerRow]).toEqual([...single.keptPerRow]);
      expect(blocked.keptCount).toBe(single.keptCount);
      expect(blocked.wholeRows).toEqual(single.wholeRows);
      expect(lastRows).toBe(rows);
      // The caller's tensor is untouched (blocks are copies that sub-workers may own).
      expect(fine.length).toBe(rows * cols);
    });
  }

  it('stops handing out blocks once aborted', async () => {
    const fine = data(200, 64, 1);
    const controller = new AbortController();
    let blocks = 0;
    const exec: BlockExecutor = (task) => {
      if (++blocks === 2) controller.abort();
      return inlineExecutor(task);
    };
    await expect(selectTensorBlocked([exec], fine, 200, 64, 8, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(blocks).toBe(2);
  });

  it('a failing block names its rows', async () => {
    const exec: BlockExecutor = () => Promise.reject(new Error('boom'));
    await expect(selectTensorBlocked([exec], data(4, 8, 2), 4, 8, 2)).rejects.toThrow(/^row 0: boom/);
    await expect(selectTensorBlocked([exec], data(64, 8, 2), 64, 8, 2)).rejects.toThrow(/^rows 0-15: boom/);
  });

  it('blocks are whole rows, at least one, and several per worker on big tensors', () => {
    expect(rowsPerBlock(1, 5000, 4)).toBe(1);
    expect(rowsPerBlock(3072, 768, 4)).toBeLessThanOrEqual(Math.ceil(3072 / 16));
    expect(rowsPerBlock(10, 1 << 20, 2)).toBe(1);
  });
});
