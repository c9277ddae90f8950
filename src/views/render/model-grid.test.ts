import { describe, expect, it } from 'vitest';
import type { TensorMeta, TensorSummary } from '../../engine/protocol';
import { cellState, describeTensorCounts, gridOrder, layerBars, layoutModelGrid, neighbourCell, tensorCounts } from './model-grid';

function meta(name: string, layer: number | null, matrixType: string, status: TensorMeta['status'] = 'pruned'): TensorMeta {
  return { name, key: name, status, shape: [4, 4], dtype: 'F32', rows: 4, cols: 4, params: 16, layer, matrixType };
}
function summary(name: string, keptCount: number, total: number): TensorSummary {
  return { name, k: 2, rule: 'ken', keptCount, total, meanAbsDeltaKept: 0.5, meanAbsDeltaReset: 0.1, wholeRows: [] };
}

describe('layoutModelGrid', () => {
  // File order is string order (layer 10 before layer 2); the grid must be numeric.
  const tensors = [
    meta('emb.weight', null, 'emb.weight'),
    meta('l.10.q.weight', 10, 'q.weight'),
    meta('l.10.k.weight', 10, 'k.weight'),
    meta('l.2.q.weight', 2, 'q.weight'),
    meta('l.2.fc.weight', 2, 'fc.weight'),
    meta('l.9.k.weight', 9, 'k.weight'),
    meta('head.weight', null, 'head.weight', 'new'),
  ];
  const grid = layoutModelGrid(tensors);

  it('orders layers numerically and matrix types by first appearance', () => {
    expect(grid.layers).toEqual([2, 9, 10]);
    expect(grid.matrixTypes).toEqual(['q.weight', 'k.weight', 'fc.weight']);
  });

  it('places each layer tensor at (layer row, type column)', () => {
    expect(grid.layerCells.map((c) => [c.name, c.row, c.col])).toEqual([
      ['l.10.q.weight', 2, 0],
      ['l.10.k.weight', 2, 1],
      ['l.2.q.weight', 0, 0],
      ['l.2.fc.weight', 0, 2],
      ['l.9.k.weight', 1, 1],
    ]);
  });

  it('puts tensors without a layer in their own band, in pair order', () => {
    expect(grid.otherCells.map((c) => [c.name, c.row, c.col])).toEqual([
      ['emb.weight', 0, 0],
      ['head.weight', 0, 1],
    ]);
  });

  it('handles a pair with no layers at all', () => {
    const g = layoutModelGrid([meta('a', null, 'a'), meta('b', null, 'b')]);
    expect(g.layers).toEqual([]);
    expect(g.matrixTypes).toEqual([]);
    expect(g.otherCells.length).toBe(2);
  });

  it('gives the kept fraction per layer for one type, in layer order, null where not computed', () => {
    const bars = layerBars(grid, 'q.weight', { 'l.2.q.weight': summary('l.2.q.weight', 4, 16) });
    expect(bars).toEqual([
      { layer: 2, name: 'l.2.q.weight', keptFraction: 0.25 },
      { layer: 10, name: 'l.10.q.weight', keptFraction: null },
    ]);
  });
});

describe('cellState', () => {
  it('reports kept fraction, kept-whole reasons and not-pruned tensors distinctly', () => {
    expect(cellState(meta('a', 0, 't'), summary('a', 3, 12))).toMatchObject({ kind: 'kept', keptFraction: 0.25 });
    expect(cellState(meta('a', 0, 't'), undefined)).toEqual({ kind: 'pending' });
    expect(cellState(meta('a', 0, 't', 'new'), undefined)).toEqual({ kind: 'kept-whole', reason: 'new', summary: null });
    expect(cellState(meta('a', 0, 't', 'shape-mismatch'), undefined)).toMatchObject({ kind: 'kept-whole', reason: 'shape-mismatch' });
    expect(cellState(meta('a', 0, 't', 'not-float'), undefined)).toEqual({ kind: 'not-pruned', reason: 'not-float' });
    expect(cellState(meta('a', 0, 't', 'only-pretrained'), undefined)).toEqual({ kind: 'not-pruned', reason: 'only-pretrained' });
  });
});

describe('matrix type order', () => {
  it('puts BERT layer tensors in data-flow order, weights before biases, whatever the file order', () => {
    const bert = [
      'attention.output.LayerNorm.bias',
      'attention.output.LayerNorm.weight',
      'attention.output.dense.bias',
      'attention.output.dense.weight',
      'attention.self.key.bias',
      'attention.self.key.weight',
      'attention.self.query.bias',
      'attention.self.query.weight',
      'attention.self.value.bias',
      'attention.self.value.weight',
      'intermediate.dense.bias',
      'intermediate.dense.weight',
      'output.LayerNorm.bias',
      'output.LayerNorm.weight',
      'output.dense.bias',
      'output.dense.weight',
    ];
    const grid = layoutModelGrid(bert.map((type) => meta(`enc.layer.0.${type}`, 0, type)));
    expect(grid.matrixTypes).toEqual([
      'attention.self.query.weight',
      'attention.self.query.bias',
      'attention.self.key.weight',
      'attention.self.key.bias',
      'attention.self.value.weight',
      'attention.self.value.bias',
      'attention.output.dense.weight',
      'attention.output.dense.bias',
      'attention.output.LayerNorm.weight',
      'attention.output.LayerNorm.bias',
      'intermediate.dense.weight',
      'intermediate.dense.bias',
      'output.dense.weight',
      'output.dense.bias',
      'output.LayerNorm.weight',
      'output.LayerNorm.bias',
    ]);
  });

  it('orders LLaMA-style names and keeps unknown types last in file order', () => {
    const types = ['mlp.down_proj.weight', 'zz.weight', 'self_attn.o_proj.weight', 'aa.weight', 'input_layernorm.weight', 'mlp.up_proj.weight', 'self_attn.q_proj.weight', 'mlp.gate_proj.weight', 'post_attention_layernorm.weight'];
    const grid = layoutModelGrid(types.map((type) => meta(`m.layers.0.${type}`, 0, type)));
    expect(grid.matrixTypes).toEqual([
      'input_layernorm.weight',
      'self_attn.q_proj.weight',
      'self_attn.o_proj.weight',
      'post_attention_layernorm.weight',
      'mlp.gate_proj.weight',
      'mlp.up_proj.weight',
      'mlp.down_proj.weight',
      'zz.weight',
      'aa.weight',
    ]);
  });

  it('lists tensors without a layer pruned first, then kept whole, then not pruned', () => {
    const grid = layoutModelGrid([
      meta('head.weight', null, 'head.weight', 'new'),
      meta('lm.bias', null, 'lm.bias', 'only-pretrained'),
      meta('emb.weight', null, 'emb.weight'),
      meta('pool.weight', null, 'pool.weight', 'new'),
    ]);
    expect(grid.otherCells.map((c) => [c.name, c.col])).toEqual([
      ['emb.weight', 0],
      ['head.weight', 1],
      ['pool.weight', 2],
      ['lm.bias', 3],
    ]);
  });
});

describe('tensorCounts', () => {
  it('counts what the run covers (pruned + kept whole) apart from tensors it never sees', () => {
    const c = tensorCounts([
      meta('a', 0, 't'),
      meta('b', 0, 'u'),
      meta('c', null, 'c', 'new'),
      meta('d', null, 'd', 'shape-mismatch'),
      meta('e', null, 'e', 'only-pretrained'),
      meta('f', null, 'f', 'not-float'),
    ]);
    expect(c).toEqual({ all: 6, pruned: 2, keptWhole: 2, onlyPretrained: 1, notFloat: 1, inRun: 4 });
    expect(describeTensorCounts(c)).toBe(
      '6 tensors: 2 pruned, 2 kept whole (new or shape-mismatched), 1 only in pre-trained (not in the fine-tuned model), 1 not float (never pruned)',
    );
    expect(describeTensorCounts(tensorCounts([meta('a', 0, 't')]))).toBe('1 tensor: 1 pruned');
  });
});

describe('keyboard moves in the model grid', () => {
  const grid = layoutModelGrid([
    meta('l.0.v.weight', 0, 'v.weight'),
    meta('l.0.q.weight', 0, 'q.weight'),
    meta('l.1.q.weight', 1, 'q.weight'),
    meta('l.1.v.weight', 1, 'v.weight'),
    meta('emb', null, 'emb'),
  ]);

  it('follows the grid as drawn (columns in data-flow order), not the file order', () => {
    expect(gridOrder(grid)).toEqual(['l.0.q.weight', 'l.0.v.weight', 'l.1.q.weight', 'l.1.v.weight', 'emb']);
    expect(neighbourCell(grid, null, 'ArrowRight')).toBe('l.0.q.weight');
    expect(neighbourCell(grid, 'l.0.q.weight', 'ArrowRight')).toBe('l.0.v.weight');
    expect(neighbourCell(grid, 'l.0.v.weight', 'ArrowRight')).toBe('l.1.q.weight');
    expect(neighbourCell(grid, 'l.0.q.weight', 'ArrowLeft')).toBe('l.0.q.weight');
    expect(neighbourCell(grid, 'emb', 'ArrowRight')).toBe('emb');
  });

  it('moves up and down a column between layers, then into the band without a layer', () => {
    expect(neighbourCell(grid, 'l.0.v.weight', 'ArrowDown')).toBe('l.1.v.weight');
    expect(neighbourCell(grid, 'l.1.v.weight', 'ArrowUp')).toBe('l.0.v.weight');
    expect(neighbourCell(grid, 'l.0.v.weight', 'ArrowUp')).toBe('l.0.v.weight');
    expect(neighbourCell(grid, 'l.1.v.weight', 'ArrowDown')).toBe('emb');
    expect(neighbourCell(grid, 'emb', 'ArrowUp')).toBe('l.1.v.weight');
  });
});
