// Packed keep masks: rows*cols bits, row-major, LSB-first within each byte (TensorSelection.maskBits).
// One bit per entry keeps a 3072x768 mask at 288 KiB, small enough to post between worker and UI.

/** Bytes needed for `bitCount` packed bits. */
export function maskByteLength(bitCount: number): number {
  return Math.ceil(bitCount / 8);
}

/** Packs a 0/1 (nonzero = 1) byte-per-entry mask into bits. */
export function packBits(values: ArrayLike<number>): Uint8Array {
  const bits = new Uint8Array(maskByteLength(values.length));
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0) bits[i >> 3] |= 1 << (i & 7);
  }
  return bits;
}

/** Unpacks `count` bits into one byte (0 or 1) per entry. */
export function unpackBits(bits: Uint8Array, count: number): Uint8Array {
  if (bits.length < maskByteLength(count)) {
    throw new RangeError(`unpackBits: ${bits.length} bytes cannot hold ${count} bits`);
  }
  const values = new Uint8Array(count);
  for (let i = 0; i < count; i++) values[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return values;
}

export function getBit(bits: Uint8Array, index: number): boolean {
  return ((bits[index >> 3] >> (index & 7)) & 1) === 1;
}

export function setBit(bits: Uint8Array, index: number): void {
  bits[index >> 3] |= 1 << (index & 7);
}

export function clearBit(bits: Uint8Array, index: number): void {
  bits[index >> 3] &= ~(1 << (index & 7)) & 0xff;
}

/** Sets bits [start, start + count), e.g. one row kept whole. */
export function setBitRange(bits: Uint8Array, start: number, count: number): void {
  let i = start;
  const end = start + count;
  while (i < end && (i & 7) !== 0) setBit(bits, i++);
  while (i + 8 <= end) {
    bits[i >> 3] = 0xff;
    i += 8;
  }
  while (i < end) setBit(bits, i++);
}

const BYTE_POPCOUNT = (() => {
  const table = new Uint8Array(256);
  for (let b = 1; b < 256; b++) table[b] = (b & 1) + table[b >> 1];
  return table;
})();

/** Number of set bits among bits [start, start + count) (the whole mask when omitted). */
export function popcount(bits: Uint8Array, start = 0, count = bits.length * 8 - start): number {
  let total = 0;
  let i = start;
  const end = start + count;
  while (i < end && (i & 7) !== 0) {
    if (getBit(bits, i)) total++;
    i++;
  }
  while (i + 8 <= end) {
    total += BYTE_POPCOUNT[bits[i >> 3]];
    i += 8;
  }
  while (i < end) {
    if (getBit(bits, i)) total++;
    i++;
  }
  return total;
}
