import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { orBitsAt, readBits } from './bits-merge';

function pack(bits: number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] |= 1 << (i & 7);
  });
  return out;
}

describe('orBitsAt', () => {
  it('places blocks at any bit offset, in any order, as one packing of the whole would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (blocks, reverse) => {
          const all = blocks.flat();
          const dst = new Uint8Array(Math.ceil(all.length / 8) + 1);
          const offsets: number[] = [];
          let at = 0;
          for (const b of blocks) {
            offsets.push(at);
            at += b.length;
          }
          const order = blocks.map((_, i) => i);
          if (reverse) order.reverse();
          for (const i of order) {
            const src = pack(blocks[i]);
            // Garbage in the padding bits must not leak into the next block.
            if (blocks[i].length % 8) src[src.length - 1] |= 0xff << (blocks[i].length % 8);
            orBitsAt(dst, offsets[i], src, blocks[i].length);
          }
          expect([...readBits(dst, 0, all.length)]).toEqual(all);
          expect([...readBits(dst, all.length, dst.length * 8 - all.length)].every((b) => b === 0)).toBe(true);
        },
      ),
    );
  });

  it('rejects a block that overflows the mask', () => {
    expect(() => orBitsAt(new Uint8Array(1), 4, new Uint8Array([0xff]), 8)).toThrow(/overflow/);
  });
});
