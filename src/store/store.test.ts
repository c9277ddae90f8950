import { describe, expect, it } from 'vitest';
import { createAppStore } from './store';
import type { TensorSummary } from '../engine/protocol';
import { pairSummary, tensorMeta } from './fakeEngine.testutil';

const summary = (name: string, k: number, keptCount: number, total: number): TensorSummary => ({
  name,
  k,
  rule: 'ken',
  keptCount,
  total,
  meanAbsDeltaKept: 0,
  meanAbsDeltaReset: 0,
  wholeRows: [],
});

describe('app store actions', () => {
  it('setPair bumps pairVersion and clears results and selection of the old pair', () => {
    const store = createAppStore();
    const s = store.getState();
    s.setPair(pairSummary('a', [tensorMeta('w', 2, 3)]));
    s.selectTensor('w');
    s.selectCell(1, 2);
    s.beginRun(64, 'ken');
    s.addSummary(summary('w', 64, 4, 6));
    const before = store.getState();
    expect(before.summaries.w?.keptCount).toBe(4);
    s.setPair(pairSummary('b', [tensorMeta('v', 1, 1)]));
    const after = store.getState();
    expect(after.pairVersion).toBe(before.pairVersion + 1);
    expect(after.resultVersion).toBeGreaterThan(before.resultVersion);
    expect(after.summaries).toEqual({});
    expect(after.summariesK).toBeNull();
    expect([after.tensorName, after.rowIndex, after.colIndex]).toEqual([null, null, null]);
  });

  it('addSummary drops a summary of another k or rule than the run in progress', () => {
    const store = createAppStore();
    store.getState().beginRun(32, 'ken');
    store.getState().addSummary(summary('late', 64, 1, 2));
    store.getState().addSummary({ ...summary('wrongRule', 32, 1, 2), rule: 'magnitude' });
    store.getState().addSummary(summary('current', 32, 1, 2));
    expect(Object.keys(store.getState().summaries)).toEqual(['current']);
  });

  it('beginRun clears the previous run and finishRun records counts, time and backend', () => {
    const store = createAppStore();
    const s = store.getState();
    s.beginRun(8, 'ken');
    s.finishRun(1234, 'cpu', { keptCount: 10, total: 40 });
    expect(store.getState()).toMatchObject({ state: 'done', elapsedMs: 1234, backend: 'cpu', keptCount: 10, totalCount: 40, progress: null });
    s.beginRun(9, 'ken');
    expect(store.getState()).toMatchObject({ state: 'running', keptCount: null, totalCount: null, summariesK: 9, error: null });
  });

  it('setState carries an error message and clears it on the next state', () => {
    const store = createAppStore();
    store.getState().setState('error', 'bad.safetensors: header is truncated');
    expect(store.getState()).toMatchObject({ state: 'error', error: 'bad.safetensors: header is truncated' });
    store.getState().setState('loading');
    expect(store.getState().error).toBeNull();
  });

  it('selectTensor clears the row and cell of the previous tensor', () => {
    const store = createAppStore();
    store.getState().selectTensor('a');
    store.getState().selectCell(3, 4);
    store.getState().selectTensor('b');
    expect(store.getState()).toMatchObject({ tensorName: 'b', rowIndex: null, colIndex: null });
  });
});
