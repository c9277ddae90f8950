// Matrix view: one tensor on a canvas (zoom with the wheel, pan by dragging), in five modes, with d3
// axes, a legend, a hover readout and kept-count marginals. Bulk arrays come from engine.getTensor and
// stay in component memory; painting is render/matrix-paint.ts, this file wires data, events and layout.
import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { axisLeft, axisTop, format, scaleLinear, select } from 'd3';
import type { TensorData } from '../../engine/protocol';
import { engine, isAbortError } from '../../engine/client';
import type { MatrixMode } from '../../store/store';
import { bitAt, keptPerColumn, sampleModeValues, type MatrixSource } from '../render/aggregate';
import { DIFF_RGB, divergingInterpolator, divergingScale, keptFractionInterpolator, neighbourInterpolator, percentileAbs } from '../render/colour';
import { drawRampLegend, drawSwatchLegend } from '../render/legend';
import {
  BlockCache,
  blockSizeFor,
  cellAt,
  clampTransform,
  fitTransform,
  marginalBars,
  paintMatrix,
  zoomLimits,
  zoomAt,
  type ViewTransform,
} from '../render/matrix-paint';
import { rowMeaning } from '../render/neuron';
import { useAppStore } from '../useAppStore';
import { ExportButtons } from '../model/ExportButtons';
import { exportFileName } from '../export-image';
import { useElementWidth, useViewKeys } from './hooks';
import { NoPairNotice } from '../shell/NoPairNotice';
import '../render/viz.css';
import { TensorSelect, useViewableTensors } from '../shell/TensorSelect';

const MODES: { mode: MatrixMode; label: string; title: string }[] = [
  { mode: 'mask', label: 'kept mask', title: 'dark = kept (fine-tuned value), light = reset to pre-trained' },
  { mode: 'kept-values', label: 'kept values', title: 'fine-tuned value where kept, blank where reset' },
  { mode: 'delta', label: 'delta', title: 'fine-tuned minus pre-trained' },
  { mode: 'neighbours', label: 'neighbours', title: 'kept horizontal/vertical neighbours of each cell (0-4)' },
  { mode: 'diff', label: 'k vs k2', title: 'kept by both k and k2, only by k, only by k2' },
];

const MARGIN = { left: 60, top: 36, right: 58, bottom: 56 };
const MARGINAL = 40;
/** Free width right of the plot needed to put the legend there (the longest legend title fits in it). */
const LEGEND_BESIDE_MIN_W = 440;
const CLIP_PERCENTILE = 99;
const fmtValue = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));

/** Whether `data` is the tensor at the (name, k, rule) the store asks for; anything else is not current. */
function isCurrent(data: TensorData | null, name: string | null, k: number, rule: string): data is TensorData {
  return !!data && data.name === name && data.k === k && data.rule === rule;
}

export function MatrixView() {
  const pair = useAppStore((s) => s.pair);
  const pairVersion = useAppStore((s) => s.pairVersion);
  const tensorName = useAppStore((s) => s.tensorName);
  const k = useAppStore((s) => s.k);
  const k2 = useAppStore((s) => s.k2);
  const rule = useAppStore((s) => s.rule);
  const mode = useAppStore((s) => s.matrixMode);
  const rowIndex = useAppStore((s) => s.rowIndex);
  const colIndex = useAppStore((s) => s.colIndex);
  const selectTensor = useAppStore((s) => s.selectTensor);
  const selectCell = useAppStore((s) => s.selectCell);
  const setMatrixMode = useAppStore((s) => s.setMatrixMode);
  const setK2 = useAppStore((s) => s.setK2);
  const setView = useAppStore((s) => s.setView);

  const { viewable, meta } = useViewableTensors();

  // Each result remembers the pair it came from: a tensor of the same name in a newly opened pair is not it.
  const [fetched, setData] = useState<{ d: TensorData; pairVersion: number } | null>(null);
  const [fetched2, setData2] = useState<{ d: TensorData; pairVersion: number } | null>(null);
  const data = fetched && fetched.pairVersion === pairVersion ? fetched.d : null;
  const data2 = fetched2 && fetched2.pairVersion === pairVersion ? fetched2.d : null;
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!tensorName || !meta) return;
    let live = true;
    setError(null);
    engine.getTensor(tensorName, k, rule).then(
      (d) => live && setData({ d, pairVersion }),
      (e: unknown) => live && !isAbortError(e) && setError(`Could not compute ${tensorName} at k = ${k}: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      live = false;
    };
  }, [tensorName, meta, k, rule, pairVersion]);
  useEffect(() => {
    if (!tensorName || !meta || mode !== 'diff') return;
    let live = true;
    engine.getTensor(tensorName, k2, rule).then(
      (d) => live && setData2({ d, pairVersion }),
      (e: unknown) => live && !isAbortError(e) && setError(`Could not compute ${tensorName} at k2 = ${k2}: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      live = false;
    };
  }, [tensorName, meta, k2, rule, mode, pairVersion]);

  const current = isCurrent(data, tensorName, k, rule) ? data : null;
  const current2 = mode === 'diff' ? (isCurrent(data2, tensorName, k2, rule) ? data2 : null) : null;
  const ready = !!current && (mode !== 'diff' || !!current2);

  const source = useMemo<MatrixSource | null>(
    () =>
      current
        ? { rows: current.rows, cols: current.cols, pretrained: current.pretrained, finetuned: current.finetuned, maskBits: current.maskBits, maskBits2: current2?.maskBits ?? null }
        : null,
    [current, current2],
  );
  const cache = useMemo(() => (source && ready ? new BlockCache(source, mode) : null), [source, mode, ready]);
  const clip = useMemo(
    () => (source && (mode === 'kept-values' || mode === 'delta') ? percentileAbs(sampleModeValues(source, mode), CLIP_PERCENTILE) : 1),
    [source, mode],
  );
  const keptPerCol = useMemo(() => (current ? keptPerColumn(current.maskBits, current.rows, current.cols) : null), [current]);
  const maxKeptPerRow = useMemo(() => (current ? current.keptPerRow.reduce((m, v) => Math.max(m, v), 0) : 0), [current]);
  const maxKeptPerCol = useMemo(() => (keptPerCol ? keptPerCol.reduce((m, v) => Math.max(m, v), 0) : 0), [keptPerCol]);
  const diffTotals = useMemo(() => {
    if (!source || !source.maskBits2 || mode !== 'diff') return null;
    let both = 0;
    let onlyK = 0;
    let onlyK2 = 0;
    for (let i = 0; i < source.rows * source.cols; i++) {
      const a = bitAt(source.maskBits, i);
      const b = bitAt(source.maskBits2, i);
      if (a && b) both++;
      else if (a) onlyK++;
      else if (b) onlyK2++;
    }
    return { both, onlyK, onlyK2 };
  }, [source, mode]);

  // Layout: the plot keeps the matrix's aspect within sensible bounds.
  const [stageRef, stageWidth, stageEl] = useElementWidth<HTMLDivElement>();
  const rows = meta?.rows ?? 1;
  const cols = meta?.cols ?? 1;
  // The plot takes the matrix's aspect: full width for wide matrices, at most 600 px tall for tall ones
  // (a 6000 x 128 embedding gets a plot at least 360 px wide, its cells stretched, rather than a sliver).
  const availW = Math.max(100, stageWidth - MARGIN.left - MARGIN.right);
  const aspect = rows / cols;
  const plotW = Math.round(availW * aspect <= 600 ? availW : Math.max(Math.min(availW, 360), 600 / aspect));
  const plotH = Math.round(Math.min(600, Math.max(rows === 1 ? 48 : 120, plotW * aspect)));
  const stageW = MARGIN.left + plotW + MARGIN.right;
  const stageH = MARGIN.top + plotH + MARGIN.bottom;
  const ratio = typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1;
  const legendBeside = stageWidth - stageW >= LEGEND_BESIDE_MIN_W;

  const fitKey = `${tensorName}:${rows}x${cols}@${plotW}x${plotH}`;
  const [view, setViewTransform] = useState<{ key: string; t: ViewTransform } | null>(null);
  const fit = fitTransform(rows, cols, plotW, plotH);
  const transform = view && view.key === fitKey ? view.t : fit;
  const [minZoom, maxZoom] = zoomLimits(rows, cols, plotW, plotH);
  const setTransform = (t: ViewTransform) => setViewTransform({ key: fitKey, t: clampTransform(t, rows, cols, plotW, plotH) });
  const zoomBy = (factor: number, px = plotW / 2, py = plotH / 2) => setTransform(zoomAt(transform, fit, factor, px, py, minZoom, maxZoom));

  // Painting: the raster and the marginals into one canvas, only when data, mode or transform change.
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const blockHeight = blockSizeFor(transform.scaleY, ratio);
  const blockWidth = blockSizeFor(transform.scaleX, ratio);
  const blockSize = Math.max(blockHeight, blockWidth);
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || stageWidth === 0) return;
    canvas.width = Math.round(stageW * ratio);
    canvas.height = Math.round(stageH * ratio);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!source || !cache || !current || !keptPerCol) return;
    const w = Math.round(plotW * ratio);
    const h = Math.round(plotH * ratio);
    const image = ctx.createImageData(w, h);
    paintMatrix(image.data, w, h, transform, source, cache, { mode, scale: divergingScale(clip), pixelRatio: ratio });
    ctx.putImageData(image, Math.round(MARGIN.left * ratio), Math.round(MARGIN.top * ratio));
    ctx.save();
    ctx.scale(ratio, ratio);
    // Frame the matrix itself (clipped to the plot), so its edges read even where it does not fill the plot.
    const fx0 = Math.max(0, transform.tx);
    const fy0 = Math.max(0, transform.ty);
    const fx1 = Math.min(plotW, transform.tx + cols * transform.scaleX);
    const fy1 = Math.min(plotH, transform.ty + rows * transform.scaleY);
    ctx.strokeStyle = '#9aa0a6';
    ctx.strokeRect(MARGIN.left + fx0 - 0.5, MARGIN.top + fy0 - 0.5, fx1 - fx0 + 1, fy1 - fy0 + 1);
    ctx.restore();
    // Marginals: kept count per row (right) and per column (below), max over the cells under each pixel.
    ctx.fillStyle = '#4a8fe7';
    // Bars are scaled to the largest count (named in the labels), not to the row length, so small k stays visible.
    const rowBars = marginalBars(current.keptPerRow, maxKeptPerRow, transform.ty * ratio, transform.scaleY * ratio, h);
    const rx = Math.round((MARGIN.left + plotW + 6) * ratio);
    for (let p = 0; p < h; p++) if (rowBars[p] > 0) ctx.fillRect(rx, Math.round(MARGIN.top * ratio) + p, Math.max(1, rowBars[p] * MARGINAL * ratio), 1);
    const colBars = marginalBars(keptPerCol, maxKeptPerCol, transform.tx * ratio, transform.scaleX * ratio, w);
    const by = Math.round((MARGIN.top + plotH + 6 + 32) * ratio);
    for (let p = 0; p < w; p++) {
      if (colBars[p] > 0) {
        const len = Math.max(1, colBars[p] * 32 * ratio);
        ctx.fillRect(Math.round(MARGIN.left * ratio) + p, by - len, 1, len);
      }
    }
  }, [source, cache, current, keptPerCol, maxKeptPerRow, maxKeptPerCol, transform, mode, clip, plotW, plotH, stageWidth, stageW, stageH, rows, cols, ratio]);

  // Axes in the SVG overlay: tick i sits at the centre of row/column i.
  const xAxisRef = useRef<SVGGElement>(null);
  const yAxisRef = useRef<SVGGElement>(null);
  useEffect(() => {
    const x = scaleLinear()
      .domain([-transform.tx / transform.scaleX - 0.5, (plotW - transform.tx) / transform.scaleX - 0.5])
      .range([0, plotW]);
    const y = scaleLinear()
      .domain([-transform.ty / transform.scaleY - 0.5, (plotH - transform.ty) / transform.scaleY - 0.5])
      .range([0, plotH]);
    const intTicks = (s: typeof x, n: number, max: number) => s.ticks(n).filter((v) => Number.isInteger(v) && v >= 0 && v < max);
    if (xAxisRef.current) select(xAxisRef.current).call(axisTop(x).tickValues(intTicks(x, Math.max(2, Math.floor(plotW / 70)), cols)).tickFormat(format('d')).tickSizeOuter(0));
    if (yAxisRef.current) select(yAxisRef.current).call(axisLeft(y).tickValues(intTicks(y, Math.max(2, Math.floor(plotH / 40)), rows)).tickFormat(format('d')).tickSizeOuter(0));
  }, [transform, plotW, plotH, rows, cols]);

  // Pointer: drag pans, a click without movement selects the cell (and so its row, for the neuron view).
  const [hover, setHover] = useState<{ rowIndex: number; colIndex: number } | null>(null);
  const drag = useRef<{ x: number; y: number; t: ViewTransform; moved: boolean } | null>(null);
  const plotPoint = (e: { clientX: number; clientY: number }) => {
    const rect = canvasRef.current?.getBoundingClientRect();
    return rect ? { px: e.clientX - rect.left - MARGIN.left, py: e.clientY - rect.top - MARGIN.top } : { px: -1, py: -1 };
  };
  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    drag.current = { x: e.clientX, y: e.clientY, t: transform, moved: false };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (d) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (d.moved || Math.abs(dx) + Math.abs(dy) > 3) {
        d.moved = true;
        setTransform({ ...d.t, tx: d.t.tx + dx, ty: d.t.ty + dy });
      }
    }
    const { px, py } = plotPoint(e);
    const cell = px >= 0 && py >= 0 && px < plotW && py < plotH ? cellAt(transform, px, py, rows, cols) : null;
    setHover((h) => (h?.rowIndex === cell?.rowIndex && h?.colIndex === cell?.colIndex ? h : cell));
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved) {
      const { px, py } = plotPoint(e);
      const cell = px >= 0 && py >= 0 && px < plotW && py < plotH ? cellAt(transform, px, py, rows, cols) : null;
      if (cell) selectCell(cell.rowIndex, cell.colIndex);
    }
  };
  // The wheel listener must be non-passive to keep the page from scrolling while zooming.
  const zoomRef = useRef(zoomBy);
  useEffect(() => {
    zoomRef.current = zoomBy;
  });
  useEffect(() => {
    const canvas = stageEl?.querySelector('canvas');
    if (!canvas) return;
    const onWheel = (e: WheelEvent) => {
      const { px, py } = plotPoint(e);
      if (px < 0 || py < 0) return;
      e.preventDefault();
      zoomRef.current(Math.exp(-e.deltaY * 0.0015), px, py);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [stageEl]);

  useViewKeys((event) => {
    if (!meta) return false;
    const index = viewable.findIndex((t) => t.name === meta.name);
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        const next = Math.min(rows - 1, Math.max(0, (rowIndex ?? -1) + (event.key === 'ArrowDown' ? 1 : -1)));
        selectCell(next, colIndex ?? 0);
        return true;
      }
      case 'ArrowRight':
      case 'ArrowLeft': {
        const next = viewable[Math.min(viewable.length - 1, Math.max(0, index + (event.key === 'ArrowRight' ? 1 : -1)))];
        if (next) selectTensor(next.name);
        return true;
      }
      case '+':
      case '=':
        zoomBy(1.5);
        return true;
      case '-':
      case '_':
        zoomBy(1 / 1.5);
        return true;
      case '0':
        setViewTransform(null);
        return true;
      case 'Enter':
        if (rowIndex !== null) setView('neuron');
        return true;
      case 'Escape':
        selectCell(null, null);
        return true;
      default:
        return false;
    }
  });

  const rootRef = useRef<HTMLDivElement>(null);
  if (!pair) {
    return <NoPairNotice testId="view-matrix" hint="Load a pair to look inside its matrices." />;
  }

  const readoutCell = hover ?? (rowIndex !== null && colIndex !== null ? { rowIndex, colIndex } : null);

  return (
    <section className="viz" data-testid="view-matrix" data-state={ready ? 'ready' : error ? 'error' : 'computing'} data-k={current?.k ?? ''}>
      <div className="viz-toolbar">
        <h2>Matrix</h2>
        <TensorSelect viewable={viewable} testId="matrix-tensor" />
        <span className="viz-segmented" role="radiogroup" aria-label="What the cells show">
          {MODES.map((m) => (
            <button
              key={m.mode}
              type="button"
              role="radio"
              aria-checked={mode === m.mode}
              className={mode === m.mode ? 'viz-btn on' : 'viz-btn'}
              title={m.title}
              data-testid={`matrix-mode-${m.mode}`}
              onClick={() => setMatrixMode(m.mode)}
            >
              {m.label}
            </button>
          ))}
        </span>
        {mode === 'diff' && (
          <label>
            k2
            <input type="number" min={1} value={k2} style={{ width: 70 }} data-testid="matrix-k2" onChange={(e) => Number.isInteger(Number(e.target.value)) && Number(e.target.value) >= 1 && setK2(Number(e.target.value))} />
          </label>
        )}
        <span className="viz-segmented">
          <button type="button" className="viz-btn" title="Zoom in (+)" onClick={() => zoomBy(1.5)} data-testid="matrix-zoom-in">
            +
          </button>
          <button type="button" className="viz-btn" title="Zoom out (−)" onClick={() => zoomBy(1 / 1.5)} data-testid="matrix-zoom-out">
            −
          </button>
          <button type="button" className="viz-btn" title="Fit (0)" onClick={() => setViewTransform(null)} data-testid="matrix-fit">
            fit
          </button>
        </span>
        <span className="spacer" />
        <ExportButtons root={rootRef} baseName={exportFileName(['kenviz', tensorName ?? 'matrix', mode, `k${k}`], 'png').replace(/\.png$/, '')} title={`${tensorName} · ${mode} · k = ${k}${mode === 'diff' ? ` vs k2 = ${k2}` : ''}`} disabled={!ready} />
      </div>
      {meta && (
        <p className="viz-caption" data-testid="matrix-row-meaning">
          <b>{meta.name}</b> [{meta.shape.join(' x ')}] — {rowMeaning(meta.name, meta.shape)}. Marginals: kept per row (right) and per column (below).
        </p>
      )}
      {error && (
        <p className="viz-notice error" role="alert" data-testid="matrix-error">
          {error}
        </p>
      )}
      {!ready && !error && meta && (
        <p className="viz-notice computing" data-testid="matrix-computing">
          computing k = {k}
          {mode === 'diff' ? ` and k2 = ${k2}` : ''} for {meta.name}…
          {data && data.name === tensorName && data.k !== k ? ` (the k = ${data.k} result is not shown)` : ''}
        </p>
      )}
      {current && readoutCell && <Readout data={current} data2={current2} cell={readoutCell} k={k} k2={k2} />}
      {(!readoutCell || !current) && <div className="viz-readout viz-caption">Hover a cell for its values; click selects its row for the neuron view.</div>}
      <div ref={rootRef} className="matrix-export-root">
        {/* Beside the plot where there is room, else above it: below a tall matrix it would be out of sight. */}
        {!legendBeside && <MatrixLegend mode={mode} clip={clip} k={k} k2={k2} diffTotals={diffTotals} blockSize={blockSize} left={MARGIN.left} />}
        <div ref={stageRef} className="viz-stage" style={{ height: stageH }}>
          <canvas
            ref={canvasRef}
            data-testid="matrix-canvas"
            data-plot={`${MARGIN.left},${MARGIN.top},${plotW},${plotH}`}
            style={{ width: stageW, height: stageH, cursor: drag.current?.moved ? 'grabbing' : 'crosshair', touchAction: 'none' }}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerLeave={() => setHover(null)}
          />
          {legendBeside && (
            <div className="matrix-legend-beside" style={{ left: stageW + 16, top: MARGIN.top }}>
              <MatrixLegend mode={mode} clip={clip} k={k} k2={k2} diffTotals={diffTotals} blockSize={blockSize} left={0} vertical />
            </div>
          )}
          <svg className="overlay" width={stageW} height={stageH}>
            <g ref={xAxisRef} className="axis" transform={`translate(${MARGIN.left},${MARGIN.top - 2})`} />
            <g ref={yAxisRef} className="axis" transform={`translate(${MARGIN.left - 2},${MARGIN.top})`} />
            <text x={MARGIN.left + plotW / 2} y={11} textAnchor="middle" fontSize={11} fill="#5f6368">
              column index
            </text>
            <text transform={`translate(12,${MARGIN.top + plotH / 2}) rotate(-90)`} textAnchor="middle" fontSize={11} fill="#5f6368">
              row index
            </text>
            {/* Two short lines: the right margin is narrow, and the PNG export clips what overflows the stage. */}
            <text x={MARGIN.left + plotW + 6} y={MARGIN.top - 18} fontSize={10} fill="#5f6368">
              kept/row
            </text>
            {ready && (
              <text x={MARGIN.left + plotW + 6} y={MARGIN.top - 6} fontSize={10} fill="#5f6368">
                max {maxKeptPerRow}
              </text>
            )}
            <text x={MARGIN.left} y={MARGIN.top + plotH + 50} fontSize={10} fill="#5f6368">
              kept/col{ready ? ` (max ${maxKeptPerCol})` : ''}
            </text>
            <svg x={MARGIN.left} y={MARGIN.top} width={plotW} height={plotH} overflow="hidden">
              {rowIndex !== null && rowIndex < rows && (
                <rect x={Math.max(-1, transform.tx)} y={rowIndex * transform.scaleY + transform.ty - 0.5} width={Math.min(plotW + 2, cols * transform.scaleX)} height={Math.max(1, transform.scaleY) + 1} fill="none" stroke="#e37400" strokeWidth={1.5} />
              )}
              {/* White under black, so the selected cell reads on dark (kept) and light cells alike. */}
              {rowIndex !== null && colIndex !== null && transform.scaleX >= 4 && transform.scaleY >= 4 && (
                <g data-testid="matrix-selected-cell">
                  <rect x={colIndex * transform.scaleX + transform.tx} y={rowIndex * transform.scaleY + transform.ty} width={transform.scaleX} height={transform.scaleY} fill="none" stroke="#ffffff" strokeWidth={4} />
                  <rect x={colIndex * transform.scaleX + transform.tx} y={rowIndex * transform.scaleY + transform.ty} width={transform.scaleX} height={transform.scaleY} fill="none" stroke="#1d1f21" strokeWidth={1.5} />
                </g>
              )}
              {hover && transform.scaleX >= 4 && transform.scaleY >= 4 && <rect x={hover.colIndex * transform.scaleX + transform.tx} y={hover.rowIndex * transform.scaleY + transform.ty} width={transform.scaleX} height={transform.scaleY} fill="none" stroke="#fff" strokeWidth={1} />}
            </svg>
          </svg>
        </div>
      </div>
      <p className="viz-kbd">
        <kbd>wheel</kbd>/<kbd>+</kbd><kbd>−</kbd> zoom, drag to pan, <kbd>0</kbd> fit, <kbd>↑</kbd><kbd>↓</kbd> row, <kbd>←</kbd><kbd>→</kbd> tensor, <kbd>Enter</kbd> neuron view, <kbd>Esc</kbd> clear
        {blockSize > 1 ? ` · zoomed out: each pixel shows block aggregates of ${blockHeight} rows × ${blockWidth} columns` : ''}
      </p>
    </section>
  );
}

function Readout({ data, data2, cell, k, k2 }: { data: TensorData; data2: TensorData | null; cell: { rowIndex: number; colIndex: number }; k: number; k2: number }) {
  const i = cell.rowIndex * data.cols + cell.colIndex;
  if (cell.rowIndex >= data.rows || cell.colIndex >= data.cols) return null;
  const ft = data.finetuned[i];
  const pt = data.pretrained ? data.pretrained[i] : null;
  const kept = bitAt(data.maskBits, i) === 1;
  return (
    <div className="viz-readout" data-testid="matrix-readout">
      <span>
        row <b data-testid="readout-row">{cell.rowIndex}</b>
      </span>
      <span>
        column <b data-testid="readout-col">{cell.colIndex}</b>
      </span>
      <span>
        pre-trained{' '}
        <b data-testid="readout-pretrained" data-value={pt === null ? '' : String(pt)}>
          {pt === null ? '– (new tensor)' : fmtValue(pt)}
        </b>
      </span>
      <span>
        fine-tuned{' '}
        <b data-testid="readout-finetuned" data-value={String(ft)}>
          {fmtValue(ft)}
        </b>
      </span>
      {pt !== null && (
        <span>
          delta <b>{fmtValue(ft - pt)}</b>
        </span>
      )}
      <span>
        kept at k = {k}{' '}
        <b data-testid="readout-kept" data-value={kept ? '1' : '0'} style={{ color: kept ? '#174ea6' : '#5f6368' }}>
          {kept ? 'yes' : 'no (reset)'}
        </b>
      </span>
      {data2 && (
        <span>
          kept at k2 = {k2} <b>{bitAt(data2.maskBits, i) ? 'yes' : 'no'}</b>
        </span>
      )}
      <span>
        row keeps <b>{data.keptPerRow[cell.rowIndex]}</b> of {data.cols}
      </span>
    </div>
  );
}

interface MatrixLegendProps {
  mode: MatrixMode;
  clip: number;
  k: number;
  k2: number;
  diffTotals: { both: number; onlyK: number; onlyK2: number } | null;
  blockSize: number;
  /** Indent of the legend in its SVG (the plot's left margin when above it). */
  left: number;
  /** Swatches in a column (beside the plot) rather than a row. */
  vertical?: boolean;
}

function MatrixLegend({ mode, clip, k, k2, diffTotals, blockSize, left, vertical = false }: MatrixLegendProps) {
  const ref = useRef<SVGGElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const g = ref.current;
    if (!g) return;
    drawMatrixLegend(g, { mode, clip, k, k2, diffTotals, blockSize, vertical });
    // The SVG takes the size of what was drawn, so a one-line legend leaves no gap and a long title is not cut.
    const box = g.getBBox?.();
    if (box && svgRef.current) {
      svgRef.current.setAttribute('width', String(Math.ceil(left + box.x + box.width + 8)));
      svgRef.current.setAttribute('height', String(Math.ceil(box.y + box.height + 10)));
    }
  }, [mode, clip, k, k2, diffTotals, blockSize, left, vertical]);
  return (
    <svg ref={svgRef} className="viz-svg viz-legend" width={720} height={52} data-testid="matrix-legend">
      <g ref={ref} transform={`translate(${left},4)`} />
    </svg>
  );
}

function drawMatrixLegend(g: SVGGElement, { mode, clip, k, k2, diffTotals, blockSize, vertical }: Omit<MatrixLegendProps, 'left'>) {
  const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;
  switch (mode) {
    case 'mask':
      if (blockSize > 1) {
        drawRampLegend(g, { interpolate: keptFractionInterpolator, domain: [0, 1], width: 220, title: 'kept fraction of each block', tickFormat: (v) => `${Math.round(v * 100)}%`, ticks: 4 });
      } else {
        drawSwatchLegend(
          g,
          [
            { label: 'kept (fine-tuned value)', fill: keptFractionInterpolator(1) },
            { label: 'reset to pre-trained', fill: keptFractionInterpolator(0) },
          ],
          undefined,
          vertical,
        );
      }
      return;
    case 'kept-values':
    case 'delta':
      drawRampLegend(g, {
        interpolate: divergingInterpolator,
        domain: [-clip, clip],
        width: 260,
        title: `${mode === 'delta' ? 'fine-tuned − pre-trained' : 'fine-tuned value where kept (grey: reset)'}, clipped at ±${clip.toPrecision(3)} (${CLIP_PERCENTILE}th pct of |v|)${blockSize > 1 ? ', block means' : ''}`,
        tickFormat: (v) => format('.2~g')(v),
        ticks: 4,
      });
      return;
    case 'neighbours':
      drawRampLegend(g, { interpolate: neighbourInterpolator, domain: [0, 4], width: 220, title: `kept horizontal/vertical neighbours${blockSize > 1 ? ' (block mean)' : ''}`, tickFormat: (v) => String(v), ticks: 4 });
      return;
    case 'diff':
      drawSwatchLegend(
        g,
        [
          { label: `kept by both${diffTotals ? ` (${diffTotals.both})` : ''}`, fill: rgb(DIFF_RGB.both) },
          { label: `only k = ${k}${diffTotals ? ` (${diffTotals.onlyK})` : ''}`, fill: rgb(DIFF_RGB.onlyK) },
          { label: `only k2 = ${k2}${diffTotals ? ` (${diffTotals.onlyK2})` : ''}`, fill: rgb(DIFF_RGB.onlyK2) },
          { label: 'neither', fill: rgb(DIFF_RGB.neither) },
        ],
        blockSize > 1 ? 'blocks mix the four colours by their share' : undefined,
        vertical,
      );
  }
}
