// The worker's logic in Node: golden masks through open/run/tensor, cancel and supersede semantics, scopes,
// the result cache and error messages. The CPU pool runs its blocks in this thread here (no Worker in Node).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineHost, meanAbsDeltas, wholeSelection, type BackendResolver, type SelectionBackend } from './host';
import { CpuPool } from './pool';
import { cpuBackend } from './backends';
import type { Request, SourceSpec, TensorData, TensorSummary, WorkerEvent } from './protocol';
import { openSafetensors, readTensorBytes } from '../formats/safetensors';
import { bufferSource } from '../formats/sources';
import { compareWithGolden } from '../selftest/golden';

const GOLDEN = 'test/fixtures/ken-golden/';

function fileSpec(path: string, name = path.split('/').pop() as string): SourceSpec {
  const blob = new Blob([readFileSync(path)]) as File;
  return { kind: 'files', files: [{ file: blob, path: name }], label: name };
}

class Harness {
  events: WorkerEvent[] = [];
  private nextId = 1;
  private waiters: (() => void)[] = [];
  readonly host: EngineHost;

  constructor(cacheBytes?: number, resolver?: BackendResolver) {
    const backend = cpuBackend(new CpuPool(3, null));
    this.host = new EngineHost(
      (event) => {
        this.events.push(event);
        for (const w of this.waiters.splice(0)) w();
      },
      resolver ??
        (async (choice) => {
          if (choice === 'webgpu') throw new Error('WebGPU was requested but is unavailable: Node test.');
          return { backend, reason: 'CPU pool (test)' };
        }),
      cacheBytes,
    );
  }

  send(body: Record<string, unknown>): number {
    const id = this.nextId++;
    void this.host.handle({ ...body, id } as Request);
    return id;
  }

  /** Resolves with the first event for `id` of one of `types`. */
  async until(id: number, types: WorkerEvent['type'][]): Promise<WorkerEvent> {
    for (;;) {
      const hit = this.events.find((e) => e.id === id && types.includes(e.type));
      if (hit) return hit;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async ask<T extends WorkerEvent['type']>(body: Record<string, unknown>, type: T): Promise<Extract<WorkerEvent, { type: T }>> {
    const id = this.send(body);
    const event = await this.until(id, [type, 'error']);
    if (event.type === 'error') throw new Error(event.message);
    return event as Extract<WorkerEvent, { type: T }>;
  }

  of(id: number): WorkerEvent[] {
    return this.events.filter((e) => e.id === id);
  }
}

async function goldenMasks(file: string): Promise<Map<string, Uint8Array>> {
  const tensors = await openSafetensors(bufferSource(new Uint8Array(readFileSync(GOLDEN + file)), file));
  const out = new Map<string, Uint8Array>();
  for (const [name, info] of tensors) out.set(name, await readTensorBytes(info));
  return out;
}

interface ManifestCase {
  case: string;
  pretrained: string;
  finetuned: string;
  masks: Record<string, { file: string; counts: Record<string, { kept: number; total: number }> }>;
}
const manifest = JSON.parse(readFileSync(GOLDEN + 'manifest.json', 'utf8')) as { cases: ManifestCase[] };

describe('EngineHost on golden fixtures (CPU pool, blocks merged)', () => {
  for (const c of manifest.cases) {
    it(`${c.case}: every mask matches at every k`, async () => {
      const h = new Harness();
      const opened = await h.ask({ type: 'open', pretrained: fileSpec(GOLDEN + c.pretrained), finetuned: fileSpec(GOLDEN + c.finetuned) }, 'opened');
      expect(opened.summary.tensors.every((t) => t.status === 'pruned')).toBe(true);
      for (const [kText, entry] of Object.entries(c.masks)) {
        const k = Number(kText);
        const runId = h.send({ type: 'run', options: { k, scope: { kind: 'all' }, rule: 'ken', backend: 'auto' } });
        const done = await h.until(runId, ['run-done', 'error']);
        if (done.type === 'error') throw new Error(done.message);
        const summaries = h.of(runId).filter((e): e is Extract<WorkerEvent, { type: 'tensor-done' }> => e.type === 'tensor-done').map((e) => e.summary);
        const golden = await goldenMasks(entry.file);
        for (const [name, expected] of golden) {
          const { data } = await h.ask({ type: 'tensor', name, k, rule: 'ken' }, 'tensor');
          const cmp = compareWithGolden(expected, data.maskBits, data.rows, data.cols, data.wholeRows);
          expect(cmp.mismatches, `${c.case} k=${k} ${name}: ${JSON.stringify(cmp.examples)}`).toBe(0);
          expect(cmp.unreportedWholeRows).toEqual([]);
          const summary = summaries.find((s) => s.name === name) as TensorSummary;
          // Golden 'kept' counts mask-1 entries; undefined (255) rows are kept whole here.
          const undefinedEntries = [...expected].filter((v) => v === 255).length;
          expect(summary.keptCount).toBe(entry.counts[name].kept + undefinedEntries);
          expect(summary.total).toBe(entry.counts[name].total);
        }
        expect(done.type === 'run-done' && done.keptCount).toBe(summaries.reduce((a, s) => a + s.keptCount, 0));
      }
    });
  }
});

describe('EngineHost runs', () => {
  const openDemoLike = async (h: Harness) =>
    h.ask({ type: 'open', pretrained: fileSpec(GOLDEN + 'bert-slices.pretrained.safetensors'), finetuned: fileSpec(GOLDEN + 'bert-slices.finetuned.safetensors') }, 'opened');

  it('streams progress and one summary per tensor, priority tensor first, then run-done', async () => {
    const h = new Harness();
    const { summary } = await openDemoLike(h);
    const priority = 'encoder.layer.0.output.dense.weight';
    const id = h.send({ type: 'run', options: { k: 64, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu', priority } });
    const done = await h.until(id, ['run-done', 'error']);
    expect(done.type).toBe('run-done');
    const events = h.of(id);
    const tensorDone = events.filter((e) => e.type === 'tensor-done');
    expect(tensorDone.length).toBe(summary.tensors.length);
    expect(tensorDone[0].type === 'tensor-done' && tensorDone[0].summary.name).toBe(priority);
    const progress = events.filter((e): e is Extract<WorkerEvent, { type: 'progress' }> => e.type === 'progress');
    const last = progress[progress.length - 1].progress;
    expect(last.tensorsDone).toBe(summary.tensors.length);
    expect(last.paramsDone).toBe(last.paramsTotal);
    expect(events.findIndex((e) => e.type === 'backend')).toBeLessThan(events.findIndex((e) => e.type === 'tensor-done'));
    expect(events[events.length - 1].type).toBe('run-done');
  });

  it('cancel: a cancelled run emits nothing after its cancelled event, and stops computing', async () => {
    const h = new Harness();
    await openDemoLike(h);
    const id = h.send({ type: 'run', options: { k: 384, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } });
    await h.until(id, ['tensor-done']);
    h.send({ type: 'cancel', target: id });
    await h.until(id, ['cancelled']);
    // Let everything in flight settle: a later request's answer comes after the cancelled run's last work.
    await h.ask({ type: 'row', name: 'encoder.layer.0.output.LayerNorm.bias', rowIndex: 0, k: 4 }, 'row');
    await new Promise((r) => setTimeout(r, 50));
    const events = h.of(id);
    const cancelledAt = events.findIndex((e) => e.type === 'cancelled');
    expect(events.slice(cancelledAt + 1)).toEqual([]);
    expect(events.some((e) => e.type === 'run-done')).toBe(false);
    expect(events.filter((e) => e.type === 'tensor-done').length).toBeLessThan(7);
  });

  it('a new run implicitly cancels the old one; only the new k arrives afterwards', async () => {
    const h = new Harness();
    await openDemoLike(h);
    const first = h.send({ type: 'run', options: { k: 64, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } });
    await h.until(first, ['tensor-done']);
    const eventsBefore = h.events.length;
    const second = h.send({ type: 'run', options: { k: 32, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } });
    const done = await h.until(second, ['run-done', 'error']);
    expect(done.type).toBe('run-done');
    const after = h.events.slice(eventsBefore);
    expect(after.filter((e) => e.id === first).map((e) => e.type)).toEqual(['cancelled']);
    const summaries = after.filter((e): e is Extract<WorkerEvent, { type: 'tensor-done' }> => e.type === 'tensor-done');
    expect(summaries.length).toBe(7);
    expect(summaries.every((e) => e.id === second && e.summary.k === 32)).toBe(true);
  });

  it('scopes: layers and pattern select tensors by name', async () => {
    const h = new Harness();
    await h.ask({ type: 'open', pretrained: fileSpec(GOLDEN + 'quirks-64.pretrained.safetensors'), finetuned: fileSpec(GOLDEN + 'quirks-64.finetuned.safetensors') }, 'opened');
    const names = async (scope: unknown) => {
      const id = h.send({ type: 'run', options: { k: 16, scope, rule: 'ken', backend: 'cpu' } });
      await h.until(id, ['run-done']);
      return h.of(id).flatMap((e) => (e.type === 'tensor-done' ? [e.summary.name] : []));
    };
    expect(await names({ kind: 'pattern', pattern: '^trap\\.' })).toEqual(['trap.float32_distance', 'trap.float32_distance_tiny', 'trap.float64_grid']);
    expect(await names({ kind: 'layers' })).toEqual([]); // no layer indices in these names
    const bad = h.send({ type: 'run', options: { k: 16, scope: { kind: 'pattern', pattern: '(' }, rule: 'ken', backend: 'cpu' } });
    const err = await h.until(bad, ['error']);
    expect(err.type === 'error' && err.message).toMatch(/not a valid regular expression/);
  });

  it('the result cache answers again after a run, and an evicted result is recomputed identically', async () => {
    const h = new Harness(40_000); // room for about one 96x768 mask
    await openDemoLike(h);
    const id = h.send({ type: 'run', options: { k: 64, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } });
    await h.until(id, ['run-done']);
    expect(h.host.cache.bytes).toBeLessThanOrEqual(40_000);
    const name = 'encoder.layer.0.attention.self.query.weight';
    const a = (await h.ask({ type: 'tensor', name, k: 64, rule: 'ken' }, 'tensor')).data;
    const b = (await h.ask({ type: 'tensor', name: 'encoder.layer.0.output.dense.weight', k: 64, rule: 'ken' }, 'tensor')).data;
    const again = (await h.ask({ type: 'tensor', name, k: 64, rule: 'ken' }, 'tensor')).data;
    expect(b.maskBits.length).toBeGreaterThan(0);
    expect([...again.maskBits]).toEqual([...a.maskBits]);
    expect([...again.keptPerRow]).toEqual([...a.keptPerRow]);
  });

  it('tensor data: weights, mask and counts agree; other rules come from the core rules', async () => {
    const h = new Harness();
    await openDemoLike(h);
    const name = 'encoder.layer.0.intermediate.dense.weight';
    const data: TensorData = (await h.ask({ type: 'tensor', name, k: 96, rule: 'delta' }, 'tensor')).data;
    expect(data.rule).toBe('delta');
    expect(data.rows * data.cols).toBe(data.finetuned.length);
    expect(data.pretrained?.length).toBe(data.finetuned.length);
    expect([...data.keptPerRow].every((c) => c === 96)).toBe(true);
    // delta keeps the 96 largest |ft - pt| of each row: check one row independently.
    const row = 5;
    const deltas = Array.from({ length: data.cols }, (_, c) => Math.abs(Math.fround(data.finetuned[row * data.cols + c] - (data.pretrained as Float32Array)[row * data.cols + c])));
    const threshold = [...deltas].sort((x, y) => y - x)[95];
    for (let c = 0; c < data.cols; c++) {
      const bit = row * data.cols + c;
      const kept = (data.maskBits[bit >> 3] >> (bit & 7)) & 1;
      if (deltas[c] > threshold) expect(kept).toBe(1);
      if (deltas[c] < threshold) expect(kept).toBe(0);
    }
  });

  it('row details come from the core for one row; errors name the tensor and row', async () => {
    const h = new Harness();
    await openDemoLike(h);
    const name = 'encoder.layer.0.attention.self.query.weight';
    const { details } = await h.ask({ type: 'row', name, rowIndex: 3, k: 16 }, 'row');
    expect(details.rowIndex).toBe(3);
    expect(details.finetuned.length).toBe(768);
    expect(details.takenIndices.length).toBe(16);
    await expect(h.ask({ type: 'row', name, rowIndex: 96, k: 16 }, 'row')).rejects.toThrow(/query\.weight.*row 96 is out of range/);
    await expect(h.ask({ type: 'tensor', name: 'nope', k: 16, rule: 'ken' }, 'tensor')).rejects.toThrow(/"nope" is not in the open pair/);
    await expect(h.ask({ type: 'run', options: { k: 0, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } }, 'run-done')).rejects.toThrow(/k must be an integer >= 1/);
    await expect(h.ask({ type: 'run', options: { k: 4, scope: { kind: 'all' }, rule: 'ken', backend: 'webgpu' } }, 'run-done')).rejects.toThrow(/WebGPU was requested/);
  });

  it('bad input: a broken file is an error naming it', async () => {
    const h = new Harness();
    const bad: SourceSpec = { kind: 'files', files: [{ file: new Blob([new Uint8Array(20)]) as File, path: 'broken.safetensors' }], label: 'broken' };
    await expect(h.ask({ type: 'open', pretrained: bad, finetuned: fileSpec(GOLDEN + 'rows-7.finetuned.safetensors') }, 'opened')).rejects.toThrow(/Pre-trained checkpoint.*broken/);
    await expect(h.ask({ type: 'run', options: { k: 4, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } }, 'run-done')).rejects.toThrow(/No checkpoints are open/);
  });
});

describe('EngineHost re-open', () => {
  it('work started for the previous pair never lands in the new pair\'s caches', async () => {
    const pairA = { pretrained: fileSpec(GOLDEN + 'rows-64.pretrained.safetensors'), finetuned: fileSpec(GOLDEN + 'rows-64.finetuned.safetensors') };
    // Same tensor names, other values: the pre-trained weights play the fine-tuned ones.
    const pairB = { pretrained: fileSpec(GOLDEN + 'rows-64.finetuned.safetensors'), finetuned: fileSpec(GOLDEN + 'rows-64.pretrained.safetensors') };
    const fresh = new Harness();
    await fresh.ask({ type: 'open', ...pairB }, 'opened');
    const expected = (await fresh.ask({ type: 'tensor', name: 'w64', k: 16, rule: 'ken' }, 'tensor')).data;

    const h = new Harness();
    await h.ask({ type: 'open', ...pairA }, 'opened');
    const stale = h.send({ type: 'tensor', name: 'w64', k: 16, rule: 'ken' }); // still computing on A...
    const reopened = h.send({ type: 'open', ...pairB }); // ...when B is opened
    await h.until(stale, ['tensor', 'error']);
    await h.until(reopened, ['opened']);
    const after = (await h.ask({ type: 'tensor', name: 'w64', k: 16, rule: 'ken' }, 'tensor')).data;
    expect([...after.finetuned]).toEqual([...expected.finetuned]);
    expect([...after.maskBits]).toEqual([...expected.maskBits]);
  });
});

describe('EngineHost backend fallback', () => {
  it("on 'auto', a GPU failure mid-run moves the run to the CPU pool and says why", async () => {
    const cpu = cpuBackend(new CpuPool(2, null));
    let gpuCalls = 0;
    const failingGpu: SelectionBackend = {
      kind: 'webgpu',
      select: () => {
        gpuCalls++;
        return Promise.reject(new Error('The WebGPU device was lost (unknown: test)'));
      },
    };
    const h = new Harness(undefined, async (choice) =>
      choice === 'cpu' ? { backend: cpu, reason: 'CPU pool (2 workers): CPU chosen' } : { backend: failingGpu, reason: 'WebGPU on test adapter' },
    );
    await h.ask({ type: 'open', pretrained: fileSpec(GOLDEN + 'rows-7.pretrained.safetensors'), finetuned: fileSpec(GOLDEN + 'rows-7.finetuned.safetensors') }, 'opened');
    const id = h.send({ type: 'run', options: { k: 3, scope: { kind: 'all' }, rule: 'ken', backend: 'auto' } });
    const done = await h.until(id, ['run-done', 'error']);
    expect(done.type === 'run-done' && done.backend).toBe('cpu');
    expect(gpuCalls).toBe(1);
    const reasons = h.of(id).flatMap((e) => (e.type === 'backend' ? [`${e.backend}: ${e.reason}`] : []));
    expect(reasons).toEqual(['webgpu: WebGPU on test adapter', 'cpu: CPU pool (2 workers): WebGPU failed (Tensor "v7" (rows-7.finetuned.safetensors): The WebGPU device was lost (unknown: test))']);
    // Forced WebGPU does not fall back: the failure is the answer.
    const forced = h.send({ type: 'run', options: { k: 2, scope: { kind: 'all' }, rule: 'ken', backend: 'webgpu' } });
    const err = await h.until(forced, ['run-done', 'error']);
    expect(err.type === 'error' && err.message).toMatch(/Tensor "v7".*device was lost/);
  });
});

describe('EngineHost pairing statuses', () => {
  it('a tensor only in the fine-tuned checkpoint is reported kept whole', async () => {
    const h = new Harness();
    // rows-7's fine-tuned file against quirks-64's pre-trained: none of rows-7's tensors has a partner.
    await h.ask({ type: 'open', pretrained: fileSpec(GOLDEN + 'quirks-64.pretrained.safetensors'), finetuned: fileSpec(GOLDEN + 'rows-7.finetuned.safetensors') }, 'opened');
    const id = h.send({ type: 'run', options: { k: 3, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' } });
    await h.until(id, ['run-done']);
    const summaries = h.of(id).flatMap((e) => (e.type === 'tensor-done' ? [e.summary] : []));
    expect(summaries.map((s) => [s.name, s.keptWhole, s.keptCount === s.total])).toEqual([
      ['v7', 'new', true],
      ['w7', 'new', true],
    ]);
  });
});

describe('helpers', () => {
  it('wholeSelection sets exactly rows*cols bits', () => {
    const sel = wholeSelection(3, 5, 2, 'ken');
    expect(sel.maskBits.length).toBe(2);
    expect(sel.maskBits[0]).toBe(0xff);
    expect(sel.maskBits[1]).toBe(0x7f);
    expect(sel.keptCount).toBe(15);
  });

  it('meanAbsDeltas splits |ft - pt| by the mask', () => {
    const fine = new Float32Array([1, 2, 3, 4]);
    const pre = new Float32Array([0, 0, 0, 0]);
    const { kept, reset } = meanAbsDeltas(fine, pre, new Uint8Array([0b0101]));
    expect(kept).toBe(2);
    expect(reset).toBe(3);
    expect(meanAbsDeltas(fine, pre, new Uint8Array([0b1111])).reset).toBeNaN();
  });
});
