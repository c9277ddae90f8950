// The actions that connect the engine's events to the store: loadPair, runKen, cancel.
// Every request takes a ticket; only the newest ticket may write to the store, so a late event
// of a superseded load or run never shows as current.
import type {
  BackendChoice,
  BackendUsed,
  PairSummary,
  Progress,
  RunOptions,
  SourceSpec,
  TensorSummary,
} from '../engine/protocol';
import type { AppStore } from './store';

export interface RunOutcome {
  backend: BackendUsed;
  elapsedMs: number;
  keptCount: number;
  total: number;
}

export interface RunHandlers {
  onProgress?: (progress: Progress) => void;
  onTensorDone?: (summary: TensorSummary) => void;
  /** Which backend the run got and why (e.g. no WebGPU adapter), when the engine reports it. */
  onBackend?: (backend: BackendUsed, reason: string) => void;
}

export interface RunHandle {
  id: number;
  done: Promise<RunOutcome>;
  cancel(): void;
}

/** The part of engine/client.ts the bridge uses; tests pass a fake with the same shape. */
export interface BridgeEngine {
  open(pretrained: SourceSpec, finetuned: SourceSpec, onProgress?: (progress: Progress) => void): Promise<PairSummary>;
  run(options: RunOptions, handlers: RunHandlers): RunHandle;
  setBackend(choice: BackendChoice): unknown;
}

export interface Bridge {
  /** Opens a pair, keeps the previous one on failure, then runs KEN at the store's k. */
  loadPair(pretrained: SourceSpec, finetuned: SourceSpec): Promise<void>;
  /** Runs KEN at the store's k/scope/rule/backend, cancelling any run in flight. */
  runKen(): Promise<void>;
  /** Sets k and re-runs after a short pause, so dragging the slider runs once at the end. */
  setKAndRun(k: number): void;
  /** Runs after `delayMs` unless another request comes first. */
  scheduleRun(delayMs?: number): void;
  /** Stops the run in flight; the results so far stay visible but are not marked done. */
  cancel(): void;
  setBackendChoice(choice: BackendChoice): void;
}

export interface BridgeOptions {
  /** Pause between the last k change and the run it triggers. */
  debounceMs?: number;
  now?: () => number;
}

export const DEFAULT_DEBOUNCE_MS = 250;

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  return String(error);
}

export function createBridge(store: AppStore, engine: BridgeEngine, options: BridgeOptions = {}): Bridge {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const now = options.now ?? (() => performance.now());
  // The newest request of any kind; a load or run may write to the store only while it holds it.
  let ticket = 0;
  let loading = false;
  let currentRun: RunHandle | null = null;
  let debounceTimer: ReturnType<typeof setTimeout> | null = null;

  const clearDebounce = () => {
    if (debounceTimer !== null) clearTimeout(debounceTimer);
    debounceTimer = null;
  };

  const stopCurrentRun = () => {
    const run = currentRun;
    currentRun = null;
    if (run) run.cancel();
  };

  // startedAt lets a run that follows a load report load + run as one wall time.
  const startRun = async (startedAt: number): Promise<void> => {
    clearDebounce();
    stopCurrentRun();
    const myTicket = ++ticket;
    const s = store.getState();
    if (!s.pair) return;
    const { k, scope, rule, backendChoice, tensorName } = s;
    s.beginRun(k, rule);
    const isCurrent = () => myTicket === ticket;
    let handle: RunHandle;
    try {
      handle = engine.run(
        { k, scope, rule, backend: backendChoice, ...(tensorName ? { priority: tensorName } : {}) },
        {
          onProgress: (progress) => {
            if (isCurrent()) store.getState().setProgress(progress);
          },
          onTensorDone: (summary) => {
            if (isCurrent()) store.getState().addSummary(summary);
          },
          onBackend: (backend, reason) => {
            if (isCurrent()) store.getState().setBackend(backend, reason);
          },
        },
      );
    } catch (error) {
      store.getState().setState('error', `KEN at k = ${k} could not start: ${errorMessage(error)}`);
      return;
    }
    currentRun = handle;
    try {
      const outcome = await handle.done;
      if (!isCurrent()) return;
      currentRun = null;
      store.getState().finishRun(now() - startedAt, outcome.backend, { keptCount: outcome.keptCount, total: outcome.total });
    } catch (error) {
      if (!isCurrent()) return;
      currentRun = null;
      store.getState().setState('error', `KEN at k = ${k} failed: ${errorMessage(error)}`);
    }
  };

  const bridge: Bridge = {
    async loadPair(pretrained, finetuned) {
      clearDebounce();
      stopCurrentRun();
      const myTicket = ++ticket;
      const startedAt = now();
      loading = true;
      const s = store.getState();
      s.setProgress(null);
      s.setState('loading');
      try {
        const summary = await engine.open(pretrained, finetuned, (progress) => {
          if (myTicket === ticket) store.getState().setProgress(progress);
        });
        if (myTicket !== ticket) return;
        loading = false;
        store.getState().setPair(summary);
        store.getState().setPairSources({ pretrained, finetuned });
      } catch (error) {
        if (myTicket !== ticket) return;
        loading = false;
        // The previous pair (if any) stays in the store and in the worker, so it remains usable.
        store.getState().setProgress(null);
        store.getState().setState('error', errorMessage(error));
        return;
      }
      await startRun(startedAt);
    },

    runKen() {
      // A load in flight runs KEN with the latest k when it finishes.
      if (loading) return Promise.resolve();
      return startRun(now());
    },

    setKAndRun(k) {
      store.getState().setK(k);
      bridge.scheduleRun();
    },

    scheduleRun(delayMs = debounceMs) {
      clearDebounce();
      debounceTimer = setTimeout(() => {
        debounceTimer = null;
        void bridge.runKen();
      }, delayMs);
    },

    cancel() {
      clearDebounce();
      if (!currentRun) return;
      // Taking a new ticket makes any late event of the cancelled run stale.
      ticket++;
      stopCurrentRun();
      store.getState().setProgress(null);
      store.getState().setState('idle');
    },

    setBackendChoice(choice) {
      store.getState().setBackendChoice(choice);
      // Every run carries the choice too and reports an unavailable backend as its error, so a late
      // answer here must not overwrite the backend a newer run reported.
      Promise.resolve()
        .then(() => engine.setBackend(choice))
        .catch(() => undefined);
    },
  };
  return bridge;
}
