// KEN, reference-faithful (KEN-SPEC; test/fixtures/ken-golden/README.md rules 1-9).
// kenRowDetails is the step-by-step reference; selectTensor is the fast CPU path with identical
// output; planTensor / gridPoint / densityExact / finishTensor split the work for the GPU path.
import type { TensorSelection, WholeRow, WholeRowReason } from './types';
import { stdF32, silvermanBandwidth, roundHalfEven } from './numpy';
import { getBit, maskByteLength, setBitRange } from './bits';
import {
  DensityWorkspace,
  densityExact,
  gridValue,
  roundedDensitiesExact,
  roundedDensitiesFast,
  type FastDensityOptions,
} from './density';
import { MatchWorkspace, matchRow, matchRowReference, sortRow } from './matching';

export { densityExact } from './density';

const INT32_MAX = 0x7fffffff;

/** Every intermediate of KEN on one row, for tests, debugging and the neuron view. */
export interface KenRowDetails {
  readonly n: number;
  readonly k: number;
  /** float32 population std (NumPy's float32 arithmetic); NaN when the row is not finite. */
  readonly std: number;
  /** Silverman bandwidth in float64; NaN when the row is not finite. */
  readonly bandwidth: number;
  readonly min: number;
  readonly max: number;
  /** The k grid points (empty for whole rows). */
  readonly grid: Float64Array;
  /** Density at each grid point by the direct sum (densityExact). */
  readonly density: Float64Array;
  /** round-half-even(density) (int32: saturates beyond 2^31 - 1; see roundedDensity64). */
  readonly roundedDensity: Int32Array;
  /** The same rounded densities as exact float64 integers: never saturate. */
  readonly roundedDensity64: Float64Array;
  /** Grid indices, highest rounded density first, ties in ascending grid order. */
  readonly visitOrder: Int32Array;
  /** Row indices taken by the greedy matching, in the order taken. */
  readonly takenIndices: Int32Array;
  /** 1 = keeps the fine-tuned value (whole rows: all 1). */
  readonly keep: Uint8Array;
  readonly keptCount: number;
  readonly wholeReason: WholeRowReason | null;
}

/** Per-row inputs of the density stage, for an engine that computes densities itself (GPU). */
export interface TensorPlan {
  readonly rows: number;
  readonly cols: number;
  readonly k: number;
  readonly std: Float32Array;
  readonly bandwidth: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Why a row is kept whole, or null when KEN selects in it. */
  readonly wholeReason: readonly (WholeRowReason | null)[];
  /**
   * 1 where a density can exceed 2^31 - 1 (bandwidth below ~1.9e-10): rounded densities of such a row
   * do not fit an Int32Array, so pass finishTensor a Float64Array (or compute that row on the CPU).
   */
  readonly densityMayExceedInt32: Uint8Array;
}

/** Options of selectTensor for tests and benchmarks; the defaults are what the app uses. */
export interface SelectOptions {
  /** 'auto' uses the direct sum on tiny rows and the fast transform elsewhere. */
  readonly densityMethod?: 'auto' | 'fast' | 'exact';
  readonly fast?: FastDensityOptions;
  /** Receives how many densities the fast path recomputed exactly. */
  readonly stats?: { rechecks: number };
}

/** Throws a message a person can act on when k is not a positive integer. */
export function validateK(k: number): void {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new RangeError(`KEN: k must be an integer >= 1 (got ${String(k)})`);
  }
}

interface RowStats {
  std: number;
  bandwidth: number;
  min: number;
  max: number;
  reason: WholeRowReason | null;
}

/** Statistics of row [start, start + n) of `values` and why it is kept whole, if it is. */
function analyseRow(values: Float32Array, start: number, n: number, k: number, scratch: Float32Array): RowStats {
  let min = Infinity;
  let max = -Infinity;
  let finite = true;
  for (let i = start; i < start + n; i++) {
    const v = values[i];
    if (v !== v || v === Infinity || v === -Infinity) {
      finite = false;
      break;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!finite || n === 0) {
    return { std: NaN, bandwidth: NaN, min: NaN, max: NaN, reason: n === 0 || k > n ? 'k>n' : 'non-finite' };
  }
  const std = stdF32(values, start, n, scratch);
  const bandwidth = silvermanBandwidth(std, n);
  let reason: WholeRowReason | null = null;
  if (k > n) reason = 'k>n';
  // A constant row can have a tiny nonzero float32 std (the float32 mean is inexact); KEN-SPEC treats
  // "all values equal" as zero spread either way.
  else if (std === 0 || min === max) reason = 'zero-std';
  // Finite values whose float32 squares overflow: the reference's bandwidth would be inf.
  else if (!Number.isFinite(std)) reason = 'non-finite';
  return { std, bandwidth, min, max, reason };
}

/** Grid indices sorted by rounded density descending, ties ascending (a stable sort). */
function visitOrderOf(rounded: ArrayLike<number>, offset: number, k: number, out: Int32Array, keys: Float64Array, counts: Int32Array): void {
  let slots = 1;
  while (slots < k) slots *= 2;
  let largest = 0;
  let smallest = 0;
  let integers = true;
  for (let j = 0; j < k; j++) {
    const r = rounded[offset + j];
    if (r > largest) largest = r;
    if (r < smallest) smallest = r;
    if (r !== Math.floor(r)) integers = false;
  }
  if (!integers) throw new RangeError('KEN: rounded densities must be integers');
  if (smallest >= 0 && largest + 2 <= counts.length) {
    // Rounded densities are small integers on real rows: a counting sort (stable) by descending density.
    counts.fill(0, 0, largest + 2);
    for (let j = 0; j < k; j++) counts[largest - rounded[offset + j] + 1]++;
    for (let d = 1; d <= largest + 1; d++) counts[d] += counts[d - 1];
    for (let j = 0; j < k; j++) out[counts[largest - rounded[offset + j]]++] = j;
    return;
  }
  if (smallest >= 0 && largest * slots < 2 ** 52) {
    // One exact double per grid point, -r * slots + j, sorts natively into the stable order.
    const view = keys.subarray(0, k);
    for (let j = 0; j < k; j++) view[j] = -rounded[offset + j] * slots + j;
    view.sort();
    for (let p = 0; p < k; p++) {
      const key = view[p];
      out[p] = key - Math.floor(key / slots) * slots;
    }
    return;
  }
  const order = Array.from({ length: k }, (_, j) => j);
  order.sort((a, b) => rounded[offset + b] - rounded[offset + a] || a - b);
  for (let p = 0; p < k; p++) out[p] = order[p];
}

/**
 * The reference, step by step, on one row of float32 values (rules 1-7). Whole rows (k > n, zero
 * spread, NaN/Inf) keep every entry and name the reason. Costs n * k Gaussian terms and O(n k) matching.
 */
export function kenRowDetails(x: Float32Array, k: number): KenRowDetails {
  validateK(k);
  const n = x.length;
  const stats = analyseRow(x, 0, n, k, new Float32Array(n));
  if (stats.reason !== null) {
    return {
      n, k, std: stats.std, bandwidth: stats.bandwidth, min: stats.min, max: stats.max,
      grid: new Float64Array(0), density: new Float64Array(0), roundedDensity: new Int32Array(0),
      roundedDensity64: new Float64Array(0), visitOrder: new Int32Array(0), takenIndices: new Int32Array(0),
      keep: new Uint8Array(n).fill(1), keptCount: n, wholeReason: stats.reason,
    };
  }
  const { bandwidth: h, min, max } = stats;
  const grid = new Float64Array(k);
  const density = new Float64Array(k);
  const roundedDensity64 = new Float64Array(k);
  const roundedDensity = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    grid[j] = gridValue(min, max, k, j);
    density[j] = densityExact(x, grid[j], h);
    roundedDensity64[j] = roundHalfEven(density[j]);
    roundedDensity[j] = Math.min(INT32_MAX, roundedDensity64[j]);
  }
  const order = Array.from({ length: k }, (_, j) => j);
  order.sort((a, b) => roundedDensity64[b] - roundedDensity64[a]); // Array.prototype.sort is stable
  const visitOrder = Int32Array.from(order);
  const takenIndices = matchRowReference(x, order.map((j) => grid[j]));
  const takenValues = new Set<number>(); // SameValueZero: -0 and 0 are one value (rule 7)
  for (const i of takenIndices) takenValues.add(x[i]);
  const keep = new Uint8Array(n);
  let keptCount = 0;
  for (let i = 0; i < n; i++) {
    if (takenValues.has(x[i])) {
      keep[i] = 1;
      keptCount++;
    }
  }
  return {
    n, k, std: stats.std, bandwidth: h, min, max, grid, density, roundedDensity, roundedDensity64,
    visitOrder, takenIndices, keep, keptCount, wholeReason: null,
  };
}

function checkTensorArgs(fine: Float32Array, rows: number, cols: number, k: number): void {
  validateK(k);
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`KEN: invalid tensor shape ${rows} x ${cols}`);
  }
  if (fine.length !== rows * cols) {
    throw new RangeError(`KEN: ${fine.length} fine-tuned values do not make a ${rows} x ${cols} tensor`);
  }
}

/** Per-row statistics for a GPU density stage (rules 1-3). */
export function planTensor(fine: Float32Array, rows: number, cols: number, k: number): TensorPlan {
  checkTensorArgs(fine, rows, cols, k);
  const std = new Float32Array(rows);
  const bandwidth = new Float64Array(rows);
  const min = new Float64Array(rows);
  const max = new Float64Array(rows);
  const wholeReason: (WholeRowReason | null)[] = new Array(rows);
  const densityMayExceedInt32 = new Uint8Array(rows);
  const scratch = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const s = analyseRow(fine, r * cols, cols, k, scratch);
    std[r] = s.std;
    bandwidth[r] = s.bandwidth;
    min[r] = s.min;
    max[r] = s.max;
    wholeReason[r] = s.reason;
    // Every density is at most the kernel peak 1 / (h sqrt(2 pi)).
    if (s.reason === null && 1 / (s.bandwidth * Math.sqrt(2 * Math.PI)) >= INT32_MAX - 1) densityMayExceedInt32[r] = 1;
  }
  return { rows, cols, k, std, bandwidth, min, max, wholeReason, densityMayExceedInt32 };
}

/** Grid point j of row rowIndex in float64, exactly rule 3. */
export function gridPoint(plan: TensorPlan, rowIndex: number, j: number): number {
  return gridValue(plan.min[rowIndex], plan.max[rowIndex], plan.k, j);
}

/** Builds a TensorSelection row by row; `densities` fills the k rounded densities of a selected row. */
function selectRows(
  fine: Float32Array,
  plan: TensorPlan,
  densities: (
    row: Float32Array,
    rowIndex: number,
    out: Float64Array,
    offsetOut: { array: ArrayLike<number>; offset: number },
    sortedValues: Float64Array,
  ) => void,
): TensorSelection {
  const { rows, cols, k } = plan;
  const maskBits = new Uint8Array(maskByteLength(rows * cols));
  const keptPerRow = new Uint32Array(rows);
  const wholeRows: WholeRow[] = [];
  const rounded = new Float64Array(k);
  const keys = new Float64Array(k);
  const visitOrder = new Int32Array(k);
  const counts = new Int32Array(4 * k + 1024);
  const matchWs = new MatchWorkspace();
  const source = { array: rounded as ArrayLike<number>, offset: 0 };
  let keptCount = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const reason = plan.wholeReason[r];
    if (reason !== null) {
      setBitRange(maskBits, start, cols);
      keptPerRow[r] = cols;
      keptCount += cols;
      wholeRows.push({ rowIndex: r, reason });
      continue;
    }
    const row = fine.subarray(start, start + cols);
    source.array = rounded;
    source.offset = 0;
    sortRow(row, matchWs, plan.min[r], plan.max[r]);
    densities(row, r, rounded, source, matchWs.sortedValue);
    visitOrderOf(source.array, source.offset, k, visitOrder, keys, counts);
    const kept = matchRow(row, k, visitOrder, plan.min[r], plan.max[r], matchWs, maskBits, start, undefined, true);
    keptPerRow[r] = kept;
    keptCount += kept;
  }
  return { rows, cols, k, rule: 'ken', maskBits, keptPerRow, keptCount, wholeRows };
}

/**
 * KEN on a rows x cols float32 tensor, fast CPU path: the same mask as kenRowDetails on every row.
 * Densities by a bounded fast Gauss transform with exact rechecks near rounding boundaries,
 * matching in O((n + k) log n).
 */
export function selectTensor(fine: Float32Array, rows: number, cols: number, k: number, options: SelectOptions = {}): TensorSelection {
  const plan = planTensor(fine, rows, cols, k);
  const method = options.densityMethod ?? 'auto';
  const ws = new DensityWorkspace();
  const selection = selectRows(fine, plan, (row, r, out, _source, sortedValues) => {
    const h = plan.bandwidth[r];
    const min = plan.min[r];
    const max = plan.max[r];
    if (k === 1) {
      out[0] = 0; // one grid point: its density cannot change the visit order
    } else if (method === 'exact' || (method === 'auto' && (cols < 32 || cols * k <= 4096))) {
      roundedDensitiesExact(row, h, min, max, k, out);
    } else {
      roundedDensitiesFast(row, h, min, max, k, out, ws, options.fast, sortedValues.subarray(0, cols));
    }
  });
  if (options.stats) options.stats.rechecks = ws.rechecks;
  return selection;
}

/**
 * Finishes a selection from rounded densities computed elsewhere (rows * k, row-major; rows kept
 * whole are ignored): visit order, greedy matching and keep-by-value (rules 5-7).
 */
export function finishTensor(fine: Float32Array, plan: TensorPlan, roundedDensity: Int32Array | Float64Array): TensorSelection {
  checkTensorArgs(fine, plan.rows, plan.cols, plan.k);
  if (roundedDensity.length !== plan.rows * plan.k) {
    throw new RangeError(`KEN: expected ${plan.rows} x ${plan.k} rounded densities, got ${roundedDensity.length}`);
  }
  return selectRows(fine, plan, (_row, r, _out, source) => {
    source.array = roundedDensity;
    source.offset = r * plan.k;
  });
}

/**
 * The pruned tensor (rule 8): kept entries take the fine-tuned value unless it is exactly zero, every
 * other entry the pre-trained value; rows kept whole take the fine-tuned values, zeros included.
 */
export function mergeTensor(fine: Float32Array, pre: Float32Array, sel: TensorSelection): Float32Array {
  const { rows, cols } = sel;
  if (fine.length !== rows * cols || pre.length !== rows * cols) {
    throw new RangeError(`KEN merge: expected ${rows} x ${cols} values, got ${fine.length} fine-tuned and ${pre.length} pre-trained`);
  }
  const out = new Float32Array(rows * cols);
  const whole = new Uint8Array(rows);
  for (const w of sel.wholeRows) whole[w.rowIndex] = 1;
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    if (whole[r]) {
      out.set(fine.subarray(start, start + cols), start);
      continue;
    }
    for (let i = start; i < start + cols; i++) {
      out[i] = getBit(sel.maskBits, i) && fine[i] !== 0 ? fine[i] : pre[i];
    }
  }
  return out;
}
