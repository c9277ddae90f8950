// Merging row blocks' packed masks into one tensor mask. A block's bits start at rowStart * cols, which is
// rarely a byte boundary, so blocks are OR-ed in at a bit offset (blocks may finish in any order).

/** ORs the first nBits of src (LSB-first) into dst starting at bit dstBitOffset. dst must start zeroed there. */
export function orBitsAt(dst: Uint8Array, dstBitOffset: number, src: Uint8Array, nBits: number): void {
  if (nBits <= 0) return;
  const fullBytes = nBits >> 3;
  const tailBits = nBits & 7;
  const byteCount = fullBytes + (tailBits ? 1 : 0);
  if (byteCount > src.length) throw new Error(`orBitsAt: source has ${src.length} bytes, ${byteCount} needed for ${nBits} bits`);
  if (dstBitOffset + nBits > dst.length * 8) {
    throw new Error(`orBitsAt: ${nBits} bits at bit ${dstBitOffset} overflow a ${dst.length}-byte mask`);
  }
  const base = dstBitOffset >> 3;
  const shift = dstBitOffset & 7;
  for (let j = 0; j < byteCount; j++) {
    // Bits past nBits in the last source byte are padding: never let them leak into the next block.
    const b = j === fullBytes ? src[j] & ((1 << tailBits) - 1) : src[j];
    if (b === 0) continue;
    if (shift === 0) {
      dst[base + j] |= b;
    } else {
      dst[base + j] |= (b << shift) & 0xff;
      const carry = b >> (8 - shift);
      if (carry) dst[base + j + 1] |= carry;
    }
  }
}

/** Bits of the mask in [from, from + count): for tests and for slicing a row out of a tensor mask. */
export function readBits(src: Uint8Array, from: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = from + i;
    out[i] = (src[bit >> 3] >> (bit & 7)) & 1;
  }
  return out;
}
