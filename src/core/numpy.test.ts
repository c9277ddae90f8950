// numpy.ts against values computed by NumPy and CPython (numpy-golden.json). Recipe, in Python:
//   u = ((i * 2654435761 + case * 97) % 2**32) / 2**32 - 0.5   (float64, i = 0..n-1)
//   case 0: u * 0.1; 1: 3.0 + u * 0.001; 2: sign(u) * ((u*u)*(u*u)) * 1000; 3: np.round(u * 16) / 16
//   x = that.astype(np.float32); sum_bits = bits of np.add.reduce(x); std_bits = bits of x.std()
//   pow_neg_fifth[n] = repr(n ** -0.2)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pairwiseSumF32, powIntCorrectlyRounded, powNegFifth, roundHalfEven, silvermanBandwidth, stdF32 } from './numpy';

interface Golden {
  sums: { n: number; case: number; sum_bits: number; std_bits: number }[];
  pow_neg_fifth: Record<string, string>;
}
const golden = JSON.parse(readFileSync(new URL('./numpy-golden.json', import.meta.url), 'utf8')) as Golden;

function values(n: number, which: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = ((i * 2654435761 + which * 97) % 2 ** 32) / 2 ** 32 - 0.5;
    out[i] =
      which === 0 ? u * 0.1 : which === 1 ? 3.0 + u * 0.001 : which === 2 ? Math.sign(u) * ((u * u) * (u * u)) * 1000 : roundHalfEven(u * 16) / 16;
  }
  return out;
}

const bitsOf = (v: number) => new Uint32Array(new Float32Array([v]).buffer)[0];

describe('NumPy float32 reductions', () => {
  it.each(golden.sums)('n=$n case $case: pairwise sum and std bit for bit', ({ n, case: which, sum_bits, std_bits }) => {
    const x = values(n, which);
    expect(bitsOf(pairwiseSumF32(x))).toBe(sum_bits);
    expect(bitsOf(stdF32(x))).toBe(std_bits);
  });

  it('uses the 8-way unrolled order, not a left-to-right sum', () => {
    // Left to right, every 2^-24 is a tie below 1's half-ulp and rounds away. In lanes: r0 + r1 = 1 (tie to
    // even), r2 + r3 = 2^-23, (r4 + r5) + (r6 + r7) = 2^-22, so 1 + 3 * 2^-23; the two remaining
    // 2^-24 make a tie to even (up, to 1 + 2^-21) and then a round-down.
    const x = new Float32Array([1, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24, 2 ** -24]);
    let leftToRight = 0;
    for (const v of x) leftToRight = Math.fround(leftToRight + v);
    expect(leftToRight).toBe(1);
    expect(pairwiseSumF32(x)).toBe(1 + 2 ** -21);
  });

  it('reads a row at an offset inside a larger array', () => {
    const x = values(300, 0);
    expect(stdF32(x, 100, 150)).toBe(stdF32(x.slice(100, 250)));
  });
});

describe('n ** -0.2 and the bandwidth', () => {
  it('equals CPython float ** on every stored n', () => {
    for (const [n, repr] of Object.entries(golden.pow_neg_fifth)) expect(powNegFifth(Number(n)), `n=${n}`).toBe(Number(repr));
  });

  it('is correctly rounded where glibc is (checked against 60-digit decimals)', () => {
    // 7 ** -0.2 = 0.677610913400480934528... -> nearest double 0.677610913400481 (V8 agrees here);
    // 240 ** -0.2 = 0.334162530979134425569... -> 0.3341625309791344 (glibc returns the next double up).
    expect(powIntCorrectlyRounded(7, -0.2)).toBe(0.677610913400481);
    expect(powIntCorrectlyRounded(240, -0.2)).toBe(0.3341625309791344);
    expect(powNegFifth(240)).toBe(0.33416253097913445);
    expect(powIntCorrectlyRounded(1024, 0.5)).toBe(32);
    expect(powIntCorrectlyRounded(3, -1)).toBe(1 / 3);
  });

  it('computes |(1.06 * std) * n ** -0.2| in float64', () => {
    expect(silvermanBandwidth(Math.fround(0.022394048050045967), 7)).toBe(Math.abs((1.06 * Math.fround(0.022394048050045967)) * 0.677610913400481));
  });
});

describe('roundHalfEven', () => {
  it('rounds ties to even and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999999999999996, 2.5000000000000004, 7, 0].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7, 0]);
  });
});
