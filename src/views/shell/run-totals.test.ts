import { describe, expect, it } from 'vitest';
import type { TensorSummary } from '../../engine/protocol';
import { prunedShareSentence, runTotals, totalsMatchRun } from './run-totals';

function summary(name: string, keptCount: number, total: number, keptWhole?: TensorSummary['keptWhole']): TensorSummary {
  return { name, k: 64, rule: 'ken', keptCount, total, meanAbsDeltaKept: 0, meanAbsDeltaReset: 0, wholeRows: [], keptWhole };
}

describe('runTotals', () => {
  const summaries = {
    q: summary('q', 8000, 16384),
    fc: summary('fc', 8192, 65536),
    cls: summary('cls', 384, 384, 'new'),
    pool: summary('pool', 16384, 16384, 'new'),
    emb: summary('emb', 100, 100, 'shape-mismatch'),
  };

  it('separates the pruned tensors from those kept whole', () => {
    expect(runTotals(summaries)).toEqual({
      prunedKept: 16192,
      prunedTotal: 81920,
      prunedTensors: 2,
      wholeParams: 16868,
      wholeTensors: 3,
      wholeReasons: ['new', 'shape-mismatch'],
    });
  });

  it('checks the split against the run totals', () => {
    const totals = runTotals(summaries);
    expect(totalsMatchRun(totals, 16192 + 16868, 81920 + 16868)).toBe(true);
    expect(totalsMatchRun(totals, 16192 + 16868 + 1, 81920 + 16868)).toBe(false);
    expect(totalsMatchRun(runTotals({}), 10, 20)).toBe(false);
  });

  it('says the pruned share first and the kept-whole tensors apart', () => {
    expect(prunedShareSentence(64, runTotals(summaries))).toBe(
      'k = 64 on 81.9k pruned parameters: 19.8% kept (+16.9k in 3 new or shape-mismatched tensors, kept whole)',
    );
    expect(prunedShareSentence(8, runTotals({ q: summary('q', 8000, 16384), pool: summary('pool', 16384, 16384, 'new') }))).toBe(
      'k = 8 on 16.4k pruned parameters: 48.8% kept (+16.4k in 1 new tensor, kept whole)',
    );
    expect(prunedShareSentence(8, runTotals({ q: summary('q', 8000, 16384) }))).toBe('k = 8 on 16.4k pruned parameters: 48.8% kept');
  });
});
