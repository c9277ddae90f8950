// A scriptable stand-in for engine/client.ts: each open/run returns a promise the test settles,
// and the handlers a run was given stay reachable so a test can fire late events.
import type { PairSummary, Progress, RunOptions, SourceSpec, TensorMeta } from '../engine/protocol';
import type { BridgeEngine, RunHandlers, RunOutcome } from './bridge';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface FakeOpen {
  pretrained: SourceSpec;
  finetuned: SourceSpec;
  onProgress?: (progress: Progress) => void;
  result: Deferred<PairSummary>;
}

export interface FakeRun {
  id: number;
  options: RunOptions;
  handlers: RunHandlers;
  result: Deferred<RunOutcome>;
  cancelled: boolean;
}

export class FakeEngine implements BridgeEngine {
  readonly opens: FakeOpen[] = [];
  readonly runs: FakeRun[] = [];
  readonly backendChoices: string[] = [];

  open(pretrained: SourceSpec, finetuned: SourceSpec, onProgress?: (progress: Progress) => void): Promise<PairSummary> {
    const result = deferred<PairSummary>();
    this.opens.push({ pretrained, finetuned, onProgress, result });
    return result.promise;
  }

  run(options: RunOptions, handlers: RunHandlers) {
    const result = deferred<RunOutcome>();
    // Like the real client: a cancelled run's promise rejects with an AbortError.
    const run: FakeRun = { id: this.runs.length + 1, options, handlers, result, cancelled: false };
    this.runs.push(run);
    return {
      id: run.id,
      done: result.promise,
      cancel: () => {
        run.cancelled = true;
        const abort = new Error('The KEN run was cancelled.');
        abort.name = 'AbortError';
        result.reject(abort);
      },
    };
  }

  setBackend(choice: string) {
    this.backendChoices.push(choice);
    return Promise.resolve({ backend: 'cpu' as const, reason: 'test' });
  }

  lastRun(): FakeRun {
    const run = this.runs.at(-1);
    if (!run) throw new Error('no run was started');
    return run;
  }
}

export function tensorMeta(name: string, rows: number, cols: number, status: TensorMeta['status'] = 'pruned'): TensorMeta {
  return { name, key: name, status, shape: [rows, cols], dtype: 'F32', rows, cols, params: rows * cols, layer: null, matrixType: name };
}

export function pairSummary(label: string, tensors: TensorMeta[]): PairSummary {
  return { pretrainedLabel: `${label} pre`, finetunedLabel: `${label} fine`, tensors, warnings: [] };
}

/** Lets already-settled promise callbacks run (microtasks only, so it works under fake timers too). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
