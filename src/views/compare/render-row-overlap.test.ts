import { describe, expect, it } from 'vitest';
import { rowTicks } from './render-row-overlap';

describe('rowTicks', () => {
  it('gives whole, distinct row indices inside 0..rows-1', () => {
    for (const rows of [1, 2, 3, 7, 128, 768, 3072]) {
      const ticks = rowTicks(rows);
      expect(ticks.length, `rows=${rows}`).toBeGreaterThan(0);
      expect(ticks.length, `rows=${rows}`).toBeLessThanOrEqual(11);
      expect(new Set(ticks).size).toBe(ticks.length);
      for (const t of ticks) {
        expect(Number.isInteger(t)).toBe(true);
        expect(t).toBeGreaterThanOrEqual(0);
        expect(t).toBeLessThanOrEqual(rows - 1);
      }
    }
  });
  it('labels the only row of a 1-row tensor, and both rows of a 2-row one', () => {
    expect(rowTicks(1)).toEqual([0]);
    expect(rowTicks(2)).toEqual([0, 1]);
    expect(rowTicks(128)).toEqual([0, 20, 40, 60, 80, 100, 120]);
  });
});
