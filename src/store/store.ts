// The one app store: a vanilla zustand store (React, render loops and the engine bridge all share it),
// built from slices with named actions. It holds ids, k, selection, progress and small per-tensor
// summaries only: weights and masks never enter it (they live in the worker and engine/results-cache).
import { createStore } from 'zustand/vanilla';
import type { BackendChoice, BackendUsed, PairSummary, Progress, Scope, SourceSpec, TensorSummary } from '../engine/protocol';
import type { SelectionRule } from '../core/types';

export type RunState = 'idle' | 'loading' | 'running' | 'done' | 'error';
export type MatrixMode = 'mask' | 'kept-values' | 'delta' | 'neighbours' | 'diff';
export type ViewName = 'model' | 'matrix' | 'neuron' | 'compare' | 'export' | 'eval' | 'pair';

export interface PairSlice {
  pair: PairSummary | null;
  /** Bumped on every successful open: results of an older pair are never shown as current. */
  pairVersion: number;
  setPair(pair: PairSummary | null): void;
  /** Where the current pair came from (file handles or URLs, no bulk data): the eval worker opens it too. */
  pairSources: { pretrained: SourceSpec; finetuned: SourceSpec } | null;
  setPairSources(sources: { pretrained: SourceSpec; finetuned: SourceSpec } | null): void;
}

export interface RunSlice {
  k: number;
  scope: Scope;
  rule: SelectionRule;
  backendChoice: BackendChoice;
  state: RunState;
  backend: BackendUsed | null;
  backendReason: string;
  progress: Progress | null;
  /** Wall time of the last run, load included (ms). */
  elapsedMs: number | null;
  /** Kept and total entries of the last finished run, as the worker counted them; null until one finishes. */
  keptCount: number | null;
  totalCount: number | null;
  error: string | null;
  /** A non-fatal message a person should read (e.g. an ignored URL parameter); null when none. */
  notice: string | null;
  /** Per-tensor results of the current (k, rule): small objects keyed by tensor name. */
  summaries: Record<string, TensorSummary>;
  /** k and rule the summaries belong to; views compare them with k/rule before presenting anything. */
  summariesK: number | null;
  summariesRule: SelectionRule | null;
  /** Bumped whenever results change, so views know to refetch bulk data from the engine. */
  resultVersion: number;
  setK(k: number): void;
  setScope(scope: Scope): void;
  setRule(rule: SelectionRule): void;
  setBackendChoice(choice: BackendChoice): void;
  setState(state: RunState, error?: string | null): void;
  setBackend(backend: BackendUsed | null, reason: string): void;
  setProgress(progress: Progress | null): void;
  setNotice(notice: string | null): void;
  beginRun(k: number, rule: SelectionRule): void;
  addSummary(summary: TensorSummary): void;
  finishRun(elapsedMs: number, backend: BackendUsed, counts?: { keptCount: number; total: number }): void;
}

export interface SelectionSlice {
  view: ViewName;
  tensorName: string | null;
  rowIndex: number | null;
  colIndex: number | null;
  matrixMode: MatrixMode;
  /** The second k for comparisons (k1 = k). */
  k2: number;
  setView(view: ViewName): void;
  selectTensor(name: string | null): void;
  selectRow(rowIndex: number | null): void;
  selectCell(rowIndex: number | null, colIndex: number | null): void;
  setMatrixMode(mode: MatrixMode): void;
  setK2(k2: number): void;
}

export type AppState = PairSlice & RunSlice & SelectionSlice;

type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;

const pairSlice = (set: Set): PairSlice => ({
  pair: null,
  pairVersion: 0,
  pairSources: null,
  setPairSources: (pairSources) => set({ pairSources }),
  setPair: (pair) =>
    set((s) => ({
      pair,
      pairVersion: s.pairVersion + 1,
      summaries: {},
      summariesK: null,
      summariesRule: null,
      resultVersion: s.resultVersion + 1,
      tensorName: null,
      rowIndex: null,
      colIndex: null,
    })),
});

const runSlice = (set: Set): RunSlice => ({
  k: 64,
  scope: { kind: 'all' },
  rule: 'ken',
  backendChoice: 'auto',
  state: 'idle',
  backend: null,
  backendReason: '',
  progress: null,
  elapsedMs: null,
  keptCount: null,
  totalCount: null,
  error: null,
  notice: null,
  summaries: {},
  summariesK: null,
  summariesRule: null,
  resultVersion: 0,
  setK: (k) => set({ k }),
  setScope: (scope) => set({ scope }),
  setRule: (rule) => set({ rule }),
  setBackendChoice: (backendChoice) => set({ backendChoice }),
  setState: (state, error = null) => set({ state, error }),
  setBackend: (backend, backendReason) => set({ backend, backendReason }),
  setProgress: (progress) => set({ progress }),
  setNotice: (notice) => set({ notice }),
  beginRun: (k, rule) =>
    set((s) => ({
      state: 'running',
      error: null,
      summaries: {},
      summariesK: k,
      summariesRule: rule,
      progress: null,
      keptCount: null,
      totalCount: null,
      resultVersion: s.resultVersion + 1,
    })),
  addSummary: (summary) =>
    set((s) =>
      // A late event of an older run must never land in the current results.
      summary.k !== s.summariesK || summary.rule !== s.summariesRule
        ? {}
        : { summaries: { ...s.summaries, [summary.name]: summary }, resultVersion: s.resultVersion + 1 },
    ),
  finishRun: (elapsedMs, backend, counts) =>
    set({
      state: 'done',
      elapsedMs,
      backend,
      progress: null,
      keptCount: counts?.keptCount ?? null,
      totalCount: counts?.total ?? null,
    }),
});

const selectionSlice = (set: Set): SelectionSlice => ({
  view: 'model',
  tensorName: null,
  rowIndex: null,
  colIndex: null,
  matrixMode: 'mask',
  k2: 32,
  setView: (view) => set({ view }),
  selectTensor: (tensorName) => set({ tensorName, rowIndex: null, colIndex: null }),
  selectRow: (rowIndex) => set({ rowIndex }),
  selectCell: (rowIndex, colIndex) => set({ rowIndex, colIndex }),
  setMatrixMode: (matrixMode) => set({ matrixMode }),
  setK2: (k2) => set({ k2 }),
});

export const createAppStore = () =>
  createStore<AppState>()((set) => ({
    ...pairSlice(set),
    ...runSlice(set),
    ...selectionSlice(set),
  }));

export type AppStore = ReturnType<typeof createAppStore>;

/** The app's single store instance. Tests create their own with createAppStore(). */
export const appStore = createAppStore();
