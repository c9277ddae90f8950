// How KEN sees a tensor as rows (KEN-SPEC, "Tensors"): dim 0 by the rest flattened.

/** Rows and columns KEN processes: 1-D = one row; rank > 2 = dim0 x product of the rest; scalar = 1x1. */
export function rowsCols(shape: readonly number[]): { rows: number; cols: number } {
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`rowsCols: invalid dimension ${dim} in shape [${shape.join(', ')}]`);
    }
  }
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  let cols = 1;
  for (let d = 1; d < shape.length; d++) cols *= shape[d];
  return { rows: shape[0], cols };
}
