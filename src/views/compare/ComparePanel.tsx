// The Compare view: k1 (the store's k) vs k2 per tensor, the rows whose selection changes most, the
// kept-fraction vs k curve, other selection rules at the same per-row budget, and "target kept %" -> k.
// A thin shell: the worker computes (engine/sweep.ts), compare-model.ts shapes, render-*.ts draw.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { appStore } from '../../store/store';
import { bridge } from '../../store/appBridge';
import { RESULT_CACHE_BYTES } from '../../engine/lru';
import { OTHER_RULES, RULE_LABELS, SELECTION_RULES } from '../../core/rules';
import type { SelectionRule } from '../../core/types';
import type { KeptFractionPoint } from '../../core/compare';
import { useAppStore } from '../useAppStore';
import { formatCount, formatDuration } from '../shell/format';
import {
  changedRowsOf,
  compareRowOf,
  detailTensorOf,
  mergeCurvePoints,
  parseTargetPercent,
  percent2,
  perRowRuleOverlap,
  tensorsInScope,
  totalsOf,
  widestRow,
} from './compare-model';
import { compareInputsKey, SWEEP_POINTS, useCompareSweep, useCurveSweep, useTargetSearch } from './useCompareSweeps';
import { renderKeptCurve } from './render-curve';
import { renderRowOverlap, type RowOverlapSeries } from './render-row-overlap';
import './compare.css';

const TOP_ROWS = 12;

export function ComparePanel() {
  const pair = useAppStore((s) => s.pair);
  const pairVersion = useAppStore((s) => s.pairVersion);
  const scope = useAppStore((s) => s.scope);
  const rule = useAppStore((s) => s.rule);
  const k1 = useAppStore((s) => s.k);
  const k2 = useAppStore((s) => s.k2);
  const tensorName = useAppStore((s) => s.tensorName);
  const rowIndex = useAppStore((s) => s.rowIndex);
  const runState = useAppStore((s) => s.state);
  const summariesK = useAppStore((s) => s.summariesK);
  const summariesRule = useAppStore((s) => s.summariesRule);

  const inScope = useMemo(() => (pair ? tensorsInScope(pair.tensors, scope) : []), [pair, scope]);
  const detailTensor = useMemo(() => detailTensorOf(inScope, tensorName), [inScope, tensorName]);
  const maxK = widestRow(inScope);

  // Compare after the app's run at this k and rule ends, so KEN's k1 selections come from the worker's cache.
  const ready = summariesK === k1 && summariesRule === rule && runState !== 'running' && runState !== 'loading';
  const compareInputs = { tensors: pair?.tensors ?? null, pairVersion, scope, rule, k1, k2, detailTensor, ready };
  const currentKey = pair ? compareInputsKey(compareInputs) : null;
  const sweep = useCompareSweep(compareInputs);
  const isCurrent = sweep.key !== null && sweep.key === currentKey;
  const results = useMemo(() => (isCurrent ? sweep.results : []), [isCurrent, sweep.results]);
  // Table in checkpoint order whatever order the worker streamed (the detail tensor comes first).
  const rows = useMemo(() => {
    const order = new Map(inScope.map((t, i) => [t.name, i]));
    return results.map(compareRowOf).sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  }, [results, inScope]);
  const detail = results.find((r) => r.name === detailTensor) ?? null;
  const changedRows = useMemo(() => (detail ? changedRowsOf(detail, TOP_ROWS) : []), [detail]);
  const overlapSeries = useMemo(() => (detail ? perRowRuleOverlap(detail) : []), [detail]);

  const { curve, start: startCurve, cancel: cancelCurve } = useCurveSweep(pair?.tensors ?? null, pairVersion, scope, rule, detailTensor);
  const modelCurve = curve?.model ?? [];
  const { search, find } = useTargetSearch(pair?.tensors ?? null, pairVersion, scope, rule, modelCurve, (k) => bridge.setKAndRun(k));

  if (!pair) {
    return (
      <section className="compare-panel" data-testid="view-compare">
        <h2>Compare</h2>
        <p className="muted">Open a pair (or the demo pair) to compare k values and selection rules.</p>
        <CacheBudget />
      </section>
    );
  }

  const totals = totalsOf(rows);
  const complete = isCurrent && sweep.state === 'done';
  // Exact model points at k1/k2 from the comparison join the sweep's curve once every tensor is in.
  const extraModelPoints: KeptFractionPoint[] = complete
    ? [
        { k: k1, keptCount: totals.keptK1, total: totals.total, keptFraction: totals.total ? totals.keptK1 / totals.total : 0 },
        { k: k2, keptCount: totals.keptK2, total: totals.total, keptFraction: totals.total ? totals.keptK2 / totals.total : 0 },
      ]
    : [];
  const detailRow = rows.find((r) => r.name === detailTensor);
  const extraTensorPoints: KeptFractionPoint[] = detailRow
    ? [
        { k: k1, keptCount: detailRow.keptK1, total: detailRow.total, keptFraction: detailRow.keptK1 / detailRow.total },
        { k: k2, keptCount: detailRow.keptK2, total: detailRow.total, keptFraction: detailRow.keptK2 / detailRow.total },
      ]
    : [];

  return (
    <section className="compare-panel" data-testid="view-compare">
      <h2>Compare</h2>
      <div className="compare-toolbar">
        <RuleSelect rule={rule} />
        <K2Field k1={k1} k2={k2} maxK={maxK} />
        <TargetField onFind={find} running={search?.state === 'running'} />
        <CacheBudget />
      </div>
      {search && <TargetResult search={search} currentK={k1} />}

      <div
        className="compare-status"
        data-testid="compare-state"
        data-state={isCurrent ? sweep.state : 'running'}
        data-k1={k1}
        data-k2={k2}
        data-rule={rule}
        data-tensors-done={rows.length}
        data-tensors-total={inScope.length}
      >
        {!ready
          ? `Waiting for the run at k = ${k1} (${rule}) to finish before comparing…`
          : !isCurrent || sweep.state === 'running'
          ? `Comparing k1 = ${k1} with k2 = ${k2} (${rule}): ${rows.length} of ${inScope.length} tensors…`
          : sweep.state === 'error'
            ? `Comparison failed: ${sweep.error}`
            : `k1 = ${k1} vs k2 = ${k2} (${rule}), ${inScope.length} tensors: exact counts from the masks.`}
      </div>
      {isCurrent && sweep.state === 'error' && (
        <p role="alert" className="error" data-testid="compare-error">
          {sweep.error}
        </p>
      )}

      <CompareTable rows={rows} totals={complete ? totals : null} k1={k1} k2={k2} rule={rule} detailTensor={detailTensor} />

      {detail && (
        <div className="compare-detail">
          <ChangedRows name={detail.name} rows={changedRows} k1={k1} k2={k2} />
          <RowOverlapChart series={overlapSeries} selectedRow={tensorName === detail.name ? rowIndex : null} name={detail.name} k1={k1} />
        </div>
      )}

      <section className="compare-curve" aria-label="Kept fraction vs k">
        <h3>Kept fraction vs k ({rule})</h3>
        <div className="compare-curve-controls">
          <button type="button" data-testid="curve-sweep" onClick={startCurve} disabled={curve?.state === 'running'}>
            {curve?.state === 'done' ? 'Sweep k again' : 'Sweep k'}
          </button>
          {curve?.state === 'running' && (
            <button type="button" onClick={cancelCurve} data-testid="curve-cancel">
              Cancel
            </button>
          )}
          <span className="muted" data-testid="curve-state" data-state={curve?.state ?? 'idle'}>
            {curve?.state === 'running'
              ? `sweeping ${curve.ks.length} k values: ${curve.perTensor.size} of ${inScope.length} tensors`
              : curve?.state === 'done'
                ? `${curve.ks.length} k values, exact counts (${formatDuration(curve.elapsedMs ?? NaN)})`
                : curve?.state === 'error'
                  ? `sweep failed: ${curve.error}`
                  : `exact kept counts at ${SWEEP_POINTS} k values from 1 to ${maxK}`}
          </span>
        </div>
        <KeptCurve
          model={mergeCurvePoints(modelCurve, extraModelPoints)}
          tensor={mergeCurvePoints(detailTensor ? curve?.perTensor.get(detailTensor) ?? [] : [], extraTensorPoints)}
          tensorName={detailTensor}
          maxK={maxK}
          k1={k1}
          k2={k2}
        />
        {modelCurve.length > 0 && <CurveTable points={modelCurve} />}
      </section>
    </section>
  );
}

function CacheBudget() {
  return (
    <span className="muted compare-budget" data-testid="cache-budget" data-bytes={RESULT_CACHE_BYTES}>
      Results cache: {Math.round(RESULT_CACHE_BYTES / 2 ** 20)} MiB budget (least recently used first out); sweeps over k count
      masks without caching them.
    </span>
  );
}

function RuleSelect({ rule }: { rule: SelectionRule }) {
  const id = useId();
  return (
    <label htmlFor={id} className="compare-field">
      Rule shown in all views{' '}
      <select
        id={id}
        data-testid="rule-select"
        value={rule}
        onChange={(event) => {
          appStore.getState().setRule(event.target.value as SelectionRule);
          void bridge.runKen();
        }}
      >
        {SELECTION_RULES.map((r) => (
          <option key={r} value={r}>
            {RULE_LABELS[r]}
          </option>
        ))}
      </select>
    </label>
  );
}

function K2Field({ k1, k2, maxK }: { k1: number; k2: number; maxK: number }) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const apply = (text: string) => {
    setDraft(text);
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      setProblem(`k2 must be an integer >= 1 (got "${text}")`);
      return;
    }
    setProblem(null);
    setDraft(null);
    appStore.getState().setK2(value);
  };
  return (
    <span className="compare-field">
      <span data-testid="compare-k1">k1 = {k1}</span>{' '}
      <label htmlFor={id}>vs k2</label>{' '}
      <input id={id} type="number" min={1} step={1} value={draft ?? String(k2)} data-testid="k2-input" aria-invalid={problem !== null} onChange={(e) => apply(e.target.value)} />
      <input type="range" min={1} max={Math.max(maxK, k2)} step={1} value={k2} aria-label="k2 slider" onChange={(e) => apply(e.target.value)} />
      {problem && (
        <span role="alert" className="error" data-testid="k2-problem">
          {problem}
        </span>
      )}
    </span>
  );
}

function TargetField({ onFind, running }: { onFind: (fraction: number) => void; running: boolean }) {
  const id = useId();
  const [text, setText] = useState('25');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      className="compare-field"
      onSubmit={(event) => {
        event.preventDefault();
        const parsed = parseTargetPercent(text);
        if ('problem' in parsed) {
          setProblem(parsed.problem);
          return;
        }
        setProblem(null);
        onFind(parsed.fraction);
      }}
    >
      <label htmlFor={id}>Target kept %</label>{' '}
      <input id={id} value={text} onChange={(e) => setText(e.target.value)} size={6} data-testid="target-input" inputMode="decimal" />{' '}
      <button type="submit" data-testid="target-find" disabled={running}>
        {running ? 'Finding k…' : 'Find k'}
      </button>
      {problem && (
        <span role="alert" className="error" data-testid="target-problem">
          {problem}
        </span>
      )}
    </form>
  );
}

function TargetResult({ search, currentK }: { search: NonNullable<ReturnType<typeof useTargetSearch>['search']>; currentK: number }) {
  if (search.state === 'running') {
    return (
      <p className="muted" data-testid="target-result" data-state="running">
        Searching k for {percent2(search.targetFraction)} kept (bisection over exact counts)…
      </p>
    );
  }
  if (search.state === 'error') {
    return (
      <p role="alert" className="error" data-testid="target-result" data-state="error">
        Finding k failed: {search.error}
      </p>
    );
  }
  const r = search.result;
  if (!r) return null;
  return (
    <p
      data-testid="target-result"
      data-state="done"
      data-k={r.k}
      data-kept={r.keptCount}
      data-total={r.total}
      data-reached={String(r.reached)}
      className={r.k === currentK ? '' : 'muted'}
    >
      Target {percent2(r.targetFraction)}: k = {r.k} keeps {r.keptCount.toLocaleString('en-US')} of {r.total.toLocaleString('en-US')} entries ={' '}
      <strong data-testid="target-fraction">{percent2(r.keptFraction)}</strong> (exact, {r.evaluations} model-wide counts computed)
      {r.note ? <span data-testid="target-note"> — {r.note}</span> : null}
      {r.k !== currentK ? ` (k is now ${currentK})` : ''}
    </p>
  );
}

function CompareTable({
  rows,
  totals,
  k1,
  k2,
  rule,
  detailTensor,
}: {
  rows: ReturnType<typeof compareRowOf>[];
  totals: ReturnType<typeof totalsOf> | null;
  k1: number;
  k2: number;
  rule: SelectionRule;
  detailTensor: string | null;
}) {
  return (
    <div className="compare-table-wrap">
      <table className="compare-table" data-testid="compare-table">
        <thead>
          <tr>
            <th>tensor</th>
            <th>kept at k1 = {k1}</th>
            <th>kept at k2 = {k2}</th>
            <th title="|k1 ∩ k2| / |k1 ∪ k2|">Jaccard</th>
            <th>both</th>
            <th>only k1</th>
            <th>only k2</th>
            {OTHER_RULES.map((r) => (
              <th key={r} title={`Jaccard overlap of KEN at k1 with ${RULE_LABELS[r]} at k1`}>
                KEN ∩ {r}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={r.name}
              data-testid="compare-row"
              data-name={r.name}
              data-kept-k1={r.keptK1}
              data-kept-k2={r.keptK2}
              data-both={r.both}
              data-only-k1={r.onlyK1}
              data-only-k2={r.onlyK2}
              data-total={r.total}
              data-kept-whole={r.keptWhole}
              data-overlap-delta={r.ruleOverlap.delta}
              data-overlap-magnitude={r.ruleOverlap.magnitude}
              data-overlap-random={r.ruleOverlap.random}
              className={r.name === detailTensor ? 'selected' : undefined}
              onClick={() => appStore.getState().selectTensor(r.name)}
            >
              <td className="name" title={r.keptWhole ? `${r.name}: no pre-trained counterpart, kept whole at every k and left out of the totals` : r.name}>
                {r.name}
                {r.keptWhole && <span className="kept-whole-note"> (kept whole)</span>}
              </td>
              <td>{fmtKept(r.keptK1, r.total)}</td>
              <td>{fmtKept(r.keptK2, r.total)}</td>
              <td>{r.jaccard.toFixed(3)}</td>
              <td>{formatCount(r.both)}</td>
              <td>{formatCount(r.onlyK1)}</td>
              <td>{formatCount(r.onlyK2)}</td>
              {OTHER_RULES.map((o) => (
                <td key={o}>{r.ruleOverlap[o].toFixed(3)}</td>
              ))}
            </tr>
          ))}
        </tbody>
        {totals && (
          <tfoot>
            <tr
              data-testid="compare-total"
              data-kept-k1={totals.keptK1}
              data-kept-k2={totals.keptK2}
              data-both={totals.both}
              data-only-k1={totals.onlyK1}
              data-only-k2={totals.onlyK2}
              data-total={totals.total}
            >
              <th title="the pruned tensors in scope; tensors kept whole (new or shape-mismatched) are listed above but not counted">pruned total ({rule})</th>
              <td>{fmtKept(totals.keptK1, totals.total)}</td>
              <td>{fmtKept(totals.keptK2, totals.total)}</td>
              <td>{totals.jaccard.toFixed(3)}</td>
              <td>{formatCount(totals.both)}</td>
              <td>{formatCount(totals.onlyK1)}</td>
              <td>{formatCount(totals.onlyK2)}</td>
              <td colSpan={OTHER_RULES.length} />
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}

function fmtKept(kept: number, total: number): string {
  return `${formatCount(kept)} (${percent2(total ? kept / total : NaN)})`;
}

function ChangedRows({ name, rows, k1, k2 }: { name: string; rows: ReturnType<typeof changedRowsOf>; k1: number; k2: number }) {
  return (
    <section className="compare-changed" aria-label="Rows whose selection changes most">
      <h3>
        Rows of <code>{name}</code> whose selection changes most (k1 = {k1} → k2 = {k2})
      </h3>
      {rows.length === 0 ? (
        <p className="muted" data-testid="changed-rows-none">
          No row changes its selection.
        </p>
      ) : (
        <ol className="changed-rows" data-testid="changed-rows">
          {rows.map((r) => (
            <li key={r.rowIndex}>
              <button
                type="button"
                data-testid="changed-row"
                data-row={r.rowIndex}
                data-changed={r.changed}
                title="Show this row in the neuron view"
                onClick={() => {
                  const s = appStore.getState();
                  s.selectTensor(name);
                  s.selectRow(r.rowIndex);
                  s.setView('neuron');
                }}
              >
                row {r.rowIndex}: {r.changed} changed (−{r.onlyA} / +{r.onlyB}), Jaccard {r.jaccard.toFixed(3)}
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function RowOverlapChart({ series, selectedRow, name, k1 }: { series: RowOverlapSeries[]; selectedRow: number | null; name: string; k1: number }) {
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (svgRef.current) renderRowOverlap(svgRef.current, series, { width: 560, height: 180, selectedRow });
  }, [series, selectedRow]);
  return (
    <section className="compare-row-overlap" aria-label="Per-row overlap of other rules with KEN">
      <h3>
        Per row of <code>{name}</code>: overlap of KEN with other rules at k = {k1}
      </h3>
      <svg ref={svgRef} role="img" aria-label={`Per-row Jaccard overlap of KEN with ${series.map((s) => s.rule).join(', ')}`} data-testid="row-overlap-chart" />
    </section>
  );
}

function KeptCurve(props: { model: KeptFractionPoint[]; tensor: KeptFractionPoint[]; tensorName: string | null; maxK: number; k1: number; k2: number }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const { model, tensor, tensorName, maxK, k1, k2 } = props;
  useEffect(() => {
    if (!svgRef.current) return;
    const series = [{ label: 'model', className: 'series-model', points: model }];
    if (tensorName) series.push({ label: tensorName, className: 'series-tensor', points: tensor });
    renderKeptCurve(svgRef.current, { series, maxK, k1, k2 }, { width: 640, height: 240 });
  }, [model, tensor, tensorName, maxK, k1, k2]);
  return <svg ref={svgRef} role="img" aria-label="Kept fraction vs k" data-testid="kept-curve" />;
}

function CurveTable({ points }: { points: KeptFractionPoint[] }) {
  return (
    <details>
      <summary>Exact model-wide counts per k</summary>
      <table className="compare-curve-table" data-testid="curve-table">
        <thead>
          <tr>
            <th>k</th>
            <th>kept</th>
            <th>of</th>
            <th>kept %</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.k} data-testid="curve-point" data-k={p.k} data-kept={p.keptCount} data-total={p.total}>
              <td>{p.k}</td>
              <td>{p.keptCount.toLocaleString('en-US')}</td>
              <td>{p.total.toLocaleString('en-US')}</td>
              <td>{percent2(p.keptFraction)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
