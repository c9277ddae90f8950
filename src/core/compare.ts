// Comparing two selections of one tensor (k1 vs k2, or KEN vs another rule) and kept-fraction curves.
// Pure TypeScript over packed masks (rows*cols bits, row-major, LSB-first): no per-entry arrays are made.

/** How two masks of the same tensor relate, entry by entry. */
export interface MaskDiffCounts {
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
}

export interface MaskDiff extends MaskDiffCounts {
  rows: number;
  cols: number;
  /** |A ∩ B| / |A ∪ B|; 1 when both masks are empty (identical selections). */
  jaccard: number;
  bothPerRow: Uint32Array;
  onlyAPerRow: Uint32Array;
  onlyBPerRow: Uint32Array;
  /** onlyA + onlyB per row: how many entries change selection between A and B. */
  changedPerRow: Uint32Array;
}

export interface ChangedRow {
  rowIndex: number;
  changed: number;
  onlyA: number;
  onlyB: number;
  /** Jaccard overlap of this row's two selections. */
  jaccard: number;
}

const POPCOUNT8 = (() => {
  const table = new Uint8Array(256);
  for (let i = 1; i < 256; i++) table[i] = (i & 1) + table[i >> 1];
  return table;
})();

export function jaccardOf(both: number, onlyA: number, onlyB: number): number {
  const union = both + onlyA + onlyB;
  return union === 0 ? 1 : both / union;
}

function checkMask(mask: Uint8Array, rows: number, cols: number, what: string): void {
  const needed = Math.ceil((rows * cols) / 8);
  if (mask.length < needed) {
    throw new RangeError(`mask ${what} has ${mask.length} bytes; ${rows} x ${cols} needs ${needed}`);
  }
}

/**
 * Entry-by-entry comparison of masks a and b of a rows x cols tensor, with per-row counts.
 * Works a byte at a time; a row's first and last bytes are masked since rows need not start on a byte.
 */
export function diffMasks(a: Uint8Array, b: Uint8Array, rows: number, cols: number): MaskDiff {
  checkMask(a, rows, cols, 'A');
  checkMask(b, rows, cols, 'B');
  const bothPerRow = new Uint32Array(rows);
  const onlyAPerRow = new Uint32Array(rows);
  const onlyBPerRow = new Uint32Array(rows);
  const changedPerRow = new Uint32Array(rows);
  let both = 0;
  let onlyA = 0;
  let onlyB = 0;
  for (let r = 0; r < rows; r++) {
    const startBit = r * cols;
    const endBit = startBit + cols; // exclusive
    let rowBoth = 0;
    let rowOnlyA = 0;
    let rowOnlyB = 0;
    for (let byte = startBit >> 3; byte << 3 < endBit; byte++) {
      const lo = Math.max(startBit - (byte << 3), 0);
      const hi = Math.min(endBit - (byte << 3), 8);
      const within = ((0xff << lo) & (0xff >> (8 - hi))) & 0xff;
      const x = a[byte] & within;
      const y = b[byte] & within;
      rowBoth += POPCOUNT8[x & y];
      rowOnlyA += POPCOUNT8[x & ~y & 0xff];
      rowOnlyB += POPCOUNT8[~x & y & 0xff];
    }
    bothPerRow[r] = rowBoth;
    onlyAPerRow[r] = rowOnlyA;
    onlyBPerRow[r] = rowOnlyB;
    changedPerRow[r] = rowOnlyA + rowOnlyB;
    both += rowBoth;
    onlyA += rowOnlyA;
    onlyB += rowOnlyB;
  }
  const neither = rows * cols - both - onlyA - onlyB;
  return {
    rows,
    cols,
    both,
    onlyA,
    onlyB,
    neither,
    jaccard: jaccardOf(both, onlyA, onlyB),
    bothPerRow,
    onlyAPerRow,
    onlyBPerRow,
    changedPerRow,
  };
}

/** The counts of a diff without the per-row arrays (small enough for messages and the store). */
export function diffCounts(diff: MaskDiffCounts): MaskDiffCounts & { jaccard: number } {
  return {
    both: diff.both,
    onlyA: diff.onlyA,
    onlyB: diff.onlyB,
    neither: diff.neither,
    jaccard: jaccardOf(diff.both, diff.onlyA, diff.onlyB),
  };
}

/** Sums per-tensor counts into model-wide ones. */
export function sumDiffCounts(parts: Iterable<MaskDiffCounts>): MaskDiffCounts & { jaccard: number } {
  let both = 0;
  let onlyA = 0;
  let onlyB = 0;
  let neither = 0;
  for (const p of parts) {
    both += p.both;
    onlyA += p.onlyA;
    onlyB += p.onlyB;
    neither += p.neither;
  }
  return { both, onlyA, onlyB, neither, jaccard: jaccardOf(both, onlyA, onlyB) };
}

/** Rows whose selection changes most (changed count descending, then lowest row index); unchanged rows are left out. */
export function topChangedRows(diff: MaskDiff, limit: number): ChangedRow[] {
  const candidates: number[] = [];
  for (let r = 0; r < diff.rows; r++) if (diff.changedPerRow[r] > 0) candidates.push(r);
  candidates.sort((x, y) => diff.changedPerRow[y] - diff.changedPerRow[x] || x - y);
  return candidates.slice(0, Math.max(0, limit)).map((rowIndex) => ({
    rowIndex,
    changed: diff.changedPerRow[rowIndex],
    onlyA: diff.onlyAPerRow[rowIndex],
    onlyB: diff.onlyBPerRow[rowIndex],
    jaccard: jaccardOf(diff.bothPerRow[rowIndex], diff.onlyAPerRow[rowIndex], diff.onlyBPerRow[rowIndex]),
  }));
}

// ---------------------------------------------------------------------------------------------
// Kept-fraction curves: exact kept counts at several k, for the model or one tensor.

export interface KeptFractionPoint {
  k: number;
  keptCount: number;
  total: number;
  /** keptCount / total, 0..1. */
  keptFraction: number;
}

/** Points sorted by k; throws when ks and counts disagree in length or a count exceeds the total. */
export function keptFractionCurve(ks: readonly number[], keptCounts: readonly number[], total: number): KeptFractionPoint[] {
  if (ks.length !== keptCounts.length) {
    throw new RangeError(`kept-fraction curve: ${ks.length} k values but ${keptCounts.length} counts`);
  }
  const points = ks.map((k, i) => {
    const keptCount = keptCounts[i];
    if (keptCount > total) throw new RangeError(`kept-fraction curve: ${keptCount} kept at k=${k} exceeds total ${total}`);
    return { k, keptCount, total, keptFraction: total === 0 ? 0 : keptCount / total };
  });
  return points.sort((x, y) => x.k - y.k);
}

/** The k values (ascending) where the kept count drops although k grew: non-monotone steps. */
export function nonMonotoneSteps(curve: readonly KeptFractionPoint[]): number[] {
  const steps: number[] = [];
  for (let i = 1; i < curve.length; i++) if (curve[i].keptCount < curve[i - 1].keptCount) steps.push(curve[i].k);
  return steps;
}

/** The smallest k on the curve whose kept fraction reaches target (0..1), or null when none does. */
export function firstKReaching(curve: readonly KeptFractionPoint[], targetFraction: number): KeptFractionPoint | null {
  for (const p of curve) if (p.keptFraction >= targetFraction) return p;
  return null;
}

/**
 * k values for a sweep from 1 to maxK: about `count` of them, denser at small k (where the kept fraction
 * moves fastest), always including 1 and maxK, unique and ascending.
 */
export function sweepKValues(maxK: number, count = 24): number[] {
  if (!Number.isInteger(maxK) || maxK < 1) throw new RangeError(`sweep: maxK must be an integer >= 1 (got ${maxK})`);
  const ks = new Set<number>([1, maxK]);
  const steps = Math.max(2, count);
  for (let i = 0; i < steps; i++) {
    // Half the points on a geometric scale, half linear, so both ends of the curve are resolved.
    const t = i / (steps - 1);
    ks.add(Math.max(1, Math.min(maxK, Math.round(Math.pow(maxK, t)))));
    ks.add(Math.max(1, Math.min(maxK, Math.round(1 + t * (maxK - 1)))));
  }
  const sorted = [...ks].sort((x, y) => x - y);
  if (sorted.length <= count) return sorted;
  // Thin evenly by index, keeping both ends.
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (count - 1))]);
  return [...new Set(out)];
}
