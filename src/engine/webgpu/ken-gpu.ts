// KEN on WebGPU: the GPU sums the Gaussian kernels in float32 (density.ts); the CPU rounds each density,
// recomputes in float64 (core densityExact) every one whose error bound touches a rounding boundary, and
// finishes with the core's matching (finishTensor). Rows go in chunks, so memory stays bounded and a
// cancel takes effect between chunks.
import { densityExact, finishTensor, gridPoint, planTensor, type TensorPlan } from '../../core/ken';
import type { TensorSelection, WholeRow } from '../../core/types';
import type { SelectionBackend } from '../host';
import { abortError } from '../pool';
import { orBitsAt } from '../bits-merge';
import { densityErrorBound, fillWindows, nearRoundingBoundary, roundHalfEven } from './density';
import { DensityProgram, type DensityChunk } from './density-program';
import { acquireTfjsDevice } from './device';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
/** Bound on values and (row, grid point) pairs per dispatch: buffers of at most 16 MiB each. */
const MAX_VALUES_PER_CHUNK = 4 << 20;
const MAX_DENSITIES_PER_CHUNK = 1 << 20;
/** Kernel terms per dispatch: keeps one dispatch well under a second, below OS GPU watchdogs. */
const MAX_TERMS_PER_CHUNK = 1 << 28;

/** What selectTensorGpu needs of the GPU program (tests substitute a float32 emulation). */
export interface DensityRunner {
  readonly maxBindingBytes: number;
  run(chunk: DensityChunk): Promise<Float32Array>;
}

export interface GpuSelectStats {
  densities: number;
  /** Densities recomputed exactly in float64 because they lay within the error bound of a .5 boundary. */
  rechecks: number;
}

/** Fills the float32 inputs of one chunk from its plan; whole rows get empty windows. */
function chunkInputs(fine: Float32Array, plan: TensorPlan) {
  const { rows, cols, k } = plan;
  const sortedValues = new Float32Array(rows * cols);
  const grid = new Float32Array(rows * k);
  const grid64 = new Float64Array(rows * k);
  const invBandwidth = new Float32Array(rows);
  const windows = new Uint32Array(rows * k * 2);
  const rowGrid = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    if (plan.wholeReason[r] !== null) continue;
    const sorted = sortedValues.subarray(r * cols, (r + 1) * cols);
    sorted.set(fine.subarray(r * cols, (r + 1) * cols));
    sorted.sort();
    for (let j = 0; j < k; j++) {
      const g = gridPoint(plan, r, j);
      rowGrid[j] = g;
      grid64[r * k + j] = g;
      grid[r * k + j] = g;
    }
    invBandwidth[r] = 1 / plan.bandwidth[r];
    fillWindows(sorted, rowGrid, plan.bandwidth[r], windows, r * k * 2);
  }
  return { sortedValues, grid, grid64, invBandwidth, windows };
}

/** Rounded densities of a chunk from the GPU sums, with float64 rechecks near rounding boundaries. */
export function roundDensities(
  fine: Float32Array,
  plan: TensorPlan,
  sums: Float32Array,
  grid64: Float64Array,
  windows: Uint32Array,
  stats: GpuSelectStats,
): Float64Array {
  const { rows, cols, k } = plan;
  const rounded = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    if (plan.wholeReason[r] !== null || k === 1) continue; // k = 1: one grid point, order cannot change
    const h = plan.bandwidth[r];
    const scale = 1 / (cols * h * SQRT_2PI);
    const maxAbs = Math.max(Math.abs(plan.min[r]), Math.abs(plan.max[r]));
    const row = fine.subarray(r * cols, (r + 1) * cols);
    for (let j = 0; j < k; j++) {
      const at = r * k + j;
      const terms = windows[2 * at + 1] - windows[2 * at];
      const density = sums[at] * scale;
      const bound = densityErrorBound({ sumF32: sums[at], terms, omitted: cols - terms, maxAbs, bandwidth: h, n: cols });
      stats.densities++;
      if (nearRoundingBoundary(density, bound)) {
        stats.rechecks++;
        rounded[at] = roundHalfEven(densityExact(row, grid64[at], h));
      } else {
        rounded[at] = roundHalfEven(density);
      }
    }
  }
  return rounded;
}

export async function selectTensorGpu(
  program: DensityRunner,
  fine: Float32Array,
  rows: number,
  cols: number,
  k: number,
  options: { signal?: AbortSignal; onRows?(rowsDone: number): void; stats?: GpuSelectStats } = {},
): Promise<TensorSelection> {
  if (fine.length !== rows * cols) throw new RangeError(`${fine.length} values do not make ${rows} x ${cols}`);
  const stats = options.stats ?? { densities: 0, rechecks: 0 };
  const maxBytes = program.maxBindingBytes;
  const chunkRows = Math.max(
    1,
    Math.min(rows, Math.floor(Math.min(MAX_VALUES_PER_CHUNK, maxBytes / 4) / Math.max(1, cols)), Math.floor(Math.min(MAX_DENSITIES_PER_CHUNK, maxBytes / 8) / k), Math.floor(MAX_TERMS_PER_CHUNK / (k * Math.max(1, cols)))),
  );
  const maskBits = new Uint8Array(Math.ceil((rows * cols) / 8));
  const keptPerRow = new Uint32Array(rows);
  const wholeRows: WholeRow[] = [];
  let keptCount = 0;
  if (rows === 0) planTensor(fine, rows, cols, k); // validates k
  // Chunk i+1 is planned and dispatched before chunk i is rounded and matched, so the GPU works while
  // the CPU finishes the previous chunk.
  const dispatch = (r0: number) => {
    const count = Math.min(chunkRows, rows - r0);
    const sub = fine.subarray(r0 * cols, (r0 + count) * cols);
    const plan = planTensor(sub, count, cols, k);
    const inputs = chunkInputs(sub, plan);
    const needsGpu = k > 1 && plan.wholeReason.some((w) => w === null);
    const sums = needsGpu ? program.run({ ...inputs, rowCount: count, k, cols }) : Promise.resolve(new Float32Array(count * k));
    // Handled when awaited; this only keeps an early failure from being reported as unhandled.
    sums.catch(() => undefined);
    return { r0, count, sub, plan, inputs, sums };
  };
  let next = rows > 0 ? dispatch(0) : null;
  while (next) {
    if (options.signal?.aborted) throw abortError();
    const chunk = next;
    const sums = await chunk.sums;
    if (options.signal?.aborted) throw abortError();
    const nextStart = chunk.r0 + chunk.count;
    next = nextStart < rows ? dispatch(nextStart) : null;
    const rounded = roundDensities(chunk.sub, chunk.plan, sums, chunk.inputs.grid64, chunk.inputs.windows, stats);
    const sel = finishTensor(chunk.sub, chunk.plan, rounded);
    orBitsAt(maskBits, chunk.r0 * cols, sel.maskBits, chunk.count * cols);
    keptPerRow.set(sel.keptPerRow, chunk.r0);
    keptCount += sel.keptCount;
    for (const w of sel.wholeRows) wholeRows.push({ rowIndex: w.rowIndex + chunk.r0, reason: w.reason });
    options.onRows?.(nextStart);
  }
  return { rows, cols, k, rule: 'ken', maskBits, keptPerRow, keptCount, wholeRows };
}

/** The WebGPU backend on tfjs's device; throws with the reason when WebGPU cannot start. */
export async function createGpuBackend(): Promise<SelectionBackend> {
  const device = await acquireTfjsDevice();
  const program = new DensityProgram(device);
  return {
    kind: 'webgpu',
    select: (fine, rows, cols, k, options) => selectTensorGpu(program, fine, rows, cols, k, options),
  };
}
