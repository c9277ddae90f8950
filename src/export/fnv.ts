// 64-bit FNV-1a over bytes, computed with two 32-bit halves (BigInt per byte would be far too slow for
// checkpoints). Used to fingerprint inputs; it detects accidents (wrong file, corruption), it is NOT cryptographic.

const PRIME_LOW = 0x1b3; // FNV-64 prime = 2^40 + 0x1b3

export class Fnv1a64 {
  // Kept as signed int32 internally: V8 keeps those in registers, unsigned values above 2^31 become doubles.
  private high = 0xcbf29ce4 | 0;
  private low = 0x84222325 | 0;

  update(bytes: Uint8Array): this {
    let high = this.high;
    // The low word as two 16-bit limbs: each step needs two 16 x 9-bit products and no re-splitting,
    // which shortens the per-byte dependency chain (~1.5x faster than splitting a 32-bit low each byte).
    let low0 = this.low & 0xffff;
    let low1 = this.low >>> 16;
    const length = bytes.length;
    for (let i = 0; i < length; i++) {
      low0 ^= bytes[i];
      // (high:low) * (2^40 + 0x1b3) mod 2^64 in integer ops only: low * 0x1b3 limb by limb gives the new
      // low word and its carry; the 2^40 term only touches the high word (low << 8 = low0 << 8 + low1 << 24).
      const product0 = Math.imul(low0, PRIME_LOW);
      const product1 = Math.imul(low1, PRIME_LOW) + (product0 >>> 16);
      high = (Math.imul(high, PRIME_LOW) + (product1 >>> 16) + (low0 << 8) + (low1 << 24)) | 0;
      low0 = product0 & 0xffff;
      low1 = product1 & 0xffff;
    }
    this.high = high;
    this.low = (low1 << 16) | low0;
    return this;
  }

  updateText(text: string): this {
    return this.update(new TextEncoder().encode(text));
  }

  /** 16 lowercase hex digits. */
  hex(): string {
    return (this.high >>> 0).toString(16).padStart(8, '0') + (this.low >>> 0).toString(16).padStart(8, '0');
  }
}

export function fnv1a64Hex(bytes: Uint8Array): string {
  return new Fnv1a64().update(bytes).hex();
}
