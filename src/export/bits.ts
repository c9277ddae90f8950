// Packed bit helpers (LSB-first within each byte, the layout of TensorSelection.maskBits).

export function packedLength(bitCount: number): number {
  return Math.ceil(bitCount / 8);
}

export function getBit(bits: Uint8Array, index: number): number {
  return (bits[index >> 3] >> (index & 7)) & 1;
}

export function setBit(bits: Uint8Array, index: number): void {
  bits[index >> 3] |= 1 << (index & 7);
}

const POPCOUNT_BYTE = (() => {
  const table = new Uint8Array(256);
  for (let i = 1; i < 256; i++) table[i] = (i & 1) + table[i >> 1];
  return table;
})();

/** Set bits among the first bitCount bits (padding bits past bitCount are ignored). */
export function popcount(bits: Uint8Array, bitCount: number): number {
  const full = bitCount >> 3;
  let count = 0;
  for (let i = 0; i < full; i++) count += POPCOUNT_BYTE[bits[i]];
  const tail = bitCount & 7;
  if (tail) count += POPCOUNT_BYTE[bits[full] & ((1 << tail) - 1)];
  return count;
}

/** True when any padding bit past bitCount is set: a well-formed bitmask leaves them 0. */
export function hasPaddingBits(bits: Uint8Array, bitCount: number): boolean {
  const tail = bitCount & 7;
  if (tail && bits[bitCount >> 3] >> tail) return true;
  for (let i = packedLength(bitCount); i < bits.length; i++) if (bits[i]) return true;
  return false;
}
