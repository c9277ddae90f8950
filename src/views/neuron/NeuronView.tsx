// Neuron view: KEN on one row. Histogram and KDE of the row's fine-tuned values, the k grid points
// coloured by visit order with a line to the entry each took, kept vs reset entries (pre-trained against
// fine-tuned), and a stepper that replays the greedy matching one grid point at a time.
import { useEffect, useMemo, useRef, useState } from 'react';
import { axisBottom, axisLeft, interpolatePlasma, line, scaleLinear, select } from 'd3';
import type { RowDetails } from '../../engine/protocol';
import { engine, isAbortError } from '../../engine/client';
import { describeStep, greedySteps, histogram, kdeAt, linspace, rowMeaning } from '../render/neuron';
import { useAppStore } from '../useAppStore';
import { ExportButtons } from '../model/ExportButtons';
import { exportFileName } from '../export-image';
import { useElementWidth, useViewKeys } from '../matrix/hooks';
import { drawRampLegend } from '../render/legend';
import { NoPairNotice } from '../shell/NoPairNotice';
import '../render/viz.css';
import { TensorSelect, useViewableTensors } from '../shell/TensorSelect';

const KEPT = '#1a73e8';
const RESET = '#9aa0a6';
const CURRENT = '#d93025';
const DENSITY_H = 300;
const SCATTER_H = 260;
const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(5) : String(v));
/** Visit rank 0 (first) .. 1 (last) to colour; plasma's bright end is cut so late points stay visible on white. */
const visitColour = (t: number) => interpolatePlasma(0.05 + 0.8 * t);

function isCurrentRow(d: RowDetails | null, name: string | null, rowIndex: number, k: number): d is RowDetails {
  return !!d && d.name === name && d.rowIndex === rowIndex && d.k === k;
}

export function NeuronView() {
  const pair = useAppStore((s) => s.pair);
  const pairVersion = useAppStore((s) => s.pairVersion);
  const tensorName = useAppStore((s) => s.tensorName);
  const storeRow = useAppStore((s) => s.rowIndex);
  const k = useAppStore((s) => s.k);
  const rule = useAppStore((s) => s.rule);
  const selectRow = useAppStore((s) => s.selectRow);
  const { viewable, meta } = useViewableTensors();
  const rowIndex = meta ? Math.min(meta.rows - 1, Math.max(0, storeRow ?? 0)) : 0;

  // Results remember the pair they came from, so a newly opened pair never shows an old row.
  const [fetched, setDetails] = useState<{ d: RowDetails; pairVersion: number } | null>(null);
  const details = fetched && fetched.pairVersion === pairVersion ? fetched.d : null;
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!tensorName || !meta) return;
    let live = true;
    setError(null);
    engine.getRow(tensorName, rowIndex, k).then(
      (d) => live && setDetails({ d, pairVersion }),
      (e: unknown) => live && !isAbortError(e) && setError(`Could not run KEN on row ${rowIndex} of ${tensorName} at k = ${k}: ${e instanceof Error ? e.message : String(e)}`),
    );
    return () => {
      live = false;
    };
  }, [tensorName, meta, rowIndex, k, pairVersion]);
  const current = isCurrentRow(details, tensorName, rowIndex, k) ? details : null;
  const steps = useMemo(() => (current ? greedySteps(current) : []), [current]);

  // Replay: step s shows the first s grid points' choices; the final state (s = k) is the default.
  const [stepState, setStepState] = useState<{ key: string; step: number } | null>(null);
  const stepKey = `${tensorName}:${rowIndex}:${k}`;
  const step = stepState && stepState.key === stepKey ? Math.min(stepState.step, steps.length) : steps.length;
  const setStep = (s: number) => setStepState({ key: stepKey, step: Math.max(0, Math.min(steps.length, s)) });
  const [playing, setPlaying] = useState(false);
  const stepRef = useRef(step);
  stepRef.current = step;
  useEffect(() => {
    if (!playing || steps.length === 0) return;
    const every = Math.max(16, Math.min(400, 6000 / steps.length));
    const timer = setInterval(() => {
      const next = stepRef.current + 1;
      setStepState({ key: stepKey, step: Math.min(steps.length, next) });
      if (next >= steps.length) setPlaying(false);
    }, every);
    return () => clearInterval(timer);
  }, [playing, steps.length, stepKey]);

  useViewKeys((event) => {
    if (!meta) return false;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        selectRow(Math.min(meta.rows - 1, Math.max(0, rowIndex + (event.key === 'ArrowDown' ? 1 : -1))));
        return true;
      case 'ArrowRight':
        setPlaying(false);
        setStep(step + 1);
        return true;
      case 'ArrowLeft':
        setPlaying(false);
        setStep(step - 1);
        return true;
      case ' ':
        if (step >= steps.length) setStep(0);
        setPlaying(!playing);
        return true;
      case 'Home':
        setStep(0);
        return true;
      case 'End':
      case 'Escape':
        setPlaying(false);
        setStep(steps.length);
        return true;
      default:
        return false;
    }
  });

  const rootRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const [stageRef, stageWidth] = useElementWidth<HTMLDivElement>();

  if (!pair) {
    return <NoPairNotice testId="view-neuron" hint="Load a pair to follow KEN on one row." />;
  }

  const keptCount = current ? current.keep.reduce((n, b) => n + (b ? 1 : 0), 0) : 0;
  const n = current?.finetuned.length ?? meta?.cols ?? 0;
  const currentStep = step > 0 ? steps[step - 1] : null;

  return (
    <section className="viz" data-testid="view-neuron" data-state={current ? 'ready' : error ? 'error' : 'computing'}>
      <div className="viz-toolbar">
        <h2>Neuron</h2>
        <TensorSelect viewable={viewable} testId="neuron-tensor" />
        <label>
          row
          <button type="button" className="viz-btn" onClick={() => selectRow(Math.max(0, rowIndex - 1))} disabled={rowIndex <= 0} title="Previous row (↑)">
            ↑
          </button>
          <input
            type="number"
            min={0}
            max={(meta?.rows ?? 1) - 1}
            value={rowIndex}
            style={{ width: 80 }}
            data-testid="neuron-row"
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isInteger(v) && meta && v >= 0 && v < meta.rows) selectRow(v);
            }}
          />
          <button type="button" className="viz-btn" onClick={() => meta && selectRow(Math.min(meta.rows - 1, rowIndex + 1))} disabled={!meta || rowIndex >= meta.rows - 1} title="Next row (↓)">
            ↓
          </button>
          <span>of {meta?.rows ?? 0}</span>
        </label>
        <span className="spacer" />
        <ExportButtons root={rootRef} svg={svgRef} baseName={exportFileName(['kenviz-neuron', tensorName ?? 'row', `row${rowIndex}`, `k${k}`], 'png').replace(/\.png$/, '')} title={`${tensorName} · row ${rowIndex} · k = ${k}`} disabled={!current} />
      </div>
      {meta && (
        <p className="viz-caption">
          <b>Row {rowIndex}</b> of {meta.name}: {rowMeaning(meta.name, meta.shape)}.
          {rule !== 'ken' ? ` The step-by-step view always shows KEN's own rule (the run uses "${rule}").` : ''}
        </p>
      )}
      {error && (
        <p className="viz-notice error" role="alert" data-testid="neuron-error">
          {error}
        </p>
      )}
      {!current && !error && meta && (
        <p className="viz-notice computing" data-testid="neuron-computing">
          computing k = {k} on row {rowIndex}…{details && details.k !== k ? ` (the k = ${details.k} result is not shown)` : ''}
        </p>
      )}
      {current && meta && (meta.status === 'new' || meta.status === 'shape-mismatch') && (
        <p className="viz-notice" data-testid="neuron-kept-whole-tensor">
          {meta.name} is {meta.status === 'new' ? 'new in the fine-tuned checkpoint' : 'shaped differently in the two checkpoints'}, so a run keeps it whole: all {n} entries
          of this row keep their fine-tuned value. Below is what KEN would select on this row, for comparison.
        </p>
      )}
      {current && (
        <p className="viz-caption">
          {meta && (meta.status === 'new' || meta.status === 'shape-mismatch') ? 'KEN would keep' : 'keeps'}{' '}
          <b data-testid="neuron-kept-count" data-value={keptCount}>
            {keptCount}
          </b>{' '}
          of {n} entries at k = {k} (bandwidth h = {fmt(current.bandwidth)}, std = {fmt(current.std)})
          {keptCount > k && !current.wholeReason ? '; more than k because kept values are matched by value and this row repeats some' : ''}
          {current.wholeReason ? (
            <>
              {'; '}
              <b data-testid="neuron-whole">kept whole ({current.wholeReason})</b>: KEN defines no selection for this row
            </>
          ) : (
            ''
          )}
        </p>
      )}
      {current && steps.length > 0 && (
        <div className="neuron-stepper" data-testid="neuron-stepper">
          <div className="viz-toolbar">
            <span className="viz-segmented">
              <button type="button" className="viz-btn" onClick={() => setStep(0)} title="First (Home)" data-testid="step-first">
                |◀
              </button>
              <button type="button" className="viz-btn" onClick={() => setStep(step - 1)} disabled={step <= 0} title="Previous step (←)" data-testid="step-prev">
                ◀
              </button>
              <button
                type="button"
                className={playing ? 'viz-btn on' : 'viz-btn'}
                data-testid="step-play"
                onClick={() => {
                  if (!playing && step >= steps.length) setStep(0);
                  setPlaying(!playing);
                }}
                title="Play / pause (space)"
              >
                {playing ? 'pause' : 'play'}
              </button>
              <button type="button" className="viz-btn" onClick={() => setStep(step + 1)} disabled={step >= steps.length} title="Next step (→)" data-testid="step-next">
                ▶
              </button>
              <button type="button" className="viz-btn" onClick={() => setStep(steps.length)} title="Last (End)" data-testid="step-last">
                ▶|
              </button>
            </span>
            <input type="range" min={0} max={steps.length} value={step} onChange={(e) => setStep(Number(e.target.value))} style={{ flex: 1, minWidth: 200 }} aria-label="Greedy matching step" data-testid="step-slider" />
            <span data-testid="step-label">
              step {step} / {steps.length}
            </span>
          </div>
          <p className="viz-caption" data-testid="step-text">
            {describeStep(currentStep, steps.length, n)}
          </p>
        </div>
      )}
      <div ref={rootRef}>
        <div ref={stageRef} className="viz-stage">
          {current && stageWidth > 0 && <NeuronFigure svgRef={svgRef} details={current} step={step} width={stageWidth} />}
        </div>
      </div>
      {current && steps.length > 0 && <TakenTable details={current} steps={steps} step={step} />}
      <p className="viz-kbd">
        <kbd>↑</kbd><kbd>↓</kbd> row, <kbd>←</kbd><kbd>→</kbd> step, <kbd>space</kbd> play, <kbd>Home</kbd>/<kbd>End</kbd> first/last step
      </p>
    </section>
  );
}

function TakenTable({ details, steps, step }: { details: RowDetails; steps: ReturnType<typeof greedySteps>; step: number }) {
  const shown = steps.slice(Math.max(0, step - 8), step).reverse();
  if (shown.length === 0) return null;
  return (
    <table className="viz-table neuron-taken" style={{ maxWidth: 720 }}>
      <thead>
        <tr>
          <th>step</th>
          <th>grid point</th>
          <th>rounded density</th>
          <th>entry</th>
          <th>fine-tuned</th>
          <th>pre-trained</th>
          <th>kept</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((s) => (
          <tr key={s.step} style={s.step === step ? { color: CURRENT } : undefined}>
            <td>{s.step}</td>
            <td>
              g{s.gridIndex} = {fmt(s.gridValue)}
            </td>
            <td>{s.roundedDensity}</td>
            <td>{s.takenIndex}</td>
            <td>{fmt(s.takenValue)}</td>
            <td>{details.pretrained ? fmt(details.pretrained[s.takenIndex]) : '–'}</td>
            <td>{details.keep[s.takenIndex] ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface FigureProps {
  svgRef: React.RefObject<SVGSVGElement | null>;
  details: RowDetails;
  step: number;
  width: number;
}

function NeuronFigure({ svgRef, details, step, width }: FigureProps) {
  const values = details.finetuned;
  const n = values.length;
  const m = { left: 56, right: 16, top: 24, bottom: 56 };
  const plotW = Math.max(200, width - m.left - m.right);
  const plotH = DENSITY_H - m.top - m.bottom;
  const steps = useMemo(() => greedySteps(details), [details]);

  const { min, max, bins, fineX, fineY } = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) {
      lo = Number.isFinite(lo) ? lo - 1 : -1;
      hi = Number.isFinite(hi) ? hi + 1 : 1;
    }
    const binCount = Math.max(10, Math.min(80, Math.round(2 * Math.sqrt(n))));
    const xs = linspace(lo, hi, 400);
    return { min: lo, max: hi, bins: histogram(values, binCount, lo, hi), fineX: xs, fineY: kdeAt(values, details.bandwidth, xs) };
  }, [values, n, details.bandwidth]);

  const pad = (max - min) * 0.03;
  const x = scaleLinear().domain([min - pad, max + pad]).range([0, plotW]);
  const binDensity = bins.map((b) => b.count / (n * (b.x1 - b.x0)));
  const yMax = Math.max(1e-12, ...binDensity, ...fineY, ...details.density);
  const y = scaleLinear().domain([0, yMax * 1.08]).nice().range([plotH, 0]);
  const rank = new Int32Array(details.grid.length).fill(-1);
  details.visitOrder.forEach((g, i) => (rank[g] = i));
  const takenSoFar = new Set(steps.slice(0, step).map((s) => s.takenIndex));
  const finalState = step >= steps.length;
  const rugY = plotH + 30;

  const xAxisRef = useRef<SVGGElement>(null);
  const yAxisRef = useRef<SVGGElement>(null);
  const legendRef = useRef<SVGGElement>(null);
  useEffect(() => {
    if (xAxisRef.current) select(xAxisRef.current).call(axisBottom(x).ticks(Math.max(3, Math.floor(plotW / 90))));
    if (yAxisRef.current) select(yAxisRef.current).call(axisLeft(y).ticks(5));
    if (legendRef.current && steps.length > 1) {
      drawRampLegend(legendRef.current, {
        interpolate: (t) => visitColour(t),
        domain: [1, steps.length],
        width: 150,
        title: 'visit order (grid points)',
        tickFormat: (v) => String(v),
        // Both ends labelled: "1" is the first grid point visited, the last tick is k.
        tickValues: [...new Set([1, Math.round((1 + steps.length) / 2), steps.length])],
      });
    }
  });

  const kdePath = line<number>()
    .x((_, i) => x(fineX[i]))
    .y((v) => y(v))(Array.from(fineY));
  const pointR = details.grid.length > 300 ? 1.8 : 3.2;

  return (
    <svg ref={svgRef} className="viz-svg" width={width} height={DENSITY_H + (details.pretrained ? SCATTER_H : 40)} data-testid="neuron-figure">
      <g transform={`translate(${m.left},${m.top})`}>
        <text x={0} y={-10} fontWeight={600}>
          fine-tuned values of the row: histogram, KDE, and the k = {details.k} grid points (colour = visit order)
        </text>
        {bins.map((b, i) => (
          <rect key={i} x={x(b.x0) + 0.5} y={y(binDensity[i])} width={Math.max(0.5, x(b.x1) - x(b.x0) - 1)} height={plotH - y(binDensity[i])} fill="#e8eaed" />
        ))}
        <path d={kdePath ?? ''} fill="none" stroke="#5f6368" strokeWidth={1.5} />
        {/* Lines from each visited grid point down to the value it took (at the rug). */}
        {steps.slice(0, step).map((s) => (
          <line
            key={`l${s.step}`}
            x1={x(s.gridValue)}
            y1={y(details.density[s.gridIndex])}
            x2={x(s.takenValue)}
            y2={rugY - 8}
            stroke={s.step === step && !finalState ? CURRENT : visitColour((s.step - 1) / Math.max(1, steps.length - 1))}
            strokeOpacity={s.step === step && !finalState ? 1 : 0.45}
            strokeWidth={s.step === step && !finalState ? 2 : 0.8}
          />
        ))}
        {Array.from(details.grid, (g, j) => {
          const visited = rank[j] >= 0 && rank[j] < step;
          const isCurrent = !finalState && rank[j] === step - 1;
          return (
            <circle
              key={`g${j}`}
              cx={x(g)}
              cy={y(details.density[j])}
              r={isCurrent ? pointR + 2 : pointR}
              fill={visited ? visitColour(rank[j] / Math.max(1, steps.length - 1)) : '#ffffff'}
              stroke={isCurrent ? CURRENT : visited ? 'none' : '#9aa0a6'}
              strokeWidth={isCurrent ? 2 : 1}
            >
              <title>{`g${j} = ${fmt(g)}: density ${fmt(details.density[j])}, rounded ${details.roundedDensity[j]}, visited ${rank[j] + 1}${rank[j] >= 0 ? '' : ' (never)'}`}</title>
            </circle>
          );
        })}
        <g ref={xAxisRef} className="axis" transform={`translate(0,${plotH})`} />
        <g ref={yAxisRef} className="axis" />
        <g ref={legendRef} transform={`translate(${plotW - 170},0)`} className="viz-legend" />
        <text transform={`translate(-42,${plotH / 2}) rotate(-90)`} textAnchor="middle" fill="#5f6368">
          density
        </text>
        {/* Rug: every entry of the row; kept entries blue (or taken-so-far while replaying). */}
        {Array.from(values, (v, i) => {
          const on = finalState ? details.keep[i] === 1 : takenSoFar.has(i);
          return <line key={`r${i}`} x1={x(v)} x2={x(v)} y1={rugY - (on ? 10 : 6)} y2={rugY} stroke={on ? KEPT : RESET} strokeWidth={on ? 1.2 : 0.7} strokeOpacity={on ? 0.9 : 0.5} />;
        })}
        <text x={0} y={rugY + 14} fill="#5f6368" data-testid="neuron-x-label">
          fine-tuned value
        </text>
        <text x={plotW} y={rugY + 14} textAnchor="end" fill="#5f6368">
          {finalState ? 'rug: each entry of the row, kept (blue, tall) or reset (grey)' : `rug: entries taken after ${step} steps (blue)`}
        </text>
      </g>
      <ScatterPanel details={details} top={DENSITY_H} width={Math.min(width - 300, 420)} />
    </svg>
  );
}

/** Pre-trained against fine-tuned for every entry: kept entries move to their fine-tuned value, reset ones stay on pre-trained. */
function ScatterPanel({ details, top, width }: { details: RowDetails; top: number; width: number }) {
  const m = { left: 56, right: 16, top: 26, bottom: 40 };
  const plotW = width - m.left - m.right;
  const plotH = SCATTER_H - m.top - m.bottom;
  const pt = details.pretrained;
  const ft = details.finetuned;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ft.length; i++) {
    for (const v of pt ? [pt[i], ft[i]] : [ft[i]]) {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const x = scaleLinear().domain([lo, hi]).nice().range([0, plotW]);
  const y = scaleLinear().domain([lo, hi]).nice().range([plotH, 0]);
  const xAxisRef = useRef<SVGGElement>(null);
  const yAxisRef = useRef<SVGGElement>(null);
  useEffect(() => {
    if (xAxisRef.current) select(xAxisRef.current).call(axisBottom(x).ticks(5));
    if (yAxisRef.current) select(yAxisRef.current).call(axisLeft(y).ticks(5));
  });
  if (!pt) {
    return (
      <text x={m.left} y={top + 20} fill="#5f6368">
        No pre-trained tensor (new in the fine-tuned checkpoint): every entry keeps its fine-tuned value.
      </text>
    );
  }
  const order = Array.from(ft, (_, i) => i).sort((a, b) => details.keep[a] - details.keep[b]);
  return (
    <g transform={`translate(${m.left},${top + m.top})`} data-testid="neuron-scatter">
      <text x={0} y={-10} fontWeight={600}>
        pre-trained vs fine-tuned: kept entries (blue) take the fine-tuned value, reset ones (grey) go back
      </text>
      <line x1={x(lo)} y1={y(lo)} x2={x(hi)} y2={y(hi)} stroke="#dadce0" strokeDasharray="4 3" />
      {order.map((i) => (
        <circle key={i} cx={x(pt[i])} cy={y(ft[i])} r={details.keep[i] ? 2.4 : 2} fill={details.keep[i] ? KEPT : RESET} fillOpacity={details.keep[i] ? 0.85 : 0.7}>
          <title>{`entry ${i}: pre-trained ${fmt(pt[i])}, fine-tuned ${fmt(ft[i])}, ${details.keep[i] ? 'kept' : 'reset'}`}</title>
        </circle>
      ))}
      <g ref={xAxisRef} className="axis" transform={`translate(0,${plotH})`} />
      <g ref={yAxisRef} className="axis" />
      <RowSummary details={details} x={plotW + 40} />
      <text x={plotW / 2} y={plotH + 32} textAnchor="middle" fill="#5f6368">
        pre-trained value
      </text>
      <text transform={`translate(-42,${plotH / 2}) rotate(-90)`} textAnchor="middle" fill="#5f6368">
        fine-tuned value
      </text>
    </g>
  );
}

/** Kept vs reset entries of the row in numbers: how far each group moved during fine-tuning. */
function RowSummary({ details, x }: { details: RowDetails; x: number }) {
  const pt = details.pretrained as Float32Array;
  const groups = [
    { label: 'kept', colour: KEPT, count: 0, sumAbs: 0, maxAbs: 0 },
    { label: 'reset', colour: RESET, count: 0, sumAbs: 0, maxAbs: 0 },
  ];
  for (let i = 0; i < details.finetuned.length; i++) {
    const g = groups[details.keep[i] ? 0 : 1];
    const d = Math.abs(details.finetuned[i] - pt[i]);
    g.count++;
    g.sumAbs += d;
    if (d > g.maxAbs) g.maxAbs = d;
  }
  return (
    <g transform={`translate(${x},10)`} data-testid="neuron-row-summary">
      <text fontWeight={600}>this row</text>
      {groups.map((g, i) => (
        <g key={g.label} transform={`translate(0,${24 + i * 58})`}>
          <circle cx={5} cy={-4} r={4} fill={g.colour} />
          <text x={14}>
            {g.count} {g.label} entries
          </text>
          <text x={14} y={17} fill="#5f6368">
            mean |ft − pt| = {g.count > 0 ? (g.sumAbs / g.count).toExponential(3) : '–'}
          </text>
          <text x={14} y={34} fill="#5f6368">
            max |ft − pt| = {g.count > 0 ? g.maxAbs.toExponential(3) : '–'}
          </text>
        </g>
      ))}
      <text y={150} fill="#5f6368">
        kept entries keep their fine-tuned value;
      </text>
      <text y={166} fill="#5f6368">
        reset entries return to the pre-trained one.
      </text>
    </g>
  );
}
