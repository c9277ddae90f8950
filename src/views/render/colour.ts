// Colour scales as data: 256-entry RGB lookup tables built once from d3 interpolators, so a renderer
// colours millions of cells with an index computation instead of a string parse per cell.
import { interpolateBlues, interpolateRdBu, interpolateViridis, rgb } from 'd3';

export const LUT_SIZE = 256;

/** RGB triples, LUT_SIZE entries: entry i is the colour at t = i / (LUT_SIZE - 1). */
export type ColourLut = Uint8ClampedArray;

export function buildLut(interpolate: (t: number) => string): ColourLut {
  const lut = new Uint8ClampedArray(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const c = rgb(interpolate(i / (LUT_SIZE - 1)));
    lut[i * 3] = c.r;
    lut[i * 3 + 1] = c.g;
    lut[i * 3 + 2] = c.b;
  }
  return lut;
}

/** Index into a LUT for t in 0..1 (clamped; NaN maps to -1 so callers paint it blank). */
export function lutIndex(t: number): number {
  if (Number.isNaN(t)) return -1;
  const clamped = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.round(clamped * (LUT_SIZE - 1));
}

/** Kept fraction 0..1: light (all reset) to dark blue (all kept); the ends are trimmed so 0 stays visible on white. */
export const keptFractionInterpolator = (t: number): string => interpolateBlues(0.08 + 0.87 * t);
/** Signed values: blue below zero, white at zero, red above (RdBu reversed so that "more" reads warm). */
export const divergingInterpolator = (t: number): string => interpolateRdBu(1 - t);
/** Neighbour counts 0..4. */
export const neighbourInterpolator = (t: number): string => interpolateViridis(t);

export const KEPT_LUT = buildLut(keptFractionInterpolator);
export const DIVERGING_LUT = buildLut(divergingInterpolator);
export const NEIGHBOUR_LUT = buildLut(neighbourInterpolator);

/** Cells with no value in the current mode (e.g. reset entries in "kept values"). */
export const BLANK_RGB: readonly [number, number, number] = [224, 224, 221];
/** Diff of two k: kept by both, only by k, only by k2, by neither. */
export const DIFF_RGB = {
  both: [68, 68, 68],
  onlyK: [230, 97, 1],
  onlyK2: [94, 60, 153],
  neither: [242, 242, 240],
} as const satisfies Record<string, readonly [number, number, number]>;

/**
 * The p-th percentile (0..100) of |v| over the finite values, linearly interpolated between order
 * statistics like NumPy's default. Long arrays are sampled at a fixed stride (deterministic) so a
 * 23M-entry embedding costs a sort of at most `maxSample` values.
 */
export function percentileAbs(values: ArrayLike<number>, p: number, maxSample = 1 << 20): number {
  const stride = Math.max(1, Math.ceil(values.length / maxSample));
  const sample = new Float64Array(Math.ceil(values.length / stride));
  let n = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i];
    if (Number.isFinite(v)) sample[n++] = Math.abs(v);
  }
  if (n === 0) return 0;
  const sorted = sample.subarray(0, n).sort();
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** A diverging scale symmetric around 0 that saturates at ±clip. */
export interface DivergingScale {
  readonly clip: number;
  /** 0..1 position in the LUT: 0.5 at zero, 0 at -clip, 1 at +clip, clamped beyond. */
  t(v: number): number;
}

export function divergingScale(clip: number): DivergingScale {
  // A zero clip (all-zero data) would divide by zero; any positive clip then maps everything to the middle.
  const safeClip = clip > 0 && Number.isFinite(clip) ? clip : 1;
  return {
    clip: safeClip,
    t: (v) => (Number.isNaN(v) ? Number.NaN : Math.min(1, Math.max(0, 0.5 + v / (2 * safeClip)))),
  };
}

/** Writes the LUT colour for t (or the blank colour for NaN) into an RGBA buffer at byte offset `o`. */
export function writeLutColour(out: Uint8ClampedArray, o: number, lut: ColourLut, t: number): void {
  const i = lutIndex(t);
  if (i < 0) {
    out[o] = BLANK_RGB[0];
    out[o + 1] = BLANK_RGB[1];
    out[o + 2] = BLANK_RGB[2];
  } else {
    out[o] = lut[i * 3];
    out[o + 1] = lut[i * 3 + 1];
    out[o + 2] = lut[i * 3 + 2];
  }
  out[o + 3] = 255;
}

export function lutCss(lut: ColourLut, t: number): string {
  const i = lutIndex(t);
  if (i < 0) return `rgb(${BLANK_RGB.join(',')})`;
  return `rgb(${lut[i * 3]},${lut[i * 3 + 1]},${lut[i * 3 + 2]})`;
}
