// The GPU density program: one invocation sums the Gaussian kernel of one (row, grid point) over a window
// of the row's sorted values, in float32. Its pure helpers (the error bound and the rounding check) live
// here too, so the proof that float32 is safe sits next to the code it covers and is unit-tested in Node.

/** Workgroup size of the density program (invocations along x). */
export const DENSITY_WORKGROUP = 64;

/** Terms are summed in blocks of this many, then the block sums: keeps float32 summation error small. */
export const DENSITY_BLOCK = 32;

/**
 * Values farther than this many bandwidths from a grid point are left out of its sum. Each omitted term is
 * below exp(-WINDOW_SIGMAS^2 / 2) ≈ 2.6e-18, and the bound counts them.
 */
export const WINDOW_SIGMAS = 9;

/**
 * Bindings: 0 sorted row values (rowCount*cols), 1 float32 grid points (rowCount*k), 2 per-row 1/h,
 * 3 windows as [start, end) pairs into the row (rowCount*k*2), 4 output sums (rowCount*k), 5 params.
 * Invocation index = x + y * (dispatch width), so more than 65535 workgroups fit in two dimensions.
 */
export const DENSITY_WGSL = /* wgsl */ `
struct Params {
  count: u32,
  k: u32,
  cols: u32,
  strideY: u32,
};

@group(0) @binding(0) var<storage, read> sortedValues: array<f32>;
@group(0) @binding(1) var<storage, read> grid: array<f32>;
@group(0) @binding(2) var<storage, read> invBandwidth: array<f32>;
@group(0) @binding(3) var<storage, read> windows: array<u32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(${DENSITY_WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x + gid.y * params.strideY;
  if (index >= params.count) {
    return;
  }
  let row = index / params.k;
  let g = grid[index];
  let invH = invBandwidth[row];
  let base = row * params.cols;
  let lo = windows[2u * index];
  let hi = windows[2u * index + 1u];
  var total: f32 = 0.0;
  var i: u32 = lo;
  loop {
    if (i >= hi) {
      break;
    }
    let blockEnd = min(i + ${DENSITY_BLOCK}u, hi);
    var part: f32 = 0.0;
    for (var j: u32 = i; j < blockEnd; j = j + 1u) {
      let u = (g - sortedValues[base + j]) * invH;
      part = part + exp((-0.5 * u) * u);
    }
    total = total + part;
    i = blockEnd;
  }
  sums[index] = total;
}
`;

export { roundHalfEven } from '../../core/numpy';

const EPS32 = 2 ** -24; // float32 unit roundoff
const EPS64 = 2 ** -53;
const MIN_NORMAL32 = 2 ** -126;

export interface DensityBoundInput {
  /** The float32 sum the GPU returned (sum of exp terms, before the 1/(n h sqrt(2 pi)) factor). */
  sumF32: number;
  /** Terms summed (window length) and terms left out of the window. */
  terms: number;
  omitted: number;
  /** max(|min(x)|, |max(x)|) of the row: bounds |x_i| and |g|. */
  maxAbs: number;
  /** Bandwidth h (float64). */
  bandwidth: number;
  /** Row length n. */
  n: number;
}

/**
 * An upper bound on |density_gpu - density_exact| where density_gpu = sumF32 / (n h sqrt(2 pi)) in float64.
 * Per term u = (g - x)/h: rounding g to float32, the subtraction, 1/h and the product give
 * |du| <= eps*(1.01*M/h + 3.1|u|); then |d(u^2/2)| <= eps*(1.01|u|M/h + 3.6u^2), and WGSL's exp is
 * accurate to (3 + 2|a|) ulp <= (6 + 4a)*eps relative. With e^-a*|u| <= 0.607 and e^-a*u^2 <= 0.736 each
 * term errs by at most eps*(0.62*M/h + 4.2) + 6*eps*term. Blocked summation adds
 * (B - 1 + blocks)*eps*sum, denormal flushing MIN_NORMAL per term, the window exp(-T^2/2) per omitted
 * term. The total is doubled for second-order terms and any slack in the exp accuracy.
 */
export function densityErrorBound(input: DensityBoundInput): number {
  const { sumF32, terms, omitted, maxAbs, bandwidth, n } = input;
  const sumUpper = Math.abs(sumF32) * 1.01 + terms * MIN_NORMAL32;
  const perTerm = terms * EPS32 * (0.62 * (maxAbs / bandwidth) + 4.2) + 6 * EPS32 * sumUpper;
  const blocks = Math.ceil(terms / DENSITY_BLOCK);
  const summation = 1.01 * (DENSITY_BLOCK - 1 + blocks) * EPS32 * sumUpper;
  const flush = terms * MIN_NORMAL32;
  const window = omitted * Math.exp(-0.499 * WINDOW_SIGMAS * WINDOW_SIGMAS);
  const scale = 1 / (n * bandwidth * Math.sqrt(2 * Math.PI));
  const bound = 2 * scale * (perTerm + summation + flush + window);
  // The float64 scaling on the CPU side: a few ulps of the density itself.
  return bound + 8 * EPS64 * scale * sumUpper;
}

/**
 * True when the rounded density may differ from the exact one's: the interval density +- bound touches a
 * rounding boundary (a half-integer). Such densities are recomputed exactly in float64.
 */
export function nearRoundingBoundary(density: number, bound: number): boolean {
  if (!Number.isFinite(density) || !Number.isFinite(bound)) return true;
  const nearestHalf = Math.floor(density) + 0.5;
  return Math.abs(density - nearestHalf) <= bound;
}

/**
 * Window [start, end) of the sorted values within WINDOW_SIGMAS bandwidths of each grid point, for one row
 * with ascending grid: two pointers, O(n + k). Returns pairs in `out` at `offset`.
 */
export function fillWindows(
  sorted: Float32Array,
  grid: Float64Array,
  bandwidth: number,
  out: Uint32Array,
  offset: number,
): void {
  const reach = WINDOW_SIGMAS * bandwidth;
  const n = sorted.length;
  let lo = 0;
  let hi = 0;
  let lastG = -Infinity;
  for (let j = 0; j < grid.length; j++) {
    const g = grid[j];
    if (g < lastG) {
      // Grid points are ascending by construction; if not, restart the pointers instead of skipping terms.
      lo = 0;
      hi = 0;
    }
    lastG = g;
    while (lo < n && sorted[lo] < g - reach) lo++;
    if (hi < lo) hi = lo;
    while (hi < n && sorted[hi] <= g + reach) hi++;
    out[offset + 2 * j] = lo;
    out[offset + 2 * j + 1] = hi;
  }
}
