// Hooks that run the Compare panel's sweeps in the engine worker and keep their results outside the store.
// Every result carries the key of the store state it was computed for; the panel shows it as current only
// while that key still matches, so a result for another k (or pair, scope, rule) never passes as current.
import { useEffect, useRef, useState } from 'react';
import { engine } from '../../engine/client';
import { startSweep, type SweepHandle } from '../../engine/sweep-client';
import type { Progress, Scope, SweepTensorResult, TargetKResult, TensorMeta } from '../../engine/protocol';
import type { SelectionRule } from '../../core/types';
import { keptFractionCurve, sweepKValues, type KeptFractionPoint } from '../../core/compare';
import { compareKeyOf, comparePairs, curveKeyOf, tensorsInScope, widestRow } from './compare-model';

export type SweepState = 'idle' | 'running' | 'done' | 'error';

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** k values per kept-fraction sweep: enough for a smooth curve, each one a full exact pass over the model. */
export const SWEEP_POINTS = 16;

/** Pause after the last k / k2 change before comparing, so dragging the slider compares once. */
const COMPARE_DEBOUNCE_MS = 200;

export interface CompareSweep {
  /** The key the results below belong to. */
  key: string | null;
  state: SweepState;
  progress: Progress | null;
  error: string | null;
  results: SweepTensorResult[];
}

export interface CompareInputs {
  tensors: readonly TensorMeta[] | null;
  pairVersion: number;
  scope: Scope;
  rule: SelectionRule;
  k1: number;
  k2: number;
  detailTensor: string | null;
  /**
   * True once the app's run at (k1, rule) has finished: the sweep then finds KEN's k1 selections in the
   * worker's cache instead of computing them a second time alongside the run.
   */
  ready: boolean;
}

export function compareInputsKey(i: CompareInputs): string {
  return `${compareKeyOf(i.pairVersion, i.scope, i.rule, i.k1, i.k2)}|${i.detailTensor ?? ''}`;
}

/** k1 vs k2 under the store's rule, and KEN vs each other rule at k1, per tensor; the detail tensor first. */
export function useCompareSweep(inputs: CompareInputs): CompareSweep {
  const [sweep, setSweep] = useState<CompareSweep>({ key: null, state: 'idle', progress: null, error: null, results: [] });
  const key = inputs.tensors ? compareInputsKey(inputs) : null;
  const latest = useRef(inputs);
  latest.current = inputs;

  const { ready } = inputs;
  useEffect(() => {
    if (!key || !ready) return;
    let handle: SweepHandle | null = null;
    let alive = true;
    const timer = setTimeout(() => {
      const { rule, k1, k2, scope, detailTensor } = latest.current;
      setSweep({ key, state: 'running', progress: null, error: null, results: [] });
      handle = startSweep(
        engine,
        { spec: { kind: 'diff', pairs: comparePairs(rule, k1, k2), ...(detailTensor ? { detailTensor } : {}) }, scope, ...(detailTensor ? { priority: detailTensor } : {}) },
        {
          onTensor: (result) => {
            if (alive) setSweep((s) => (s.key === key ? { ...s, results: [...s.results, result] } : s));
          },
          onProgress: (progress) => {
            if (alive) setSweep((s) => (s.key === key ? { ...s, progress } : s));
          },
        },
      );
      handle.done.then(
        () => {
          if (alive) setSweep((s) => (s.key === key ? { ...s, state: 'done', progress: null } : s));
        },
        (error: unknown) => {
          if (!alive || isAbort(error)) return;
          setSweep((s) => (s.key === key ? { ...s, state: 'error', error: messageOf(error) } : s));
        },
      );
    }, COMPARE_DEBOUNCE_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
      handle?.cancel();
    };
  }, [key, ready]);

  return sweep;
}

export interface CurveResult {
  key: string;
  state: SweepState;
  ks: number[];
  /** Exact model-wide points once the sweep is done. */
  model: KeptFractionPoint[];
  perTensor: Map<string, KeptFractionPoint[]>;
  progress: Progress | null;
  error: string | null;
  elapsedMs: number | null;
}

// Curves outlive the panel (switching tabs keeps them); small: a few dozen numbers per tensor.
const curveRegistry = new Map<string, CurveResult>();

/** The kept-fraction vs k sweep: started by the person (it computes every tensor at ~24 k values). */
export function useCurveSweep(tensors: readonly TensorMeta[] | null, pairVersion: number, scope: Scope, rule: SelectionRule, priority: string | null) {
  const key = curveKeyOf(pairVersion, scope, rule);
  const [curve, setCurve] = useState<CurveResult | null>(() => curveRegistry.get(key) ?? null);
  const handleRef = useRef<SweepHandle | null>(null);

  // Show the registry's curve for the current key (or none) when the key changes.
  const [shownKey, setShownKey] = useState(key);
  if (shownKey !== key) {
    setShownKey(key);
    setCurve(curveRegistry.get(key) ?? null);
  }

  useEffect(() => () => handleRef.current?.cancel(), []);

  const start = () => {
    if (!tensors) return;
    handleRef.current?.cancel();
    const inScope = tensorsInScope(tensors, scope);
    const ks = sweepKValues(widestRow(inScope), SWEEP_POINTS);
    const totals = new Map(inScope.map((t) => [t.name, t.rows * t.cols]));
    const result: CurveResult = { key, state: 'running', ks, model: [], perTensor: new Map(), progress: null, error: null, elapsedMs: null };
    curveRegistry.set(key, result);
    setCurve({ ...result });
    const update = (patch: Partial<CurveResult>) => {
      const current = curveRegistry.get(key);
      if (!current || current !== result) return;
      Object.assign(result, patch);
      setCurve((c) => (c?.key === key ? { ...result } : c));
    };
    const handle = startSweep(
      engine,
      { spec: { kind: 'counts', ks, rule }, scope, ...(priority ? { priority } : {}) },
      {
        onTensor: (r) => {
          const perTensor = new Map(result.perTensor);
          perTensor.set(r.name, keptFractionCurve(r.ks ?? [], r.keptCounts ?? [], totals.get(r.name) ?? r.total));
          update({ perTensor });
        },
        onProgress: (progress) => update({ progress }),
      },
    );
    handleRef.current = handle;
    handle.done.then(
      (done) => update({ state: 'done', progress: null, elapsedMs: done.elapsedMs, model: keptFractionCurve(done.ks ?? [], done.keptCounts ?? [], done.total ?? 0) }),
      (error: unknown) => {
        if (isAbort(error)) update({ state: 'idle', progress: null });
        else update({ state: 'error', error: messageOf(error), progress: null });
      },
    );
  };

  const cancel = () => handleRef.current?.cancel();
  return { curve: curve?.key === key ? curve : null, start, cancel };
}

export interface TargetSearch {
  key: string;
  state: SweepState;
  targetFraction: number;
  result: TargetKResult | null;
  error: string | null;
}

/** Finds the smallest k whose exact kept fraction reaches a target, then hands k to `onFound`. */
export function useTargetSearch(
  tensors: readonly TensorMeta[] | null,
  pairVersion: number,
  scope: Scope,
  rule: SelectionRule,
  known: readonly KeptFractionPoint[],
  onFound: (k: number) => void,
) {
  const key = curveKeyOf(pairVersion, scope, rule);
  const [search, setSearch] = useState<TargetSearch | null>(null);
  const handleRef = useRef<SweepHandle | null>(null);
  useEffect(() => () => handleRef.current?.cancel(), []);

  const find = (targetFraction: number) => {
    if (!tensors) return;
    handleRef.current?.cancel();
    const kMax = widestRow(tensorsInScope(tensors, scope));
    setSearch({ key, state: 'running', targetFraction, result: null, error: null });
    const handle = startSweep(engine, {
      spec: { kind: 'target', targetFraction, rule, kMin: 1, kMax, known: known.map((p) => ({ k: p.k, keptCount: p.keptCount, total: p.total })) },
      scope,
    });
    handleRef.current = handle;
    handle.done.then(
      (done) => {
        if (!done.target) return;
        const found = done.target;
        setSearch((s) => (s?.key === key && s.targetFraction === targetFraction ? { ...s, state: 'done', result: found } : s));
        onFound(found.k);
      },
      (error: unknown) => {
        if (isAbort(error)) return;
        setSearch((s) => (s?.key === key ? { ...s, state: 'error', error: messageOf(error) } : s));
      },
    );
  };
  return { search: search?.key === key ? search : null, find };
}
