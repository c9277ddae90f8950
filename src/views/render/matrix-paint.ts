// The matrix view's raster: view transform maths (fit, zoom at a point, pan limits) and a painter
// that fills an RGBA buffer pixel by pixel from cells (zoomed in) or from a block aggregate (zoomed out).
import type { MatrixMode } from '../../store/store';
import { aggregateBlocks, cellValue, type BlockGrid, type MatrixSource } from './aggregate';
import { DIFF_RGB, DIVERGING_LUT, KEPT_LUT, NEIGHBOUR_LUT, writeLutColour, type DivergingScale } from './colour';

/**
 * Screen pixel = column index * scaleX + tx, row index * scaleY + ty (CSS pixels of the plot area).
 * The axes scale separately so a 6000 x 128 embedding can fill a readable plot instead of a sliver.
 */
export interface ViewTransform {
  scaleX: number;
  scaleY: number;
  tx: number;
  ty: number;
}

/** The whole matrix stretched over width x height (the view sizes the plot to the matrix's aspect where it can). */
export function fitTransform(rows: number, cols: number, width: number, height: number): ViewTransform {
  return { scaleX: width / cols, scaleY: height / rows, tx: 0, ty: 0 };
}

/** Zoom factor limits relative to the fitted view: never smaller than fit, up to 64 pixels per cell on the finer axis. */
export function zoomLimits(rows: number, cols: number, width: number, height: number): [number, number] {
  const fit = fitTransform(rows, cols, width, height);
  return [1, Math.max(1, 64 / Math.min(fit.scaleX, fit.scaleY))];
}

/** Zooms both axes by `factor` keeping the cell under (px, py) fixed, the total zoom within [minZoom, maxZoom] of `fit`. */
export function zoomAt(t: ViewTransform, fit: ViewTransform, factor: number, px: number, py: number, minZoom: number, maxZoom: number): ViewTransform {
  const zoom = Math.min(maxZoom, Math.max(minZoom, (t.scaleX / fit.scaleX) * factor));
  const scaleX = fit.scaleX * zoom;
  const scaleY = fit.scaleY * zoom;
  return { scaleX, scaleY, tx: px - (px - t.tx) * (scaleX / t.scaleX), ty: py - (py - t.ty) * (scaleY / t.scaleY) };
}

/** Keeps the matrix on screen: it may not be dragged further than its own edges past the view's. */
export function clampTransform(t: ViewTransform, rows: number, cols: number, width: number, height: number): ViewTransform {
  const clampAxis = (offset: number, extent: number, size: number) =>
    extent <= size ? (size - extent) / 2 : Math.min(0, Math.max(size - extent, offset));
  return { ...t, tx: clampAxis(t.tx, cols * t.scaleX, width), ty: clampAxis(t.ty, rows * t.scaleY, height) };
}

/** The cell under a screen point, or null outside the matrix. */
export function cellAt(t: ViewTransform, px: number, py: number, rows: number, cols: number): { rowIndex: number; colIndex: number } | null {
  const colIndex = Math.floor((px - t.tx) / t.scaleX);
  const rowIndex = Math.floor((py - t.ty) / t.scaleY);
  if (rowIndex < 0 || colIndex < 0 || rowIndex >= rows || colIndex >= cols) return null;
  return { rowIndex, colIndex };
}

/** Cells per block along one axis: the largest power of two that a device pixel still covers (1 when zoomed in). */
export function blockSizeFor(scale: number, pixelRatio = 1): number {
  const cellsPerPixel = 1 / (scale * pixelRatio);
  if (cellsPerPixel <= 1) return 1;
  return 2 ** Math.floor(Math.log2(cellsPerPixel));
}

/** Memoizes block aggregates per block shape for one (source, mode); drop it when either changes. */
export class BlockCache {
  private readonly grids = new Map<string, BlockGrid>();
  constructor(
    readonly src: MatrixSource,
    readonly mode: MatrixMode,
  ) {}
  get(blockHeight: number, blockWidth: number): BlockGrid {
    const key = `${blockHeight}x${blockWidth}`;
    let grid = this.grids.get(key);
    if (!grid) {
      grid = aggregateBlocks(this.src, this.mode, blockHeight, blockWidth);
      this.grids.set(key, grid);
    }
    return grid;
  }
}

export interface PaintOptions {
  mode: MatrixMode;
  /** Diverging scale of kept-values and delta. */
  scale: DivergingScale;
  /** Device pixels per CSS pixel (the buffer is width*ratio x height*ratio). */
  pixelRatio: number;
}

function writeDiff(out: Uint8ClampedArray, o: number, both: number, onlyK: number, onlyK2: number): void {
  const neither = Math.max(0, 1 - both - onlyK - onlyK2);
  for (let ch = 0; ch < 3; ch++) {
    out[o + ch] = both * DIFF_RGB.both[ch] + onlyK * DIFF_RGB.onlyK[ch] + onlyK2 * DIFF_RGB.onlyK2[ch] + neither * DIFF_RGB.neither[ch];
  }
  out[o + 3] = 255;
}

/** Colour of one value of `mode` (a cell value, or a block mean / fractions). */
function writeModeColour(out: Uint8ClampedArray, o: number, opts: PaintOptions, value: number): void {
  switch (opts.mode) {
    case 'mask':
      writeLutColour(out, o, KEPT_LUT, value);
      return;
    case 'kept-values':
    case 'delta':
      writeLutColour(out, o, DIVERGING_LUT, opts.scale.t(value));
      return;
    case 'neighbours':
      writeLutColour(out, o, NEIGHBOUR_LUT, value / 4);
      return;
    case 'diff':
      writeDiff(out, o, value === 1 ? 1 : 0, value === 2 ? 1 : 0, value === 3 ? 1 : 0);
  }
}

/**
 * Paints the matrix under transform `t` into an RGBA buffer of `width` x `height` device pixels.
 * Pixels outside the matrix stay transparent. Returns the block shape used ([1, 1] = cell by cell).
 */
export function paintMatrix(
  out: Uint8ClampedArray,
  width: number,
  height: number,
  t: ViewTransform,
  src: MatrixSource,
  cache: BlockCache,
  opts: PaintOptions,
): [number, number] {
  out.fill(0);
  const ratio = opts.pixelRatio;
  const bh = blockSizeFor(t.scaleY, ratio);
  const bw = blockSizeFor(t.scaleX, ratio);
  const grid = bh > 1 || bw > 1 ? cache.get(bh, bw) : null;
  const nCols = grid ? grid.blockCols : src.cols;
  // Index of the cell (or block) under each pixel column, computed once per frame.
  const colOf = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const c = Math.floor(((x + 0.5) / ratio - t.tx) / t.scaleX);
    colOf[x] = c >= 0 && c < src.cols ? Math.floor(c / bw) : -1;
  }
  for (let y = 0; y < height; y++) {
    const r = Math.floor(((y + 0.5) / ratio - t.ty) / t.scaleY);
    if (r < 0 || r >= src.rows) continue;
    const rb = Math.floor(r / bh);
    let lastIndex = -1;
    let o = y * width * 4;
    for (let x = 0; x < width; x++, o += 4) {
      const cb = colOf[x];
      if (cb < 0) continue;
      // Neighbouring pixels in one cell share its colour: copy instead of recomputing.
      if (cb === lastIndex) {
        out[o] = out[o - 4];
        out[o + 1] = out[o - 3];
        out[o + 2] = out[o - 2];
        out[o + 3] = out[o - 1];
        continue;
      }
      lastIndex = cb;
      if (grid) {
        const bi = rb * nCols + cb;
        if (opts.mode === 'diff' && grid.diff) writeDiff(out, o, grid.diff.both[bi], grid.diff.onlyK[bi], grid.diff.onlyK2[bi]);
        else writeModeColour(out, o, opts, opts.mode === 'mask' ? grid.keptFraction[bi] : grid.mean[bi]);
      } else {
        writeModeColour(out, o, opts, cellValue(src, opts.mode, rb, cb));
      }
    }
  }
  return [bh, bw];
}

/**
 * A marginal strip: one bar length (0..1 of the strip) per screen pixel along an axis, the max count over
 * the cells that pixel covers, so a single full row never vanishes when zoomed out.
 */
export function marginalBars(counts: Uint32Array, maxCount: number, offset: number, scale: number, lengthPx: number): Float32Array {
  const out = new Float32Array(lengthPx);
  for (let p = 0; p < lengthPx; p++) {
    const first = Math.floor((p - offset) / scale);
    const last = Math.floor((p + 1 - offset) / scale - 1e-9);
    if (last < 0 || first >= counts.length) continue;
    let m = 0;
    for (let i = Math.max(0, first); i <= Math.min(counts.length - 1, last); i++) if (counts[i] > m) m = counts[i];
    out[p] = maxCount > 0 ? m / maxCount : 0;
  }
  return out;
}
