// KEN's greedy matching (rule 6) and keep-by-value (rule 7) in O(n log n + k log n) per row.
// The row is sorted once by (value, index); "next alive" links skip taken entries, and a min-index
// segment tree breaks ties among entries at equal float32 distance (lowest original index wins).

const fround = Math.fround;
const NO_INDEX = 0x7fffffff;

/** float32 bits of a value, -0 folded onto +0, mapped so that unsigned order is numeric order. */
function orderedBits(bits: number): number {
  if (bits === 0x80000000) bits = 0;
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/** Reusable buffers of the matcher, grown on demand. */
export class MatchWorkspace {
  keys = new Float64Array(0);
  sortedIndex = new Int32Array(0);
  sortedValue = new Float64Array(0);
  positionOf = new Int32Array(0);
  nextRight = new Int32Array(0);
  nextLeft = new Int32Array(0);
  tree = new Int32Array(0);
  taken = new Uint8Array(0);
  treeSize = 0;

  ensure(n: number): void {
    if (this.keys.length < n) {
      this.keys = new Float64Array(n);
      this.sortedIndex = new Int32Array(n);
      this.sortedValue = new Float64Array(n);
      this.positionOf = new Int32Array(n);
      this.nextRight = new Int32Array(n + 1);
      this.nextLeft = new Int32Array(n + 1);
      this.taken = new Uint8Array(n);
    }
    let size = 1;
    while (size < n) size *= 2;
    if (this.tree.length < 2 * size) this.tree = new Int32Array(2 * size);
    this.treeSize = size;
  }
}

/**
 * Sorts row positions by (value, index) into ws.sortedIndex / ws.sortedValue, -0 equal to 0.
 * Packs the order-preserving float32 bits and the index into one exactly representable double so the
 * native numeric sort does the work (a comparator sort is several times slower).
 */
function sortRow(row: Float32Array, ws: MatchWorkspace): void {
  const n = row.length;
  const bits = new Uint32Array(row.buffer, row.byteOffset, n);
  let indexBits = 0;
  while (1 << indexBits < n) indexBits++;
  if (indexBits <= 21) {
    const scale = 2 ** indexBits;
    const keys = ws.keys.subarray(0, n);
    for (let i = 0; i < n; i++) keys[i] = orderedBits(bits[i]) * scale + i;
    keys.sort();
    for (let p = 0; p < n; p++) {
      const key = keys[p];
      const i = key % scale;
      ws.sortedIndex[p] = i;
      ws.sortedValue[p] = row[i] === 0 ? 0 : row[i];
    }
  } else {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => row[a] - row[b] || a - b);
    for (let p = 0; p < n; p++) {
      ws.sortedIndex[p] = order[p];
      ws.sortedValue[p] = row[order[p]] === 0 ? 0 : row[order[p]];
    }
  }
}

/**
 * Runs the greedy matching of one row for grid points visited in `visitOrder` (grid values from
 * `gridAt`), then marks kept entries by value. Writes taken row indices (in the order taken) to
 * takenOut when given; calls keep(i) once per kept row index; returns the kept count.
 * The row must be finite and k <= n.
 */
export function matchRow(
  row: Float32Array,
  k: number,
  visitOrder: Int32Array,
  gridAt: (j: number) => number,
  ws: MatchWorkspace,
  keep: (index: number) => void,
  takenOut?: Int32Array,
): number {
  const n = row.length;
  ws.ensure(n);
  sortRow(row, ws);
  const { sortedIndex, sortedValue, positionOf, nextRight, nextLeft, tree, taken } = ws;
  const size = ws.treeSize;
  for (let p = 0; p < n; p++) {
    positionOf[sortedIndex[p]] = p;
    nextRight[p] = p;
    nextLeft[p + 1] = p + 1;
    taken[p] = 0;
    tree[size + p] = sortedIndex[p];
  }
  nextRight[n] = n; // sentinel: nothing alive to the right
  nextLeft[0] = 0; // sentinel: nothing alive to the left (position -1)
  for (let p = n; p < size; p++) tree[size + p] = NO_INDEX;
  for (let t = size - 1; t >= 1; t--) tree[t] = Math.min(tree[2 * t], tree[2 * t + 1]);

  const aliveAtOrRight = (p: number): number => {
    while (nextRight[p] !== p) {
      nextRight[p] = nextRight[nextRight[p]];
      p = nextRight[p];
    }
    return p;
  };
  // Positions shifted by one so that 0 stands for "none".
  const aliveAtOrLeft = (p: number): number => {
    let q = p + 1;
    while (nextLeft[q] !== q) {
      nextLeft[q] = nextLeft[nextLeft[q]];
      q = nextLeft[q];
    }
    return q - 1;
  };
  const minIndexIn = (lo: number, hi: number): number => {
    let best = NO_INDEX;
    let l = lo + size;
    let r = hi + size + 1;
    while (l < r) {
      if (l & 1) best = Math.min(best, tree[l++]);
      if (r & 1) best = Math.min(best, tree[--r]);
      l >>= 1;
      r >>= 1;
    }
    return best;
  };

  for (let step = 0; step < k; step++) {
    const gf = fround(gridAt(visitOrder[step]));
    // First position with value >= gf.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedValue[mid] < gf) lo = mid + 1;
      else hi = mid;
    }
    const right = aliveAtOrRight(lo);
    const left = aliveAtOrLeft(lo - 1);
    // Float32 distance is monotone in the value on each side of gf, so equal-distance entries are contiguous.
    const distRight = right < n ? fround(sortedValue[right] - gf) : Infinity;
    const distLeft = left >= 0 ? fround(gf - sortedValue[left]) : Infinity;
    const best = Math.min(distLeft, distRight);
    let first = right;
    let last = left;
    if (distRight === best) last = lastWithin(sortedValue, n, right, gf, best);
    if (distLeft === best) first = firstWithin(sortedValue, left, gf, best);
    let position: number;
    if (first === last) {
      position = first;
    } else {
      position = positionOf[minIndexIn(first, last)];
    }
    taken[position] = 1;
    nextRight[position] = position + 1;
    nextLeft[position + 1] = position;
    let node = position + size;
    tree[node] = NO_INDEX;
    for (node >>= 1; node >= 1; node >>= 1) tree[node] = Math.min(tree[2 * node], tree[2 * node + 1]);
    if (takenOut) takenOut[step] = sortedIndex[position];
  }

  // Rule 7: equal values are adjacent in sorted order; a run with any taken entry is kept whole.
  let kept = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    let anyTaken = 0;
    const value = sortedValue[start];
    while (end < n && sortedValue[end] === value) anyTaken |= taken[end++];
    if (anyTaken) {
      for (let p = start; p < end; p++) keep(sortedIndex[p]);
      kept += end - start;
    }
    start = end;
  }
  return kept;
}

/** Last position >= from whose float32 distance above gf is <= dist (galloping, then bisection). */
function lastWithin(values: Float64Array, n: number, from: number, gf: number, dist: number): number {
  let good = from;
  let stride = 1;
  while (good + stride < n && fround(values[good + stride] - gf) <= dist) {
    good += stride;
    stride *= 2;
  }
  let bad = Math.min(n, good + stride);
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    if (fround(values[mid] - gf) <= dist) good = mid;
    else bad = mid;
  }
  return good;
}

/** First position <= from whose float32 distance below gf is <= dist. */
function firstWithin(values: Float64Array, from: number, gf: number, dist: number): number {
  let good = from;
  let stride = 1;
  while (good - stride >= 0 && fround(gf - values[good - stride]) <= dist) {
    good -= stride;
    stride *= 2;
  }
  let bad = Math.max(-1, good - stride);
  while (good - bad > 1) {
    const mid = (good + bad) >> 1;
    if (fround(gf - values[mid]) <= dist) good = mid;
    else bad = mid;
  }
  return good;
}

/** The reference greedy matching, O(n k): scan the pool in index order, strictly nearer wins. */
export function matchRowReference(row: Float32Array, gridInVisitOrder: ArrayLike<number>): Int32Array {
  const n = row.length;
  const k = gridInVisitOrder.length;
  const alive = new Uint8Array(n).fill(1);
  const takenIndices = new Int32Array(k);
  for (let step = 0; step < k; step++) {
    const gf = fround(gridInVisitOrder[step]);
    let bestIndex = -1;
    let bestDist = Infinity;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      const dist = Math.abs(fround(row[i] - gf));
      if (dist < bestDist) {
        bestDist = dist;
        bestIndex = i;
      }
    }
    alive[bestIndex] = 0;
    takenIndices[step] = bestIndex;
  }
  return takenIndices;
}
