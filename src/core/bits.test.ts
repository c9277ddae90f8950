import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clearBit, getBit, maskByteLength, packBits, popcount, setBit, setBitRange, unpackBits } from './bits';

describe('packed masks', () => {
  it('packs row-major, LSB first in each byte', () => {
    const bits = packBits([1, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(Array.from(bits)).toEqual([0b1000_0001, 0b0000_0010]);
    expect(maskByteLength(10)).toBe(2);
  });

  it('set/get/clear/unpack/popcount agree with a byte-per-entry mask', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 100 }), fc.nat(99), fc.nat(99), (values, a, b) => {
        const bits = packBits(values);
        expect(Array.from(unpackBits(bits, values.length))).toEqual(values);
        expect(popcount(bits)).toBe(values.reduce((s, v) => s + v, 0));
        const lo = Math.min(a, b, values.length);
        const hi = Math.min(Math.max(a, b), values.length);
        expect(popcount(bits, lo, hi - lo)).toBe(values.slice(lo, hi).reduce((s, v) => s + v, 0));
        for (let i = 0; i < values.length; i++) expect(getBit(bits, i)).toBe(values[i] === 1);
        if (values.length > 0) {
          const i = a % values.length;
          setBit(bits, i);
          expect(getBit(bits, i)).toBe(true);
          clearBit(bits, i);
          expect(getBit(bits, i)).toBe(false);
        }
      }),
    );
  });

  it('setBitRange sets exactly [start, start + count)', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.nat(40), (start, count) => {
        const bits = new Uint8Array(maskByteLength(100));
        setBitRange(bits, start, count);
        for (let i = 0; i < 100; i++) expect(getBit(bits, i)).toBe(i >= start && i < start + count);
      }),
    );
  });

  it('rejects a too-short buffer when unpacking', () => {
    expect(() => unpackBits(new Uint8Array(1), 9)).toThrow(RangeError);
  });
});
