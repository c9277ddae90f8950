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

/** One byte (0/1) per bit, for the first bitCount bits. */
export function unpackBits(bits: Uint8Array, bitCount: number): Uint8Array {
  const out = new Uint8Array(bitCount);
  const fullBytes = bitCount >> 3;
  for (let j = 0, i = 0; j < fullBytes; j++, i += 8) {
    const byte = bits[j];
    if (byte === 0) continue;
    out[i] = byte & 1;
    out[i + 1] = (byte >> 1) & 1;
    out[i + 2] = (byte >> 2) & 1;
    out[i + 3] = (byte >> 3) & 1;
    out[i + 4] = (byte >> 4) & 1;
    out[i + 5] = (byte >> 5) & 1;
    out[i + 6] = (byte >> 6) & 1;
    out[i + 7] = byte >> 7;
  }
  for (let i = fullBytes * 8; i < bitCount; i++) out[i] = getBit(bits, i);
  return out;
}
