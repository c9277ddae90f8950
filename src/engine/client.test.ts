// KenEngineClient against a scripted fake worker: request/answer matching, run events, cancel and
// supersede semantics, and the watchdog that turns a dead worker into a clear error.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KenEngineClient, isAbortError } from './client';
import type { Request, TensorSummary, WorkerEvent } from './protocol';

class FakeWorker {
  onmessage: ((e: MessageEvent<WorkerEvent>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  sent: Request[] = [];
  terminated = false;
  /** Answers pings unless the worker is "hung". */
  alive = true;

  postMessage(request: Request): void {
    this.sent.push(request);
    if (request.type === 'ping' && this.alive) queueMicrotask(() => this.emit({ type: 'pong', id: request.id }));
  }

  terminate(): void {
    this.terminated = true;
  }

  emit(event: WorkerEvent): void {
    this.onmessage?.({ data: event } as MessageEvent<WorkerEvent>);
  }

  last<T extends Request['type']>(type: T): Extract<Request, { type: T }> {
    const found = [...this.sent].reverse().find((r) => r.type === type);
    if (!found) throw new Error(`no ${type} request sent`);
    return found as Extract<Request, { type: T }>;
  }
}

function setup(options: { deadAfterMs?: number; pingEveryMs?: number } = {}) {
  const workers: FakeWorker[] = [];
  const client = new KenEngineClient({
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
    ...options,
  });
  return { client, workers };
}

const summary = (name: string, k: number): TensorSummary => ({
  name,
  k,
  rule: 'ken',
  keptCount: 1,
  total: 2,
  meanAbsDeltaKept: 0,
  meanAbsDeltaReset: 0,
  wholeRows: [],
});

const runOptions = { k: 8, scope: { kind: 'all' as const }, rule: 'ken' as const, backend: 'cpu' as const };

afterEach(() => {
  vi.useRealTimers();
});

describe('KenEngineClient', () => {
  it('creates its worker lazily, on the first request', async () => {
    const { client, workers } = setup();
    expect(workers.length).toBe(0);
    const answer = client.setBackend('cpu');
    expect(workers.length).toBe(1);
    const req = workers[0].last('backend');
    workers[0].emit({ type: 'backend', id: req.id, backend: 'cpu', reason: 'CPU pool (test)' });
    await expect(answer).resolves.toEqual({ backend: 'cpu', reason: 'CPU pool (test)' });
    client.dispose();
  });

  it('routes run events to the run handlers and resolves on run-done', async () => {
    const { client, workers } = setup();
    const seen: string[] = [];
    const handle = client.run(runOptions, {
      onProgress: (p) => seen.push(`progress ${p.tensorsDone}`),
      onTensorDone: (s) => seen.push(`done ${s.name}`),
      onBackend: (b, reason) => seen.push(`backend ${b} ${reason}`),
    });
    const w = workers[0];
    expect(w.last('run').id).toBe(handle.id);
    w.emit({ type: 'backend', id: handle.id, backend: 'cpu', reason: 'why' });
    w.emit({ type: 'progress', id: handle.id, progress: { tensorsDone: 0, tensorsTotal: 1, paramsDone: 0, paramsTotal: 2, rate: 0, etaMs: 0 } });
    w.emit({ type: 'tensor-done', id: handle.id, summary: summary('a', 8) });
    w.emit({ type: 'tensor-done', id: handle.id + 100, summary: summary('other', 8) }); // not ours
    w.emit({ type: 'run-done', id: handle.id, backend: 'cpu', elapsedMs: 5, keptCount: 1, total: 2 });
    await expect(handle.done).resolves.toEqual({ backend: 'cpu', elapsedMs: 5, keptCount: 1, total: 2 });
    expect(seen).toEqual(['backend cpu why', 'progress 0', 'done a']);
    client.dispose();
  });

  it('cancel rejects with AbortError at once, tells the worker, and drops later events', async () => {
    const { client, workers } = setup();
    const onTensorDone = vi.fn();
    const handle = client.run(runOptions, { onTensorDone });
    handle.cancel();
    const error = await handle.done.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(workers[0].last('cancel').target).toBe(handle.id);
    workers[0].emit({ type: 'tensor-done', id: handle.id, summary: summary('late', 8) });
    expect(onTensorDone).not.toHaveBeenCalled();
    client.dispose();
  });

  it('a second run settles the first as aborted; the first one\'s in-flight events never reach it', async () => {
    const { client, workers } = setup();
    const first = vi.fn();
    const second = vi.fn();
    const a = client.run(runOptions, { onTensorDone: first });
    const b = client.run({ ...runOptions, k: 4 }, { onTensorDone: second });
    expect(isAbortError(await a.done.catch((e: unknown) => e))).toBe(true);
    workers[0].emit({ type: 'tensor-done', id: a.id, summary: summary('x', 8) }); // sent before the worker saw run b
    workers[0].emit({ type: 'tensor-done', id: b.id, summary: summary('x', 4) });
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith(summary('x', 4));
    client.dispose();
  });

  it('error events reject with the worker\'s message', async () => {
    const { client, workers } = setup();
    const p = client.getRow('t', 9, 4);
    const req = workers[0].last('row');
    workers[0].emit({ type: 'error', id: req.id, message: 'Tensor "t": row 9 is out of range (it has 3 rows).' });
    await expect(p).rejects.toThrow('row 9 is out of range');
    client.dispose();
  });

  it('resolves relative URLs against the page before the worker sees them', () => {
    const { client, workers } = setup();
    vi.stubGlobal('location', { href: 'http://127.0.0.1:4173/app/index.html' });
    try {
      void client.open({ kind: 'url', url: '/demo/pretrained/' }, { kind: 'url', url: 'hf:org/model' }).catch(() => undefined);
      const req = workers[0].last('open');
      expect(req.pretrained).toEqual({ kind: 'url', url: 'http://127.0.0.1:4173/demo/pretrained/' });
      expect(req.finetuned).toEqual({ kind: 'url', url: 'hf:org/model' });
    } finally {
      vi.unstubAllGlobals();
      client.dispose();
    }
  });

  it('a worker that stops answering fails pending requests with a clear error, and the next request starts a new one', async () => {
    vi.useFakeTimers();
    const { client, workers } = setup({ deadAfterMs: 1000, pingEveryMs: 100 });
    const p = client.getTensor('t', 8, 'ken');
    const settled = p.catch((e: unknown) => e as Error);
    workers[0].alive = false;
    await vi.advanceTimersByTimeAsync(1500);
    const error = await settled;
    expect(String(error)).toMatch(/KEN worker stopped responding/);
    expect(workers[0].terminated).toBe(true);
    void client.setBackend('cpu').catch(() => undefined);
    expect(workers.length).toBe(2);
    client.dispose();
  });

  it('a busy but alive worker is not killed: pongs keep it alive', async () => {
    vi.useFakeTimers();
    const { client, workers } = setup({ deadAfterMs: 1000, pingEveryMs: 100 });
    const p = client.getTensor('t', 8, 'ken');
    await vi.advanceTimersByTimeAsync(5000);
    expect(workers[0].terminated).toBe(false);
    const req = workers[0].last('tensor');
    const data = { name: 't', rows: 1, cols: 1, k: 8, rule: 'ken' as const, pretrained: null, finetuned: new Float32Array(1), maskBits: new Uint8Array(1), keptPerRow: new Uint32Array(1), wholeRows: [] };
    workers[0].emit({ type: 'tensor', id: req.id, data });
    await expect(p).resolves.toBe(data);
    client.dispose();
  });

  it('a crashing worker rejects everything pending with the crash message', async () => {
    const { client, workers } = setup();
    const p = client.getTensor('t', 8, 'ken');
    workers[0].onerror?.({ message: 'Uncaught RangeError: Array buffer allocation failed', preventDefault() {} } as ErrorEvent);
    await expect(p).rejects.toThrow(/KEN worker crashed: Uncaught RangeError/);
    client.dispose();
  });
});
