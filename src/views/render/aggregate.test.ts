import { describe, expect, it } from 'vitest';
import { aggregateBlocks, cellValue, keptPerColumn, neighbourCounts, type MatrixSource } from './aggregate';

/** Packs a 0/1 matrix (row-major) into LSB-first bits. */
function pack(bits: number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] |= 1 << (i & 7);
  });
  return out;
}

// 3 x 5: block size 2 gives blocks of 4, 4, 2 (right edge), 2, 2, 1 (corner) cells.
const mask = [
  1, 0, 1, 1, 0,
  0, 1, 1, 0, 1,
  1, 1, 0, 0, 1,
];
const finetuned = Float32Array.from({ length: 15 }, (_, i) => i + 1);
const pretrained = Float32Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? i + 1 : i + 3));
const src: MatrixSource = { rows: 3, cols: 5, finetuned, pretrained, maskBits: pack(mask) };

describe('aggregateBlocks', () => {
  it('gives the kept fraction per block, edge blocks over the cells they hold', () => {
    const g = aggregateBlocks(src, 'mask', 2);
    expect([g.blockRows, g.blockCols]).toEqual([2, 3]);
    // blocks: [r0-1,c0-1] 1,0,0,1 -> 0.5; [c2-3] 1,1,1,0 -> 0.75; [c4] 0,1 -> 0.5; [r2,c0-1] 1,1 -> 1; [c2-3] 0,0 -> 0; [c4] 1 -> 1
    expect(Array.from(g.keptFraction)).toEqual([0.5, 0.75, 0.5, 1, 0, 1]);
    expect(Array.from(g.mean)).toEqual([0.5, 0.75, 0.5, 1, 0, 1]);
  });

  it('averages kept fine-tuned values only, NaN where a block keeps nothing', () => {
    const g = aggregateBlocks(src, 'kept-values', 2);
    // kept values: block0 {1, 7} -> 4; block1 {3, 4, 8} -> 5; block2 {10} -> 10; block3 {11, 12} -> 11.5; block4 none; block5 {15}
    expect(Array.from(g.mean)).toEqual([4, 5, 10, 11.5, Number.NaN, 15]);
  });

  it('averages signed deltas', () => {
    const g = aggregateBlocks(src, 'delta', 2);
    // delta is 0 at even flat indices, -2 at odd ones. block0 indices 0,1,5,6 -> (0-2-2+0)/4
    expect(Array.from(g.mean)).toEqual([-1, -1, -1, -1, -1, 0]);
  });

  it('is the identity at block size 1', () => {
    const g = aggregateBlocks(src, 'mask', 1);
    expect(Array.from(g.mean)).toEqual(mask);
  });

  it('splits diff blocks into both / only k / only k2 fractions', () => {
    const k2 = [
      1, 1, 0, 1, 0,
      0, 0, 1, 0, 0,
      0, 0, 0, 0, 1,
    ];
    const g = aggregateBlocks({ ...src, maskBits2: pack(k2) }, 'diff', 2);
    expect(Array.from(g.diff!.both)).toEqual([0.25, 0.5, 0, 0, 0, 1]);
    expect(Array.from(g.diff!.onlyK)).toEqual([0.25, 0.25, 0.5, 1, 0, 0]);
    expect(Array.from(g.diff!.onlyK2)).toEqual([0.25, 0, 0, 0, 0, 0]);
  });
});

describe('neighbour counts', () => {
  it('counts kept horizontal and vertical neighbours, edges count as not kept', () => {
    expect(Array.from(neighbourCounts(pack(mask), 3, 5))).toEqual([
      0, 3, 2, 1, 2,
      3, 2, 2, 3, 1,
      1, 2, 2, 1, 1,
    ]);
    expect(cellValue(src, 'neighbours', 1, 3)).toBe(3);
  });

  it('works on a single row (a 1-D tensor)', () => {
    expect(Array.from(neighbourCounts(pack([1, 1, 0, 1]), 1, 4))).toEqual([1, 1, 2, 0]);
  });
});

describe('keptPerColumn', () => {
  it('counts mask bits per column', () => {
    expect(Array.from(keptPerColumn(pack(mask), 3, 5))).toEqual([2, 2, 2, 1, 2]);
  });
});
