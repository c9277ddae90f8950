import { describe, expect, it } from 'vitest';
import type { RowDetails } from '../../engine/protocol';
import { describeStep, greedySteps, histogram, kdeAt, rowMeaning } from './neuron';

describe('histogram', () => {
  it('bins equal widths with the max in the last bin', () => {
    const bins = histogram([0, 0.1, 0.5, 0.99, 1, Number.NaN], 2, 0, 1);
    expect(bins.map((b) => b.count)).toEqual([2, 3]);
    expect(bins.map((b) => [b.x0, b.x1])).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
  });
});

describe('kdeAt', () => {
  it('matches the KEN density formula', () => {
    // One point at 0, h = 1: the standard normal density.
    expect(kdeAt([0], 1, [0])[0]).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
    // Two points, h = 0.5, at x = 0.5: (exp(-0.5) + exp(-0.5)) / (2 * 0.5 * sqrt(2 pi)).
    expect(kdeAt([0, 1], 0.5, [0.5])[0]).toBeCloseTo((2 * Math.exp(-0.5)) / Math.sqrt(2 * Math.PI), 15);
  });
});

describe('greedySteps', () => {
  const details = {
    name: 't',
    rowIndex: 0,
    k: 3,
    finetuned: Float32Array.of(0.5, -1, 2, 0.25),
    pretrained: null,
    bandwidth: 0.4,
    std: 1,
    grid: Float64Array.of(-1, 0.5, 2),
    density: Float64Array.of(1.2, 3.4, 0.6),
    roundedDensity: Int32Array.of(1, 3, 1),
    visitOrder: Int32Array.of(1, 0, 2),
    takenIndices: Int32Array.of(0, 1, 2),
    keep: Uint8Array.of(1, 1, 1, 0),
    wholeReason: null,
  } satisfies RowDetails;

  it('pairs visit order with taken entries', () => {
    const steps = greedySteps(details);
    expect(steps.map((s) => [s.step, s.gridIndex, s.gridValue, s.roundedDensity, s.takenIndex, s.takenValue, s.distance])).toEqual([
      [1, 1, 0.5, 3, 0, 0.5, 0],
      [2, 0, -1, 1, 1, -1, 0],
      [3, 2, 2, 1, 2, 2, 0],
    ]);
    expect(describeStep(steps[0], 3, 4)).toBe(
      'Step 1 of 3: grid point g1 = 0.5000 (rounded density 3, visited 1st) takes entry 0 = 0.5000, the nearest left in the pool (distance 0.000); 3 entries remain.',
    );
  });
});

describe('rowMeaning', () => {
  it('tells Linear, GPT-2 Conv1D, vectors and higher ranks apart', () => {
    expect(rowMeaning('encoder.layer.0.attention.self.query.weight', [768, 768])).toMatch(/^nn.Linear \[out 768, in 768\]: row i = output neuron i's incoming/);
    expect(rowMeaning('h.0.attn.c_attn.weight', [768, 2304])).toMatch(/^GPT-2 Conv1D \[in 768, out 2304\]: row i = input i's outgoing/);
    expect(rowMeaning('h.0.mlp.c_fc.weight', [768, 3072])).toMatch(/Conv1D/);
    expect(rowMeaning('encoder.layer.0.output.LayerNorm.bias', [128])).toMatch(/1-D tensor of 128 values/);
    expect(rowMeaning('conv.weight', [16, 3, 3, 3])).toMatch(/rank-4/);
  });
});
