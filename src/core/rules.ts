// Selection rules compared with KEN at the same per-row budget k (KEN-SPEC, issue 6).
// 'delta' is TIES-merging's trim step (largest |ft - pt|), 'magnitude' keeps the largest |ft|,
// 'random' is DARE's random drop made deterministic. Pure TypeScript: runs in Node, workers and tests.
import type { SelectionRule, TensorSelection, WholeRow } from './types';
import { selectTensor } from './ken';

export const SELECTION_RULES: readonly SelectionRule[] = ['ken', 'delta', 'magnitude', 'random'];

/** The rules compared against KEN in the Compare view. */
export const OTHER_RULES: readonly Exclude<SelectionRule, 'ken'>[] = ['delta', 'magnitude', 'random'];

export const RULE_LABELS: Record<SelectionRule, string> = {
  ken: 'KEN (kernel density)',
  delta: 'largest |ft − pt| (TIES trim)',
  magnitude: 'largest |ft|',
  random: 'random (DARE-style, seeded)',
};

/** Throws a message a person can act on when k is not a positive integer. */
export function checkK(k: number, what = 'k'): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`${what} must be an integer >= 1 (got ${k})`);
  }
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash of the tensor name for the random rule's seed. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: tiny, fast, deterministic 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The random rule's per-row seed: user seed, tensor-name hash and row index mixed so rows differ. */
export function rowSeed(seed: number, nameHash: number, rowIndex: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ nameHash;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ rowIndex;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

function isRowFinite(values: Float32Array, start: number, n: number): boolean {
  for (let i = start; i < start + n; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/**
 * The value that would sit at `index` if `values` were sorted ascending (values is reordered in place).
 * Quickselect with a median-of-three pivot: O(n) on average, versus O(n log n) for a sort.
 */
export function nthSmallest(values: Float64Array, index: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const a = values[lo];
    const b = values[mid];
    const c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (index <= j) hi = j;
    else if (index >= i) lo = i;
    else return values[index];
  }
  return values[index];
}

/**
 * Indices (0..n-1, ascending) of the k largest scores; on equal scores the lowest indices win.
 * Finds the k-th largest value by quickselect on a copy, then takes entries in one pass.
 */
export function topKIndices(scores: Float64Array, k: number, scratch: Float64Array = new Float64Array(scores.length)): Uint32Array {
  const n = scores.length;
  const out = new Uint32Array(Math.min(k, n));
  if (k >= n) {
    for (let i = 0; i < n; i++) out[i] = i;
    return out;
  }
  scratch.set(scores);
  const threshold = nthSmallest(scratch.length === n ? scratch : scratch.subarray(0, n), n - k);
  let above = 0;
  for (let i = 0; i < n; i++) if (scores[i] > threshold) above++;
  let equalSlots = k - above;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s > threshold) out[j++] = i;
    else if (s === threshold && equalSlots > 0) {
      out[j++] = i;
      equalSlots--;
    }
  }
  return out;
}

/**
 * Selects, in every row, entries by `rule` at budget k; the result has the same shape as KEN's.
 * Rules other than KEN keep exactly min(k, n) entries per row. Rows with k > n, or with a NaN/Inf in the
 * fine-tuned (or, for 'delta', pre-trained) values, are kept whole and reported, as KEN does, so overlaps
 * compare like with like. `tensorName` feeds the random rule's seed so tensors get different draws.
 */
export function selectByRule(
  rule: SelectionRule,
  fine: Float32Array,
  pre: Float32Array | null,
  rows: number,
  cols: number,
  k: number,
  seed = 0,
  tensorName = '',
): TensorSelection {
  checkK(k);
  if (fine.length !== rows * cols) {
    throw new RangeError(`${tensorName || 'tensor'}: ${fine.length} fine-tuned values do not make ${rows} x ${cols}`);
  }
  if (rule === 'ken') return selectTensor(fine, rows, cols, k);
  if (rule === 'delta') {
    if (!pre) throw new Error(`${tensorName || 'tensor'}: rule 'delta' needs the pre-trained tensor`);
    if (pre.length !== fine.length) {
      throw new RangeError(`${tensorName || 'tensor'}: pre-trained has ${pre.length} values, fine-tuned ${fine.length}`);
    }
  }

  const maskBits = new Uint8Array(Math.ceil((rows * cols) / 8));
  const keptPerRow = new Uint32Array(rows);
  const wholeRows: WholeRow[] = [];
  const scores = new Float64Array(cols);
  const scratch = new Float64Array(cols);
  const nameHash = hashName(tensorName);
  let keptCount = 0;

  const setBit = (index: number) => {
    maskBits[index >> 3] |= 1 << (index & 7);
  };

  for (let rowIndex = 0; rowIndex < rows; rowIndex++) {
    const start = rowIndex * cols;
    let wholeReason: WholeRow['reason'] | null = null;
    if (k > cols) wholeReason = 'k>n';
    else if (!isRowFinite(fine, start, cols) || (rule === 'delta' && pre && !isRowFinite(pre, start, cols))) {
      wholeReason = 'non-finite';
    }
    if (wholeReason) {
      for (let c = 0; c < cols; c++) setBit(start + c);
      keptPerRow[rowIndex] = cols;
      keptCount += cols;
      wholeRows.push({ rowIndex, reason: wholeReason });
      continue;
    }

    if (rule === 'random') {
      // Partial Fisher-Yates: the first k slots of a seeded shuffle are the kept entries.
      const next = mulberry32(rowSeed(seed, nameHash, rowIndex));
      const order = new Uint32Array(cols);
      for (let i = 0; i < cols; i++) order[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(next() * (cols - i));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        setBit(start + order[i]);
      }
    } else {
      // |ft - pt| in float32, as PyTorch computes it on F32 tensors, so ties match TIES-merging's trim.
      for (let c = 0; c < cols; c++) {
        scores[c] =
          rule === 'delta' ? Math.abs(Math.fround(fine[start + c] - (pre as Float32Array)[start + c])) : Math.abs(fine[start + c]);
      }
      for (const c of topKIndices(scores, k, scratch)) setBit(start + c);
    }
    keptPerRow[rowIndex] = k;
    keptCount += k;
  }

  return { rows, cols, k, rule, maskBits, keptPerRow, keptCount, wholeRows };
}
