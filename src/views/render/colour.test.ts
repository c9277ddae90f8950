import { describe, expect, it } from 'vitest';
import { DIVERGING_LUT, LUT_SIZE, divergingScale, lutIndex, percentileAbs } from './colour';

describe('percentileAbs', () => {
  it('interpolates between order statistics of |v| like NumPy', () => {
    const v = [-10, 1, -2, 3, 4, Number.NaN, 5, -6, 7, 8, 9];
    // |v| sorted: 1..10 (NaN skipped); p99 at position 8.91 -> 9 + 0.91
    expect(percentileAbs(v, 99)).toBeCloseTo(9.91, 12);
    expect(percentileAbs(v, 50)).toBeCloseTo(5.5, 12);
    expect(percentileAbs(v, 100)).toBe(10);
    expect(percentileAbs(v, 0)).toBe(1);
  });

  it('is 0 when there is nothing finite', () => {
    expect(percentileAbs([Number.NaN, Infinity], 99)).toBe(0);
  });

  it('samples long arrays at a fixed stride', () => {
    const v = Float32Array.from({ length: 1000 }, (_, i) => i);
    // stride 10 keeps 0, 10, ..., 990: median at position 49.5 -> 495
    expect(percentileAbs(v, 50, 100)).toBe(495);
  });
});

describe('divergingScale', () => {
  it('is symmetric around 0 and clamps beyond the clip', () => {
    const s = divergingScale(0.2);
    expect(s.t(0)).toBe(0.5);
    expect(s.t(0.2)).toBe(1);
    expect(s.t(-0.2)).toBe(0);
    expect(s.t(0.1)).toBe(0.75);
    expect(s.t(-0.05)).toBe(0.375);
    expect(s.t(5)).toBe(1);
    expect(s.t(-5)).toBe(0);
    expect(Number.isNaN(s.t(Number.NaN))).toBe(true);
  });

  it('falls back to a unit clip for all-zero data', () => {
    expect(divergingScale(0).clip).toBe(1);
  });

  it('maps zero to white-ish and the ends to blue (negative) and red (positive)', () => {
    const at = (t: number) => Array.from(DIVERGING_LUT.subarray(lutIndex(t) * 3, lutIndex(t) * 3 + 3));
    const [r0, g0, b0] = at(0);
    const [r1, g1, b1] = at(1);
    const [rm, gm, bm] = at(0.5);
    expect(b0).toBeGreaterThan(r0);
    expect(r1).toBeGreaterThan(b1);
    expect(Math.min(rm, gm, bm)).toBeGreaterThan(230);
    expect(lutIndex(0.5)).toBe(128);
    expect(lutIndex(2)).toBe(LUT_SIZE - 1);
    expect(lutIndex(Number.NaN)).toBe(-1);
    void g0;
    void g1;
  });
});
