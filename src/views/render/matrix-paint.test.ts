import { describe, expect, it } from 'vitest';
import { BlockCache, blockSizeFor, cellAt, clampTransform, fitTransform, marginalBars, paintMatrix, zoomAt, zoomLimits } from './matrix-paint';
import { divergingScale, KEPT_LUT } from './colour';
import type { MatrixSource } from './aggregate';

describe('view transform', () => {
  it('stretches the matrix over the plot', () => {
    expect(fitTransform(100, 400, 800, 600)).toEqual({ scaleX: 2, scaleY: 6, tx: 0, ty: 0 });
  });

  it('zooms around the pointer: the cell under it stays put, within the limits', () => {
    const fit = fitTransform(100, 400, 800, 600);
    const z = zoomAt(fit, fit, 4, 100, 300, 1, 32);
    expect([z.scaleX, z.scaleY]).toEqual([8, 24]);
    expect(cellAt(z, 100, 300, 100, 400)).toEqual(cellAt(fit, 100, 300, 100, 400));
    expect(zoomAt(fit, fit, 1000, 0, 0, 1, 32).scaleX).toBe(64);
    expect(zoomAt(fit, fit, 0.1, 0, 0, 1, 32)).toEqual(fit);
    // 64 pixels per cell on the finer axis (x: 2 px per cell at fit).
    expect(zoomLimits(100, 400, 800, 600)).toEqual([1, 32]);
  });

  it('keeps a zoomed matrix covering the view and centres a small one', () => {
    expect(clampTransform({ scaleX: 8, scaleY: 8, tx: 50, ty: -5000 }, 100, 400, 800, 600)).toEqual({ scaleX: 8, scaleY: 8, tx: 0, ty: -200 });
    expect(clampTransform({ scaleX: 2, scaleY: 2, tx: 30, ty: 0 }, 100, 400, 800, 600)).toEqual({ scaleX: 2, scaleY: 2, tx: 0, ty: 200 });
  });

  it('aggregates blocks of the largest power of two a pixel covers, per axis', () => {
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
  const opts = { mode: 'mask' as const, scale: divergingScale(1), pixelRatio: 1 };

  it('paints kept and reset cells from the LUT and leaves outside pixels transparent', () => {
    const out = new Uint8ClampedArray(5 * 4 * 4);
    const b = paintMatrix(out, 5, 4, { scaleX: 2, scaleY: 2, tx: 0, ty: 0 }, src, new BlockCache(src, 'mask'), opts);
    expect(b).toEqual([1, 1]);
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
    const b = paintMatrix(out, 1, 1, { scaleX: 0.5, scaleY: 0.5, tx: 0, ty: 0 }, src, new BlockCache(src, 'mask'), opts);
    expect(b).toEqual([2, 2]);
    // Half the block is kept: LUT index round(0.5 * 255) = 128.
    expect(Array.from(out)).toEqual([...KEPT_LUT.subarray(128 * 3, 128 * 3 + 3), 255]);
  });

  it('aggregates rows only when only the rows are squeezed', () => {
    // 4 x 2 matrix in a 2 x 2 buffer: 2 rows per pixel, 1 pixel per column -> blocks of 2 x 1 cells.
    // mask bits (row-major): row0 1 1, row1 1 0, row2 1 0, row3 0 0
    const tall: MatrixSource = { rows: 4, cols: 2, finetuned: new Float32Array(8), pretrained: null, maskBits: Uint8Array.of(0b00010111) };
    const out = new Uint8ClampedArray(2 * 2 * 4);
    const b = paintMatrix(out, 2, 2, { scaleX: 1, scaleY: 0.5, tx: 0, ty: 0 }, tall, new BlockCache(tall, 'mask'), opts);
    expect(b).toEqual([2, 1]);
    const red = (f: number) => KEPT_LUT[Math.round(f * 255) * 3];
    // Column 0: rows 0-1 (1, 1) -> 1, rows 2-3 (1, 0) -> 0.5. Column 1: rows 0-1 (1, 0) -> 0.5, rows 2-3 (0, 0) -> 0.
    expect([out[0], out[4], out[8], out[12]]).toEqual([red(1), red(0.5), red(0.5), red(0)]);
  });
});

describe('marginalBars', () => {
  it('takes the max count over the cells under each pixel', () => {
    const counts = Uint32Array.of(1, 4, 2, 0);
    expect(Array.from(marginalBars(counts, 4, 0, 0.5, 2))).toEqual([1, 0.5]);
    expect(Array.from(marginalBars(counts, 4, 1, 2, 4))).toEqual([0, 0.25, 0.25, 1]);
  });
});
