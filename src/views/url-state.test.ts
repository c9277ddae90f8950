import { describe, expect, it } from 'vitest';
import { createAppStore } from '../store/store';
import type { PairSummary, TensorMeta } from '../engine/protocol';
import { formatViewUrlState, installUrlSync, parseViewUrlState } from './url-state';

function fakeWindow(search: string) {
  const win = {
    location: { search, pathname: '/', hash: '' },
    history: {
      state: null,
      replaceState(_s: unknown, _t: string, url: string) {
        win.location.search = url.slice(1).includes('?') ? url.slice(url.indexOf('?')) : '';
      },
    },
    addEventListener() {},
    removeEventListener() {},
  };
  return win;
}

const meta = (name: string, rows: number): TensorMeta => ({ name, key: name, status: 'pruned', shape: [rows, 8], dtype: 'F32', rows, cols: 8, params: rows * 8, layer: 0, matrixType: 'w' });
const pair: PairSummary = { pretrainedLabel: 'p', finetunedLabel: 'f', tensors: [meta('a.weight', 4), meta('b.weight', 2)], warnings: [] };

describe('url state', () => {
  it('parses the view parameters and names malformed ones', () => {
    expect(parseViewUrlState('?view=neuron&tensor=a.weight&row=3&k=16&mode=delta').state).toEqual({ view: 'neuron', tensor: 'a.weight', row: 3, k: 16, mode: 'delta' });
    const bad = parseViewUrlState('?view=nope&row=-1&mode=x');
    expect(bad.state).toEqual({});
    expect(bad.problems).toHaveLength(3);
  });

  it('formats in a fixed order and keeps parameters it does not own', () => {
    expect(formatViewUrlState('?pretrained=p&k=3', { view: 'matrix', tensor: 'a.weight', row: 0, k: 8 })).toBe('?pretrained=p&view=matrix&tensor=a.weight&row=0&k=8');
  });

  it('restores view, k and mode at once and tensor/row when the pair opens, then mirrors the store', () => {
    const store = createAppStore();
    const win = fakeWindow('?view=neuron&tensor=a.weight&row=3&k=16&mode=diff&backend=cpu');
    installUrlSync(store, win as unknown as Window);
    expect(store.getState().view).toBe('neuron');
    expect(store.getState().k).toBe(16);
    expect(store.getState().matrixMode).toBe('diff');
    // Before the pair opens the URL still names the tensor.
    expect(win.location.search).toContain('tensor=a.weight');
    store.getState().setPair(pair);
    expect(store.getState().tensorName).toBe('a.weight');
    expect(store.getState().rowIndex).toBe(3);
    store.getState().selectRow(1);
    expect(win.location.search).toBe('?backend=cpu&view=neuron&tensor=a.weight&row=1&k=16&mode=diff');
    store.getState().selectTensor('b.weight');
    store.getState().setMatrixMode('mask');
    expect(win.location.search).toBe('?backend=cpu&view=neuron&tensor=b.weight&k=16');
  });

  it('reports a tensor or row the pair does not have', () => {
    const store = createAppStore();
    installUrlSync(store, fakeWindow('?tensor=b.weight&row=5') as unknown as Window);
    store.getState().setPair(pair);
    expect(store.getState().tensorName).toBe('b.weight');
    expect(store.getState().rowIndex).toBe(null);
    expect(store.getState().notice).toMatch(/row 5 is out of range: b.weight has 2 rows/);
  });

  it('keeps every URL problem in the notice: a malformed row and an unknown tensor', () => {
    const store = createAppStore();
    installUrlSync(store, fakeWindow('?tensor=nope.weight&row=abc') as unknown as Window);
    store.getState().setPair(pair);
    expect(store.getState().notice).toBe('URL parameter row must be a row index 0, 1, 2, ... (got "abc"). URL parameter tensor "nope.weight" is not a tensor of this pair.');
  });
});
