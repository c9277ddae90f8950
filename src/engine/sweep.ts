// Sweeps over k (and rules) for the Compare view: exact kept counts per tensor and in total, counted from the
// masks (never estimated), streamed tensor by tensor with progress and cancellation, plus k-for-target search.
// The selections come from a SweepHost: the worker's engine in the app, core selectByRule in Node tests.
import type { SelectionRule } from '../core/types';
import { diffMasks } from '../core/compare';
import { checkK } from '../core/rules';
import type {
  Progress,
  SelectionPair,
  SweepDiff,
  SweepDoneResult,
  SweepOptions,
  SweepTensorResult,
  TargetKResult,
  WorkerEvent,
} from './protocol';

/** One tensor in scope. keptWhole: kept entirely whatever k is (status 'new' or 'shape-mismatch'). */
export interface SweepTensor {
  name: string;
  rows: number;
  cols: number;
  keptWhole?: boolean;
}

/** What a sweep needs of a selection: the packed mask and its popcount. */
export interface SweepSelection {
  maskBits: Uint8Array;
  keptCount: number;
}

export type SelectAt = (k: number, rule: SelectionRule) => Promise<SweepSelection> | SweepSelection;

export interface SweepHost {
  /** Reads one tensor's weights once and returns a function selecting it at (k, rule); released when the sweep moves on. */
  open(tensor: SweepTensor, signal: AbortSignal): Promise<SelectAt>;
}

export interface SweepCallbacks {
  onTensor?(result: SweepTensorResult): void;
  onProgress?(progress: Progress): void;
}

export class SweepAbortError extends Error {
  constructor() {
    super('The sweep was cancelled.');
    this.name = 'AbortError';
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new SweepAbortError();
}

/** The tensor on screen first, the rest in their order: the view that waits sees its numbers soonest. */
export function priorityOrder<T extends { name: string }>(tensors: readonly T[], priority?: string | null): T[] {
  const first = tensors.filter((t) => t.name === priority);
  return [...first, ...tensors.filter((t) => t.name !== priority)];
}

/** Progress bookkeeping shared by the sweeps: params are counted once per selection computed. */
class ProgressMeter {
  private readonly startedAt = Date.now();
  paramsDone = 0;
  tensorsDone = 0;
  constructor(
    private readonly tensorsTotal: number,
    private readonly paramsTotal: number,
    private readonly onProgress?: (p: Progress) => void,
  ) {}

  report(current?: string): void {
    const elapsedMs = Math.max(1, Date.now() - this.startedAt);
    const rate = (this.paramsDone / elapsedMs) * 1000;
    const etaMs = rate > 0 ? ((this.paramsTotal - this.paramsDone) / rate) * 1000 : 0;
    this.onProgress?.({
      tensorsDone: this.tensorsDone,
      tensorsTotal: this.tensorsTotal,
      paramsDone: this.paramsDone,
      paramsTotal: this.paramsTotal,
      rate,
      etaMs,
      current,
    });
  }
}

function checkKs(ks: readonly number[]): void {
  if (ks.length === 0) throw new RangeError('sweep: no k values given');
  for (const k of ks) checkK(k, 'sweep k');
}

export interface CountsSweepResult {
  ks: number[];
  /** Exact kept entries over all tensors, per k (same order as ks). */
  keptCounts: number[];
  total: number;
  perTensor: SweepTensorResult[];
}

/**
 * Exact kept counts of every tensor at every k in `ks` under `rule`. Each tensor is opened once and its
 * masks are dropped as soon as they are counted, so memory stays at one tensor's selections.
 */
export async function sweepCounts(
  host: SweepHost,
  tensors: readonly SweepTensor[],
  ks: readonly number[],
  rule: SelectionRule,
  signal: AbortSignal,
  callbacks: SweepCallbacks = {},
  priority?: string | null,
): Promise<CountsSweepResult> {
  checkKs(ks);
  const ordered = priorityOrder(tensors, priority);
  const paramsOf = (t: SweepTensor) => (t.keptWhole ? 0 : t.rows * t.cols * ks.length);
  const meter = new ProgressMeter(ordered.length, ordered.reduce((s, t) => s + paramsOf(t), 0), callbacks.onProgress);
  const keptCounts = ks.map(() => 0);
  let total = 0;
  const perTensor: SweepTensorResult[] = [];
  for (const tensor of ordered) {
    throwIfAborted(signal);
    const tensorTotal = tensor.rows * tensor.cols;
    let counts: number[];
    if (tensor.keptWhole) {
      counts = ks.map(() => tensorTotal);
    } else {
      meter.report(tensor.name);
      const selectAt = await host.open(tensor, signal);
      counts = [];
      for (const k of ks) {
        throwIfAborted(signal);
        counts.push((await selectAt(k, rule)).keptCount);
        meter.paramsDone += tensorTotal;
      }
    }
    // Model-wide fractions are of pruned parameters only (as the status line and the KEN paper report
    // them): a tensor kept whole whatever k is would only dilute the curve.
    if (!tensor.keptWhole) {
      counts.forEach((c, i) => (keptCounts[i] += c));
      total += tensorTotal;
    }
    const result: SweepTensorResult = { name: tensor.name, rows: tensor.rows, cols: tensor.cols, total: tensorTotal, keptWhole: !!tensor.keptWhole, ks: [...ks], keptCounts: counts };
    perTensor.push(result);
    meter.tensorsDone++;
    callbacks.onTensor?.(result);
    meter.report(tensor.name);
  }
  return { ks: [...ks], keptCounts, total, perTensor };
}

/**
 * For each pair of selections (e.g. KEN at k1 vs KEN at k2, or KEN vs 'delta' at k), the entry-by-entry
 * comparison of every tensor; per-row counts only for `detailTensor` (the one on screen), to keep messages small.
 */
export async function sweepDiffs(
  host: SweepHost,
  tensors: readonly SweepTensor[],
  pairs: readonly SelectionPair[],
  signal: AbortSignal,
  callbacks: SweepCallbacks = {},
  detailTensor?: string | null,
): Promise<SweepTensorResult[]> {
  if (pairs.length === 0) throw new RangeError('sweep: no selection pairs given');
  for (const p of pairs) {
    checkK(p.a.k, 'k of selection A');
    checkK(p.b.k, 'k of selection B');
  }
  const ordered = priorityOrder(tensors, detailTensor);
  const meter = new ProgressMeter(
    ordered.length,
    ordered.reduce((s, t) => s + (t.keptWhole ? 0 : t.rows * t.cols * pairs.length), 0),
    callbacks.onProgress,
  );
  const out: SweepTensorResult[] = [];
  for (const tensor of ordered) {
    throwIfAborted(signal);
    const tensorTotal = tensor.rows * tensor.cols;
    const diffs: SweepDiff[] = [];
    if (tensor.keptWhole) {
      for (let i = 0; i < pairs.length; i++) {
        diffs.push({ both: tensorTotal, onlyA: 0, onlyB: 0, neither: 0, jaccard: 1, keptA: tensorTotal, keptB: tensorTotal });
      }
    } else {
      meter.report(tensor.name);
      const selectAt = await host.open(tensor, signal);
      // Selections reused across pairs (KEN at k appears in every rule pair); released with this tensor.
      const memo = new Map<string, SweepSelection>();
      const get = async (k: number, rule: SelectionRule) => {
        const key = `${rule}@${k}`;
        let s = memo.get(key);
        if (!s) {
          throwIfAborted(signal);
          s = await selectAt(k, rule);
          memo.set(key, s);
        }
        return s;
      };
      for (const pair of pairs) {
        const a = await get(pair.a.k, pair.a.rule);
        const b = await get(pair.b.k, pair.b.rule);
        const d = diffMasks(a.maskBits, b.maskBits, tensor.rows, tensor.cols);
        const diff: SweepDiff = {
          both: d.both,
          onlyA: d.onlyA,
          onlyB: d.onlyB,
          neither: d.neither,
          jaccard: d.jaccard,
          keptA: a.keptCount,
          keptB: b.keptCount,
        };
        if (tensor.name === detailTensor) {
          diff.bothPerRow = d.bothPerRow;
          diff.onlyAPerRow = d.onlyAPerRow;
          diff.onlyBPerRow = d.onlyBPerRow;
        }
        diffs.push(diff);
        meter.paramsDone += tensorTotal;
      }
    }
    const result: SweepTensorResult = { name: tensor.name, rows: tensor.rows, cols: tensor.cols, total: tensorTotal, keptWhole: !!tensor.keptWhole, diffs };
    out.push(result);
    meter.tensorsDone++;
    callbacks.onTensor?.(result);
    meter.report(tensor.name);
  }
  return out;
}

/** Exact kept and total entries of the whole scope at one k. */
export type CountAt = (k: number, signal: AbortSignal) => Promise<{ keptCount: number; total: number }>;

/**
 * The smallest k whose exact kept fraction reaches `targetFraction` (0..1), by bisection on k over exact
 * counts. The kept fraction grows with k almost everywhere, but KEN's keep-by-value rule can make a step
 * drop; every k evaluated is checked, and when a smaller evaluated k also reaches the target (or a drop was
 * seen) the answer says so in `note` and `monotone: false`. `known` seeds the search with counts already
 * computed (a sweep), narrowing the bracket before any new work.
 */
export async function findKForTarget(
  targetFraction: number,
  countAt: CountAt,
  kMin: number,
  kMax: number,
  signal: AbortSignal,
  known: readonly { k: number; keptCount: number; total: number }[] = [],
): Promise<TargetKResult> {
  if (!(targetFraction >= 0 && targetFraction <= 1)) {
    throw new RangeError(`target kept fraction must be between 0 and 1 (got ${targetFraction})`);
  }
  checkK(kMin, 'smallest k');
  checkK(kMax, 'largest k');
  if (kMax < kMin) throw new RangeError(`largest k (${kMax}) is below smallest k (${kMin})`);

  const seen = new Map<number, { keptCount: number; total: number }>();
  for (const p of known) if (p.k >= kMin && p.k <= kMax) seen.set(p.k, { keptCount: p.keptCount, total: p.total });
  let evaluations = 0;
  const fractionAt = async (k: number) => {
    let c = seen.get(k);
    if (!c) {
      throwIfAborted(signal);
      c = await countAt(k, signal);
      seen.set(k, c);
      evaluations++;
    }
    return c.total === 0 ? 0 : c.keptCount / c.total;
  };
  const reaches = async (k: number) => (await fractionAt(k)) >= targetFraction;

  let k: number;
  let reached = true;
  if (await reaches(kMin)) {
    k = kMin;
  } else if (!(await reaches(kMax))) {
    k = kMax;
    reached = false;
  } else {
    // Invariant: lo does not reach, hi reaches. Start from the tightest bracket the known counts give.
    let lo = kMin;
    let hi = kMax;
    for (const [kk, c] of seen) {
      const f = c.total === 0 ? 0 : c.keptCount / c.total;
      if (f >= targetFraction && kk < hi && kk > lo) hi = kk;
    }
    for (const [kk, c] of seen) {
      const f = c.total === 0 ? 0 : c.keptCount / c.total;
      if (f < targetFraction && kk > lo && kk < hi) lo = kk;
    }
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (await reaches(mid)) hi = mid;
      else lo = mid;
    }
    k = hi;
  }

  // Checks over everything evaluated: a smaller k that reaches the target, or any drop in kept count.
  const evaluated = [...seen.entries()].sort((x, y) => x[0] - y[0]);
  let monotone = true;
  for (let i = 1; i < evaluated.length; i++) if (evaluated[i][1].keptCount < evaluated[i - 1][1].keptCount) monotone = false;
  let note: string | undefined;
  if (reached) {
    const smaller = evaluated.find(([kk, c]) => kk < k && (c.total === 0 ? 0 : c.keptCount / c.total) >= targetFraction);
    if (smaller) {
      note = `kept fraction is not monotone in k: k=${smaller[0]} already reaches the target, below the bisection's k=${k}`;
      k = smaller[0];
    } else if (!monotone) {
      note = 'kept fraction is not monotone in k here; k is the smallest among the values evaluated that reaches the target';
    }
  } else {
    note = `no k up to ${kMax} reaches the target; the largest k is given`;
  }
  const at = seen.get(k)!;
  return {
    targetFraction,
    k,
    keptCount: at.keptCount,
    total: at.total,
    keptFraction: at.total === 0 ? 0 : at.keptCount / at.total,
    reached,
    monotone,
    evaluations,
    note,
  };
}

/** Exact kept count of the pruned parameters at one k: every pruned tensor selected and counted, one at a time. */
export function countAtWith(host: SweepHost, tensors: readonly SweepTensor[], rule: SelectionRule, onTensorCounted?: () => void): CountAt {
  return async (k, signal) => {
    let keptCount = 0;
    let total = 0;
    for (const tensor of tensors) {
      throwIfAborted(signal);
      if (!tensor.keptWhole) {
        total += tensor.rows * tensor.cols;
        keptCount += (await (await host.open(tensor, signal))(k, rule)).keptCount;
      }
      onTensorCounted?.();
    }
    return { keptCount, total };
  };
}

// ---------------------------------------------------------------------------------------------
// Worker side: one 'sweep' request answered with streamed events. The engine host supplies the tensors in
// scope and a selection function (its cache and backends); this keeps host.ts's part to a dispatch line.

export interface SweepRequestContext {
  /** Tensors the request's scope selects, in checkpoint order. */
  tensors: readonly SweepTensor[];
  /** One tensor's selection at (k, rule); `keepInCache` false for wide sweeps that would flush the results cache. */
  select(name: string, k: number, rule: SelectionRule, seed: number, signal: AbortSignal, keepInCache: boolean): Promise<SweepSelection>;
  post(event: WorkerEvent): void;
}

const activeSweeps = new Map<number, AbortController>();

/** Cancels a sweep in flight by its request id; false when none has that id. */
export function cancelSweep(target: number): boolean {
  const controller = activeSweeps.get(target);
  if (!controller) return false;
  controller.abort();
  return true;
}

const PROGRESS_EVERY_MS = 100;

export async function runSweepRequest(id: number, options: SweepOptions, ctx: SweepRequestContext): Promise<void> {
  const controller = new AbortController();
  activeSweeps.set(id, controller);
  const { signal } = controller;
  const started = Date.now();
  const seed = options.seed ?? 0;
  let lastProgressAt = 0;
  const callbacks: SweepCallbacks = {
    onTensor: (result) => {
      if (!signal.aborted) ctx.post({ type: 'sweep-tensor', id, result });
    },
    // Throttled, but frequent enough to keep the client's watchdog fed on long sweeps.
    onProgress: (progress) => {
      const now = Date.now();
      if (signal.aborted || now - lastProgressAt < PROGRESS_EVERY_MS) return;
      lastProgressAt = now;
      ctx.post({ type: 'progress', id, progress });
    },
  };
  const hostFor = (keepInCache: boolean): SweepHost => ({
    open: async (tensor) => (k, rule) => ctx.select(tensor.name, k, rule, seed, signal, keepInCache),
  });
  try {
    const spec = options.spec;
    let result: SweepDoneResult;
    if (spec.kind === 'counts') {
      const r = await sweepCounts(hostFor(false), ctx.tensors, spec.ks, spec.rule, signal, callbacks, options.priority);
      result = { kind: 'counts', elapsedMs: 0, ks: r.ks, keptCounts: r.keptCounts, total: r.total };
    } else if (spec.kind === 'diff') {
      await sweepDiffs(hostFor(true), ctx.tensors, spec.pairs, signal, callbacks, spec.detailTensor ?? options.priority);
      result = { kind: 'diff', elapsedMs: 0 };
    } else if (spec.kind === 'target') {
      let evaluated = 0;
      const countAt = countAtWith(hostFor(false), ctx.tensors, spec.rule, () => {
        evaluated++;
        callbacks.onProgress?.({
          tensorsDone: evaluated,
          tensorsTotal: evaluated + ctx.tensors.length,
          paramsDone: 0,
          paramsTotal: 0,
          rate: 0,
          etaMs: 0,
          current: `bisection on k (${evaluated} tensor selections)`,
        });
      });
      const target = await findKForTarget(spec.targetFraction, countAt, spec.kMin, spec.kMax, signal, spec.known ?? []);
      result = { kind: 'target', elapsedMs: 0, target };
    } else {
      throw new Error(`Unknown sweep kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
    }
    if (signal.aborted) {
      ctx.post({ type: 'cancelled', id });
      return;
    }
    result.elapsedMs = Date.now() - started;
    ctx.post({ type: 'sweep-done', id, result });
  } catch (error) {
    if (signal.aborted || (error instanceof Error && error.name === 'AbortError')) {
      ctx.post({ type: 'cancelled', id });
      return;
    }
    throw error;
  } finally {
    activeSweeps.delete(id);
  }
}
