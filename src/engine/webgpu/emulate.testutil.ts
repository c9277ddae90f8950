// The density shader's float32 arithmetic emulated in JavaScript, for Node tests of the GPU path's
// rounding and recheck logic (no WebGPU in Node).
import { DENSITY_BLOCK } from './density';
import type { DensityChunk } from './density-program';
import type { DensityRunner } from './ken-gpu';

const fround = Math.fround;

/** ulp of a positive float32 value. */
function ulp32(v: number): number {
  if (v === 0) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(v)) - 23);
}

/**
 * The shader's arithmetic emulated in float32, with every exp pushed to the edge of WGSL's accuracy
 * (3 + 2|a| ulp) in the direction `expSign`: the bound must hold even against that worst case.
 */
export function emulateGpuSum(sorted: Float32Array, g64: number, h: number, lo: number, hi: number, expSign: number): number {
  return emulateGpuSumF32(sorted, fround(g64), fround(1 / h), lo, hi, expSign);
}

/** A DensityRunner computing every sum by emulateGpuSum, exp errors pushed by `expSign` (-1, 0, 1). */
export function emulatedRunner(expSign: number, maxBindingBytes = 1 << 27): DensityRunner & { dispatches: number } {
  const runner = {
    maxBindingBytes,
    dispatches: 0,
    run(chunk: DensityChunk): Promise<Float32Array> {
      runner.dispatches++;
      const { rowCount, k, cols } = chunk;
      const out = new Float32Array(rowCount * k);
      for (let r = 0; r < rowCount; r++) {
        const sorted = chunk.sortedValues.subarray(r * cols, (r + 1) * cols);
        const invH = chunk.invBandwidth[r];
        for (let j = 0; j < k; j++) {
          const at = r * k + j;
          out[at] = emulateGpuSumF32(sorted, chunk.grid[at], invH, chunk.windows[2 * at], chunk.windows[2 * at + 1], expSign);
        }
      }
      return Promise.resolve(out);
    },
  };
  return runner;
}

/** As emulateGpuSum, from the float32 inputs the shader actually receives. */
function emulateGpuSumF32(sorted: Float32Array, g: number, invH: number, lo: number, hi: number, expSign: number): number {
  let total = 0;
  for (let i = lo; i < hi; ) {
    const blockEnd = Math.min(i + DENSITY_BLOCK, hi);
    let part = 0;
    for (let j = i; j < blockEnd; j++) {
      const u = fround(fround(g - sorted[j]) * invH);
      const a = fround(fround(-0.5 * u) * u);
      let e = fround(Math.exp(a));
      e = Math.max(0, fround(e + expSign * (3 + 2 * Math.abs(a)) * ulp32(e)));
      part = fround(part + e);
    }
    total = fround(total + part);
    i = blockEnd;
  }
  return total;
}
