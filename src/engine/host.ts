// The KEN worker's logic, apart from the message plumbing so Node tests can drive it: opening a pair,
// streaming a run tensor by tensor, cancel, the result cache, and the tensor/row queries of the views.
import type { Checkpoint, TensorPair } from '../formats/types';
import { openCheckpointFromFiles, openCheckpointFromUrl } from '../formats/checkpoint';
import { layerOf, matrixTypeOf, pairCheckpoints, pairWarnings } from '../formats/pairing';
import { readTensorFloat32 } from '../formats/safetensors';
import { kenRowDetails } from '../core/ken';
import { selectByRule } from '../core/rules';
import type { SelectionRule, TensorSelection, WholeRow } from '../core/types';
import type {
  BackendChoice,
  BackendUsed,
  PairSummary,
  Progress,
  Request,
  RowDetails,
  RunOptions,
  SourceSpec,
  SweepOptions,
  TensorData,
  TensorMeta,
  TensorSummary,
  WorkerEvent,
} from './protocol';
import { ByteLru, RESULT_CACHE_BYTES } from './lru';
import { scopeMatcher } from './scope';
import { abortError } from './pool';
import { cancelSweep, runSweepRequest } from './sweep';

export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** Where KEN selections are computed: the CPU pool, or the GPU density program plus CPU finishing. */
export interface SelectionBackend {
  readonly kind: BackendUsed;
  select(
    fine: Float32Array,
    rows: number,
    cols: number,
    k: number,
    options: { signal?: AbortSignal; onRows?(rowsDone: number): void },
  ): Promise<TensorSelection>;
}

/** Chooses the backend for a choice; rejects with a reason when a forced backend is unavailable. */
export type BackendResolver = (choice: BackendChoice) => Promise<{ backend: SelectionBackend; reason: string }>;

export interface CachedResult {
  selection: TensorSelection;
  summary: TensorSummary;
}

interface OpenPair {
  pretrained: Checkpoint;
  finetuned: Checkpoint;
  pairs: Map<string, TensorPair>;
  metas: TensorMeta[];
}

interface ActiveRun {
  id: number;
  controller: AbortController;
}

const PROGRESS_EVERY_MS = 100;
/**
 * A run reads and selects ahead of the tensor it is finishing, so the pool never waits on a download or
 * on the mean |delta| pass; memory stays bounded by these many tensors (or parameters, a big one alone).
 */
const LOOKAHEAD_TENSORS = 3;
const LOOKAHEAD_PARAMS = 8 * 1024 * 1024;
const RUNNABLE = new Set(['pruned', 'new', 'shape-mismatch']);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** A label for a set of files: the folder they share, else the first file's name. */
function labelOfFiles(files: { path: string }[]): string {
  const first = files[0]?.path ?? 'files';
  const slash = first.indexOf('/');
  return slash > 0 ? first.slice(0, slash) : first;
}

export function selectionBytes(sel: TensorSelection): number {
  return sel.maskBits.byteLength + sel.keptPerRow.byteLength + sel.wholeRows.length * 32 + 256;
}

/** Mean |ft - pt| over kept and over reset entries (NaN for an empty set), in float64. */
export function meanAbsDeltas(fine: Float32Array, pre: Float32Array, maskBits: Uint8Array): { kept: number; reset: number } {
  let keptSum = 0;
  let keptN = 0;
  let resetSum = 0;
  // Both sums are updated every step (adding +0 leaves a sum unchanged), so no branch depends on the mask.
  for (let i = 0; i < fine.length; i++) {
    const d = Math.abs(fine[i] - pre[i]);
    const bit = (maskBits[i >> 3] >> (i & 7)) & 1;
    keptSum += bit ? d : 0;
    resetSum += bit ? 0 : d;
    keptN += bit;
  }
  const resetN = fine.length - keptN;
  return { kept: keptN ? keptSum / keptN : NaN, reset: resetN ? resetSum / resetN : NaN };
}

/** The selection of a tensor kept whole (new head, shape mismatch): every mask bit 1. */
export function wholeSelection(rows: number, cols: number, k: number, rule: SelectionRule): TensorSelection {
  const total = rows * cols;
  const maskBits = new Uint8Array(Math.ceil(total / 8)).fill(0xff);
  if (total % 8) maskBits[maskBits.length - 1] = (1 << (total % 8)) - 1;
  return { rows, cols, k, rule, maskBits, keptPerRow: new Uint32Array(rows).fill(cols), keptCount: total, wholeRows: [] };
}

export function resultKey(name: string, k: number, rule: SelectionRule, seed: number): string {
  return `${rule}|${k}|${rule === 'random' ? seed : 0}|${name}`;
}

export class EngineHost {
  private pair: OpenPair | null = null;
  private openId = 0;
  private run: ActiveRun | null = null;
  readonly cache: ByteLru<CachedResult>;
  /** The last tensor pair read (one at most), for repeated row and tensor queries of the same tensor. */
  private arrays: { pair: TensorPair; fine: Float32Array; pre: Float32Array | null } | null = null;

  private backendChoice: BackendChoice = 'auto';
  /** The random rule's seed of the latest run: tensor requests (which carry none) use the same one. */
  private runSeed = 0;

  constructor(
    private readonly post: Post,
    private readonly resolveBackend: BackendResolver,
    cacheBytes: number = RESULT_CACHE_BYTES,
  ) {
    this.cache = new ByteLru<CachedResult>(cacheBytes);
  }

  /** Dispatches one request; every failure becomes an 'error' event naming what failed. */
  handle(request: Request): Promise<void> {
    const task = (async () => {
      switch (request.type) {
        case 'open':
          return this.open(request.id, request.pretrained, request.finetuned);
        case 'run':
          return this.startRun(request.id, request.options);
        case 'cancel':
          return this.cancel(request.target);
        case 'tensor':
          return this.tensor(request.id, request.name, request.k, request.rule);
        case 'row':
          return this.row(request.id, request.name, request.rowIndex, request.k);
        case 'backend':
          return this.backend(request.id, request.choice);
        case 'ping':
          this.post({ type: 'pong', id: request.id });
          return;
        case 'sweep':
          return this.sweep(request.id, request.options);
        default: {
          const unknown = request as { type?: unknown; id?: number };
          throw new Error(`Unknown request type ${JSON.stringify(unknown.type)}`);
        }
      }
    })();
    return task.catch((error: unknown) => {
      // A cancelled run is silent by design; anything else that aborts still answers its request.
      if (isAbort(error) && request.type === 'run') return;
      this.post({ type: 'error', id: request.id, message: messageOf(error) });
    });
  }

  // ---------------------------------------------------------------- open

  private async openSource(spec: SourceSpec, role: string, onBytes: (done: number, total: number) => void): Promise<Checkpoint> {
    try {
      if (spec.kind === 'files') {
        return await openCheckpointFromFiles(spec.files, spec.label ?? labelOfFiles(spec.files));
      }
      return await openCheckpointFromUrl(spec.url, { label: spec.label, onProgress: onBytes });
    } catch (error) {
      const where = spec.kind === 'url' ? spec.url : spec.label ?? labelOfFiles(spec.files);
      const message = messageOf(error);
      throw new Error(message.includes(where) ? `${role} checkpoint: ${message}` : `${role} checkpoint (${where}): ${message}`, { cause: error });
    }
  }

  private async open(id: number, preSpec: SourceSpec, fineSpec: SourceSpec): Promise<void> {
    const openId = ++this.openId;
    this.cancelActiveRun();
    const bytes = { pre: [0, 0], fine: [0, 0] };
    // Sources call back on every chunk, also while later runs read tensors: post at most every
    // PROGRESS_EVERY_MS, and the latest numbers once more after a quiet spell so the last one is never lost.
    let lastReportAt = -Infinity;
    let trailing: ReturnType<typeof setTimeout> | null = null;
    const report = () => {
      const now = performance.now();
      if (now - lastReportAt < PROGRESS_EVERY_MS) {
        trailing ??= setTimeout(() => {
          trailing = null;
          report();
        }, PROGRESS_EVERY_MS - (now - lastReportAt));
        return;
      }
      lastReportAt = now;
      const progress: Progress = {
        tensorsDone: 0,
        tensorsTotal: 0,
        paramsDone: 0,
        paramsTotal: 0,
        rate: 0,
        etaMs: 0,
        bytesDone: bytes.pre[0] + bytes.fine[0],
        bytesTotal: bytes.pre[1] + bytes.fine[1],
      };
      if (openId === this.openId) this.post({ type: 'progress', id, progress });
    };
    const [pretrained, finetuned] = await Promise.all([
      this.openSource(preSpec, 'Pre-trained', (d, t) => {
        bytes.pre = [d, t];
        report();
      }),
      this.openSource(fineSpec, 'Fine-tuned', (d, t) => {
        bytes.fine = [d, t];
        report();
      }),
    ]);
    if (openId !== this.openId) return; // a newer open superseded this one
    const pairs = pairCheckpoints(pretrained, finetuned);
    const metas = pairs.map((p): TensorMeta => {
      const info = p.finetuned ?? p.pretrained;
      if (!info) throw new Error(`Tensor "${p.name}" has neither a pre-trained nor a fine-tuned entry`);
      const meta: TensorMeta = {
        name: p.name,
        key: p.key,
        status: p.status,
        shape: [...info.shape],
        dtype: info.dtype,
        rows: p.rows,
        cols: p.cols,
        params: p.rows * p.cols,
        layer: layerOf(p.name),
        matrixType: matrixTypeOf(p.name),
      };
      if (p.status === 'shape-mismatch' && p.pretrained) meta.pretrainedShape = [...p.pretrained.shape];
      return meta;
    });
    this.pair = { pretrained, finetuned, pairs: new Map(pairs.map((p) => [p.name, p])), metas };
    this.cache.clear();
    this.arrays = null;
    const summary: PairSummary = {
      pretrainedLabel: pretrained.label,
      finetunedLabel: finetuned.label,
      tensors: metas,
      warnings: pairWarnings(pairs),
    };
    if (finetuned.config) summary.config = finetuned.config;
    this.post({ type: 'opened', id, summary });
  }

  private requirePair(): OpenPair {
    if (!this.pair) throw new Error('No checkpoints are open: open a pre-trained and a fine-tuned checkpoint first.');
    return this.pair;
  }

  /**
   * Work started for an older pair may finish after a new open; it must not land in the caches, where a
   * tensor of the same name in the new pair would pick it up. Pairs are new objects on every open.
   */
  private isCurrent(pair: TensorPair): boolean {
    return this.pair?.pairs.get(pair.name) === pair;
  }

  private requireTensor(name: string): TensorPair {
    const pair = this.requirePair().pairs.get(name);
    if (!pair) throw new Error(`Tensor "${name}" is not in the open pair.`);
    return pair;
  }

  // ---------------------------------------------------------------- reading

  private async readArrays(pair: TensorPair, signal?: AbortSignal): Promise<{ fine: Float32Array; pre: Float32Array | null }> {
    if (this.arrays?.pair === pair) return this.arrays;
    this.arrays = null; // drop the previous pair before reading the next: memory follows one tensor pair
    const read = await this.readPairArrays(pair, signal);
    const arrays = { pair, fine: read.fine, pre: read.pre };
    if (this.isCurrent(pair)) this.arrays = arrays;
    return arrays;
  }

  private async readPairArrays(pair: TensorPair, signal?: AbortSignal): Promise<{ fine: Float32Array; pre: Float32Array | null }> {
    const info = pair.finetuned;
    if (!info) throw new Error(`Tensor "${pair.name}" exists only in the pre-trained checkpoint; there is nothing to prune.`);
    const fine = await readTensorFloat32(info, signal);
    const pre = pair.status === 'pruned' && pair.pretrained ? await readTensorFloat32(pair.pretrained, signal) : null;
    return { fine, pre };
  }

  /** Copies to transfer away: the originals may be in use by a run computing the same tensor. */
  private async copyArrays(pair: TensorPair): Promise<{ fine: Float32Array; pre: Float32Array | null }> {
    const arrays = await this.readArrays(pair);
    return { fine: arrays.fine.slice(), pre: arrays.pre ? arrays.pre.slice() : null };
  }

  // ---------------------------------------------------------------- selection

  private async computeResult(
    pair: TensorPair,
    k: number,
    rule: SelectionRule,
    seed: number,
    backend: SelectionBackend | null,
    signal?: AbortSignal,
    onRows?: (rowsDone: number) => void,
    keepInCache = true,
    preread?: { fine: Float32Array; pre: Float32Array | null },
  ): Promise<CachedResult> {
    const key = resultKey(pair.name, k, rule, seed);
    const hit = this.isCurrent(pair) ? this.cache.get(key) : undefined;
    if (hit) return hit;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be an integer >= 1 (got ${k})`);
    let selection: TensorSelection;
    let summary: TensorSummary;
    if (pair.status === 'new' || pair.status === 'shape-mismatch') {
      selection = wholeSelection(pair.rows, pair.cols, k, rule);
      summary = {
        name: pair.name,
        k,
        rule,
        keptCount: selection.keptCount,
        total: pair.rows * pair.cols,
        meanAbsDeltaKept: NaN,
        meanAbsDeltaReset: NaN,
        wholeRows: [],
        keptWhole: pair.status,
      };
    } else if (pair.status !== 'pruned') {
      throw new Error(`Tensor "${pair.name}" is ${pair.status === 'not-float' ? 'not floating point' : 'only in the pre-trained checkpoint'}; KEN does not prune it.`);
    } else {
      const { fine, pre } = preread ?? (await this.readArrays(pair, signal));
      if (signal?.aborted) throw abortError();
      try {
        if (rule === 'ken') {
          const chosen = backend ?? (await this.resolveBackend(this.backendChoice)).backend;
          selection = await chosen.select(fine, pair.rows, pair.cols, k, { signal, onRows });
        } else {
          selection = selectByRule(rule, fine, pre, pair.rows, pair.cols, k, seed, pair.name);
        }
      } catch (error) {
        if (isAbort(error)) throw error;
        const file = pair.finetuned?.source.name ?? '';
        throw new Error(`Tensor "${pair.name}"${file ? ` (${file})` : ''}: ${messageOf(error)}`, { cause: error });
      }
      const deltas = pre ? meanAbsDeltas(fine, pre, selection.maskBits) : { kept: NaN, reset: NaN };
      summary = {
        name: pair.name,
        k,
        rule,
        keptCount: selection.keptCount,
        total: pair.rows * pair.cols,
        meanAbsDeltaKept: deltas.kept,
        meanAbsDeltaReset: deltas.reset,
        wholeRows: selection.wholeRows.map((w: WholeRow) => ({ rowIndex: w.rowIndex, reason: w.reason })),
      };
    }
    const result = { selection, summary };
    if (!signal?.aborted && keepInCache && this.isCurrent(pair)) this.cache.set(key, result, selectionBytes(selection));
    return result;
  }

  /**
   * The selection of one tensor at (k, rule), from the cache or computed on the current backend; for other
   * worker-side features (the comparison sweep). Reads the tensor pair if needed.
   */
  selectionOf(name: string, k: number, rule: SelectionRule, seed = 0, signal?: AbortSignal): Promise<CachedResult> {
    return this.computeResult(this.requireTensor(name), k, rule, seed, null, signal);
  }

  /** The open pair's tensors (metadata), or an error when nothing is open. */
  tensors(): TensorMeta[] {
    return this.requirePair().metas;
  }

  // ---------------------------------------------------------------- run

  private cancelActiveRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.controller.abort();
    this.post({ type: 'cancelled', id: run.id });
  }

  private cancel(target: number): void {
    if (this.run?.id === target) this.cancelActiveRun();
    else cancelSweep(target);
  }

  private async startRun(id: number, options: RunOptions): Promise<void> {
    this.cancelActiveRun();
    const run: ActiveRun = { id, controller: new AbortController() };
    this.run = run;
    const { signal } = run.controller;
    // Everything a run says goes through here: once cancelled, it says nothing more.
    const emit = (event: WorkerEvent, transfer?: Transferable[]) => {
      if (!signal.aborted) this.post(event, transfer);
    };
    try {
      await this.executeRun(id, options, signal, emit);
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      emit({ type: 'error', id, message: messageOf(error) });
    } finally {
      if (this.run === run) this.run = null;
    }
  }

  private async executeRun(id: number, options: RunOptions, signal: AbortSignal, emit: Post): Promise<void> {
    const started = performance.now();
    const { pairs, metas } = this.requirePair();
    const { k, rule } = options;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be an integer >= 1 (got ${k})`);
    const seed = options.seed ?? 0;
    this.runSeed = seed;
    const matches = scopeMatcher(options.scope);
    const selected = metas.filter((m) => RUNNABLE.has(m.status) && matches(m.name, m.layer));
    if (options.priority) {
      const at = selected.findIndex((m) => m.name === options.priority);
      if (at > 0) selected.unshift(...selected.splice(at, 1));
    }
    this.backendChoice = options.backend;
    let backend: SelectionBackend | null = null;
    if (rule === 'ken') {
      const resolved = await this.resolveBackend(options.backend);
      if (signal.aborted) return;
      backend = resolved.backend;
      emit({ type: 'backend', id, backend: backend.kind, reason: resolved.reason });
    }
    const paramsTotal = selected.reduce((s, m) => s + m.params, 0);
    let paramsDone = 0;
    let tensorsDone = 0;
    let keptCount = 0;
    let lastProgressAt = 0;
    const progress = (current: string | undefined, extraParams: number, force: boolean) => {
      const now = performance.now();
      if (!force && now - lastProgressAt < PROGRESS_EVERY_MS) return;
      lastProgressAt = now;
      const done = paramsDone + extraParams;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      emit({
        type: 'progress',
        id,
        progress: {
          tensorsDone,
          tensorsTotal: selected.length,
          paramsDone: done,
          paramsTotal,
          rate,
          etaMs: rate > 0 ? ((paramsTotal - done) / rate) * 1000 : 0,
          current,
        },
      });
    };
    progress(selected[0]?.name, 0, true);
    // The lookahead's own signal also stops tensors read or selected ahead when the run fails part way.
    const ahead = new AbortController();
    const stopAhead = () => ahead.abort();
    signal.addEventListener('abort', stopAhead, { once: true });
    // Selections run one after another (the pool and the GPU stay busy with one tensor; the priority tensor
    // is not slowed by the next); reads run one after another too, in run order.
    let selecting: Promise<unknown> = Promise.resolve();
    let reading: Promise<unknown> = Promise.resolve();
    const inOrder = (backendNow: SelectionBackend): SelectionBackend => ({
      kind: backendNow.kind,
      select: (fine, rows, cols, kk, opts) => {
        const turn = selecting.then(() => backendNow.select(fine, rows, cols, kk, opts));
        selecting = turn.catch(() => undefined);
        return turn;
      },
    });
    let ordered = backend ? inOrder(backend) : null;
    const rowsDoneOf = new Map<string, number>();
    const progressAhead = (current: string | undefined, force: boolean) => {
      let extraParams = 0;
      for (const [name, rowsDone] of rowsDoneOf) extraParams += rowsDone * (pairs.get(name) as TensorPair).cols;
      progress(current, extraParams, force);
    };
    const needsArrays = (pair: TensorPair): boolean =>
      pair.status === 'pruned' && !(this.isCurrent(pair) && this.cache.has(resultKey(pair.name, k, rule, seed)));
    const processTensor = async (pair: TensorPair): Promise<{ result: CachedResult; arrays: { fine: Float32Array; pre: Float32Array | null } | null }> => {
      let arrays: { fine: Float32Array; pre: Float32Array | null } | null = null;
      if (needsArrays(pair)) {
        const read = reading.then(() => this.readPairArrays(pair, ahead.signal));
        reading = read.catch(() => undefined);
        arrays = await read;
      }
      if (ahead.signal.aborted) throw abortError();
      const onRows = (rowsDone: number) => {
        rowsDoneOf.set(pair.name, rowsDone);
        progressAhead(selected[tensorsDone]?.name, false);
      };
      for (;;) {
        const used = backend;
        try {
          const result = await this.computeResult(pair, k, rule, seed, ordered, ahead.signal, onRows, true, arrays ?? undefined);
          return { result, arrays };
        } catch (error) {
          // On 'auto', a GPU failure mid-run (device lost, out of memory) moves the run to the CPU pool; the
          // first tensor to fail switches, the others in flight then retry there.
          if (ahead.signal.aborted || isAbort(error) || used?.kind !== 'webgpu' || options.backend !== 'auto') throw error;
          rowsDoneOf.delete(pair.name);
          if (backend === used) {
            const fallback = await this.resolveBackend('cpu');
            if (ahead.signal.aborted) throw abortError();
            if (backend === used) {
              backend = fallback.backend;
              ordered = inOrder(backend);
              emit({ type: 'backend', id, backend: backend.kind, reason: `${fallback.reason.split(':')[0]}: WebGPU failed (${messageOf(error)})` });
            }
          }
        }
      }
    };
    const inFlight: { meta: TensorMeta; done: Promise<Awaited<ReturnType<typeof processTensor>>> }[] = [];
    let inFlightParams = 0;
    let nextIndex = 0;
    const launch = () => {
      while (nextIndex < selected.length && inFlight.length < LOOKAHEAD_TENSORS) {
        const meta = selected[nextIndex];
        if (inFlight.length > 0 && inFlightParams + meta.params > LOOKAHEAD_PARAMS) break;
        const done = processTensor(pairs.get(meta.name) as TensorPair);
        done.catch(() => undefined); // awaited in order below; this only keeps an early failure from going unhandled
        inFlight.push({ meta, done });
        inFlightParams += meta.params;
        nextIndex++;
      }
    };
    try {
      launch();
      while (inFlight.length > 0) {
        const head = inFlight[0];
        const { result, arrays } = await head.done;
        if (signal.aborted) return;
        inFlight.shift();
        inFlightParams -= head.meta.params;
        rowsDoneOf.delete(head.meta.name);
        const pair = pairs.get(head.meta.name) as TensorPair;
        // The last tensor read stays at hand for the views' row and tensor queries, as before.
        if (arrays && this.isCurrent(pair)) this.arrays = { pair, fine: arrays.fine, pre: arrays.pre };
        launch();
        tensorsDone++;
        paramsDone += head.meta.params;
        keptCount += result.summary.keptCount;
        emit({ type: 'tensor-done', id, summary: result.summary });
        progressAhead(selected[tensorsDone]?.name, true);
      }
    } finally {
      ahead.abort();
      signal.removeEventListener('abort', stopAhead);
    }
    if (signal.aborted) return;
    emit({
      type: 'run-done',
      id,
      backend: backend?.kind ?? 'cpu',
      elapsedMs: performance.now() - started,
      keptCount,
      total: paramsTotal,
    });
  }

  // ---------------------------------------------------------------- queries

  private async tensor(id: number, name: string, k: number, rule: SelectionRule): Promise<void> {
    const pair = this.requireTensor(name);
    const seed = this.runSeed;
    const result = await this.computeResult(pair, k, rule, seed, null);
    const { fine, pre } = await this.copyArrays(pair);
    // The cache keeps its copy of the mask: the view gets its own to own.
    const maskBits = result.selection.maskBits.slice();
    const keptPerRow = result.selection.keptPerRow.slice();
    const data: TensorData = {
      name,
      rows: pair.rows,
      cols: pair.cols,
      k,
      rule,
      pretrained: pre,
      finetuned: fine,
      maskBits,
      keptPerRow,
      wholeRows: [...result.selection.wholeRows],
    };
    const transfer: Transferable[] = [fine.buffer, maskBits.buffer, keptPerRow.buffer];
    if (pre) transfer.push(pre.buffer);
    this.post({ type: 'tensor', id, data }, transfer);
  }

  private async row(id: number, name: string, rowIndex: number, k: number): Promise<void> {
    const pair = this.requireTensor(name);
    if (!Number.isInteger(rowIndex) || rowIndex < 0 || rowIndex >= pair.rows) {
      throw new Error(`Tensor "${name}": row ${rowIndex} is out of range (it has ${pair.rows} rows).`);
    }
    const { fine, pre } = await this.readArrays(pair);
    const start = rowIndex * pair.cols;
    const finetuned = fine.slice(start, start + pair.cols);
    const pretrained = pre ? pre.slice(start, start + pair.cols) : null;
    let details: RowDetails;
    try {
      const d = kenRowDetails(finetuned, k);
      details = {
        name,
        rowIndex,
        k,
        finetuned,
        pretrained,
        bandwidth: d.bandwidth,
        std: d.std,
        grid: d.grid,
        density: d.density,
        roundedDensity: d.roundedDensity,
        visitOrder: d.visitOrder,
        takenIndices: d.takenIndices,
        keep: d.keep,
        wholeReason: d.wholeReason,
      };
    } catch (error) {
      throw new Error(`Tensor "${name}", row ${rowIndex}: ${messageOf(error)}`, { cause: error });
    }
    const { grid, density, roundedDensity, visitOrder, takenIndices, keep } = details;
    const transfer: Transferable[] = [finetuned.buffer, grid.buffer, density.buffer, roundedDensity.buffer, visitOrder.buffer, takenIndices.buffer, keep.buffer];
    if (pretrained) transfer.push(pretrained.buffer);
    this.post({ type: 'row', id, details }, transfer);
  }

  /** Compare-view sweeps (engine/sweep.ts): the tensors in scope and selections through the results cache. */
  private sweep(id: number, options: SweepOptions): Promise<void> {
    const { pairs, metas } = this.requirePair();
    const matches = scopeMatcher(options.scope);
    const tensors = metas
      .filter((m) => RUNNABLE.has(m.status) && matches(m.name, m.layer))
      .map((m) => ({ name: m.name, rows: m.rows, cols: m.cols, keptWhole: m.status !== 'pruned' }));
    return runSweepRequest(id, options, {
      tensors,
      post: this.post,
      select: async (name, k, rule, seed, signal, keepInCache) =>
        (await this.computeResult(pairs.get(name) as TensorPair, k, rule, seed, null, signal, undefined, keepInCache)).selection,
    });
  }

  private async backend(id: number, choice: BackendChoice): Promise<void> {
    const resolved = await this.resolveBackend(choice);
    this.backendChoice = choice;
    this.post({ type: 'backend', id, backend: resolved.backend.kind, reason: resolved.reason });
  }
}
