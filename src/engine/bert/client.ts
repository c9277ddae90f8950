// Main-thread side of the eval worker: one promise per request, progress callbacks, cancellation.
// The worker is created on first use, so pages that never evaluate never load tfjs.
import type { SourceSpec } from '../protocol';
import type { EvalBackendChoice, EvalDataset, EvalEvent, EvalModelSpec, EvalPairInfo, EvalProgress, EvalRequest, EvalResult } from './eval-protocol';

type RequestBody = EvalRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  onEvent(event: EvalEvent): void;
  reject(error: Error): void;
}

export interface EvalHandle<T> {
  id: number;
  done: Promise<T>;
  cancel(): void;
}

export class EvalCancelledError extends Error {
  constructor() {
    super('The evaluation was cancelled.');
    this.name = 'AbortError';
  }
}

const defaultCreateWorker = (): Worker =>
  new Worker(new URL('./eval.worker.ts', import.meta.url), { type: 'module', name: 'ken-eval' });

export class EvalClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly createWorker: () => Worker;

  constructor(createWorker: () => Worker = defaultCreateWorker) {
    this.createWorker = createWorker;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.createWorker();
    worker.onmessage = (message: MessageEvent<EvalEvent>) => this.pending.get(message.data.id)?.onEvent(message.data);
    worker.onerror = (event: ErrorEvent) => {
      // A worker that fails to load or crashes fails every request in flight, with a reason a person can act on.
      const error = new Error(`the evaluation worker failed: ${event.message || 'it could not be loaded or ran out of memory'}`);
      event.preventDefault();
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
      this.worker?.terminate();
      this.worker = null;
    };
    this.worker = worker;
    return worker;
  }

  private request<T>(body: RequestBody, onEvent: (event: EvalEvent, resolve: (value: T) => void) => void): EvalHandle<T> {
    const id = this.nextId++;
    const worker = this.ensureWorker();
    const done = new Promise<T>((resolve, reject) => {
      const finish = () => this.pending.delete(id);
      this.pending.set(id, {
        reject,
        onEvent: (event) => {
          if (event.type === 'error') {
            finish();
            reject(new Error(event.message));
          } else if (event.type === 'cancelled') {
            finish();
            reject(new EvalCancelledError());
          } else {
            onEvent(event, (value) => {
              finish();
              resolve(value);
            });
          }
        },
      });
    });
    worker.postMessage({ ...body, id } as EvalRequest);
    return { id, done, cancel: () => this.worker?.postMessage({ type: 'cancel', id: this.nextId++, target: id } satisfies EvalRequest) };
  }

  open(pretrained: SourceSpec, finetuned: SourceSpec, backend: EvalBackendChoice, onProgress?: (p: EvalProgress) => void): EvalHandle<EvalPairInfo> {
    return this.request<EvalPairInfo>({ type: 'open', pretrained, finetuned, backend }, (event, resolve) => {
      if (event.type === 'progress') onProgress?.(event.progress);
      else if (event.type === 'opened') resolve(event.info);
    });
  }

  evaluate(dataset: EvalDataset, model: EvalModelSpec, onProgress?: (p: EvalProgress) => void): EvalHandle<EvalResult> {
    return this.request<EvalResult>({ type: 'evaluate', dataset, model }, (event, resolve) => {
      if (event.type === 'progress') onProgress?.(event.progress);
      else if (event.type === 'result') resolve(event.result);
    });
  }

  sweep(dataset: EvalDataset, ks: number[], onPoint?: (r: EvalResult) => void, onProgress?: (p: EvalProgress) => void): EvalHandle<EvalResult[]> {
    return this.request<EvalResult[]>({ type: 'sweep', dataset, ks }, (event, resolve) => {
      if (event.type === 'progress') onProgress?.(event.progress);
      else if (event.type === 'sweep-point') onPoint?.(event.result);
      else if (event.type === 'sweep-done') resolve(event.results);
    });
  }

  /** Stops the worker (and any request in flight); the next request starts a fresh one. */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const pending of this.pending.values()) pending.reject(new EvalCancelledError());
    this.pending.clear();
  }
}

export function isEvalCancelled(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** The app's single eval client. */
export const evalClient = new EvalClient();
