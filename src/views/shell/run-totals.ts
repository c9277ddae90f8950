// What a finished run kept, split the way a person choosing k reads it: the share of the pruned tensors'
// parameters KEN kept, apart from the tensors kept whole (new or shape-mismatched), whose outcome
// does not depend on k. Pure: computed from the store's per-tensor summaries.
import type { TensorSummary } from '../../engine/protocol';
import { formatCount, formatPercent } from './format';

export interface RunTotals {
  /** Kept entries and all entries of the tensors KEN pruned. */
  prunedKept: number;
  prunedTotal: number;
  prunedTensors: number;
  /** Entries of the tensors kept whole (all of them are kept). */
  wholeParams: number;
  wholeTensors: number;
  /** Why tensors were kept whole, in first-seen order. */
  wholeReasons: ('new' | 'shape-mismatch')[];
}

export function runTotals(summaries: Readonly<Record<string, TensorSummary>>): RunTotals {
  const totals: RunTotals = { prunedKept: 0, prunedTotal: 0, prunedTensors: 0, wholeParams: 0, wholeTensors: 0, wholeReasons: [] };
  for (const s of Object.values(summaries)) {
    if (s.keptWhole === 'new' || s.keptWhole === 'shape-mismatch') {
      totals.wholeParams += s.total;
      totals.wholeTensors++;
      if (!totals.wholeReasons.includes(s.keptWhole)) totals.wholeReasons.push(s.keptWhole);
    } else {
      totals.prunedKept += s.keptCount;
      totals.prunedTotal += s.total;
      totals.prunedTensors++;
    }
  }
  return totals;
}

/**
 * Whether the summaries account for exactly the run's kept and total counts. When they do not (a run
 * whose summaries were not all delivered), the split would be wrong, so the status falls back to the totals.
 */
export function totalsMatchRun(totals: RunTotals, keptCount: number, totalCount: number): boolean {
  return totals.prunedKept + totals.wholeParams === keptCount && totals.prunedTotal + totals.wholeParams === totalCount;
}

/** "k = 64 on 1.58M pruned parameters: 43.7% kept (+16.9k in 4 new tensors, kept whole)". */
export function prunedShareSentence(k: number, totals: RunTotals): string {
  const share = totals.prunedTotal > 0 ? totals.prunedKept / totals.prunedTotal : NaN;
  let sentence = `k = ${k} on ${formatCount(totals.prunedTotal)} pruned parameters: ${formatPercent(share)} kept`;
  if (totals.wholeTensors > 0) {
    const kinds = totals.wholeReasons.map((r) => (r === 'new' ? 'new' : 'shape-mismatched')).join(' or ');
    sentence += ` (+${formatCount(totals.wholeParams)} in ${totals.wholeTensors} ${kinds} tensor${totals.wholeTensors === 1 ? '' : 's'}, kept whole)`;
  }
  return sentence;
}
