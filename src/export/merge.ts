// Rule 8 on raw bytes: every merged entry is a byte-exact copy of either the fine-tuned element or the
// base element (the pre-trained one in the fine-tuned dtype), so F16/BF16/F64 models re-encode exactly.
import type { TensorSelection } from '../core/types';
import { getBit, packedLength, setBit } from './bits';

/**
 * Which entries take the fine-tuned value (KEN-SPEC rule 8): mask 1 and a non-zero fine-tuned value, or
 * any entry of a row kept whole by policy (exact zeros included).
 */
export function takesFineBits(selection: TensorSelection, fine: Float32Array): Uint8Array {
  const { rows, cols, maskBits } = selection;
  const count = rows * cols;
  const out = new Uint8Array(packedLength(count));
  // A mask byte at a time: zero bytes (most of a sparse mask) cost one load, set bits are visited only.
  const fullBytes = count >> 3;
  for (let byteIndex = 0; byteIndex < fullBytes; byteIndex++) {
    let bits = maskBits[byteIndex];
    if (bits === 0) continue;
    const first = byteIndex << 3;
    let takes = 0;
    while (bits !== 0) {
      const lowest = bits & -bits;
      // -0.0 !== 0 is false, so both zeros take the pre-trained value as the reference does.
      if (fine[first + 31 - Math.clz32(lowest)] !== 0) takes |= lowest;
      bits ^= lowest;
    }
    out[byteIndex] = takes;
  }
  for (let i = fullBytes << 3; i < count; i++) {
    if ((maskBits[i >> 3] >> (i & 7)) & 1 && fine[i] !== 0) out[i >> 3] |= 1 << (i & 7);
  }
  // Rows kept whole by policy take every fine-tuned value, exact zeros included.
  for (const row of selection.wholeRows) {
    const start = row.rowIndex * cols;
    for (let i = start; i < start + cols; i++) setBit(out, i);
  }
  return out;
}

function elementsEqual(a: Uint8Array, b: Uint8Array, offset: number, elementSize: number): boolean {
  for (let j = 0; j < elementSize; j++) if (a[offset + j] !== b[offset + j]) return false;
  return true;
}

export interface MergeResult {
  merged: Uint8Array;
  /** Entries whose merged bytes differ from the base: what a subnetwork must store. */
  diffBits: Uint8Array;
  diffCount: number;
}

/**
 * Merged bytes = fine where takesFine (all entries when takesFine is null) else base, plus the entries
 * that differ from base. Without a base the merged tensor is the fine-tuned one and nothing is diffed.
 */
export function mergeBytes(
  fineRaw: Uint8Array,
  baseRaw: Uint8Array | null,
  takesFine: Uint8Array | null,
  elementSize: number,
  count: number,
): MergeResult {
  const diffBits = new Uint8Array(packedLength(count));
  if (!baseRaw) return { merged: fineRaw, diffBits, diffCount: 0 };
  const merged = takesFine ? baseRaw.slice() : fineRaw;
  const fineWords = wordView(fineRaw, elementSize, count);
  const baseWords = wordView(baseRaw, elementSize, count);
  const mergedWords = wordView(merged, elementSize, count);
  let diffCount = 0;
  if (fineWords && baseWords && mergedWords) {
    // Whole elements compared and copied as 16/32-bit words: the common F32/F16/BF16 case, far faster.
    if (!takesFine) {
      for (let i = 0; i < count; i++) {
        if (fineWords[i] === baseWords[i]) continue;
        diffBits[i >> 3] |= 1 << (i & 7);
        diffCount++;
      }
      return { merged, diffBits, diffCount };
    }
    // A takesFine byte at a time: zero bytes are skipped, set bits visited only.
    const fullBytes = count >> 3;
    for (let byteIndex = 0; byteIndex < fullBytes; byteIndex++) {
      let bits = takesFine[byteIndex];
      if (bits === 0) continue;
      const first = byteIndex << 3;
      let differs = 0;
      while (bits !== 0) {
        const lowest = bits & -bits;
        const i = first + 31 - Math.clz32(lowest);
        bits ^= lowest;
        if (fineWords[i] === baseWords[i]) continue;
        mergedWords[i] = fineWords[i];
        differs |= lowest;
        diffCount++;
      }
      diffBits[byteIndex] = differs;
    }
    for (let i = fullBytes << 3; i < count; i++) {
      if (((takesFine[i >> 3] >> (i & 7)) & 1) === 0 || fineWords[i] === baseWords[i]) continue;
      mergedWords[i] = fineWords[i];
      diffBits[i >> 3] |= 1 << (i & 7);
      diffCount++;
    }
    return { merged, diffBits, diffCount };
  }
  for (let i = 0, offset = 0; i < count; i++, offset += elementSize) {
    if (takesFine && !getBit(takesFine, i)) continue;
    if (elementsEqual(fineRaw, baseRaw, offset, elementSize)) continue;
    if (takesFine) for (let j = 0; j < elementSize; j++) merged[offset + j] = fineRaw[offset + j];
    setBit(diffBits, i);
    diffCount++;
  }
  return { merged, diffBits, diffCount };
}

/** A 16/32-bit view of whole elements when size and alignment allow (bit patterns, not values: NaNs stay exact). */
function wordView(bytes: Uint8Array, elementSize: number, count: number): Uint16Array | Uint32Array | null {
  if (elementSize === 4 && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  if (elementSize === 2 && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  return null;
}

/** Bytes of the elements whose diff bit is set, in index order. */
export function gatherElements(raw: Uint8Array, diffBits: Uint8Array, diffCount: number, elementSize: number, count: number): Uint8Array {
  const out = new Uint8Array(diffCount * elementSize);
  const from = wordView(raw, elementSize, count);
  const to = wordView(out, elementSize, diffCount);
  if (from && to) {
    // Whole elements as 16/32-bit words, a bit byte at a time: zero bytes are skipped, set bits visited only.
    let position = 0;
    const fullBytes = count >> 3;
    for (let byteIndex = 0; byteIndex < fullBytes; byteIndex++) {
      let bits = diffBits[byteIndex];
      if (bits === 0) continue;
      const first = byteIndex << 3;
      if (bits === 0xff) {
        for (let j = 0; j < 8; j++) to[position++] = from[first + j];
        continue;
      }
      while (bits !== 0) {
        const lowest = bits & -bits;
        to[position++] = from[first + 31 - Math.clz32(lowest)];
        bits ^= lowest;
      }
    }
    for (let i = fullBytes << 3; i < count; i++) if (getBit(diffBits, i)) to[position++] = from[i];
    return out;
  }
  let position = 0;
  for (let i = 0; i < count; i++) {
    if (!getBit(diffBits, i)) continue;
    for (let j = 0, from = i * elementSize; j < elementSize; j++) out[position++] = raw[from + j];
  }
  return out;
}

/** Writes values (in index order) over base at the positions whose bit is set. */
export function scatterElements(base: Uint8Array, bits: Uint8Array, values: Uint8Array, elementSize: number, count: number): void {
  let position = 0;
  for (let i = 0; i < count; i++) {
    if (!getBit(bits, i)) continue;
    for (let j = 0, to = i * elementSize; j < elementSize; j++) base[to + j] = values[position++];
  }
}
