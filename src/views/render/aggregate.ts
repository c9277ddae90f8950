// Per-cell values of each matrix mode and their block aggregates. A block aggregate is computed once
// per (data, mode, block size) in one pass over the cells, so zoomed-out painting touches only
// (rows/b)*(cols/b) blocks instead of every cell of, say, a 30522x768 embedding.
import type { MatrixMode } from '../../store/store';

/** The arrays one matrix view paints. Rows are row-major, maskBits LSB-first (bit i of byte i>>3). */
export interface MatrixSource {
  rows: number;
  cols: number;
  pretrained: Float32Array | null;
  finetuned: Float32Array;
  maskBits: Uint8Array;
  /** The mask at k2, for the diff mode only. */
  maskBits2?: Uint8Array | null;
}

/** Diff categories of one cell: kept by neither, both, only at k, only at k2. */
export const DIFF_NEITHER = 0;
export const DIFF_BOTH = 1;
export const DIFF_ONLY_K = 2;
export const DIFF_ONLY_K2 = 3;

export function bitAt(bits: Uint8Array, index: number): number {
  return (bits[index >>> 3] >>> (index & 7)) & 1;
}

/** Kept horizontal and vertical neighbours (0..4) of cell (rowIndex, colIndex); cells past an edge count as not kept. */
export function neighbourCount(bits: Uint8Array, rows: number, cols: number, rowIndex: number, colIndex: number): number {
  const i = rowIndex * cols + colIndex;
  let n = 0;
  if (colIndex > 0) n += bitAt(bits, i - 1);
  if (colIndex + 1 < cols) n += bitAt(bits, i + 1);
  if (rowIndex > 0) n += bitAt(bits, i - cols);
  if (rowIndex + 1 < rows) n += bitAt(bits, i + cols);
  return n;
}

/** Neighbour counts of every cell (row-major), for tests and small tensors. */
export function neighbourCounts(bits: Uint8Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = neighbourCount(bits, rows, cols, r, c);
  return out;
}

/**
 * The value a mode shows for one cell: mask 0/1; kept-values the fine-tuned value or NaN (blank) when
 * reset; delta ft - pt (NaN without a pre-trained tensor); neighbours 0..4; diff a DIFF_* category.
 */
export function cellValue(src: MatrixSource, mode: MatrixMode, rowIndex: number, colIndex: number): number {
  const i = rowIndex * src.cols + colIndex;
  switch (mode) {
    case 'mask':
      return bitAt(src.maskBits, i);
    case 'kept-values':
      return bitAt(src.maskBits, i) ? src.finetuned[i] : Number.NaN;
    case 'delta':
      return src.pretrained ? src.finetuned[i] - src.pretrained[i] : Number.NaN;
    case 'neighbours':
      return neighbourCount(src.maskBits, src.rows, src.cols, rowIndex, colIndex);
    case 'diff': {
      const a = bitAt(src.maskBits, i);
      const b = src.maskBits2 ? bitAt(src.maskBits2, i) : 0;
      return a && b ? DIFF_BOTH : a ? DIFF_ONLY_K : b ? DIFF_ONLY_K2 : DIFF_NEITHER;
    }
  }
}

export interface BlockGrid {
  /** Rows and columns of cells per block (blocks are rectangular when the two axes are zoomed differently). */
  blockHeight: number;
  blockWidth: number;
  blockRows: number;
  blockCols: number;
  /** Mean of the mode's value over the block's non-blank cells (NaN when all blank). Edge blocks average the cells they hold. */
  mean: Float32Array;
  /** Fraction of the block's cells kept at k. */
  keptFraction: Float32Array;
  /** Diff mode only: fractions of cells kept by both, only at k, only at k2. */
  diff?: { both: Float32Array; onlyK: Float32Array; onlyK2: Float32Array };
}

function unpackRow(bits: Uint8Array, base: number, cols: number, out: Uint8Array): void {
  for (let c = 0; c < cols; c++) {
    const i = base + c;
    out[c] = (bits[i >>> 3] >>> (i & 7)) & 1;
  }
}

/**
 * One pass over the cells. Rows are unpacked from the bit mask once (three rolling rows for the
 * neighbour counts) and each mode has its own inner loop, so a 30522 x 768 embedding aggregates in a
 * fraction of a second instead of testing bits and modes per cell.
 */
export function aggregateBlocks(src: MatrixSource, mode: MatrixMode, blockHeight: number, blockWidth = blockHeight): BlockGrid {
  const { rows, cols, maskBits, finetuned, pretrained } = src;
  const bh = Math.max(1, Math.floor(blockHeight));
  const bw = Math.max(1, Math.floor(blockWidth));
  const blockRows = Math.ceil(rows / bh);
  const blockCols = Math.ceil(cols / bw);
  const nBlocks = blockRows * blockCols;
  const sum = new Float64Array(nBlocks);
  const valueCount = new Float64Array(nBlocks);
  const keptCount = new Float64Array(nBlocks);
  const diffCounts = mode === 'diff' ? [new Float64Array(nBlocks), new Float64Array(nBlocks), new Float64Array(nBlocks), new Float64Array(nBlocks)] : null;
  const colBlock = new Int32Array(cols);
  for (let c = 0; c < cols; c++) colBlock[c] = Math.floor(c / bw);
  let prev = new Uint8Array(cols);
  let row = new Uint8Array(cols);
  let next = new Uint8Array(cols);
  const row2 = new Uint8Array(cols);
  if (rows > 0) unpackRow(maskBits, 0, cols, row);
  for (let r = 0; r < rows; r++) {
    const base0 = Math.floor(r / bh) * blockCols;
    const rowBase = r * cols;
    for (let c = 0; c < cols; c++) keptCount[base0 + colBlock[c]] += row[c];
    switch (mode) {
      case 'mask':
        break;
      case 'kept-values':
        for (let c = 0; c < cols; c++) {
          const v = finetuned[rowBase + c];
          if (row[c] && v === v) {
            sum[base0 + colBlock[c]] += v;
            valueCount[base0 + colBlock[c]]++;
          }
        }
        break;
      case 'delta':
        if (!pretrained) break;
        for (let c = 0; c < cols; c++) {
          const v = finetuned[rowBase + c] - pretrained[rowBase + c];
          if (v === v) {
            sum[base0 + colBlock[c]] += v;
            valueCount[base0 + colBlock[c]]++;
          }
        }
        break;
      case 'neighbours': {
        if (r + 1 < rows) unpackRow(maskBits, rowBase + cols, cols, next);
        else next.fill(0);
        for (let c = 0; c < cols; c++) {
          const n = (c > 0 ? row[c - 1] : 0) + (c + 1 < cols ? row[c + 1] : 0) + (r > 0 ? prev[c] : 0) + next[c];
          sum[base0 + colBlock[c]] += n;
          valueCount[base0 + colBlock[c]]++;
        }
        break;
      }
      case 'diff': {
        const counts = diffCounts as Float64Array[];
        if (src.maskBits2) unpackRow(src.maskBits2, rowBase, cols, row2);
        for (let c = 0; c < cols; c++) {
          const a = row[c];
          const k2 = row2[c];
          const category = a && k2 ? DIFF_BOTH : a ? DIFF_ONLY_K : k2 ? DIFF_ONLY_K2 : DIFF_NEITHER;
          counts[category][base0 + colBlock[c]]++;
          sum[base0 + colBlock[c]] += category;
          valueCount[base0 + colBlock[c]]++;
        }
        break;
      }
    }
    // Roll the three unpacked rows: the neighbour pass already unpacked the next one.
    const oldPrev = prev;
    prev = row;
    if (mode === 'neighbours') {
      row = next;
      next = oldPrev;
    } else {
      row = oldPrev;
      if (r + 1 < rows) unpackRow(maskBits, rowBase + cols, cols, row);
    }
  }
  const mean = new Float32Array(nBlocks);
  const keptFraction = new Float32Array(nBlocks);
  const cellCount = (bi: number) => {
    const br = Math.floor(bi / blockCols);
    const bc = bi - br * blockCols;
    return (Math.min(rows, (br + 1) * bh) - br * bh) * (Math.min(cols, (bc + 1) * bw) - bc * bw);
  };
  for (let bi = 0; bi < nBlocks; bi++) {
    const cells = cellCount(bi);
    keptFraction[bi] = cells > 0 ? keptCount[bi] / cells : 0;
    if (mode === 'mask') mean[bi] = keptFraction[bi];
    else mean[bi] = valueCount[bi] > 0 ? sum[bi] / valueCount[bi] : Number.NaN;
  }
  const grid: BlockGrid = { blockHeight: bh, blockWidth: bw, blockRows, blockCols, mean, keptFraction };
  if (diffCounts) {
    const frac = (counts: Float64Array) => Float32Array.from(counts, (n, bi) => n / cellCount(bi));
    grid.diff = { both: frac(diffCounts[DIFF_BOTH]), onlyK: frac(diffCounts[DIFF_ONLY_K]), onlyK2: frac(diffCounts[DIFF_ONLY_K2]) };
  }
  return grid;
}

/** Kept entries per column (the per-row counts come with TensorData). */
export function keptPerColumn(maskBits: Uint8Array, rows: number, cols: number): Uint32Array {
  const out = new Uint32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c] += bitAt(maskBits, base + c);
  }
  return out;
}

/** Kept entries per row, recomputed from the mask (used for the k2 mask in diff mode). */
export function keptPerRowFromBits(maskBits: Uint8Array, rows: number, cols: number): Uint32Array {
  const out = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let n = 0;
    for (let c = 0; c < cols; c++) n += bitAt(maskBits, base + c);
    out[r] = n;
  }
  return out;
}

/**
 * The values a diverging mode colours (kept fine-tuned values, or deltas), sampled at a fixed stride so
 * the percentile clip of a huge tensor costs at most `maxSample` reads.
 */
export function sampleModeValues(src: MatrixSource, mode: 'kept-values' | 'delta', maxSample = 1 << 20): Float32Array {
  const total = src.rows * src.cols;
  const stride = Math.max(1, Math.ceil(total / maxSample));
  const out = new Float32Array(Math.ceil(total / stride));
  let n = 0;
  for (let i = 0; i < total; i += stride) {
    if (mode === 'kept-values') {
      if (bitAt(src.maskBits, i)) out[n++] = src.finetuned[i];
    } else if (src.pretrained) {
      out[n++] = src.finetuned[i] - src.pretrained[i];
    }
  }
  return out.subarray(0, n);
}
