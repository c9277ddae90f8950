import { describe, expect, it } from 'vitest';
import { densityExact, gridValue } from '../../core/density';
import { silvermanBandwidth, stdF32 } from '../../core/numpy';
import { emulateGpuSum } from './emulate.testutil';
import { DENSITY_BLOCK, DENSITY_WGSL, WINDOW_SIGMAS, densityErrorBound, fillWindows, nearRoundingBoundary } from './density';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function makeRow(kind: string, n: number, seed: number): Float32Array {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  return Float32Array.from({ length: n }, () => {
    switch (kind) {
      case 'normal':
        return 0.04 * gauss();
      case 'layernorm':
        return 1 + 0.05 * gauss();
      case 'heavy':
        return 0.02 * gauss() / Math.max(0.05, Math.abs(gauss()));
      default:
        return Math.round(gauss() * 3);
    }
  });
}

describe('densityErrorBound', () => {
  const cases: [string, number, number][] = [
    ['normal', 768, 384],
    ['normal', 3072, 64],
    ['layernorm', 768, 192],
    ['heavy', 768, 64],
    ['ints', 64, 16],
    ['normal', 7, 3],
  ];
  for (const [kind, n, k] of cases) {
    it(`covers the float32 density of ${kind} rows (n=${n}, k=${k}) against the float64 oracle`, () => {
      for (let seed = 1; seed <= 3; seed++) {
        const row = makeRow(kind, n, seed * 7919 + n);
        const h = silvermanBandwidth(stdF32(row), n);
        const sorted = row.slice().sort();
        const min = sorted[0];
        const max = sorted[n - 1];
        const grid = Float64Array.from({ length: k }, (_, j) => gridValue(min, max, k, j));
        const windows = new Uint32Array(2 * k);
        fillWindows(sorted, grid, h, windows, 0);
        const scale = 1 / (n * h * Math.sqrt(2 * Math.PI));
        let worstRatio = 0;
        for (let j = 0; j < k; j++) {
          const exact = densityExact(row, grid[j], h);
          for (const sign of [-1, 0, 1]) {
            const sum = emulateGpuSum(sorted, grid[j], h, windows[2 * j], windows[2 * j + 1], sign);
            const terms = windows[2 * j + 1] - windows[2 * j];
            const bound = densityErrorBound({ sumF32: sum, terms, omitted: n - terms, maxAbs: Math.max(-min, max), bandwidth: h, n });
            const err = Math.abs(sum * scale - exact);
            expect(err).toBeLessThanOrEqual(bound);
            worstRatio = Math.max(worstRatio, err / bound);
          }
          // Useful, not vacuous: far below the unit spacing of rounded densities.
          const sum = emulateGpuSum(sorted, grid[j], h, windows[2 * j], windows[2 * j + 1], 0);
          const terms = windows[2 * j + 1] - windows[2 * j];
          expect(densityErrorBound({ sumF32: sum, terms, omitted: n - terms, maxAbs: Math.max(-min, max), bandwidth: h, n })).toBeLessThan(0.01);
        }
        expect(worstRatio).toBeGreaterThan(0);
      }
    });
  }

  it('grows with the window: omitted terms and more terms mean a larger bound', () => {
    const base = { sumF32: 100, terms: 768, omitted: 0, maxAbs: 0.2, bandwidth: 0.01, n: 768 };
    expect(densityErrorBound({ ...base, omitted: 500 })).toBeGreaterThan(densityErrorBound(base));
    expect(densityErrorBound({ ...base, maxAbs: 2 })).toBeGreaterThan(densityErrorBound(base));
    expect(densityErrorBound({ ...base, sumF32: 700 })).toBeGreaterThan(densityErrorBound(base));
  });
});

describe('nearRoundingBoundary', () => {
  it('flags densities whose error interval touches a half-integer', () => {
    expect(nearRoundingBoundary(3.4999, 0.001)).toBe(true);
    expect(nearRoundingBoundary(3.5, 0)).toBe(true); // an exact tie: half-to-even decides, so recheck
    expect(nearRoundingBoundary(2.5004, 0.001)).toBe(true);
    expect(nearRoundingBoundary(3.0, 0.49)).toBe(false);
    expect(nearRoundingBoundary(3.98, 0.01)).toBe(false);
    expect(nearRoundingBoundary(0.2, 0.1)).toBe(false);
    expect(nearRoundingBoundary(NaN, 0.1)).toBe(true);
  });
});

describe('fillWindows', () => {
  it('each window holds exactly the sorted values within WINDOW_SIGMAS bandwidths', () => {
    const row = makeRow('heavy', 500, 42);
    const sorted = row.slice().sort();
    const h = 0.003;
    const k = 50;
    const grid = Float64Array.from({ length: k }, (_, j) => gridValue(sorted[0], sorted[499], k, j));
    const windows = new Uint32Array(2 * k);
    fillWindows(sorted, grid, h, windows, 0);
    for (let j = 0; j < k; j++) {
      const inside = [...sorted.keys()].filter((i) => Math.abs(sorted[i] - grid[j]) <= WINDOW_SIGMAS * h);
      const lo = windows[2 * j];
      const hi = windows[2 * j + 1];
      expect(hi - lo).toBe(inside.length);
      if (inside.length) expect(lo).toBe(inside[0]);
    }
  });
});

describe('DENSITY_WGSL', () => {
  it('binds the six buffers the runner creates and sums in blocks', () => {
    for (let b = 0; b <= 5; b++) expect(DENSITY_WGSL).toContain(`@binding(${b})`);
    expect(DENSITY_WGSL).toContain(`${DENSITY_BLOCK}u`);
  });
});
