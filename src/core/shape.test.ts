import { describe, expect, it } from 'vitest';
import { rowsCols } from './shape';

describe('rowsCols', () => {
  it('maps shapes to the rows KEN processes', () => {
    expect(rowsCols([])).toEqual({ rows: 1, cols: 1 });
    expect(rowsCols([768])).toEqual({ rows: 1, cols: 768 });
    expect(rowsCols([3072, 768])).toEqual({ rows: 3072, cols: 768 });
    expect(rowsCols([64, 3, 7, 7])).toEqual({ rows: 64, cols: 147 });
    expect(rowsCols([5, 0])).toEqual({ rows: 5, cols: 0 });
  });

  it('rejects invalid dimensions with the shape in the message', () => {
    expect(() => rowsCols([2, -1])).toThrow(/\[2, -1\]/);
    expect(() => rowsCols([1.5])).toThrow(RangeError);
  });
});
