// Comparing an engine mask with a golden one. Golden masks are U8 per entry: 1 kept, 0 not kept, 255 an
// undefined row (the reference raises there), which KENviz keeps whole and reports as a whole row.
import type { WholeRow } from '../core/types';

export interface MaskMismatch {
  rowIndex: number;
  col: number;
  expected: number;
  got: number;
}

export interface MaskComparison {
  checked: number;
  mismatches: number;
  /** The first few mismatches, for the report. */
  examples: MaskMismatch[];
  /** Undefined rows (255) that the engine did not report as kept whole. */
  unreportedWholeRows: number[];
}

export function compareWithGolden(
  golden: Uint8Array,
  maskBits: Uint8Array,
  rows: number,
  cols: number,
  wholeRows: readonly WholeRow[],
): MaskComparison {
  if (golden.length !== rows * cols) throw new Error(`golden mask has ${golden.length} entries, expected ${rows} x ${cols}`);
  const reported = new Set(wholeRows.map((w) => w.rowIndex));
  const result: MaskComparison = { checked: 0, mismatches: 0, examples: [], unreportedWholeRows: [] };
  for (let r = 0; r < rows; r++) {
    let undefinedRow = false;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const g = golden[i];
      if (g === 255) undefinedRow = true;
      const expected = g === 255 ? 1 : g;
      const got = (maskBits[i >> 3] >> (i & 7)) & 1;
      result.checked++;
      if (got !== expected) {
        result.mismatches++;
        if (result.examples.length < 5) result.examples.push({ rowIndex: r, col: c, expected: g, got });
      }
    }
    if (undefinedRow && !reported.has(r)) result.unreportedWholeRows.push(r);
  }
  return result;
}
