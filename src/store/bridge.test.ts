import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SourceSpec, TensorSummary } from '../engine/protocol';
import { createBridge } from './bridge';
import { createAppStore } from './store';
import { FakeEngine, flush, pairSummary, tensorMeta } from './fakeEngine.testutil';

const source = (url: string): SourceSpec => ({ kind: 'url', url });
const summary = (name: string, k: number, keptCount = 1, total = 4): TensorSummary => ({
  name,
  k,
  rule: 'ken',
  keptCount,
  total,
  meanAbsDeltaKept: 0,
  meanAbsDeltaReset: 0,
  wholeRows: [],
});

function setup() {
  const store = createAppStore();
  const engine = new FakeEngine();
  let clockMs = 0;
  const clock = { advance: (ms: number) => (clockMs += ms) };
  const bridge = createBridge(store, engine, { debounceMs: 100, now: () => clockMs });
  return { store, engine, bridge, clock };
}

/** Loads pair `label` and lets its first run start; `loaded` settles when that run does. */
async function loadAndStartRun(ctx: ReturnType<typeof setup>, label = 'a'): Promise<{ loaded: Promise<void> }> {
  const loaded = ctx.bridge.loadPair(source(`${label}-pre`), source(`${label}-fine`));
  ctx.engine.opens.at(-1)!.result.resolve(pairSummary(label, [tensorMeta('w', 2, 2), tensorMeta('v', 1, 4)]));
  await flush();
  return { loaded };
}

describe('bridge.loadPair', () => {
  it('shows loading with transfer progress, sets the pair, then runs at the store k and records load + run time', async () => {
    const ctx = setup();
    const { store, engine, bridge, clock } = ctx;
    store.getState().setK(3);
    const loaded = bridge.loadPair(source('pre/'), source('fine/'));
    expect(store.getState().state).toBe('loading');
    engine.opens[0].onProgress?.({ tensorsDone: 0, tensorsTotal: 0, paramsDone: 0, paramsTotal: 0, rate: 0, etaMs: 0, bytesDone: 10, bytesTotal: 100 });
    expect(store.getState().progress?.bytesDone).toBe(10);
    clock.advance(200);
    engine.opens[0].result.resolve(pairSummary('a', [tensorMeta('w', 2, 2)]));
    await flush();
    expect(store.getState().pair?.pretrainedLabel).toBe('a pre');
    expect(store.getState().state).toBe('running');
    expect(engine.runs).toHaveLength(1);
    expect(engine.runs[0].options).toMatchObject({ k: 3, rule: 'ken', backend: 'auto', scope: { kind: 'all' } });
    engine.runs[0].handlers.onTensorDone?.(summary('w', 3, 2, 4));
    clock.advance(300);
    engine.runs[0].result.resolve({ backend: 'cpu', elapsedMs: 250, keptCount: 2, total: 4 });
    await loaded;
    expect(store.getState()).toMatchObject({ state: 'done', backend: 'cpu', keptCount: 2, totalCount: 4, elapsedMs: 500 });
    expect(store.getState().summaries.w?.keptCount).toBe(2);
  });

  it('keeps the previous pair and its results when a new load fails, and shows the error', async () => {
    const ctx = setup();
    const { store, engine, bridge } = ctx;
    const { loaded: first } = await loadAndStartRun(ctx, 'good');
    engine.lastRun().result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 3, total: 8 });
    await first;
    const versionBefore = store.getState().pairVersion;
    const failed = bridge.loadPair(source('bad.safetensors'), source('fine.safetensors'));
    engine.opens[1].result.reject(new Error('bad.safetensors: header length 9999999999 exceeds the file size (12 bytes)'));
    await failed;
    const s = store.getState();
    expect(s.state).toBe('error');
    expect(s.error).toContain('bad.safetensors');
    expect(s.pair?.pretrainedLabel).toBe('good pre');
    expect(s.pairVersion).toBe(versionBefore);
    expect(s.keptCount).toBe(3);
    // The previous pair still runs.
    store.getState().setK(5);
    const rerun = bridge.runKen();
    expect(engine.lastRun().options.k).toBe(5);
    engine.lastRun().result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 4, total: 8 });
    await rerun;
    expect(store.getState()).toMatchObject({ state: 'done', keptCount: 4, error: null });
  });

  it('ignores an older load that finishes after a newer one', async () => {
    const { store, engine, bridge } = setup();
    const older = bridge.loadPair(source('old-pre'), source('old-fine'));
    const newer = bridge.loadPair(source('new-pre'), source('new-fine'));
    engine.opens[1].result.resolve(pairSummary('new', [tensorMeta('w', 1, 1)]));
    await flush();
    engine.opens[0].result.resolve(pairSummary('old', [tensorMeta('w', 1, 1)]));
    await older;
    expect(store.getState().pair?.pretrainedLabel).toBe('new pre');
    expect(engine.runs).toHaveLength(1);
    engine.runs[0].result.resolve({ backend: 'webgpu', elapsedMs: 1, keptCount: 1, total: 1 });
    await newer;
    expect(store.getState().state).toBe('done');
  });

  it('ignores the error of an older load once a newer one has started', async () => {
    const { store, engine, bridge } = setup();
    const older = bridge.loadPair(source('old-pre'), source('old-fine'));
    void bridge.loadPair(source('new-pre'), source('new-fine'));
    engine.opens[0].result.reject(new Error('old-pre: 404 Not Found'));
    await older;
    expect(store.getState().state).toBe('loading');
    expect(store.getState().error).toBeNull();
  });

  it('cancels the run in flight when a new pair is loaded', async () => {
    const ctx = setup();
    await loadAndStartRun(ctx, 'a');
    const runA = ctx.engine.lastRun();
    void ctx.bridge.loadPair(source('b-pre'), source('b-fine'));
    expect(runA.cancelled).toBe(true);
    // A late event of the cancelled run must not land on the new pair.
    runA.handlers.onProgress?.({ tensorsDone: 1, tensorsTotal: 2, paramsDone: 1, paramsTotal: 2, rate: 1, etaMs: 1 });
    expect(ctx.store.getState().progress).toBeNull();
  });
});

describe('bridge.runKen stale-result guard', () => {
  it('a newer run supersedes the older one: late events and the older result never show as current', async () => {
    const ctx = setup();
    const { store, engine, bridge } = ctx;
    await loadAndStartRun(ctx);
    const runA = engine.lastRun();
    expect(runA.options.k).toBe(64);
    store.getState().setK(16);
    const runBDone = bridge.runKen();
    const runB = engine.lastRun();
    expect(runA.cancelled).toBe(true);
    expect(runB.options.k).toBe(16);
    // Late events of A (same tensor names, different k) arrive after B started.
    runA.handlers.onTensorDone?.(summary('w', 64, 4, 4));
    runA.handlers.onProgress?.({ tensorsDone: 2, tensorsTotal: 2, paramsDone: 8, paramsTotal: 8, rate: 1, etaMs: 0 });
    runA.handlers.onBackend?.('webgpu', 'late');
    expect(store.getState().summaries).toEqual({});
    expect(store.getState().progress).toBeNull();
    expect(store.getState().backend).toBeNull();
    runB.handlers.onTensorDone?.(summary('w', 16, 1, 4));
    runB.result.resolve({ backend: 'cpu', elapsedMs: 5, keptCount: 1, total: 8 });
    await runBDone;
    expect(store.getState()).toMatchObject({ state: 'done', keptCount: 1, totalCount: 8, summariesK: 16 });
    expect(store.getState().summaries.w?.keptCount).toBe(1);
  });

  it('an older run that resolves late (the engine did not stop it in time) does not overwrite the newer one', async () => {
    const ctx = setup();
    const { store, engine, bridge } = ctx;
    const fakeRun = engine.run.bind(engine);
    // An engine whose cancel does nothing: the old promise resolves anyway.
    engine.run = (options, handlers) => ({ ...fakeRun(options, handlers), cancel: () => {} });
    await loadAndStartRun(ctx);
    const runA = engine.lastRun();
    store.getState().setK(2);
    void bridge.runKen();
    const runB = engine.lastRun();
    runA.result.resolve({ backend: 'webgpu', elapsedMs: 9, keptCount: 99, total: 100 });
    await flush();
    expect(store.getState().state).toBe('running');
    expect(store.getState().keptCount).toBeNull();
    runB.result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 7, total: 100 });
    await flush();
    expect(store.getState()).toMatchObject({ state: 'done', keptCount: 7, backend: 'cpu' });
  });

  it('a superseded run at the same k (e.g. re-run for a new priority) cannot add its late summaries', async () => {
    const ctx = setup();
    await loadAndStartRun(ctx);
    const runA = ctx.engine.lastRun();
    void ctx.bridge.runKen();
    const runB = ctx.engine.lastRun();
    expect(runB.options.k).toBe(runA.options.k);
    runA.handlers.onTensorDone?.(summary('v', 64, 3, 4));
    expect(ctx.store.getState().summaries).toEqual({});
    runB.handlers.onTensorDone?.(summary('v', 64, 2, 4));
    expect(ctx.store.getState().summaries.v?.keptCount).toBe(2);
  });

  it('passes the tensor on screen as priority and the chosen backend', async () => {
    const ctx = setup();
    const { loaded: first } = await loadAndStartRun(ctx);
    ctx.engine.lastRun().result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 1, total: 1 });
    await first;
    ctx.store.getState().selectTensor('v');
    ctx.bridge.setBackendChoice('webgpu');
    void ctx.bridge.runKen();
    expect(ctx.engine.lastRun().options).toMatchObject({ priority: 'v', backend: 'webgpu' });
    await flush();
    expect(ctx.engine.backendChoices).toEqual(['webgpu']);
  });

  it('a failed run shows an error naming k; the next run clears it', async () => {
    const ctx = setup();
    await loadAndStartRun(ctx);
    ctx.engine.lastRun().result.reject(new Error('tensor w row 3: non-finite bandwidth'));
    await flush();
    expect(ctx.store.getState().state).toBe('error');
    expect(ctx.store.getState().error).toMatch(/k = 64.*tensor w row 3/);
    void ctx.bridge.runKen();
    expect(ctx.store.getState()).toMatchObject({ state: 'running', error: null });
  });

  it('a k change during loading waits for the load, which then runs the latest k', async () => {
    const { store, engine, bridge } = setup();
    const loaded = bridge.loadPair(source('pre'), source('fine'));
    store.getState().setK(7);
    await bridge.runKen();
    expect(engine.runs).toHaveLength(0);
    engine.opens[0].result.resolve(pairSummary('a', [tensorMeta('w', 1, 8)]));
    await flush();
    expect(engine.runs).toHaveLength(1);
    expect(engine.runs[0].options.k).toBe(7);
    engine.runs[0].result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 7, total: 8 });
    await loaded;
  });

  it('does nothing without a pair', async () => {
    const { engine, bridge, store } = setup();
    await bridge.runKen();
    expect(engine.runs).toHaveLength(0);
    expect(store.getState().state).toBe('idle');
  });
});

describe('bridge.cancel', () => {
  it('stops the run, returns to idle and ignores its late result', async () => {
    const ctx = setup();
    await loadAndStartRun(ctx);
    const run = ctx.engine.lastRun();
    ctx.bridge.cancel();
    expect(run.cancelled).toBe(true);
    expect(ctx.store.getState().state).toBe('idle');
    run.handlers.onTensorDone?.(summary('w', 64));
    await flush();
    expect(ctx.store.getState().state).toBe('idle');
    expect(ctx.store.getState().error).toBeNull();
  });
});

describe('bridge.setKAndRun debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once, with the last k, after the pause', async () => {
    const ctx = setup();
    const { loaded: first } = await loadAndStartRun(ctx);
    ctx.engine.lastRun().result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 1, total: 1 });
    await first;
    for (const k of [10, 11, 12]) ctx.bridge.setKAndRun(k);
    expect(ctx.store.getState().k).toBe(12);
    expect(ctx.engine.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(ctx.engine.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ctx.engine.runs).toHaveLength(2);
    expect(ctx.engine.lastRun().options.k).toBe(12);
  });

  it('cancel also drops a pending debounced run', async () => {
    const ctx = setup();
    const { loaded: first } = await loadAndStartRun(ctx);
    ctx.engine.lastRun().result.resolve({ backend: 'cpu', elapsedMs: 1, keptCount: 1, total: 1 });
    await first;
    ctx.bridge.setKAndRun(3);
    ctx.bridge.cancel();
    await vi.advanceTimersByTimeAsync(500);
    expect(ctx.engine.runs).toHaveLength(1);
  });
});
