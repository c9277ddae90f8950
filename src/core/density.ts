// Gaussian KDE densities of one row at KEN's grid points (KEN-SPEC rules 2-4), rounded half to even.
// densityExact is the oracle (direct sum in index order). roundedDensitiesFast returns the same
// integers at a fraction of the cost: a truncated Taylor ("fast Gauss transform") expansion with a
// rigorous error bound, and any density whose bound straddles a .5 rounding boundary is recomputed
// with densityExact.
import { roundHalfEven } from './numpy';

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const ULP_HALF = 2 ** -53;

/** Grid point j of k from min to max (rule 3): (j * step) + min in float64, the last point exactly max. */
export function gridValue(min: number, max: number, k: number, j: number): number {
  if (k === 1) return min;
  if (j === k - 1) return max;
  const step = (max - min) / (k - 1);
  return j * step + min;
}

/** KDE density of `row` at g with bandwidth h: 1/(n h sqrt(2 pi)) * sum_i exp(-((g - x_i)/h)^2 / 2), summed in index order. */
export function densityExact(row: Float32Array, g: number, h: number): number {
  const n = row.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const u = (g - row[i]) / h;
    sum += Math.exp(-(u * u) / 2);
  }
  return (1 / (n * h * SQRT_2PI)) * sum;
}

/** Rounded densities at every grid point by the direct method (n * k Gaussian terms). */
export function roundedDensitiesExact(row: Float32Array, h: number, min: number, max: number, k: number, out: Float64Array): void {
  for (let j = 0; j < k; j++) out[j] = roundHalfEven(densityExact(row, gridValue(min, max, k, j), h));
}

/** Tunables of the fast path; the defaults were picked with scripts/bench-core.ts. */
export interface FastDensityOptions {
  /** Boxes farther than this many bandwidths from every source are dropped (error <= e^(-W^2/2) per source). */
  readonly windowH?: number;
  /** Box width in bandwidths (sources lie within half of it from their box centre). */
  readonly boxWidthH?: number;
  /** Target bound on the per-source Taylor remainder, in units of one kernel peak. */
  readonly taylorTolerance?: number;
  /** Multiplies the error bound: tests set it huge to force every density through the exact recheck. */
  readonly boundScale?: number;
}

const DEFAULT_WINDOW_H = 6;
const DEFAULT_BOX_WIDTH_H = 1;
const DEFAULT_TAYLOR_TOLERANCE = 1e-9;
const MAX_TERMS = 48;

function lnFactorial(p: number): number {
  let s = 0;
  for (let i = 2; i <= p; i++) s += Math.log(i);
  return s;
}

/**
 * Bound on the Taylor remainder of e^(u t) after `terms` terms, times e^(-u^2/2), over |t| <= r and
 * |u| <= vMax: max_v e^(-v^2/2 + v r) (v r)^P / P!. Its log is concave in v, so the maximum is at the
 * stationary point v* = (r + sqrt(r^2 + 4P)) / 2 or at vMax.
 */
export function taylorRemainderBound(r: number, vMax: number, terms: number): number {
  if (r === 0) return 0;
  const v = Math.min(vMax, (r + Math.sqrt(r * r + 4 * terms)) / 2);
  return Math.exp(-(v * v) / 2 + v * r + terms * Math.log(v * r) - lnFactorial(terms));
}

/** Reusable buffers of the fast path, grown on demand (one per worker / tensor loop). */
export class DensityWorkspace {
  boxOf = new Int32Array(0);
  offset = new Float64Array(0);
  moments = new Float64Array(0);
  boxCount = new Int32Array(0);
  nonEmpty = new Int32Array(0);
  gauss = new Float64Array(0);
  /** Densities recomputed exactly because their bound straddled a rounding boundary (statistics). */
  rechecks = 0;

  ensure(n: number, boxes: number, terms: number, gaussLength: number): void {
    if (this.boxOf.length < n) {
      this.boxOf = new Int32Array(n);
      this.offset = new Float64Array(n);
    }
    if (this.boxCount.length < boxes) {
      this.boxCount = new Int32Array(boxes);
      this.nonEmpty = new Int32Array(boxes);
    }
    if (this.moments.length < boxes * terms) this.moments = new Float64Array(boxes * terms);
    if (this.gauss.length < gaussLength) this.gauss = new Float64Array(gaussLength);
  }
}

/**
 * Rounded densities (rule 4) at the k >= 2 grid points of a row with finite values, min < max and h > 0,
 * equal to roundHalfEven(densityExact(row, g_j, h)) for every j. Writes out[0..k).
 *
 * Method: grid and sources live on a lattice of spacing lambda = step / (h D) bandwidths; sources are
 * grouped in boxes of ~1 bandwidth centred on lattice points; per box, moments
 * A_p = sum_i e^(-t_i^2/2) t_i^p / p! (t = offset from the centre) give the box's kernel sum at target
 * offset u as e^(-u^2/2) * sum_p A_p u^p. The error against densityExact is bounded by the dropped far
 * boxes, the Taylor remainder, position rounding and float64 rounding (of both methods).
 */
export function roundedDensitiesFast(
  row: Float32Array,
  h: number,
  min: number,
  max: number,
  k: number,
  out: Float64Array,
  ws: DensityWorkspace,
  options: FastDensityOptions = {},
): void {
  const n = row.length;
  const windowH = options.windowH ?? DEFAULT_WINDOW_H;
  const boxWidthH = options.boxWidthH ?? DEFAULT_BOX_WIDTH_H;
  const tolerance = options.taylorTolerance ?? DEFAULT_TAYLOR_TOLERANCE;
  const boundScale = options.boundScale ?? 1;

  const step = (max - min) / (k - 1);
  const sigma = step / h; // grid spacing in bandwidths
  const perStep = Math.max(1, Math.ceil(sigma / boxWidthH)); // lattice points per grid step (D)
  const lambda = sigma / perStep; // lattice spacing in bandwidths
  const perBox = Math.max(1, Math.floor(boxWidthH / lambda)); // lattice points per box (B)
  const lastLattice = (k - 1) * perStep;
  const boxes = Math.round(lastLattice / perBox) + 1;

  // Pass 1: box and offset (in bandwidths) of every source.
  ws.ensure(n, boxes, 1, 1);
  const boxOf = ws.boxOf;
  const offset = ws.offset;
  let maxOffset = 0;
  for (let i = 0; i < n; i++) {
    const s = (row[i] - min) / h;
    let b = Math.round(s / lambda / perBox);
    if (b < 0) b = 0;
    else if (b >= boxes) b = boxes - 1;
    const t = s - b * perBox * lambda;
    boxOf[i] = b;
    offset[i] = t;
    const a = Math.abs(t);
    if (a > maxOffset) maxOffset = a;
  }

  // Fewest Taylor terms that meet the tolerance for this row's largest offset.
  const reach = windowH + maxOffset; // box centres farther than this from a target are dropped
  let terms = 1;
  let taylorBound = taylorRemainderBound(maxOffset, reach, terms);
  while (taylorBound > tolerance && terms < MAX_TERMS) {
    terms++;
    taylorBound = taylorRemainderBound(maxOffset, reach, terms);
  }
  const reachLattice = Math.floor(reach / lambda);
  ws.ensure(n, boxes, terms, reachLattice + 1);
  const moments = ws.moments;
  const boxCount = ws.boxCount;
  const gauss = ws.gauss;
  moments.fill(0, 0, boxes * terms);
  boxCount.fill(0, 0, boxes);

  // Pass 2: moments A_p = sum e^(-t^2/2) t^p / p!.
  for (let i = 0; i < n; i++) {
    const t = offset[i];
    const base = boxOf[i] * terms;
    boxCount[boxOf[i]]++;
    let term = Math.exp(-(t * t) / 2);
    moments[base] += term;
    for (let p = 1; p < terms; p++) {
      term = (term * t) / p;
      moments[base + p] += term;
    }
  }
  const nonEmpty = ws.nonEmpty;
  let nonEmptyCount = 0;
  for (let b = 0; b < boxes; b++) if (boxCount[b] > 0) nonEmpty[nonEmptyCount++] = b;

  for (let m = 0; m <= reachLattice; m++) {
    const u = m * lambda;
    gauss[m] = Math.exp(-(u * u) / 2);
  }

  // Error bound in kernel-sum units (one source at distance 0 contributes 1), see the doc comment.
  const largest = Math.max(Math.abs(min), Math.abs(max));
  const positionError = ULP_HALF * (8 * ((max - min) + largest) / h + 20 + 4 * reach);
  const magnitude = Math.exp((maxOffset * maxOffset) / 2);
  const roundingError = (magnitude * (4 * terms + n + 300) + n + 6) * ULP_HALF;
  const sumBound = 2 * n * (Math.exp(-(windowH * windowH) / 2) + taylorBound + 0.61 * positionError + roundingError);
  const norm = 1 / (n * h * SQRT_2PI);
  const normBound = norm * sumBound * boundScale;

  let first = 0; // first non-empty box within reach of the current target
  for (let j = 0; j < k; j++) {
    const centre = j * perStep;
    while (first < nonEmptyCount && nonEmpty[first] * perBox < centre - reachLattice) first++;
    let sum = 0;
    for (let e = first; e < nonEmptyCount; e++) {
      const b = nonEmpty[e];
      const m = centre - b * perBox;
      if (m < -reachLattice) break;
      const u = m * lambda;
      const base = b * terms;
      let poly = moments[base + terms - 1];
      for (let p = terms - 2; p >= 0; p--) poly = poly * u + moments[base + p];
      sum += gauss[m < 0 ? -m : m] * poly;
    }
    const density = norm * sum;
    const bound = normBound + Math.abs(density) * 8 * ULP_HALF * boundScale;
    const low = roundHalfEven(density - bound);
    const high = roundHalfEven(density + bound);
    if (low === high) {
      out[j] = low === 0 ? 0 : low;
    } else {
      out[j] = roundHalfEven(densityExact(row, gridValue(min, max, k, j), h));
      ws.rechecks++;
    }
  }
}
