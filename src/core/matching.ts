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
  radixKeyA = new Uint32Array(0);
  radixKeyB = new Uint32Array(0);
  radixIndexA = new Int32Array(0);
  radixIndexB = new Int32Array(0);
  radixCounts = new Int32Array(1024);
  bucketStarts = new Int32Array(0);
  gridF32 = new Float64Array(0);
  lowerPosition = new Int32Array(0);
  sortedIndex = new Int32Array(0);
  sortedValue = new Float64Array(0);
  positionOf = new Int32Array(0);
  nextRight = new Int32Array(0);
  nextLeft = new Int32Array(0);
  tree = new Int32Array(0);
  taken = new Uint8Array(0);
  treeSize = 0;

  ensure(n: number): void {
    if (this.radixKeyA.length < n) {
      this.radixKeyA = new Uint32Array(n);
      this.radixKeyB = new Uint32Array(n);
      this.radixIndexA = new Int32Array(n);
      this.radixIndexB = new Int32Array(n);
      this.bucketStarts = new Int32Array(n + 1);
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

/** A bucket holding more than this many values sends the row to the radix sort. */
const MAX_BUCKET = 32;

/**
 * Sorts row positions by (value, index) into ws.sortedIndex / ws.sortedValue, -0 equal to 0 (a finite
 * row). Weight rows are spread smoothly, so a stable distribution into n equal-width buckets plus an
 * insertion sort per bucket does it in about 4n steps; rows with a crowded bucket (heavy tails, many
 * duplicates) take a stable LSD radix sort instead. Both keep equal values in index order. `rowMin` and
 * `rowMax`, when given, must be the row's minimum and maximum (they save a pass).
 */
export function sortRow(row: Float32Array, ws: MatchWorkspace, rowMin?: number, rowMax?: number): void {
  const n = row.length;
  ws.ensure(n);
  let min = rowMin ?? Infinity;
  let max = rowMax ?? -Infinity;
  if (rowMin === undefined || rowMax === undefined) {
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!bucketSortRow(row, ws, min, max)) radixSortRow(row, ws);
}

/** `min` and `max` must be the row's exact extremes (the buckets are clamped only at the top). */
function bucketSortRow(row: Float32Array, ws: MatchWorkspace, min: number, max: number): boolean {
  const n = row.length;
  if (!(max > min)) return false;
  const scale = (n - 1) / (max - min);
  const bucketOf = ws.radixIndexB; // reused scratch
  const starts = ws.bucketStarts;
  starts.fill(0, 0, n + 1);
  for (let i = 0; i < n; i++) {
    // Monotone in the value; the product is >= 0 and below 2^31, so truncation is floor.
    let b = ((row[i] - min) * scale) | 0;
    if (b > n - 1) b = n - 1;
    bucketOf[i] = b;
    if (++starts[b + 1] > MAX_BUCKET) return false;
  }
  for (let b = 0; b < n; b++) starts[b + 1] += starts[b];
  const sortedIndex = ws.sortedIndex;
  const sortedValue = ws.sortedValue;
  // starts[b] serves as bucket b's fill pointer; the bucket bounds are not needed afterwards.
  for (let i = 0; i < n; i++) {
    const slot = starts[bucketOf[i]]++;
    sortedIndex[slot] = i;
    const v = row[i];
    sortedValue[slot] = v === 0 ? 0 : v;
  }
  // Buckets are ordered by value (the bucket is monotone in it), so one insertion sort over the whole
  // array only moves entries inside their bucket; strict comparison keeps equal values in index order.
  for (let p = 1; p < n; p++) {
    const v = sortedValue[p];
    if (sortedValue[p - 1] <= v) continue;
    const idx = sortedIndex[p];
    let q = p - 1;
    do {
      sortedValue[q + 1] = sortedValue[q];
      sortedIndex[q + 1] = sortedIndex[q];
      q--;
    } while (q >= 0 && sortedValue[q] > v);
    sortedValue[q + 1] = v;
    sortedIndex[q + 1] = idx;
  }
  return true;
}

/** Stable LSD radix sort on the bytes of the order-preserving float32 bits (constant bytes skipped). */
function radixSortRow(row: Float32Array, ws: MatchWorkspace): void {
  const n = row.length;
  const bits = new Uint32Array(row.buffer, row.byteOffset, n);
  const counts = ws.radixCounts; // 4 histograms of 256
  counts.fill(0);
  let srcKey = ws.radixKeyA;
  let srcIdx = ws.radixIndexA;
  let dstKey = ws.radixKeyB;
  let dstIdx = ws.radixIndexB;
  for (let i = 0; i < n; i++) {
    const key = orderedBits(bits[i]);
    srcKey[i] = key;
    srcIdx[i] = i;
    counts[key & 255]++;
    counts[256 + ((key >>> 8) & 255)]++;
    counts[512 + ((key >>> 16) & 255)]++;
    counts[768 + (key >>> 24)]++;
  }
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * 256;
    const shift = pass * 8;
    if (counts[base + ((srcKey[0] >>> shift) & 255)] === n) continue; // every key has this byte
    let total = 0;
    for (let d = base; d < base + 256; d++) {
      const c = counts[d];
      counts[d] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const key = srcKey[i];
      const slot = counts[base + ((key >>> shift) & 255)]++;
      dstKey[slot] = key;
      dstIdx[slot] = srcIdx[i];
    }
    const tk = srcKey;
    srcKey = dstKey;
    dstKey = tk;
    const ti = srcIdx;
    srcIdx = dstIdx;
    dstIdx = ti;
  }
  const sortedIndex = ws.sortedIndex;
  const sortedValue = ws.sortedValue;
  for (let p = 0; p < n; p++) {
    const i = srcIdx[p];
    sortedIndex[p] = i;
    const v = row[i];
    sortedValue[p] = v === 0 ? 0 : v;
  }
}

function aliveAtOrRight(nextRight: Int32Array, p: number): number {
  while (nextRight[p] !== p) {
    const q = nextRight[nextRight[p]];
    nextRight[p] = q;
    p = q;
  }
  return p;
}

/** nextLeft is shifted by one (slot q + 1 stands for position q) so that slot 0 means "none". */
function aliveAtOrLeft(nextLeft: Int32Array, p: number): number {
  let q = p + 1;
  while (nextLeft[q] !== q) {
    const r = nextLeft[nextLeft[q]];
    nextLeft[q] = r;
    q = r;
  }
  return q - 1;
}

function minIndexIn(tree: Int32Array, size: number, lo: number, hi: number): number {
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
}

/**
 * Runs the greedy matching of one row for grid points (min..max, k points, rule 3) visited in
 * `visitOrder`, then marks kept entries by value: sets bit maskOffset + i of maskBits for every kept
 * row index i. Writes taken row indices (in the order taken) to takenOut when given. Returns the kept
 * count. The row must be finite, min < max and k <= n. `alreadySorted`: sortRow(row, ws) was just
 * called for this row (selectTensor shares the sort with the density stage).
 */
export function matchRow(
  row: Float32Array,
  k: number,
  visitOrder: Int32Array,
  min: number,
  max: number,
  ws: MatchWorkspace,
  maskBits: Uint8Array,
  maskOffset: number,
  takenOut?: Int32Array,
  alreadySorted = false,
): number {
  const n = row.length;
  ws.ensure(n);
  if (ws.gridF32.length < k) {
    ws.gridF32 = new Float64Array(k);
    ws.lowerPosition = new Int32Array(k);
  }
  if (!alreadySorted) sortRow(row, ws);
  const { sortedIndex, sortedValue, positionOf, nextRight, nextLeft, tree, taken, gridF32, lowerPosition } = ws;
  const size = ws.treeSize;
  for (let p = 0; p < n; p++) {
    nextRight[p] = p;
    nextLeft[p + 1] = p + 1;
    taken[p] = 0;
  }
  nextRight[n] = n; // sentinel: nothing alive to the right
  nextLeft[0] = 0; // sentinel: nothing alive to the left (position -1)
  // The min-index tree only serves ties between several entries; most rows of distinct weights never
  // need it, so it is built from the alive entries on the first tie.
  let treeBuilt = false;

  // The float32 grid is non-decreasing in j, so one merge walk finds every first position >= gf.
  let position = 0;
  const step = (max - min) / (k - 1);
  for (let j = 0; j < k; j++) {
    // gridValue, inlined: (j * step) + min, the last point exactly max (k = 1: min).
    const gf = fround(k === 1 ? min : j === k - 1 ? max : j * step + min);
    gridF32[j] = gf;
    while (position < n && sortedValue[position] < gf) position++;
    lowerPosition[j] = position;
  }

  for (let step = 0; step < k; step++) {
    const j = visitOrder[step];
    const gf = gridF32[j];
    const lower = lowerPosition[j];
    const right = aliveAtOrRight(nextRight, lower);
    const left = aliveAtOrLeft(nextLeft, lower - 1);
    // Float32 distance is monotone in the value on each side of gf, so equal-distance entries are contiguous.
    const distRight = right < n ? fround(sortedValue[right] - gf) : Infinity;
    const distLeft = left >= 0 ? fround(gf - sortedValue[left]) : Infinity;
    const best = distLeft < distRight ? distLeft : distRight;
    let first = right;
    let last = left;
    if (distRight === best) last = lastWithin(sortedValue, n, right, gf, best);
    if (distLeft === best) first = firstWithin(sortedValue, left, gf, best);
    let chosen = first;
    if (first !== last) {
      if (!treeBuilt) {
        for (let p = 0; p < n; p++) {
          positionOf[sortedIndex[p]] = p;
          tree[size + p] = taken[p] ? NO_INDEX : sortedIndex[p];
        }
        for (let p = n; p < size; p++) tree[size + p] = NO_INDEX;
        for (let t = size - 1; t >= 1; t--) tree[t] = Math.min(tree[2 * t], tree[2 * t + 1]);
        treeBuilt = true;
      }
      chosen = positionOf[minIndexIn(tree, size, first, last)];
    }
    taken[chosen] = 1;
    nextRight[chosen] = chosen + 1;
    nextLeft[chosen + 1] = chosen;
    if (treeBuilt) {
      // Remove the index from the min-tree; ancestors whose minimum came from elsewhere are unchanged.
      let node = chosen + size;
      const removed = tree[node];
      tree[node] = NO_INDEX;
      for (node >>= 1; node >= 1 && tree[node] === removed; node >>= 1) {
        tree[node] = Math.min(tree[2 * node], tree[2 * node + 1]);
      }
    }
    if (takenOut) takenOut[step] = sortedIndex[chosen];
  }

  // Rule 7: equal values are adjacent in sorted order; a run with any taken entry is kept whole.
  let kept = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    let anyTaken = 0;
    const value = sortedValue[start];
    while (end < n && sortedValue[end] === value) anyTaken |= taken[end++];
    if (anyTaken) {
      for (let p = start; p < end; p++) {
        const bit = maskOffset + sortedIndex[p];
        maskBits[bit >> 3] |= 1 << (bit & 7);
      }
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
