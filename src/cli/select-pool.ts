// N worker threads running the core's selectTensor on row blocks; blocks are merged bit-exactly by the
// engine's selectTensorBlocked, so the CLI's masks equal a single selectTensor over each tensor.
import { Worker } from 'node:worker_threads';
import { selectByRule } from '../core/rules';
import { selectTensorBlocked, type BlockExecutor, type BlockResult, type PoolResponse } from '../engine/pool';
import type { Selector } from '../export/pipeline';

/**
 * Worker threads do not inherit tsx's loader hooks, so each worker first registers tsx itself and then
 * imports the TypeScript worker module.
 */
function startWorker(): Worker {
  const workerUrl = new URL('./select-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}); })` +
    `.catch((error) => { console.error('kenviz: selection worker could not start:', error); process.exit(1); });`;
  return new Worker(boot, { eval: true });
}

export class NodeSelectPool {
  private readonly workers: Worker[] = [];
  private readonly executors: BlockExecutor[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private readonly waiting = new Map<number, { resolve(result: BlockResult): void; reject(error: Error): void }>();

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker();
      worker.on('message', (response: PoolResponse) => {
        const waiter = this.waiting.get(response.id);
        if (!waiter) return;
        this.waiting.delete(response.id);
        if ('error' in response) waiter.reject(new Error(response.error));
        else waiter.resolve(response);
      });
      // A crashed worker fails every pending block instead of leaving the run waiting forever.
      const fail = (error: Error) => {
        this.failure = error;
        for (const [, waiter] of this.waiting) waiter.reject(error);
        this.waiting.clear();
      };
      worker.on('error', (error) => fail(new Error(`selection worker failed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`selection worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.executors.push((task) => {
        if (this.failure) return Promise.reject(this.failure);
        const id = this.nextId++;
        return new Promise<BlockResult>((resolve, reject) => {
          this.waiting.set(id, { resolve, reject });
          worker.postMessage({ id, ...task }, [task.fine.buffer as ArrayBuffer]);
        });
      });
    }
  }

  /** KEN on row blocks across the threads; the other rules are cheap and run in this thread. */
  readonly selector: Selector = (task) =>
    task.rule === 'ken'
      ? selectTensorBlocked(this.executors, task.fine, task.rows, task.cols, task.k)
      : Promise.resolve(selectByRule(task.rule, task.fine, task.pre, task.rows, task.cols, task.k, task.seed, task.name));

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
