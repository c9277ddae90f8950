// The neuron view's data: histogram bins, a fine KDE curve with the row's own bandwidth, the greedy
// matching replayed step by step, and what "a row" means for a tensor. Pure, no drawing.
import type { RowDetails } from '../../engine/protocol';

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

/** `binCount` equal-width bins over [min, max]; the max lands in the last bin. Non-finite values are skipped. */
export function histogram(values: ArrayLike<number>, binCount: number, min: number, max: number): HistogramBin[] {
  const n = Math.max(1, Math.floor(binCount));
  const width = max > min ? (max - min) / n : 1;
  const bins: HistogramBin[] = Array.from({ length: n }, (_, i) => ({ x0: min + i * width, x1: min + (i + 1) * width, count: 0 }));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const b = Math.min(n - 1, Math.max(0, Math.floor((v - min) / width)));
    bins[b].count++;
  }
  return bins;
}

/**
 * Gaussian KDE at each x with bandwidth h, normalised like KEN-SPEC step 3
 * (1 / (n h sqrt(2 pi)) sum exp(-((x - x_i) / h)^2 / 2)), in float64.
 */
export function kdeAt(values: ArrayLike<number>, bandwidth: number, xs: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(xs.length);
  if (n === 0 || !(bandwidth > 0)) return out;
  const norm = 1 / (n * bandwidth * Math.sqrt(2 * Math.PI));
  for (let j = 0; j < xs.length; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = (xs[j] - values[i]) / bandwidth;
      s += Math.exp(-(z * z) / 2);
    }
    out[j] = s * norm;
  }
  return out;
}

/** `count` evenly spaced points from min to max inclusive. */
export function linspace(min: number, max: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = count === 1 ? min : min + ((max - min) * i) / (count - 1);
  return out;
}

export interface GreedyStep {
  /** 1-based step number. */
  step: number;
  gridIndex: number;
  gridValue: number;
  roundedDensity: number;
  takenIndex: number;
  takenValue: number;
  /** |taken - grid| in float32, as KEN measures it. */
  distance: number;
}

/** The k steps of the greedy matching: step s visits grid point visitOrder[s-1] and takes entry takenIndices[s-1]. */
export function greedySteps(details: RowDetails): GreedyStep[] {
  const steps: GreedyStep[] = [];
  const count = Math.min(details.visitOrder.length, details.takenIndices.length);
  for (let s = 0; s < count; s++) {
    const gridIndex = details.visitOrder[s];
    const takenIndex = details.takenIndices[s];
    const gridValue = details.grid[gridIndex];
    const takenValue = details.finetuned[takenIndex];
    steps.push({
      step: s + 1,
      gridIndex,
      gridValue,
      roundedDensity: details.roundedDensity[gridIndex],
      takenIndex,
      takenValue,
      distance: Math.abs(Math.fround(takenValue - Math.fround(gridValue))),
    });
  }
  return steps;
}

export function ordinal(n: number): string {
  const mod100 = n % 100;
  const suffix = mod100 >= 11 && mod100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** One sentence per step, saying what the greedy matching just did and why in that order. */
export function describeStep(step: GreedyStep | null, total: number, poolSize: number, digits = 4): string {
  if (!step) {
    return `Step 0 of ${total}: grid points are visited from the highest rounded density down (ties in grid order); each takes the nearest entry still in the pool of ${poolSize}.`;
  }
  const f = (v: number) => v.toPrecision(digits);
  return (
    `Step ${step.step} of ${total}: grid point g${step.gridIndex} = ${f(step.gridValue)} ` +
    `(rounded density ${step.roundedDensity}, visited ${ordinal(step.step)}) takes entry ${step.takenIndex} ` +
    `= ${f(step.takenValue)}, the nearest left in the pool (distance ${f(step.distance)}); ` +
    `${poolSize - step.step} entries remain.`
  );
}

/** GPT-2 Conv1D weights are stored [in, out]; every other 2-D weight is nn.Linear-style [out, in]. */
const CONV1D_NAME = /(^|\.)(c_attn|c_proj|c_fc|c_fc2)\.weight$/;

export function isConv1DWeight(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && CONV1D_NAME.test(name);
}

/** What one row of a tensor is, for the views' captions (KEN-SPEC "Tensors"). */
export function rowMeaning(name: string, shape: readonly number[]): string {
  if (shape.length <= 1) return `1-D tensor of ${shape[0] ?? 1} values: the whole vector is one row`;
  if (shape.length > 2) return `rank-${shape.length} tensor: one row per index of dimension 0 (e.g. one output channel's whole filter)`;
  if (isConv1DWeight(name, shape)) return `GPT-2 Conv1D [in ${shape[0]}, out ${shape[1]}]: row i = input i's outgoing weights`;
  if (/embedding/i.test(name)) return `embedding [${shape[0]} tokens/positions, ${shape[1]} dims]: row i = one token's (or position's) vector`;
  return `nn.Linear [out ${shape[0]}, in ${shape[1]}]: row i = output neuron i's incoming weights`;
}
