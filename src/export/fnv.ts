// 64-bit FNV-1a over bytes, computed with two 32-bit halves (BigInt per byte would be far too slow for
// checkpoints). Used to fingerprint inputs; it detects accidents (wrong file, corruption), it is NOT cryptographic.

const PRIME_LOW = 0x1b3; // FNV-64 prime = 2^40 + 0x1b3

export class Fnv1a64 {
  // Kept as signed int32 internally: V8 keeps those in registers, unsigned values above 2^31 become doubles.
  private high = 0xcbf29ce4 | 0;
  private low = 0x84222325 | 0;

  update(bytes: Uint8Array): this {
    let high = this.high;
    let low = this.low;
    for (let i = 0; i < bytes.length; i++) {
      low ^= bytes[i];
      // (high:low) * (2^40 + 0x1b3) mod 2^64 in integer ops only: low * 0x1b3 in 16-bit halves gives the
      // new low word and its carry; the 2^40 term only touches the high word (low << 8).
      const lowProductLow = Math.imul(low & 0xffff, PRIME_LOW);
      const lowProductHigh = Math.imul(low >>> 16, PRIME_LOW) + (lowProductLow >>> 16);
      high = (Math.imul(high, PRIME_LOW) + (lowProductHigh >>> 16) + (low << 8)) | 0;
      low = ((lowProductHigh & 0xffff) << 16) | (lowProductLow & 0xffff);
    }
    this.high = high;
    this.low = low;
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
