// 64-bit FNV-1a over bytes, computed with two 32-bit halves (BigInt per byte would be far too slow for
// checkpoints). Used to fingerprint inputs; it detects accidents (wrong file, corruption), it is NOT cryptographic.

const PRIME_LOW = 0x1b3; // FNV-64 prime = 2^40 + 0x1b3

export class Fnv1a64 {
  private high = 0xcbf29ce4;
  private low = 0x84222325;

  update(bytes: Uint8Array): this {
    let high = this.high;
    let low = this.low;
    for (let i = 0; i < bytes.length; i++) {
      low = (low ^ bytes[i]) >>> 0;
      // (high:low) * (2^40 + 0x1b3) mod 2^64: the 2^40 term only touches the high word (low << 8).
      const lowProduct = low * PRIME_LOW;
      const carry = Math.floor(lowProduct / 4294967296);
      high = (Math.imul(high, PRIME_LOW) + carry + (low << 8)) >>> 0;
      low = lowProduct >>> 0;
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
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}

export function fnv1a64Hex(bytes: Uint8Array): string {
  return new Fnv1a64().update(bytes).hex();
}
