// KEN core speed on generated BERT-like rows: reference (kenRowDetails per row) vs the fast CPU path
// (selectTensor). Run: npx tsx scripts/bench-core.ts [--quick]. Prints rows/s and ms per matrix.
import { kenRowDetails, selectTensor } from '../src/core/ken';
import { getBit } from '../src/core/bits';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Deterministic normal-ish weights (sum of uniforms from a 32-bit LCG), std ~0.04 like BERT. */
export function generate(rows: number, cols: number, seed: number): Float32Array {
  const out = new Float32Array(rows * cols);
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let j = 0; j < 4; j++) s += next();
    out[i] = (s - 2) * 0.07;
  }
  return out;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** CPU milliseconds of this process (user + system): less sensitive than wall time to a busy machine. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * CPU ns per dependent float64 add (4 cycles: ~1.3 ns at 3 GHz, ~0.85 ns at 4.7 GHz), printed so that
 * CPU times from different machines can be compared. It does not turn wall time on a shared machine
 * into an idle-core figure: CPU time (fastCpuMs) already excludes the waiting.
 */
export function calibrate(): number {
  const a = new Float64Array(1024).fill(1.0001);
  let s = 0;
  const c0 = cpuMs();
  for (let r = 0; r < 20000; r++) for (let i = 0; i < 1024; i++) s += a[i];
  const ns = ((cpuMs() - c0) * 1e6) / (20000 * 1024);
  if (s < 0) console.log(s);
  return ns;
}

/** ns per dependent add of a 3 GHz core (scripts/bench.ts scales by it; see calibrate). */
export const IDLE_ADD_NS = 1.3;
export const CORE_CASES: Array<{ rows: number; cols: number; k: number }> = [
  { rows: 768, cols: 768, k: 64 },
  { rows: 768, cols: 768, k: 384 },
  { rows: 3072, cols: 768, k: 384 },
];

export interface CoreCaseResult {
  rows: number;
  cols: number;
  k: number;
  fastMs: number;
  fastCpuMs: number;
  /** Densities the fast path recomputed by the direct sum (n Gaussian terms each). */
  rechecks: number;
  addNs: number;
  refMsPerRow: number;
  refCpuMsPerRow: number;
}

/** One case: the fast path on the whole matrix (median of repeats), the reference on a sample of rows, checked equal. */
export function runCoreCase({ rows, cols, k }: { rows: number; cols: number; k: number }, quick: boolean): CoreCaseResult {
  const fine = generate(rows, cols, rows * 31 + k);
  selectTensor(fine.subarray(0, 64 * cols), 64, cols, k); // warm up the JIT
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const stats = { rechecks: 0 };
  let sel = selectTensor(fine, rows, cols, k, { stats });
  for (let rep = 0; rep < (quick ? 3 : 7); rep++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    sel = selectTensor(fine, rows, cols, k);
    cpuTimes.push(cpuMs() - c0);
    times.push(performance.now() - t0);
  }
  const fastMs = median(times);
  const fastCpuMs = median(cpuTimes);
  const addNs = calibrate();

  // The reference on a sample of rows (it is ~n*k Gaussian terms per row), checked equal to the fast path.
  const sampleRows = quick ? 8 : 32;
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let r = 0; r < sampleRows; r++) {
    const d = kenRowDetails(fine.subarray(r * cols, (r + 1) * cols), k);
    for (let c = 0; c < cols; c++) {
      if (d.keep[c] !== Number(getBit(sel.maskBits, r * cols + c))) throw new Error(`mismatch at row ${r} col ${c}`);
    }
  }
  const refMsPerRow = (performance.now() - t0) / sampleRows;
  const refCpuMsPerRow = (cpuMs() - c0) / sampleRows;
  return { rows, cols, k, fastMs, fastCpuMs, rechecks: stats.rechecks, addNs, refMsPerRow, refCpuMsPerRow };
}

function printCase({ rows, cols, k, fastMs, fastCpuMs, rechecks, addNs, refCpuMsPerRow }: CoreCaseResult): void {
  console.log(
    `${rows}x${cols} k=${k}: fast ${fastCpuMs.toFixed(1)} ms CPU / ${fastMs.toFixed(1)} ms wall ` +
      `(${Math.round((rows / fastCpuMs) * 1000)} rows/s CPU, ${rechecks} exact rechecks) | ` +
      `reference ${refCpuMsPerRow.toFixed(2)} ms CPU per row (${Math.round(1000 / refCpuMsPerRow)} rows/s, ` +
      `~${((refCpuMsPerRow * rows) / 1000).toFixed(1)} s per matrix) | speed-up x${Math.round((refCpuMsPerRow * rows) / fastCpuMs)} (CPU) | ` +
      `calibration ${addNs.toFixed(2)} ns/add`,
  );
}

// Only when run directly: scripts/bench.ts imports runCoreCase.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const quick = process.argv.includes('--quick');
  for (const c of CORE_CASES) printCase(runCoreCase(c, quick));
}
