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
  /** Multiplies the error bound: tests set it huge to force every density through the exact recheck. */
  readonly boundScale?: number;
}

const DEFAULT_WINDOW_H = 5;
const DEFAULT_BOX_WIDTH_H = 1;
// 1/p as constants: a division in the per-source chain costs several times a multiplication.
const INV_2 = 1 / 2, INV_3 = 1 / 3, INV_4 = 1 / 4, INV_5 = 1 / 5, INV_6 = 1 / 6, INV_7 = 1 / 7;
const INV_8 = 1 / 8, INV_9 = 1 / 9;

/** Taylor terms per box (the moment loop and addBoxExpansion are unrolled for exactly this many). */
const TERMS = 10;

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
  moments = new Float64Array(0);
  boxCount = new Int32Array(0);
  nonEmpty = new Int32Array(0);
  gauss = new Float64Array(0);
  sums = new Float64Array(0);
  approx = new Float64Array(0);
  bounds = new Float64Array(0);
  prefix = new Int32Array(0);
  /** Densities recomputed exactly because their bound straddled a rounding boundary (statistics). */
  rechecks = 0;

  ensure(boxes: number, terms: number, gaussLength: number): void {
    if (this.boxCount.length < boxes) {
      this.boxCount = new Int32Array(boxes);
      this.prefix = new Int32Array(boxes + 1);
      this.nonEmpty = new Int32Array(boxes);
    }
    if (this.moments.length < boxes * terms) this.moments = new Float64Array(boxes * terms);
    if (this.gauss.length < gaussLength) this.gauss = new Float64Array(gaussLength);
  }

  ensureTargets(k: number): void {
    if (this.sums.length < k) {
      this.sums = new Float64Array(k);
      this.approx = new Float64Array(k);
      this.bounds = new Float64Array(k);
    }
  }
}

/**
 * Approximate densities at the k >= 2 grid points of a row with finite values, min < max and h > 0, with
 * a rigorous bound: |ws.approx[j] - densityExact(row, g_j, h)| <= ws.bounds[j] for j < k.
 *
 * Method: grid and sources live on a lattice of spacing lambda = step / (h D) bandwidths; sources are
 * grouped in boxes of ~1 bandwidth centred on lattice points; per box, moments
 * A_p = sum_i e^(-t_i^2/2) t_i^p / p! (t = offset from the centre) give the box's kernel sum at target
 * offset u as e^(-u^2/2) * sum_p A_p u^p. The error against densityExact is bounded by the dropped far
 * boxes, the Taylor remainder, position rounding and float64 rounding (of both methods).
 */
export function approximateDensities(
  row: Float32Array,
  h: number,
  min: number,
  max: number,
  k: number,
  ws: DensityWorkspace,
  options: FastDensityOptions = {},
  sortedValues?: Float64Array,
): void {
  const n = row.length;
  const windowH = options.windowH ?? DEFAULT_WINDOW_H;
  const boxWidthH = options.boxWidthH ?? DEFAULT_BOX_WIDTH_H;
  const boundScale = options.boundScale ?? 1;

  const step = (max - min) / (k - 1);
  const sigma = step / h; // grid spacing in bandwidths
  const perStep = Math.max(1, Math.ceil(sigma / boxWidthH)); // lattice points per grid step (D)
  const lambda = sigma / perStep; // lattice spacing in bandwidths
  const perBox = Math.max(1, Math.floor(boxWidthH / lambda)); // lattice points per box (B)
  const lastLattice = (k - 1) * perStep;
  const boxes = Math.round(lastLattice / perBox) + 1;

  ws.ensureTargets(k);
  if (boxes > 4 * n + 1024) {
    // Only for a float32 std far below the row's spread (underflowing squares): too many boxes to pay off.
    for (let j = 0; j < k; j++) {
      ws.approx[j] = densityExact(row, gridValue(min, max, k, j), h);
      ws.bounds[j] = 0;
    }
    return;
  }
  ws.ensure(boxes, TERMS, 1);
  const values = sortedValues ?? Float64Array.from(row).sort();
  const terms = TERMS;
  const moments = ws.moments;
  const boxCount = ws.boxCount;
  moments.fill(0, 0, boxes * terms);
  boxCount.fill(0, 0, boxes);

  // Moments A_p = sum e^(-t^2/2) t^p / p! per box, t = offset from the box centre in bandwidths.
  // Sorted sources arrive box by box, so the sums stay in locals until the box changes.
  let maxOffset = 0;
  let box = -1;
  let m0 = 0, m1 = 0, m2 = 0, m3 = 0, m4 = 0, m5 = 0, m6 = 0, m7 = 0, m8 = 0, m9 = 0;
  let count = 0;
  const boxScale = 1 / (lambda * perBox);
  const invH = 1 / h; // a multiplication, not a division, per source; the position error bound covers it
  for (let i = 0; i <= n; i++) {
    let b = -2;
    let t = 0;
    if (i < n) {
      const position = (values[i] - min) * invH;
      b = Math.round(position * boxScale);
      if (b < 0) b = 0;
      else if (b >= boxes) b = boxes - 1;
      t = position - b * perBox * lambda;
      const a = t < 0 ? -t : t;
      if (a > maxOffset) maxOffset = a;
    }
    if (b !== box) {
      if (box >= 0) {
        const base = box * terms;
        moments[base] += m0; moments[base + 1] += m1; moments[base + 2] += m2; moments[base + 3] += m3;
        moments[base + 4] += m4; moments[base + 5] += m5; moments[base + 6] += m6; moments[base + 7] += m7;
        moments[base + 8] += m8; moments[base + 9] += m9;
        boxCount[box] += count;
      }
      if (i === n) break;
      box = b;
      m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = m8 = m9 = 0;
      count = 0;
    }
    count++;
    let w = Math.exp(-(t * t) / 2);
    m0 += w;
    w *= t;
    m1 += w;
    w = w * t * INV_2;
    m2 += w;
    w = w * t * INV_3;
    m3 += w;
    w = w * t * INV_4;
    m4 += w;
    w = w * t * INV_5;
    m5 += w;
    w = w * t * INV_6;
    m6 += w;
    w = w * t * INV_7;
    m7 += w;
    w = w * t * INV_8;
    m8 += w;
    w = w * t * INV_9;
    m9 += w;
  }

  // Fixed Taylor order (unrolled in addBoxExpansion); its remainder bound uses this row's largest offset.
  const reach = windowH + maxOffset; // box centres farther than this from a target are dropped
  const taylorBound = taylorRemainderBound(maxOffset, reach, terms);
  const reachLattice = Math.floor(reach / lambda);
  ws.ensure(boxes, terms, reachLattice + 1);
  const gauss = ws.gauss;
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
  // Dropped boxes are counted per target below (sources outside reach, e^(-W^2/2) each at most).
  const sumBound = 2 * n * (taylorBound + 0.61 * positionError + roundingError);
  const dropBound = 2 * Math.exp(-(windowH * windowH) / 2);
  const norm = 1 / (n * h * SQRT_2PI);
  const normBound = norm * sumBound * boundScale;
  const normDropBound = norm * dropBound * boundScale;
  // prefix[b] = sources in boxes < b.
  const prefix = ws.prefix;
  prefix[0] = 0;
  for (let b = 0; b < boxes; b++) prefix[b + 1] = prefix[b] + boxCount[b];

  // Box by box, add the box's expansion to every target within reach. Each target's Horner chain is
  // independent of the next one's, so the CPU overlaps them (a target-outer loop is latency-bound).
  const sums = ws.sums;
  sums.fill(0, 0, k);
  for (let e = 0; e < nonEmptyCount; e++) {
    const b = nonEmpty[e];
    const centre = b * perBox;
    const jLo = Math.max(0, Math.ceil((centre - reachLattice) / perStep));
    const jHi = Math.min(k - 1, Math.floor((centre + reachLattice) / perStep));
    addBoxExpansion(moments, b * terms, centre, perStep, lambda, gauss, sums, jLo, jHi);
  }
  const approx = ws.approx;
  const bounds = ws.bounds;
  // Boxes within reach of target j: bLo = max(0, ceil((j D - R) / B)), bHi = min(boxes - 1,
  // floor((j D + R) / B)) in integers, advanced as j grows instead of two divisions per target.
  let bLo = 0;
  let bHi = -1;
  for (let j = 0; j < k; j++) {
    const density = norm * sums[j];
    const lowEdge = j * perStep - reachLattice;
    const highEdge = j * perStep + reachLattice;
    while (bLo * perBox < lowEdge) bLo++;
    while (bHi + 1 < boxes && (bHi + 1) * perBox <= highEdge) bHi++;
    const dropped = bHi < bLo ? n : n - (prefix[bHi + 1] - prefix[bLo]);
    approx[j] = density;
    bounds[j] = normBound + normDropBound * dropped + Math.abs(density) * 8 * ULP_HALF * boundScale;
  }
}

/**
 * Rounded densities (rule 4) at the k >= 2 grid points of a row with finite values, min < max and h > 0:
 * out[j] = roundHalfEven(densityExact(row, g_j, h)) for every j, exactly. Uses approximateDensities and
 * recomputes with densityExact only where [approx - bound, approx + bound] contains a rounding boundary.
 * `sortedValues` (the row's values ascending) saves a sort when the caller has one.
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
  sortedValues?: Float64Array,
): void {
  approximateDensities(row, h, min, max, k, ws, options, sortedValues);
  const approx = ws.approx;
  const bounds = ws.bounds;
  for (let j = 0; j < k; j++) {
    const a = approx[j];
    const nearest = Math.round(a);
    // Safe when no .5 rounding boundary lies within the bound (then half-up and half-even agree);
    // a - nearest is exact, and 1e-15 absorbs the rounding of the sum.
    if (Math.abs(a - nearest) + bounds[j] < 0.5 - 1e-15) {
      out[j] = nearest === 0 ? 0 : nearest;
    } else {
      out[j] = roundHalfEven(densityExact(row, gridValue(min, max, k, j), h));
      ws.rechecks++;
    }
  }
}

/** sums[j] += e^(-u^2/2) * sum_p A_p u^p for targets jLo..jHi, u = (j * perStep - centre) * lambda. */
function addBoxExpansion(
  a: Float64Array,
  base: number,
  centre: number,
  perStep: number,
  lambda: number,
  gauss: Float64Array,
  sums: Float64Array,
  jLo: number,
  jHi: number,
): void {
  const a0 = a[base], a1 = a[base + 1], a2 = a[base + 2], a3 = a[base + 3], a4 = a[base + 4];
  const a5 = a[base + 5], a6 = a[base + 6], a7 = a[base + 7], a8 = a[base + 8], a9 = a[base + 9];
  for (let j = jLo; j <= jHi; j++) {
    const m = j * perStep - centre;
    const u = m * lambda;
    // Estrin's scheme: a shorter dependency chain than Horner's, same rounding-error order.
    const u2 = u * u;
    const u4 = u2 * u2;
    const p = a0 + a1 * u + (a2 + a3 * u) * u2 + (a4 + a5 * u + (a6 + a7 * u) * u2) * u4 + (a8 + a9 * u) * (u4 * u4);
    sums[j] += gauss[m < 0 ? -m : m] * p;
  }
}
