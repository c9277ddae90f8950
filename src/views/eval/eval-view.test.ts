import { describe, expect, it } from 'vitest';
import { parseKs } from './evalStore';
import { backendNote } from './EvalPanel';
import { chartLayout } from './accuracy-chart';

describe('parseKs', () => {
  it('reads commas and spaces, sorts and drops repeats', () => {
    expect(parseKs('64, 8 16,8')).toEqual([8, 16, 64]);
  });
  it('names a bad entry', () => {
    expect(parseKs('8, 0')).toBe('"0" is not a whole number >= 1');
    expect(parseKs('8, 2.5')).toBe('"2.5" is not a whole number >= 1');
    expect(parseKs(' ')).toBe('enter at least one k');
  });
});

describe('chartLayout', () => {
  it('maps kept fraction to x over the plot width and sorts points by it', () => {
    const layout = chartLayout({ points: [{ k: 64, keptFraction: 0.4372, accuracy: 0.6611 }, { k: 8, keptFraction: 0.0547, accuracy: 0.4114 }], finetunedAccuracy: 0.8703, majorityAccuracy: 0.4114 }, 640, 320);
    expect(layout.sorted.map((p) => p.k)).toEqual([8, 64]);
    expect(layout.x(0)).toBe(layout.margin.left);
    expect(layout.x(1)).toBe(640 - layout.margin.right);
    // The y range covers every value drawn, reference lines included.
    const [low, high] = layout.y.domain();
    expect(low).toBeLessThanOrEqual(0.4114);
    expect(high).toBeGreaterThanOrEqual(0.8703);
  });
});

describe('backendNote', () => {
  it('does not repeat the backend name the status line already shows', () => {
    expect(backendNote('wasm', 'wasm; WebGPU has no adapter')).toBe(' (WebGPU has no adapter)');
    expect(backendNote('wasm', 'wasm (first choice)')).toBe(' (first choice)');
    expect(backendNote('webgpu', 'webgpu')).toBe('');
    expect(backendNote('cpu', 'WebGPU failed; WASM failed')).toBe(' (WebGPU failed; WASM failed)');
    expect(backendNote(null, '')).toBe('');
  });
});
