import { describe, expect, it } from 'vitest';
import { compareWithGolden } from './golden';

// 2 rows x 4: row 0 selected (1,0,1,0), row 1 undefined (255) and so expected kept whole.
const golden = new Uint8Array([1, 0, 1, 0, 255, 255, 255, 255]);

describe('compareWithGolden', () => {
  it('accepts the matching mask with the undefined row kept whole and reported', () => {
    const bits = new Uint8Array([0b11110101]);
    const cmp = compareWithGolden(golden, bits, 2, 4, [{ rowIndex: 1, reason: 'zero-std' }]);
    expect(cmp).toEqual({ checked: 8, mismatches: 0, examples: [], unreportedWholeRows: [] });
  });

  it('counts every differing entry and names where', () => {
    const bits = new Uint8Array([0b01110110]);
    const cmp = compareWithGolden(golden, bits, 2, 4, []);
    expect(cmp.mismatches).toBe(3);
    expect(cmp.examples[0]).toEqual({ rowIndex: 0, col: 0, expected: 1, got: 0 });
    expect(cmp.unreportedWholeRows).toEqual([1]);
  });

  it('rejects a golden mask of the wrong size', () => {
    expect(() => compareWithGolden(golden, new Uint8Array(1), 3, 4, [])).toThrow(/expected 3 x 4/);
  });
});
