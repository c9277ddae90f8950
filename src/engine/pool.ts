// The CPU path: a tensor's rows are cut into blocks and fanned out to sub-workers that each run the core's
// selectTensor; blocks are merged bit-exactly, so the result equals one selectTensor over the whole tensor.
import { selectTensor } from '../core/ken';
import type { TensorSelection, WholeRow } from '../core/types';
import { orBitsAt } from './bits-merge';

export interface BlockTask {
  fine: Float32Array;
  rows: number;
  cols: number;
  k: number;
}

export interface BlockResult {
  maskBits: Uint8Array;
  keptPerRow: Uint32Array;
  keptCount: number;
  wholeRows: WholeRow[];
}

/** Runs one block somewhere (a sub-worker, or this thread). The task's fine array may be transferred. */
export type BlockExecutor = (task: BlockTask) => Promise<BlockResult>;

/** Messages between the pool and its sub-workers (pool.worker.ts). */
export type PoolRequest = { id: number } & BlockTask;
export type PoolResponse = ({ id: number } & BlockResult) | { id: number; error: string };

export const inlineExecutor: BlockExecutor = (task) => {
  const sel = selectTensor(task.fine, task.rows, task.cols, task.k);
  return Promise.resolve({ maskBits: sel.maskBits, keptPerRow: sel.keptPerRow, keptCount: sel.keptCount, wholeRows: [...sel.wholeRows] });
};

export function abortError(message = 'The KEN run was cancelled.'): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}

/** Smallest block worth a message round trip (parameters), for the shrinking blocks at a tensor's end. */
const MIN_BLOCK_PARAMS = 1 << 15;

/** Rows per block: enough blocks to keep every worker busy and to check for cancel often, none tiny. */
export function rowsPerBlock(rows: number, cols: number, workers: number): number {
  const targetParams = Math.max(cols, Math.min(1 << 18, Math.ceil((rows * cols) / Math.max(1, workers * 4))));
  return Math.max(1, Math.min(rows, Math.floor(targetParams / Math.max(1, cols))));
}

export interface PoolRunOptions {
  signal?: AbortSignal;
  /** Called after each merged block with the number of rows done so far. */
  onRows?(rowsDone: number): void;
}

/** Selects one tensor by fanning its row blocks out to the executors (round robin over free ones). */
export async function selectTensorBlocked(
  executors: readonly BlockExecutor[],
  fine: Float32Array,
  rows: number,
  cols: number,
  k: number,
  options: PoolRunOptions = {},
): Promise<TensorSelection> {
  if (executors.length === 0) throw new Error('CPU pool has no executors');
  if (fine.length !== rows * cols) throw new RangeError(`${fine.length} values do not make ${rows} x ${cols}`);
  const maskBits = new Uint8Array(Math.ceil((rows * cols) / 8));
  const keptPerRow = new Uint32Array(rows);
  const wholeRows: WholeRow[] = [];
  let keptCount = 0;
  let rowsDone = 0;
  const blockRows = rowsPerBlock(rows, cols, executors.length);
  const minBlockRows = Math.max(1, Math.floor(MIN_BLOCK_PARAMS / Math.max(1, cols)));
  let nextRow = 0;
  const { signal } = options;

  const worker = async (exec: BlockExecutor): Promise<void> => {
    while (nextRow < rows) {
      if (signal?.aborted) throw abortError();
      const rowStart = nextRow;
      // Guided: blocks shrink toward the end so that the executors finish together (no lone last block).
      const remaining = rows - rowStart;
      const count = Math.min(remaining, blockRows, Math.max(minBlockRows, Math.ceil(remaining / (2 * executors.length))));
      nextRow += count;
      // A copy, so the sub-worker can own (transfer) it while the caller keeps the tensor.
      const block = fine.slice(rowStart * cols, (rowStart + count) * cols);
      let result: BlockResult;
      try {
        result = await exec({ fine: block, rows: count, cols, k });
      } catch (error) {
        if (error instanceof Error && error.name === 'AbortError') throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(count === 1 ? `row ${rowStart}: ${message}` : `rows ${rowStart}-${rowStart + count - 1}: ${message}`, { cause: error });
      }
      if (signal?.aborted) throw abortError();
      orBitsAt(maskBits, rowStart * cols, result.maskBits, count * cols);
      keptPerRow.set(result.keptPerRow, rowStart);
      keptCount += result.keptCount;
      for (const w of result.wholeRows) wholeRows.push({ rowIndex: w.rowIndex + rowStart, reason: w.reason });
      rowsDone += count;
      options.onRows?.(rowsDone);
    }
  };
  await Promise.all(executors.map(worker));
  if (rows === 0 && k < 1) selectTensor(fine, rows, cols, k); // let the core reject a bad k on an empty tensor
  wholeRows.sort((a, b) => a.rowIndex - b.rowIndex);
  return { rows, cols, k, rule: 'ken', maskBits, keptPerRow, keptCount, wholeRows };
}

/** N sub-workers (navigator.hardwareConcurrency, min 1) that run selectTensor on row blocks. */
export class CpuPool {
  private workers: Worker[] = [];
  private executors: BlockExecutor[] = [];
  private nextTaskId = 1;
  private readonly waiting = new Map<number, { resolve(r: BlockResult): void; reject(e: Error): void; worker: Worker }>();

  constructor(
    readonly size: number = Math.max(1, (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1),
    private readonly createWorker: (() => Worker) | null = typeof Worker === 'undefined'
      ? null
      : () => new Worker(new URL('./pool.worker.ts', import.meta.url), { type: 'module', name: 'ken-pool' }),
  ) {}

  /** Selects a tensor on the pool; without Worker support (Node) it runs the blocks in this thread. */
  select(fine: Float32Array, rows: number, cols: number, k: number, options: PoolRunOptions = {}): Promise<TensorSelection> {
    return selectTensorBlocked(this.getExecutors(), fine, rows, cols, k, options);
  }

  dispose(): void {
    for (const w of this.workers) w.terminate();
    for (const [, p] of this.waiting) p.reject(abortError('The CPU pool was shut down.'));
    this.waiting.clear();
    this.workers = [];
    this.executors = [];
  }

  private getExecutors(): BlockExecutor[] {
    if (this.executors.length) return this.executors;
    if (!this.createWorker) {
      // Same blocking and merging as with workers, so Node tests exercise the merge.
      this.executors = Array.from({ length: this.size }, () => inlineExecutor);
      return this.executors;
    }
    for (let i = 0; i < this.size; i++) this.executors.push(this.spawn(i));
    return this.executors;
  }

  private spawn(slot: number): BlockExecutor {
    const create = this.createWorker as () => Worker;
    let worker = create();
    const attach = (w: Worker) => {
      w.onmessage = (e: MessageEvent<PoolResponse>) => {
        const waiter = this.waiting.get(e.data.id);
        if (!waiter) return;
        this.waiting.delete(e.data.id);
        if ('error' in e.data) waiter.reject(new Error(e.data.error));
        else waiter.resolve(e.data);
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault?.();
        // A crashed sub-worker fails its tasks and is replaced, so the next run starts clean.
        for (const [id, waiter] of this.waiting) {
          if (waiter.worker !== w) continue;
          this.waiting.delete(id);
          waiter.reject(new Error(`CPU pool worker ${slot} crashed: ${e.message || 'unknown error'}`));
        }
        w.terminate();
        worker = create();
        this.workers[slot] = worker;
        attach(worker);
      };
    };
    attach(worker);
    this.workers[slot] = worker;
    return (task) =>
      new Promise<BlockResult>((resolve, reject) => {
        const id = this.nextTaskId++;
        this.waiting.set(id, { resolve, reject, worker });
        const request: PoolRequest = { id, ...task };
        worker.postMessage(request, [task.fine.buffer]);
      });
  }
}
