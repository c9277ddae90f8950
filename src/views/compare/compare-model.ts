// Pure data for the Compare panel: which comparisons to request, the key that says which store state a
// result belongs to (so a result for another k is never shown as current), and table rows built from results.
import { OTHER_RULES } from '../../core/rules';
import { jaccardOf, topChangedRows, type ChangedRow, type KeptFractionPoint, type MaskDiff } from '../../core/compare';
import type { SelectionRule } from '../../core/types';
import type { Scope, SelectionPair, SweepTensorResult, TensorMeta } from '../../engine/protocol';

/** What a comparison result was computed for; a result is current only when its key equals the store's. */
export interface CompareKey {
  pairVersion: number;
  scope: string;
  rule: SelectionRule;
  k1: number;
  k2: number;
}

export function compareKeyOf(pairVersion: number, scope: Scope, rule: SelectionRule, k1: number, k2: number): string {
  return JSON.stringify({ pairVersion, scope: JSON.stringify(scope), rule, k1, k2 } satisfies CompareKey);
}

/** The curve's key: k1/k2 do not change a sweep over k. */
export function curveKeyOf(pairVersion: number, scope: Scope, rule: SelectionRule): string {
  return JSON.stringify({ pairVersion, scope: JSON.stringify(scope), rule });
}

/**
 * Pair 0: the store's rule at k1 vs at k2. Pairs 1..3: KEN at k1 vs each other rule at k1 (same per-row budget).
 * KEN's selection at k1 is shared by the pairs, so the worker computes it once per tensor.
 */
export function comparePairs(rule: SelectionRule, k1: number, k2: number): SelectionPair[] {
  return [{ a: { k: k1, rule }, b: { k: k2, rule } }, ...OTHER_RULES.map((other) => ({ a: { k: k1, rule: 'ken' as const }, b: { k: k1, rule: other } }))];
}

export const RULE_PAIR_OFFSET = 1;

/** Tensors a run of this scope prunes or keeps whole, as the engine selects them. */
export function tensorsInScope(tensors: readonly TensorMeta[], scope: Scope): TensorMeta[] {
  const runnable = tensors.filter((t) => t.status === 'pruned' || t.status === 'new' || t.status === 'shape-mismatch');
  if (scope.kind === 'all') return runnable;
  if (scope.kind === 'layers') return runnable.filter((t) => t.layer !== null);
  let re: RegExp;
  try {
    re = new RegExp(scope.pattern);
  } catch {
    return [];
  }
  return runnable.filter((t) => re.test(t.name));
}

/**
 * The tensor the detail parts (changed rows, per-row overlap) show: the selected one when it is pruned in scope,
 * else the first pruned weight matrix, since a 1-row bias gives a one-point chart; else the first pruned tensor.
 */
export function detailTensorOf(inScope: readonly TensorMeta[], selectedName: string | null): string | null {
  const pruned = inScope.filter((t) => t.status === 'pruned');
  if (selectedName && pruned.some((t) => t.name === selectedName)) return selectedName;
  return (pruned.find((t) => t.rows > 1) ?? pruned[0])?.name ?? null;
}

/** The largest useful k: the widest pruned row (a larger k keeps every row whole). */
export function widestRow(tensors: readonly TensorMeta[]): number {
  let widest = 1;
  for (const t of tensors) if (t.status === 'pruned' && t.cols > widest) widest = t.cols;
  return widest;
}

export interface CompareRow {
  name: string;
  /** Kept whole whatever k is (new or shape-mismatch): shown, but not counted in the model totals. */
  keptWhole: boolean;
  total: number;
  keptK1: number;
  keptK2: number;
  both: number;
  onlyK1: number;
  onlyK2: number;
  jaccard: number;
  /** Jaccard overlap of KEN at k1 with each other rule at k1. */
  ruleOverlap: Record<(typeof OTHER_RULES)[number], number>;
}

export function compareRowOf(result: SweepTensorResult): CompareRow {
  const diffs = result.diffs ?? [];
  const d = diffs[0];
  if (!d) throw new Error(`compare: no diff for tensor ${result.name}`);
  const ruleOverlap = {} as CompareRow['ruleOverlap'];
  OTHER_RULES.forEach((rule, i) => (ruleOverlap[rule] = diffs[RULE_PAIR_OFFSET + i]?.jaccard ?? NaN));
  return { name: result.name, keptWhole: result.keptWhole, total: result.total, keptK1: d.keptA, keptK2: d.keptB, both: d.both, onlyK1: d.onlyA, onlyK2: d.onlyB, jaccard: d.jaccard, ruleOverlap };
}

/** Model-wide totals of the pruned tensors computed so far (tensors kept whole would only dilute them). */
export function totalsOf(rows: readonly CompareRow[]): Omit<CompareRow, 'name' | 'ruleOverlap' | 'keptWhole'> & { ruleOverlap: CompareRow['ruleOverlap'] } {
  const t = { total: 0, keptK1: 0, keptK2: 0, both: 0, onlyK1: 0, onlyK2: 0 };
  for (const r of rows) {
    if (r.keptWhole) continue;
    t.total += r.total;
    t.keptK1 += r.keptK1;
    t.keptK2 += r.keptK2;
    t.both += r.both;
    t.onlyK1 += r.onlyK1;
    t.onlyK2 += r.onlyK2;
  }
  return { ...t, jaccard: jaccardOf(t.both, t.onlyK1, t.onlyK2), ruleOverlap: { delta: NaN, magnitude: NaN, random: NaN } };
}

/** A MaskDiff rebuilt from a detail tensor's per-row counts (pair `index`), or null without per-row data. */
export function detailDiff(result: SweepTensorResult, index: number): MaskDiff | null {
  const d = result.diffs?.[index];
  if (!d?.bothPerRow || !d.onlyAPerRow || !d.onlyBPerRow) return null;
  const changedPerRow = new Uint32Array(result.rows);
  for (let r = 0; r < result.rows; r++) changedPerRow[r] = d.onlyAPerRow[r] + d.onlyBPerRow[r];
  return {
    rows: result.rows,
    cols: result.cols,
    both: d.both,
    onlyA: d.onlyA,
    onlyB: d.onlyB,
    neither: d.neither,
    jaccard: d.jaccard,
    bothPerRow: d.bothPerRow,
    onlyAPerRow: d.onlyAPerRow,
    onlyBPerRow: d.onlyBPerRow,
    changedPerRow,
  };
}

export function changedRowsOf(result: SweepTensorResult, limit: number): ChangedRow[] {
  const diff = detailDiff(result, 0);
  return diff ? topChangedRows(diff, limit) : [];
}

/** Per-row Jaccard overlap of KEN with each other rule, for the detail tensor. */
export function perRowRuleOverlap(result: SweepTensorResult): { rule: (typeof OTHER_RULES)[number]; jaccardPerRow: Float64Array }[] {
  const out: { rule: (typeof OTHER_RULES)[number]; jaccardPerRow: Float64Array }[] = [];
  OTHER_RULES.forEach((rule, i) => {
    const d = result.diffs?.[RULE_PAIR_OFFSET + i];
    if (!d?.bothPerRow || !d.onlyAPerRow || !d.onlyBPerRow) return;
    const jaccardPerRow = new Float64Array(result.rows);
    for (let r = 0; r < result.rows; r++) jaccardPerRow[r] = jaccardOf(d.bothPerRow[r], d.onlyAPerRow[r], d.onlyBPerRow[r]);
    out.push({ rule, jaccardPerRow });
  });
  return out;
}

/**
 * A curve with extra exact points merged in (e.g. k1 and k2 from the comparison), sorted by k; points of the
 * sweep win on equal k (both are exact, so they agree).
 */
export function mergeCurvePoints(curve: readonly KeptFractionPoint[], extra: readonly KeptFractionPoint[]): KeptFractionPoint[] {
  const byK = new Map<number, KeptFractionPoint>();
  for (const p of extra) byK.set(p.k, p);
  for (const p of curve) byK.set(p.k, p);
  return [...byK.values()].sort((a, b) => a.k - b.k);
}

/** "12.34%" with two decimals: exact fractions are shown precisely enough to tell k values apart. */
export function percent2(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)}%` : '–';
}

/** Parses a target kept percentage typed by a person ("25", "12.5%"); a message when it is not 0..100. */
export function parseTargetPercent(text: string): { fraction: number } | { problem: string } {
  const trimmed = text.trim().replace(/%$/, '').trim();
  if (trimmed === '') return { problem: 'Type a kept percentage between 0 and 100.' };
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value > 100) return { problem: `"${text}" is not a percentage between 0 and 100.` };
  return { fraction: value / 100 };
}
