// KEN core speed on generated BERT-like rows: reference (kenRowDetails per row) vs the fast CPU path
// (selectTensor). Run: npx tsx scripts/bench-core.ts [--quick]. Prints rows/s and ms per matrix.
import { kenRowDetails, selectTensor } from '../src/core/ken';
import { getBit } from '../src/core/bits';

/** Deterministic normal-ish weights (sum of uniforms from a 32-bit LCG), std ~0.04 like BERT. */
function generate(rows: number, cols: number, seed: number): Float32Array {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const quick = process.argv.includes('--quick');
const cases: Array<{ rows: number; cols: number; k: number }> = [
  { rows: 768, cols: 768, k: 64 },
  { rows: 768, cols: 768, k: 384 },
  { rows: 3072, cols: 768, k: 384 },
];

for (const { rows, cols, k } of cases) {
  const fine = generate(rows, cols, rows * 31 + k);
  selectTensor(fine.subarray(0, 64 * cols), 64, cols, k); // warm up the JIT
  const times: number[] = [];
  const stats = { rechecks: 0 };
  let sel = selectTensor(fine, rows, cols, k, { stats });
  for (let rep = 0; rep < (quick ? 2 : 5); rep++) {
    const t0 = performance.now();
    sel = selectTensor(fine, rows, cols, k);
    times.push(performance.now() - t0);
  }
  const fastMs = median(times);

  // The reference on a sample of rows (it is ~n*k Gaussian terms per row), checked equal to the fast path.
  const sampleRows = quick ? 8 : 32;
  const t0 = performance.now();
  for (let r = 0; r < sampleRows; r++) {
    const d = kenRowDetails(fine.subarray(r * cols, (r + 1) * cols), k);
    for (let c = 0; c < cols; c++) {
      if (d.keep[c] !== Number(getBit(sel.maskBits, r * cols + c))) throw new Error(`mismatch at row ${r} col ${c}`);
    }
  }
  const refMsPerRow = (performance.now() - t0) / sampleRows;

  console.log(
    `${rows}x${cols} k=${k}: fast ${fastMs.toFixed(1)} ms (${Math.round((rows / fastMs) * 1000)} rows/s, ` +
      `${((fastMs / rows) * 1000).toFixed(1)} us/row, ${stats.rechecks} exact rechecks) | reference ${refMsPerRow.toFixed(2)} ms/row ` +
      `(${Math.round(1000 / refMsPerRow)} rows/s, ~${((refMsPerRow * rows) / 1000).toFixed(1)} s per matrix) | speed-up x${Math.round((refMsPerRow * rows) / fastMs)}`,
  );
}
