import { describe, expect, it } from 'vitest';
import { scopeMatcher } from './scope';

const tensors: [string, number | null][] = [
  ['bert.embeddings.word_embeddings.weight', null],
  ['bert.encoder.layer.0.attention.self.query.weight', 0],
  ['bert.encoder.layer.11.output.dense.bias', 11],
  ['classifier.weight', null],
];

describe('scopeMatcher', () => {
  it('all: every tensor, the last one included', () => {
    const m = scopeMatcher({ kind: 'all' });
    expect(tensors.filter(([n, l]) => m(n, l)).map(([n]) => n)).toEqual(tensors.map(([n]) => n));
  });

  it('layers: only names with a layer index', () => {
    const m = scopeMatcher({ kind: 'layers' });
    expect(tensors.filter(([n, l]) => m(n, l)).map(([n]) => n)).toEqual([
      'bert.encoder.layer.0.attention.self.query.weight',
      'bert.encoder.layer.11.output.dense.bias',
    ]);
  });

  it('pattern: a regular expression over the name', () => {
    const m = scopeMatcher({ kind: 'pattern', pattern: 'attention\\.self\\.(query|key)|^classifier' });
    expect(tensors.filter(([n, l]) => m(n, l)).map(([n]) => n)).toEqual([
      'bert.encoder.layer.0.attention.self.query.weight',
      'classifier.weight',
    ]);
  });

  it('a bad pattern is an error that quotes it', () => {
    expect(() => scopeMatcher({ kind: 'pattern', pattern: 'layer.(0' })).toThrow(/layer\.\(0.*not a valid regular expression/);
  });
});
