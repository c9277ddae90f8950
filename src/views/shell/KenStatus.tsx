// The status line every test and person reads: state, backend, timing and kept counts as data-*
// attributes, a sentence, a progress bar with Cancel while working, and errors as readable messages.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { bridge } from '../../store/appBridge';
import { useAppStore } from '../useAppStore';
import { formatBackend, formatBytes, formatCount, formatDuration, formatPercent, formatProgress } from './format';
import { prunedShareSentence, runTotals, totalsMatchRun, type RunTotals } from './run-totals';
import type { AppState } from '../../store/store';

const selectStatus = (s: AppState) => ({
  state: s.state,
  backend: s.backend,
  backendReason: s.backendReason,
  elapsedMs: s.elapsedMs,
  summariesK: s.summariesK,
  k: s.k,
  keptCount: s.keptCount,
  totalCount: s.totalCount,
  error: s.error,
  progress: s.progress,
  notice: s.notice,
  finetunedLabel: s.pair?.finetunedLabel ?? null,
  pairVersion: s.pairVersion,
  summaries: s.summaries,
});

export function KenStatus() {
  const st = useAppStore(useShallow(selectStatus));
  const setNotice = useAppStore((s) => s.setNotice);
  const runK = st.summariesK ?? st.k;
  // The pruned share is what a person choosing k reads; it is only shown when the summaries add up to the run's totals.
  const totals = useMemo(() => runTotals(st.summaries), [st.summaries]);
  const split = st.state === 'done' && st.keptCount !== null && st.totalCount !== null && totalsMatchRun(totals, st.keptCount, st.totalCount) ? totals : null;
  return (
    <div className="ken-status-box">
      <div
        className={`ken-status state-${st.state}`}
        data-testid="ken-status"
        data-state={st.state}
        data-backend={st.backend ?? ''}
        data-elapsed-ms={st.elapsedMs === null ? '' : Math.round(st.elapsedMs)}
        data-k={runK}
        data-kept={st.keptCount ?? ''}
        data-total={st.totalCount ?? ''}
        data-pruned-kept={split?.prunedKept ?? ''}
        data-pruned-total={split?.prunedTotal ?? ''}
        data-pair-version={st.pairVersion}
        role="status"
        aria-live="polite"
        title={
          split && st.keptCount !== null && st.totalCount
            ? `${st.keptCount.toLocaleString('en-US')} of ${st.totalCount.toLocaleString('en-US')} parameters kept (${formatPercent(st.keptCount / st.totalCount)}) ` +
              `counting the ${split.wholeTensors} tensors kept whole; ${split.prunedKept.toLocaleString('en-US')} of ${split.prunedTotal.toLocaleString('en-US')} in the ${split.prunedTensors} pruned tensors`
            : undefined
        }
      >
        {statusSentence(st, runK, split)}
      </div>
      {(st.state === 'running' || st.state === 'loading') && <ProgressLine {...st} />}
      {st.state === 'error' && st.error && (
        <div className="ken-error" role="alert" data-testid="ken-error">
          {st.error}
        </div>
      )}
      {st.notice && (
        <div className="ken-notice" data-testid="ken-notice">
          {st.notice}{' '}
          <button type="button" className="link" onClick={() => setNotice(null)} aria-label="Dismiss notice">
            dismiss
          </button>
        </div>
      )}
    </div>
  );
}

type StatusView = ReturnType<typeof selectStatus>;

function statusSentence(st: StatusView, runK: number, split: RunTotals | null): string {
  switch (st.state) {
    case 'idle':
      return st.finetunedLabel ? `Ready. k = ${st.k}: not run yet.` : 'No pair loaded.';
    case 'loading':
      return 'Loading the pair…';
    case 'running':
      return `Running KEN at k = ${runK}…`;
    case 'done': {
      if (st.keptCount === null || st.totalCount === null) return `k = ${runK}: done.`;
      const keptFraction = st.totalCount > 0 ? st.keptCount / st.totalCount : NaN;
      const share = split ? prunedShareSentence(runK, split) : `k = ${runK} on ${formatCount(st.totalCount)} parameters: ${formatPercent(keptFraction)} kept`;
      return `${share}, ${formatDuration(st.elapsedMs ?? NaN)} on ${formatBackend(st.backend, st.backendReason)}`;
    }
    case 'error':
      // Say what is still usable: a failed load keeps the pair that was open before it.
      return st.finetunedLabel ? `Error (below). Open: ${st.finetunedLabel}; change k to run it again.` : 'Error (below): no pair is open.';
  }
}

function ProgressLine(st: StatusView) {
  const p = st.progress;
  if (st.state === 'loading') {
    const fraction = p?.bytesTotal ? (p.bytesDone ?? 0) / p.bytesTotal : null;
    return (
      <div className="ken-progress" data-testid="ken-progress">
        <progress max={1} value={fraction ?? undefined} />
        <span>
          {p?.bytesTotal
            ? `${formatBytes(p.bytesDone ?? 0)} of ${formatBytes(p.bytesTotal)}`
            : p?.bytesDone
              ? `${formatBytes(p.bytesDone)} read`
              : 'reading headers…'}
          {p?.current ? ` · ${p.current}` : ''}
        </span>
      </div>
    );
  }
  const fraction = p && p.paramsTotal > 0 ? p.paramsDone / p.paramsTotal : null;
  return (
    <div className="ken-progress" data-testid="ken-progress">
      <progress max={1} value={fraction ?? undefined} />
      <span>
        {p
          ? formatProgress(p)
          : 'starting…'}
      </span>
      <button type="button" onClick={() => bridge.cancel()} data-testid="ken-cancel">
        Cancel
      </button>
    </div>
  );
}
