// The status line every test and person reads: state, backend, timing and kept counts as data-*
// attributes, a sentence, a progress bar with Cancel while working, and errors as readable messages.
import { useShallow } from 'zustand/react/shallow';
import { bridge } from '../../store/appBridge';
import { useAppStore } from '../useAppStore';
import { formatBackend, formatBytes, formatCount, formatDuration, formatPercent } from './format';
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
});

export function KenStatus() {
  const st = useAppStore(useShallow(selectStatus));
  const setNotice = useAppStore((s) => s.setNotice);
  const runK = st.summariesK ?? st.k;
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
        data-pair-version={st.pairVersion}
        role="status"
        aria-live="polite"
      >
        {statusSentence(st, runK)}
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

function statusSentence(st: StatusView, runK: number): string {
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
      return (
        `k = ${runK} on ${formatCount(st.totalCount)} parameters: ${formatPercent(keptFraction)} kept, ` +
        `${formatDuration(st.elapsedMs ?? NaN)} on ${formatBackend(st.backend, st.backendReason)}`
      );
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
          ? `${p.tensorsDone}/${p.tensorsTotal} tensors · ${formatCount(p.paramsDone)}/${formatCount(p.paramsTotal)} params · ` +
            `${formatCount(Math.round(p.rate))} params/s · ETA ${formatDuration(p.etaMs)}`
          : 'starting…'}
      </span>
      <button type="button" onClick={() => bridge.cancel()} data-testid="ken-cancel">
        Cancel
      </button>
    </div>
  );
}
