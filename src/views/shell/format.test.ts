import { describe, expect, it } from 'vitest';
import { formatBackend, formatBytes, formatCount, formatDuration, formatPercent, formatProgress } from './format';
import { describePicked } from './dropFiles';

describe('shell formatting', () => {
  it('counts, durations and percentages read like the status line', () => {
    expect([950, 6000, 12_300, 1_594_883, 110_000_000].map(formatCount)).toEqual(['950', '6k', '12.3k', '1.59M', '110M']);
    expect([formatDuration(420), formatDuration(1234), formatDuration(83_000)]).toEqual(['0.42 s', '1.2 s', '1 min 23 s']);
    expect(formatPercent(0.43712)).toBe('43.7%');
    expect(formatPercent(NaN)).toBe('–');
    expect(formatBytes(6_387_684)).toBe('6.1 MB');
  });

  it('names the backend with the worker count the engine reports', () => {
    expect(formatBackend('cpu', 'CPU pool (4 workers): no WebGPU adapter')).toBe('CPU (4 workers)');
    expect(formatBackend('cpu', 'CPU pool (1 worker): CPU chosen')).toBe('CPU (1 worker)');
    expect(formatBackend('cpu', '')).toBe('CPU');
    expect(formatBackend('webgpu', 'WebGPU on SwiftShader')).toBe('WebGPU');
  });

  it('describes picked files by their common folder', () => {
    const file = new Blob([]) as File;
    expect(describePicked([{ file, path: 'model.safetensors' }])).toBe('model.safetensors');
    expect(describePicked([{ file, path: 'ft/model.safetensors' }, { file, path: 'ft/config.json' }])).toBe('ft/ (2 files)');
    expect(describePicked([{ file, path: 'a.safetensors' }, { file, path: 'b.safetensors' }])).toBe('a.safetensors + 1 file');
    // Loose files are named by their weights file (the index of a sharded checkpoint first), wherever it is in the list.
    expect(describePicked([{ file, path: 'config.json' }, { file, path: 'model.safetensors' }, { file, path: 'vocab.txt' }])).toBe('model.safetensors + 2 files');
    expect(describePicked([{ file, path: 'model-00001-of-00002.safetensors' }, { file, path: 'model.safetensors.index.json' }])).toBe(
      'model.safetensors.index.json + 1 file',
    );
  });

  it('shows rate and ETA only once 5% of the parameters are done (earlier they are start-up noise)', () => {
    const early = { tensorsDone: 5, tensorsTotal: 73, paramsDone: 1160, paramsTotal: 1_594_883, rate: 7030, etaMs: 227_000 };
    expect(formatProgress(early)).toBe('5/73 tensors · 1.16k/1.59M params · estimating time…');
    expect(formatProgress({ ...early, tensorsDone: 7, paramsDone: 130_000, rate: 622_000, etaMs: 2400 })).toBe('7/73 tensors · 130k/1.59M params · 622k params/s · ETA 2.4 s');
  });
});
