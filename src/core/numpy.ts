// The float32 statistics of the reference (NumPy's std on a float32 row) and Silverman's bandwidth,
// reproduced bit for bit (test/fixtures/ken-golden/README.md, rule 2).

const fround = Math.fround;

/** NumPy's float32 pairwise sum of values[offset .. offset + count) (all values must be float32). */
function pairwiseBlock(values: ArrayLike<number>, offset: number, count: number): number {
  if (count < 8) {
    let res = 0;
    for (let i = 0; i < count; i++) res = fround(res + values[offset + i]);
    return res;
  }
  if (count <= 128) {
    let r0 = values[offset];
    let r1 = values[offset + 1];
    let r2 = values[offset + 2];
    let r3 = values[offset + 3];
    let r4 = values[offset + 4];
    let r5 = values[offset + 5];
    let r6 = values[offset + 6];
    let r7 = values[offset + 7];
    const blockEnd = count - (count % 8);
    let i = 8;
    for (; i < blockEnd; i += 8) {
      r0 = fround(r0 + values[offset + i]);
      r1 = fround(r1 + values[offset + i + 1]);
      r2 = fround(r2 + values[offset + i + 2]);
      r3 = fround(r3 + values[offset + i + 3]);
      r4 = fround(r4 + values[offset + i + 4]);
      r5 = fround(r5 + values[offset + i + 5]);
      r6 = fround(r6 + values[offset + i + 6]);
      r7 = fround(r7 + values[offset + i + 7]);
    }
    let res = fround(fround(fround(r0 + r1) + fround(r2 + r3)) + fround(fround(r4 + r5) + fround(r6 + r7)));
    for (; i < count; i++) res = fround(res + values[offset + i]);
    return res;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return fround(pairwiseBlock(values, offset, half) + pairwiseBlock(values, offset + half, count - half));
}

/**
 * Sum of float32 values as np.add.reduce computes it on a contiguous float32 vector: one pairwise sum
 * over the whole vector. (The fixtures' README mentions blocks of 8192; NumPy only blocks buffered
 * reductions, e.g. with a dtype cast. Measured with NumPy 2.4.6 up to n = 40000: numpy-golden.json.)
 */
export function pairwiseSumF32(values: ArrayLike<number>, offset = 0, count = values.length - offset): number {
  return fround(0 + pairwiseBlock(values, offset, count));
}

/**
 * Population standard deviation (ddof 0) of a float32 row, as np.std computes it in float32:
 * mean = sum / n, q = (x - mean)^2 elementwise, std = sqrt(sum(q) / n), every step rounded to float32.
 * `scratch` (length >= count) avoids an allocation per row.
 */
export function stdF32(values: Float32Array, offset = 0, count = values.length - offset, scratch?: Float32Array): number {
  // NumPy divides a float32 by the Python int n after casting n to float32.
  const nF32 = fround(count);
  const mean = fround(pairwiseSumF32(values, offset, count) / nF32);
  const squares = scratch && scratch.length >= count ? scratch : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const d = fround(values[offset + i] - mean);
    squares[i] = d * d; // the Float32Array store rounds to float32, like NumPy's float32 multiply
  }
  const variance = fround(pairwiseSumF32(squares, 0, count) / nF32);
  return fround(Math.sqrt(variance));
}

/** Round half to even (NumPy's np.round / Python's round on floats). */
export function roundHalfEven(value: number): number {
  const r = Math.round(value); // ties go up
  if (r - value === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

// ---------------------------------------------------------------------------------------------
// n ** -0.2 as the reference's Python computes it. V8's `**` and Math.pow are not correctly rounded:
// for about 6% of n in 1..2e6 they differ in the last bit from CPython's `n ** -0.2`, which changes
// the bandwidth's last bit. We evaluate exp(-0.2 * ln n) in 320-bit fixed point with BigInt and round
// once (cached per n, so the cost does not matter), then apply glibc's known one-ULP deviations.

const FRAC_BITS = 320n;
const FIXED_ONE = 1n << FRAC_BITS;

/** atanh(num / den) in fixed point, 0 <= num/den <= 1/3. */
function atanhFixed(num: bigint, den: bigint): bigint {
  const z = (num << FRAC_BITS) / den;
  const z2 = (z * z) >> FRAC_BITS;
  let term = z;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = (term * z2) >> FRAC_BITS;
  }
  return sum;
}

const LN2_FIXED = 2n * atanhFixed(1n, 3n);

/** ln(n) in fixed point for an integer n >= 1. */
function lnIntFixed(n: bigint): bigint {
  let s = 0n;
  while (1n << (s + 1n) <= n) s++;
  // n = m * 2^s with m in [1, 2): ln m = 2 atanh((m - 1) / (m + 1)) = 2 atanh((n - 2^s) / (n + 2^s)).
  const p = 1n << s;
  return s * LN2_FIXED + 2n * atanhFixed(n - p, n + p);
}

/** Exact binary value of a finite double: mantissa * 2^exponent. */
function decomposeDouble(value: number): { mantissa: bigint; exponent: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074n };
  return { mantissa: sign * (fraction | (1n << 52n)), exponent: BigInt(biased - 1075) };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** n ** exponent correctly rounded to a double, for an integer n >= 1 and a finite double exponent. */
export function powIntCorrectlyRounded(n: number, exponent: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`powIntCorrectlyRounded: n must be a positive integer (got ${n})`);
  if (n === 1 || exponent === 0) return 1;
  const { mantissa, exponent: e2 } = decomposeDouble(exponent);
  const lnN = lnIntFixed(BigInt(n));
  // y = exponent * ln n, exact product then shifted back to FRAC_BITS.
  let y = lnN * mantissa;
  y = e2 >= 0n ? y << e2 : floorDiv(y, 1n << -e2);
  // exp(y) = 2^q * exp(r), r in [0, ln 2).
  const q = floorDiv(y, LN2_FIXED);
  const r = y - q * LN2_FIXED;
  let term = FIXED_ONE;
  let sum = FIXED_ONE;
  for (let i = 1n; term !== 0n; i++) {
    term = ((term * r) >> FRAC_BITS) / i;
    sum += term;
  }
  // sum in [1, 2): keep 53 significant bits, round half to even; refuse if too close to call.
  const dropBits = FRAC_BITS - 52n;
  let significand = sum >> dropBits;
  const rest = sum - (significand << dropBits);
  const half = 1n << (dropBits - 1n);
  const margin = 1n << 64n; // far above the accumulated fixed-point error (a few hundred units)
  const diff = rest - half;
  if (diff < margin && diff > -margin) {
    throw new Error(`powIntCorrectlyRounded(${n}, ${exponent}): too close to a rounding boundary`);
  }
  if (diff > 0n) significand += 1n;
  return Number(significand) * 2 ** (Number(q) - 52);
}

// glibc's pow (which CPython's `**` calls) is not correctly rounded either (its documented bound is
// 0.52 ULP): for these n <= 131072 CPython 3 on glibc 2.36 (x86-64) returns the double one ULP above
// (UP) or below (DOWN) the correctly rounded n ** -0.2. Measured on the dev machine against all
// n in 1..131072; beyond that KENviz uses the correctly rounded value (a one-ULP bandwidth difference
// changes a rounded density only if it lies within ~1e-15 of a .5 boundary).
const GLIBC_ONE_ULP_UP = new Set<number>([
  240, 1595, 8416, 12157, 27540, 36956, 38076, 43455, 45460, 45526, 46990, 47184, 48556, 51256,
  52502, 53677, 54384, 59767, 61601, 63921, 67075, 68758, 68760, 68888, 69162, 70916, 70973, 71154,
  72795, 78546, 83144, 89465, 91077, 95251, 97812, 98749, 98873, 100495, 101204, 101594, 101873,
  103994, 104022, 108420, 109384, 118725, 121801, 123949, 125768, 125903, 128953,
]);
const GLIBC_ONE_ULP_DOWN = new Set<number>([
  982, 2556, 7861, 12526, 14378, 14743, 15264, 16918, 21801, 23916, 24889, 26111, 28727, 32933,
  33202, 36184, 36639, 38052, 42214, 42544, 43611, 43670, 45965, 49635, 51612, 52060, 54251, 55643,
  57018, 57330, 58472, 59248, 59721, 63572, 66991, 69354, 70553, 72923, 74605, 74898, 77014, 77122,
  81824, 82096, 88015, 88231, 88520, 93745, 94893, 95575, 99916, 102758, 102817, 103261, 103351,
  103507, 103530, 106334, 115724, 118879, 118939, 121824, 122519, 124939, 126281, 127673, 128412,
  128482,
]);

function nextDoubleAway(value: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction)); // positive finite values only
  return view.getFloat64(0);
}

const negFifthPowCache = new Map<number, number>();

/** n ** -0.2 as CPython computes it on glibc (see the table above), cached per n. */
export function powNegFifth(n: number): number {
  let value = negFifthPowCache.get(n);
  if (value === undefined) {
    value = powIntCorrectlyRounded(n, -0.2);
    if (GLIBC_ONE_ULP_UP.has(n)) value = nextDoubleAway(value, 1);
    else if (GLIBC_ONE_ULP_DOWN.has(n)) value = nextDoubleAway(value, -1);
    negFifthPowCache.set(n, value);
  }
  return value;
}

/** Silverman's rule of thumb as the reference computes it: |(1.06 * std) * n ** -0.2| in float64. */
export function silvermanBandwidth(stdFloat32: number, n: number): number {
  return Math.abs((1.06 * stdFloat32) * powNegFifth(n));
}
