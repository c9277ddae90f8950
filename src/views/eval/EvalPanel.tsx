// The Evaluate tab: pick a labelled set (the demo eval.tsv or a TSV/CSV), evaluate the fine-tuned model,
// KEN at the current k, or a k sweep, and see the results table and accuracy-vs-kept-fraction figure.
// A thin shell: state and actions live in evalStore, drawing in accuracy-chart.ts.
import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../useAppStore';
import { evalStore } from './evalStoreInstance';
import type { EvalStoreState } from './evalStore';
import type { EvalBackendChoice, EvalProgress, EvalResult } from '../../engine/bert/eval-protocol';
import { renderAccuracyChart, type AccuracyChartData } from './accuracy-chart';
import './eval.css';

function useEval<T>(selector: (s: EvalStoreState) => T): T {
  return useStore(evalStore, selector);
}

const pct = (fraction: number | null) => (fraction === null ? '—' : `${(fraction * 100).toFixed(2)}%`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function majorityAccuracy(labels: readonly number[]): number | null {
  if (labels.length === 0) return null;
  const counts = new Map<number, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return Math.max(...counts.values()) / labels.length;
}

export function EvalPanel() {
  const k = useAppStore((s) => s.k);
  const hasPair = useAppStore((s) => s.pair !== null && s.pairSources !== null);
  const st = useEval(
    useShallow((s) => ({
      state: s.state,
      error: s.error,
      activity: s.activity,
      progress: s.progress,
      dataset: s.dataset,
      datasetError: s.datasetError,
      backendChoice: s.backendChoice,
      info: s.info,
      finetuned: s.finetuned,
      ken: s.ken,
      sweepMs: s.sweepMs,
      sweepKsText: s.sweepKsText,
    })),
  );
  const actions = evalStore.getState();
  const busy = st.state === 'loading' || st.state === 'running';

  useEffect(() => {
    // The demo set is the default; a person can replace it with their own file.
    const s = evalStore.getState();
    if (!s.dataset && !s.datasetSource && !s.datasetError) void s.useDemoDataset();
  }, []);

  const kenResults = Object.values(st.ken).sort((a, b) => (a.k ?? 0) - (b.k ?? 0));
  const labelNames = st.dataset?.labelNames ?? [];

  return (
    <section className="eval-panel" data-testid="view-eval">
      <h2>Evaluate</h2>
      <p className="muted">
        Accuracy of the fine-tuned model and of KEN&apos;s model (every tensor present in both checkpoints reset to pre-trained except the
        k kept entries per row; new tensors such as the pooler and classifier stay fine-tuned), run with tfjs in a worker.
      </p>

      <div className="eval-controls">
        <fieldset className="eval-dataset">
          <legend>Evaluation set</legend>
          <button type="button" data-testid="eval-use-demo" disabled={busy} onClick={() => void actions.useDemoDataset()}>
            Demo eval.tsv
          </button>
          <label className={busy ? 'button disabled' : 'button'} aria-disabled={busy}>
            TSV/CSV file…
            <input
              type="file"
              accept=".tsv,.csv,.txt"
              hidden
              data-testid="eval-file"
              disabled={busy}
              onChange={(event) => {
                const file = event.target.files?.[0];
                if (file) void actions.loadDatasetFile(file);
                event.target.value = '';
              }}
            />
          </label>
          <div className="eval-dataset-info" data-testid="eval-dataset-info" data-rows={st.dataset?.examples.length ?? ''}>
            {st.dataset
              ? `${st.dataset.name}: ${st.dataset.examples.length} rows${labelNames.length > 0 ? `; labels ${labelNames.map((name, id) => `${id} = ${name}`).join(', ')}` : ''}`
              : st.datasetError
                ? ''
                : 'no set chosen'}
          </div>
          {st.datasetError && (
            <div className="eval-error" role="alert" data-testid="eval-dataset-error">
              {st.datasetError}
            </div>
          )}
          <div className="muted eval-hint">One row per line: sentence, then a tab (or a comma in .csv), then the label id or name.</div>
        </fieldset>

        <fieldset className="eval-actions">
          <legend>Run</legend>
          <label>
            Backend{' '}
            <select
              data-testid="eval-backend"
              value={st.backendChoice}
              disabled={busy}
              onChange={(event) => actions.setBackendChoice(event.target.value as EvalBackendChoice)}
            >
              <option value="auto">auto (WebGPU, else WASM)</option>
              <option value="webgpu">WebGPU</option>
              <option value="wasm">WASM</option>
              <option value="cpu">CPU (JS)</option>
            </select>
          </label>
          <div className="eval-buttons">
            <button type="button" className="primary" data-testid="eval-finetuned" disabled={busy || !hasPair || !st.dataset} onClick={() => void actions.evaluateFinetuned()}>
              Evaluate fine-tuned
            </button>
            <button type="button" data-testid="eval-ken" disabled={busy || !hasPair || !st.dataset} onClick={() => void actions.evaluateKen(k)}>
              Evaluate KEN at k = {k}
            </button>
          </div>
          <div className="eval-buttons">
            <label>
              Sweep k{' '}
              <input
                type="text"
                className="eval-ks"
                data-testid="eval-ks"
                value={st.sweepKsText}
                disabled={busy}
                onChange={(event) => actions.setSweepKsText(event.target.value)}
              />
            </label>
            <button type="button" data-testid="eval-sweep" disabled={busy || !hasPair || !st.dataset} onClick={() => void actions.sweep()}>
              Sweep
            </button>
            <button type="button" data-testid="eval-cancel" disabled={!busy} onClick={() => actions.cancel()}>
              Cancel
            </button>
          </div>
          {!hasPair && <div className="muted">Load a pair first.</div>}
        </fieldset>
      </div>

      <div
        className={`eval-status state-${st.state}`}
        data-testid="eval-status"
        data-state={st.state}
        data-backend={st.info?.backend ?? ''}
        role="status"
        aria-live="polite"
      >
        {statusText(st.state, st.activity, st.progress, st.info?.backend ?? null, st.info?.backendReason ?? '')}
      </div>
      {busy && st.progress && <ProgressBar progress={st.progress} />}
      {st.state === 'error' && st.error && (
        <div className="eval-error" role="alert" data-testid="eval-error">
          {st.error}
        </div>
      )}

      <ResultsTable finetuned={st.finetuned} ken={kenResults} sweepMs={st.sweepMs} />
      <AccuracyChart
        data={{
          points: kenResults.filter((r) => r.keptFraction !== null).map((r) => ({ k: r.k ?? 0, keptFraction: r.keptFraction ?? 0, accuracy: r.accuracy })),
          finetunedAccuracy: st.finetuned?.accuracy ?? null,
          majorityAccuracy: st.dataset ? majorityAccuracy(st.dataset.examples.map((e) => e.label)) : null,
        }}
      />
    </section>
  );
}

function statusText(state: string, activity: string, progress: EvalProgress | null, backend: string | null, backendReason: string): string {
  if (state === 'loading') return `Opening the pair for evaluation…`;
  if (state === 'running') {
    const where = progress?.steps ? ` (${(progress.step ?? 0) + 1} of ${progress.steps})` : '';
    return `${activity}${where}…`;
  }
  if (state === 'error') return 'Evaluation failed.';
  if (state === 'done') return `Done on ${backend ?? '?'}${backendNote(backend, backendReason)}.`;
  return activity === 'cancelled' ? 'Cancelled.' : 'Ready.';
}

/** The backend's reason without repeating its name: "wasm; WebGPU has no adapter" on wasm -> " (WebGPU has no adapter)". */
export function backendNote(backend: string | null, reason: string): string {
  const rest = backend && reason.startsWith(backend) ? reason.slice(backend.length).replace(/^[\s;:,]+/, '').replace(/^\((.*)\)$/, '$1') : reason;
  return rest ? ` (${rest})` : '';
}

function ProgressBar({ progress }: { progress: EvalProgress }) {
  const label = progress.phase === 'merging' ? `KEN k = ${progress.k}: tensor` : progress.phase === 'inference' ? 'sentences' : 'tensors read';
  return (
    <div className="eval-progress" data-testid="eval-progress" data-phase={progress.phase}>
      <progress max={progress.total} value={progress.done} />
      <span>
        {label} {progress.done} / {progress.total}
      </span>
    </div>
  );
}

function ResultsTable({ finetuned, ken, sweepMs }: { finetuned: EvalResult | null; ken: EvalResult[]; sweepMs: number | null }) {
  if (!finetuned && ken.length === 0) return <p className="muted" data-testid="eval-results-empty">No results yet.</p>;
  const row = (result: EvalResult, testId: string, label: string) => (
    <tr key={testId} data-testid={testId} data-accuracy={result.accuracy} data-correct={result.correct} data-total={result.total} data-kept-fraction={result.keptFraction ?? ''}>
      <td>{label}</td>
      <td className="num" data-testid="eval-accuracy">{pct(result.accuracy)}</td>
      <td className="num">
        {result.correct} / {result.total}
      </td>
      <td className="num" data-testid="eval-kept">{pct(result.keptFraction)}</td>
      <td className="num">{result.mergeMs > 0 ? seconds(result.mergeMs) : '—'}</td>
      <td className="num" data-testid="eval-time">{seconds(result.inferenceMs)}</td>
      <td>{result.backend}</td>
    </tr>
  );
  return (
    <table className="eval-results" data-testid="eval-results">
      <thead>
        <tr>
          <th>model</th>
          <th>accuracy</th>
          <th>correct</th>
          <th title="kept entries / entries of the tensors in both checkpoints; new tensors (pooler, classifier) are not counted, unlike the header's kept %">
            kept (paired)
          </th>
          <th>KEN merge</th>
          <th>inference</th>
          <th>backend</th>
        </tr>
      </thead>
      <tbody>
        {finetuned && row(finetuned, 'eval-row-finetuned', 'fine-tuned')}
        {ken.map((result) => row(result, `eval-row-k-${result.k}`, `KEN k = ${result.k}`))}
      </tbody>
      {sweepMs !== null && (
        <tfoot>
          <tr>
            <td colSpan={7} className="muted" data-testid="eval-sweep-time" data-ms={Math.round(sweepMs)}>
              last sweep: {seconds(sweepMs)} in all
            </td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}

function AccuracyChart({ data }: { data: AccuracyChartData }) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (ref.current) renderAccuracyChart(ref.current, data, 640, 320);
  }, [data]);
  if (data.points.length === 0 && data.finetunedAccuracy === null) return null;
  return (
    <figure className="eval-chart">
      <svg ref={ref} data-testid="eval-chart" role="img" aria-label="Accuracy against kept fraction" />
      <figcaption className="muted">KEN accuracy against the fraction of paired-tensor entries kept; dashed: fine-tuned accuracy; dotted: majority class.</figcaption>
    </figure>
  );
}
