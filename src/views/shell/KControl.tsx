// k, the per-row budget: a number field and a slider. A valid change re-runs KEN through the bridge
// (debounced, cancelling the run in flight); an invalid one shows why and runs nothing.
import { useId, useState } from 'react';
import { bridge } from '../../store/appBridge';
import { parseK } from '../../store/startup';
import type { AppState } from '../../store/store';
import { useAppStore } from '../useAppStore';

/** The slider's top: the widest row of a pruned tensor (any larger k keeps every row whole). */
const selectSliderMax = (s: AppState): number => {
  let widestRow = 1;
  for (const t of s.pair?.tensors ?? []) if (t.status === 'pruned' && t.cols > widestRow) widestRow = t.cols;
  return s.pair ? widestRow : 1024;
};

export function KControl() {
  const k = useAppStore((s) => s.k);
  const sliderMax = useAppStore(selectSliderMax);
  // What the person is typing, while it differs from the store's k (null: show the store's k).
  const [draft, setDraft] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const inputId = useId();

  const apply = (text: string) => {
    setDraft(text);
    const parsed = parseK(text);
    if ('problem' in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    setDraft(null);
    if (parsed.k !== k) bridge.setKAndRun(parsed.k);
  };

  return (
    <div className="k-control">
      <label htmlFor={inputId}>k</label>
      <input
        id={inputId}
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        value={draft ?? String(k)}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${inputId}-problem` : undefined}
        data-testid="k-input"
        onChange={(event) => apply(event.target.value)}
      />
      <input
        type="range"
        min={1}
        max={Math.max(sliderMax, k)}
        step={1}
        value={k}
        aria-label="k slider"
        data-testid="k-slider"
        onChange={(event) => apply(event.target.value)}
      />
      {problem && (
        <span className="k-problem" id={`${inputId}-problem`} role="alert" data-testid="k-problem">
          {problem}
        </span>
      )}
    </div>
  );
}
