// Model view: every layer x matrix type as small multiples coloured by kept fraction, the tensors
// without a layer in their own band, a per-layer bar chart for one matrix type and a details table.
// Layout comes from render/model-grid.ts; this component only draws it as SVG.
import { useEffect, useMemo, useRef, useState } from 'react';
import { axisBottom, axisLeft, scaleBand, scaleLinear, select } from 'd3';
import type { TensorMeta, TensorSummary } from '../../engine/protocol';
import {
  NOT_PRUNED_LABEL,
  cellState,
  describeTensorCounts,
  layerBars,
  layoutModelGrid,
  neighbourCell,
  shortTypeLabel,
  tensorCounts,
  type CellState,
  type GridCell,
} from '../render/model-grid';
import { keptFractionInterpolator } from '../render/colour';
import { drawRampLegend, drawSwatchLegend } from '../render/legend';
import { rowMeaning } from '../render/neuron';
import { useAppStore } from '../useAppStore';
import { ExportButtons } from './ExportButtons';
import { useViewKeys } from '../matrix/hooks';
import { NoPairNotice } from '../shell/NoPairNotice';
import '../render/viz.css';

const LABEL_W = 70;
const CELL_H = 24;
const OTHER_ROW_H = 22;

const STATUS_STYLE = {
  new: { fill: 'url(#model-hatch-new)', mark: 'N', label: 'new (kept whole)' },
  'shape-mismatch': { fill: 'url(#model-hatch-mismatch)', mark: '≠', label: 'shape mismatch (kept whole)' },
  'not-pruned': { fill: '#f1f3f4', mark: '–', label: 'not in the run' },
  pending: { fill: '#ffffff', mark: '', label: 'not computed yet' },
} as const;

function fmtPct(v: number): string {
  return `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`;
}
function fmtNum(v: number): string {
  return Number.isFinite(v) ? v.toExponential(3) : '–';
}

/** Upper end of the colour domain: the largest kept fraction rounded up, so low-k runs still show contrast. */
function colourMax(states: CellState[]): number {
  let max = 0;
  for (const s of states) if (s.kind === 'kept' && s.keptFraction > max) max = s.keptFraction;
  if (max <= 0) return 1;
  return Math.min(1, Math.ceil(max * 20) / 20);
}

function cellFill(state: CellState, max: number): string {
  switch (state.kind) {
    case 'kept':
      return keptFractionInterpolator(Math.min(1, state.keptFraction / max));
    case 'kept-whole':
      return STATUS_STYLE[state.reason].fill;
    case 'not-pruned':
      return STATUS_STYLE['not-pruned'].fill;
    case 'pending':
      return STATUS_STYLE.pending.fill;
  }
}

function cellMark(state: CellState): string {
  if (state.kind === 'kept-whole') return STATUS_STYLE[state.reason].mark;
  if (state.kind === 'not-pruned') return STATUS_STYLE['not-pruned'].mark;
  return '';
}

function cellTitle(meta: TensorMeta, state: CellState): string {
  const head = `${meta.name} [${meta.shape.join('x')}]`;
  switch (state.kind) {
    case 'kept':
      return `${head}\nkept ${state.summary.keptCount} of ${state.summary.total} (${fmtPct(state.keptFraction)})\nmean |ft-pt| kept ${fmtNum(state.summary.meanAbsDeltaKept)}, reset ${fmtNum(state.summary.meanAbsDeltaReset)}`;
    case 'kept-whole':
      return `${head}\n${STATUS_STYLE[state.reason].label}`;
    case 'not-pruned':
      return `${head}\n${NOT_PRUNED_LABEL[state.reason]}`;
    case 'pending':
      return `${head}\nnot computed yet`;
  }
}

export function ModelView() {
  const pair = useAppStore((s) => s.pair);
  const summaries = useAppStore((s) => s.summaries);
  const summariesK = useAppStore((s) => s.summariesK);
  const k = useAppStore((s) => s.k);
  const runState = useAppStore((s) => s.state);
  const runTensorsTotal = useAppStore((s) => s.progress?.tensorsTotal ?? null);
  const tensorName = useAppStore((s) => s.tensorName);
  const selectTensor = useAppStore((s) => s.selectTensor);
  const setView = useAppStore((s) => s.setView);
  const [hovered, setHovered] = useState<string | null>(null);
  const [barType, setBarType] = useState<string | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);

  const tensors = useMemo(() => pair?.tensors ?? [], [pair]);
  const grid = useMemo(() => layoutModelGrid(tensors), [tensors]);
  const counts = useMemo(() => tensorCounts(tensors), [tensors]);
  // Summaries of another k are never shown as the current ones.
  const current = useMemo<Record<string, TensorSummary>>(() => (summariesK === k ? summaries : {}), [summaries, summariesK, k]);
  const states = useMemo(() => new Map(tensors.map((t) => [t.name, cellState(t, current[t.name])])), [tensors, current]);
  const max = colourMax([...states.values()]);
  // The bar chart starts on the first matrix type that is a 2-D weight: more telling than a bias.
  const activeBarType =
    barType && grid.matrixTypes.includes(barType)
      ? barType
      : (grid.matrixTypes.find((type) => grid.layerCells.some((c) => c.matrixType === type && c.meta.shape.length === 2)) ?? grid.matrixTypes[0] ?? null);

  const open = (name: string) => {
    selectTensor(name);
    setView('matrix');
  };

  useViewKeys((event) => {
    if (tensors.length === 0) return false;
    // Arrows move through the grid as drawn (the file's alphabetical order is not what a person sees).
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft' || event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      const next = neighbourCell(grid, tensorName, event.key);
      if (next) selectTensor(next);
      return true;
    }
    if (event.key === 'Enter' && tensorName) {
      setView('matrix');
      return true;
    }
    if (event.key === 'Escape') {
      selectTensor(null);
      return true;
    }
    return false;
  });

  if (!pair) {
    return <NoPairNotice testId="view-model" hint="Load a pair to see which fraction of each tensor KEN keeps." />;
  }

  const computing = summariesK !== k || runState === 'running';
  const computedCount = Object.keys(current).length;
  const maxTypeLabel = Math.max(8, ...grid.matrixTypes.map((t) => shortTypeLabel(t).length));
  const cellW = Math.max(24, Math.min(44, Math.floor(720 / Math.max(1, grid.matrixTypes.length))));
  const headerH = Math.min(200, Math.round(maxTypeLabel * 6.2 * 0.64) + 16);
  const gridTop = headerH;
  const gridH = grid.layers.length * CELL_H;
  const otherTop = gridTop + gridH + (grid.layers.length > 0 ? 28 : 0);
  const otherH = grid.otherCells.length > 0 ? 20 + grid.otherCells.length * OTHER_ROW_H : 0;
  const legendTop = otherTop + otherH + 16;
  const svgW = Math.max(LABEL_W + grid.matrixTypes.length * cellW + maxTypeLabel * 6.2 * 0.77 + 10, 560);
  const svgH = legendTop + 80;
  const detailName = hovered ?? tensorName;
  const detailMeta = detailName ? tensors.find((t) => t.name === detailName) : undefined;

  const renderCell = (cell: GridCell, x: number, y: number, w: number, h: number) => {
    const state = states.get(cell.name) as CellState;
    const selected = cell.name === tensorName;
    const hasWholeRows = state.kind === 'kept' && state.summary.wholeRows.length > 0;
    return (
      <g
        key={cell.name}
        transform={`translate(${x},${y})`}
        data-testid="model-cell"
        data-name={cell.name}
        data-state={state.kind}
        data-kept-fraction={state.kind === 'kept' ? String(state.keptFraction) : undefined}
        style={{ cursor: 'pointer' }}
        onClick={() => open(cell.name)}
        onMouseEnter={() => setHovered(cell.name)}
        onMouseLeave={() => setHovered(null)}
      >
        <title>{cellTitle(cell.meta, state)}</title>
        <rect
          width={w - 2}
          height={h - 2}
          rx={2}
          fill={cellFill(state, max)}
          stroke={selected ? '#ffffff' : state.kind === 'pending' ? '#bdc1c6' : '#ffffff'}
          strokeWidth={1}
          strokeDasharray={state.kind === 'not-pruned' ? '3 2' : undefined}
        />
        {/* A dark ring outside a white one: the selection reads on dark (high kept fraction) cells too. */}
        {selected && <rect x={-1.5} y={-1.5} width={w + 1} height={h + 1} rx={3} fill="none" stroke="#1d1f21" strokeWidth={2} data-testid="model-selected" />}
        {cellMark(state) && (
          <text x={(w - 2) / 2} y={(h - 2) / 2 + 4} textAnchor="middle" fontSize={11} fontWeight={700} fill="#3c4043">
            {cellMark(state)}
          </text>
        )}
        {hasWholeRows && <circle cx={w - 7} cy={5} r={2.5} fill="#e37400" />}
      </g>
    );
  };

  return (
    <section className="viz" data-testid="view-model">
      <div className="viz-toolbar">
        <h2>Model</h2>
        <span className="viz-caption">
          kept fraction per tensor at <b>k = {k}</b>; click a cell to open its matrix
        </span>
        <span className="spacer" />
        <ExportButtons root={rootRef} svg={svgRef} baseName={`kenviz-model-k${k}`} title={`KENviz model view, k = ${k}`} />
      </div>
      <p className="viz-caption" data-testid="model-counts" data-in-run={counts.inRun}>
        {describeTensorCounts(counts)}. A run covers the {counts.inRun} pruned and kept-whole tensors.
      </p>
      {computing && (
        <p className="viz-notice computing" data-testid="model-computing">
          computing k = {k}… {computedCount} of {runTensorsTotal ?? counts.inRun} tensors done
          {summariesK !== null && summariesK !== k ? ` (results of k = ${summariesK} are not shown)` : ''}
        </p>
      )}
      <div className="viz-body">
        <div className="viz-main" ref={rootRef}>
          <svg ref={svgRef} className="viz-svg" width={svgW} height={svgH} data-testid="model-grid" role="img" aria-label={`Kept fraction per tensor at k = ${k}`}>
            <defs>
              <pattern id="model-hatch-new" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="6" height="6" fill="#e6f4ea" />
                <line x1="0" y1="0" x2="0" y2="6" stroke="#34a853" strokeWidth="2" />
              </pattern>
              <pattern id="model-hatch-mismatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
                <rect width="6" height="6" fill="#fef7e0" />
                <line x1="0" y1="0" x2="0" y2="6" stroke="#e37400" strokeWidth="2" />
              </pattern>
            </defs>
            {grid.matrixTypes.map((type, col) => (
              <text
                key={type}
                transform={`translate(${LABEL_W + col * cellW + cellW / 2 - 1},${headerH - 6}) rotate(-40)`}
                fontSize={11}
                fill={type === activeBarType ? '#1a73e8' : '#3c4043'}
                style={{ cursor: 'pointer' }}
                onClick={() => setBarType(type)}
              >
                <title>{`${type}: click for kept fraction per layer`}</title>
                {shortTypeLabel(type)}
              </text>
            ))}
            {grid.layers.map((layer, row) => (
              <text key={layer} x={LABEL_W - 8} y={gridTop + row * CELL_H + CELL_H / 2 + 3} textAnchor="end" fontSize={11}>
                layer {layer}
              </text>
            ))}
            {grid.layerCells.map((cell) => renderCell(cell, LABEL_W + cell.col * cellW, gridTop + cell.row * CELL_H, cellW, CELL_H))}
            {grid.otherCells.length > 0 && (
              <g transform={`translate(0,${otherTop})`}>
                <text x={0} y={10} fontWeight={600}>
                  tensors without a layer
                </text>
                {grid.otherCells.map((cell, i) => {
                  const state = states.get(cell.name) as CellState;
                  return (
                    <g key={cell.name}>
                      {renderCell(cell, LABEL_W, 20 + i * OTHER_ROW_H, 30, OTHER_ROW_H)}
                      <text x={LABEL_W + 36} y={20 + i * OTHER_ROW_H + 14} fontSize={11}>
                        {cell.name}
                        <tspan fill="#5f6368">
                          {`  [${cell.meta.shape.join('x')}]  `}
                          {state.kind === 'kept'
                            ? fmtPct(state.keptFraction)
                            : state.kind === 'kept-whole'
                              ? STATUS_STYLE[state.reason].label
                              : state.kind === 'not-pruned'
                                ? NOT_PRUNED_LABEL[state.reason]
                                : 'not computed yet'}
                        </tspan>
                      </text>
                    </g>
                  );
                })}
              </g>
            )}
            <text x={0} y={12} fontWeight={600}>
              kept fraction per tensor, k = {k}
            </text>
            <ModelLegend top={legendTop} max={max} counts={counts} />
          </svg>
          {activeBarType && (
            <LayerBarChart
              matrixTypes={grid.matrixTypes}
              matrixType={activeBarType}
              onType={setBarType}
              bars={layerBars(grid, activeBarType, current)}
              selected={tensorName}
              onOpen={open}
            />
          )}
        </div>
        <aside className="viz-side" data-testid="model-side">
          {detailMeta ? (
            <TensorDetails meta={detailMeta} summary={current[detailMeta.name]} state={states.get(detailMeta.name) as CellState} />
          ) : (
            <p className="viz-caption">Hover or select a tensor for its numbers. Keys: ←/→ next tensor, ↑/↓ same matrix in the layer above/below, Enter opens it, Esc clears.</p>
          )}
        </aside>
      </div>
    </section>
  );
}

function ModelLegend({ top, max, counts }: { top: number; max: number; counts: ReturnType<typeof tensorCounts> }) {
  const rampRef = useRef<SVGGElement>(null);
  const swatchRef = useRef<SVGGElement>(null);
  useEffect(() => {
    if (rampRef.current) {
      drawRampLegend(rampRef.current, {
        interpolate: (t) => keptFractionInterpolator(t),
        domain: [0, max],
        width: 200,
        title: 'kept fraction',
        tickFormat: (v) => `${Math.round(v * 1000) / 10}%`,
        ticks: 4,
      });
    }
    if (swatchRef.current) {
      // Only the statuses this pair has, so the legend never explains marks that are not on screen.
      const notInRun = [counts.onlyPretrained > 0 ? NOT_PRUNED_LABEL['only-pretrained'] : '', counts.notFloat > 0 ? NOT_PRUNED_LABEL['not-float'] : ''].filter(Boolean);
      drawSwatchLegend(swatchRef.current, [
        { label: STATUS_STYLE.new.label, fill: '#e6f4ea', stroke: '#34a853', mark: 'N' },
        { label: STATUS_STYLE['shape-mismatch'].label, fill: '#fef7e0', stroke: '#e37400', mark: '≠' },
        ...(notInRun.length > 0 ? [{ label: notInRun.join('; '), fill: '#f1f3f4', mark: '–' }] : []),
        { label: 'has rows kept whole', fill: '#ffffff', stroke: '#e37400', mark: '•' },
      ]);
    }
  }, [max, counts]);
  return (
    <g transform={`translate(${LABEL_W},${top})`} className="viz-legend">
      <g ref={rampRef} />
      <g ref={swatchRef} transform="translate(0,52)" />
    </g>
  );
}

interface LayerBarChartProps {
  matrixTypes: string[];
  matrixType: string;
  onType(type: string): void;
  bars: ReturnType<typeof layerBars>;
  selected: string | null;
  onOpen(name: string): void;
}

function LayerBarChart({ matrixTypes, matrixType, onType, bars, selected, onOpen }: LayerBarChartProps) {
  const xAxisRef = useRef<SVGGElement>(null);
  const yAxisRef = useRef<SVGGElement>(null);
  const margin = { left: 46, right: 10, top: 22, bottom: 30 };
  const title = `kept fraction per layer: ${matrixType}`;
  // Wide enough for the title too: it names the matrix type in exports, where the select does not appear.
  const width = Math.max(320, Math.ceil(margin.left + title.length * 6.6), Math.min(720, bars.length * 40 + margin.left + margin.right));
  const height = 170;
  const maxFraction = Math.max(0.01, ...bars.map((b) => b.keptFraction ?? 0));
  const x = scaleBand<number>()
    .domain(bars.map((b) => b.layer))
    .range([margin.left, width - margin.right])
    .padding(0.2);
  const y = scaleLinear()
    .domain([0, maxFraction])
    .nice()
    .range([height - margin.bottom, margin.top]);
  useEffect(() => {
    if (xAxisRef.current) select(xAxisRef.current).call(axisBottom(x).tickSizeOuter(0));
    if (yAxisRef.current) select(yAxisRef.current).call(axisLeft(y).ticks(4).tickFormat((v) => `${Math.round(Number(v) * 1000) / 10}%`));
  });
  return (
    <div className="model-bars" data-testid="model-bars">
      <div className="viz-toolbar">
        <label>
          matrix type
          <select value={matrixType} onChange={(e) => onType(e.target.value)} data-testid="model-bar-type">
            {matrixTypes.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      <svg className="viz-svg" width={width} height={height}>
        <text x={margin.left} y={11} fontWeight={600}>
          {title}
        </text>
        <g ref={yAxisRef} className="axis" transform={`translate(${margin.left},0)`} />
        <g ref={xAxisRef} className="axis" transform={`translate(0,${height - margin.bottom})`} />
        <text x={(margin.left + width - margin.right) / 2} y={height - 2} textAnchor="middle" fill="#5f6368">
          layer
        </text>
        {bars.map((b) => (
          <g key={b.name} style={{ cursor: 'pointer' }} onClick={() => onOpen(b.name)} data-testid="model-bar" data-layer={b.layer}>
            <title>{`${b.name}: ${b.keptFraction === null ? 'not computed yet' : fmtPct(b.keptFraction)}`}</title>
            {b.keptFraction === null ? (
              <rect x={x(b.layer)} y={y(0) - 2} width={x.bandwidth()} height={2} fill="#dadce0" />
            ) : (
              <rect
                x={x(b.layer)}
                y={y(b.keptFraction)}
                width={x.bandwidth()}
                height={Math.max(1, y(0) - y(b.keptFraction))}
                fill={b.name === selected ? '#174ea6' : '#4a8fe7'}
              />
            )}
          </g>
        ))}
      </svg>
    </div>
  );
}

function TensorDetails({ meta, summary, state }: { meta: TensorMeta; summary: TensorSummary | undefined; state: CellState }) {
  return (
    <div data-testid="model-details" data-name={meta.name}>
      <h3>{meta.name}</h3>
      <table className="viz-table">
        <tbody>
          <tr>
            <th>shape</th>
            <td>
              [{meta.shape.join(', ')}] {meta.dtype}
            </td>
          </tr>
          <tr>
            <th>layer</th>
            <td>{meta.layer ?? '–'}</td>
          </tr>
          <tr>
            <th>status</th>
            <td>
              {meta.status}
              {state.kind === 'not-pruned' ? `: ${NOT_PRUNED_LABEL[state.reason]}` : ''}
            </td>
          </tr>
          <tr>
            <th>a row is</th>
            <td>{rowMeaning(meta.name, meta.shape)}</td>
          </tr>
          {summary && (
            <>
              <tr>
                <th>kept</th>
                <td data-testid="model-details-kept">
                  {summary.keptCount} of {summary.total} ({fmtPct(summary.total > 0 ? summary.keptCount / summary.total : 0)})
                </td>
              </tr>
              <tr>
                <th>mean |ft − pt|, kept</th>
                <td>{fmtNum(summary.meanAbsDeltaKept)}</td>
              </tr>
              <tr>
                <th>mean |ft − pt|, reset</th>
                <td>{fmtNum(summary.meanAbsDeltaReset)}</td>
              </tr>
              <tr>
                <th>rows kept whole</th>
                <td>
                  {summary.wholeRows.length === 0
                    ? 'none'
                    : `${summary.wholeRows.length} (${[...new Set(summary.wholeRows.map((w) => w.reason))].join(', ')})`}
                </td>
              </tr>
            </>
          )}
          {!summary && state.kind === 'pending' && (
            <tr>
              <th>kept</th>
              <td>not computed yet</td>
            </tr>
          )}
          {state.kind === 'kept-whole' && (
            <tr>
              <th>kept</th>
              <td>whole tensor ({STATUS_STYLE[state.reason].label})</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
