import { describe, expect, it } from 'vitest';
import { BlockCache, blockSizeFor, cellAt, clampTransform, fitTransform, marginalBars, paintMatrix, zoomAt } from './matrix-paint';
import { divergingScale, KEPT_LUT } from './colour';
import type { MatrixSource } from './aggregate';

describe('view transform', () => {
  it('fits and centres the matrix with square cells', () => {
    expect(fitTransform(100, 400, 800, 600)).toEqual({ scale: 2, tx: 0, ty: 200 });
  });

  it('zooms around the pointer: the cell under it stays put', () => {
    const t = { scale: 2, tx: 0, ty: 200 };
    const z = zoomAt(t, 4, 100, 300, 1, 64);
    expect(z.scale).toBe(8);
    expect(cellAt(z, 100, 300, 100, 400)).toEqual(cellAt(t, 100, 300, 100, 400));
    expect(zoomAt(t, 1000, 0, 0, 1, 64).scale).toBe(64);
  });

  it('keeps a zoomed matrix covering the view and centres a small one', () => {
    expect(clampTransform({ scale: 8, tx: 50, ty: -5000 }, 100, 400, 800, 600)).toEqual({ scale: 8, tx: 0, ty: -200 });
    expect(clampTransform({ scale: 2, tx: 30, ty: 0 }, 100, 400, 800, 600)).toEqual({ scale: 2, tx: 0, ty: 200 });
  });

  it('aggregates blocks of the largest power of two a pixel covers', () => {
    expect(blockSizeFor(2)).toBe(1);
    expect(blockSizeFor(1)).toBe(1);
    expect(blockSizeFor(0.3)).toBe(2);
    expect(blockSizeFor(1 / 40)).toBe(32);
    expect(blockSizeFor(1 / 40, 2)).toBe(16);
  });
});

describe('paintMatrix', () => {
  // 2 x 2 matrix, kept on the diagonal, painted at 2 pixels per cell into a 5 x 4 buffer (right column outside).
  const src: MatrixSource = { rows: 2, cols: 2, finetuned: new Float32Array(4), pretrained: null, maskBits: Uint8Array.of(0b1001) };
  it('paints kept and reset cells from the LUT and leaves outside pixels transparent', () => {
    const out = new Uint8ClampedArray(5 * 4 * 4);
    const b = paintMatrix(out, 5, 4, { scale: 2, tx: 0, ty: 0 }, src, new BlockCache(src, 'mask'), { mode: 'mask', scale: divergingScale(1), pixelRatio: 1 });
    expect(b).toBe(1);
    const px = (x: number, y: number) => Array.from(out.subarray((y * 5 + x) * 4, (y * 5 + x) * 4 + 4));
    const kept = [...KEPT_LUT.subarray(255 * 3, 255 * 3 + 3), 255];
    const reset = [...KEPT_LUT.subarray(0, 3), 255];
    expect(px(0, 0)).toEqual(kept);
    expect(px(1, 1)).toEqual(kept);
    expect(px(2, 0)).toEqual(reset);
    expect(px(0, 3)).toEqual(reset);
    expect(px(3, 3)).toEqual(kept);
    expect(px(4, 0)).toEqual([0, 0, 0, 0]);
  });

  it('paints block means when zoomed out', () => {
    const out = new Uint8ClampedArray(4);
    const b = paintMatrix(out, 1, 1, { scale: 0.5, tx: 0, ty: 0 }, src, new BlockCache(src, 'mask'), { mode: 'mask', scale: divergingScale(1), pixelRatio: 1 });
    expect(b).toBe(2);
    // Half the block is kept: LUT index round(0.5 * 255) = 128.
    expect(Array.from(out)).toEqual([...KEPT_LUT.subarray(128 * 3, 128 * 3 + 3), 255]);
  });
});

describe('marginalBars', () => {
  it('takes the max count over the cells under each pixel', () => {
    const counts = Uint32Array.of(1, 4, 2, 0);
    expect(Array.from(marginalBars(counts, 4, 0, 0.5, 2))).toEqual([1, 0.5]);
    expect(Array.from(marginalBars(counts, 4, 1, 2, 4))).toEqual([0, 0.25, 0.25, 1]);
  });
});
