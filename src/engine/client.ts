// The main-thread side of the KEN worker: typed promises over the message protocol. The worker is created
// lazily on first use, and a watchdog turns a dead or hung worker into a clear error instead of a hang.
import type {
  BackendChoice,
  BackendUsed,
  PairSummary,
  Progress,
  Request,
  RowDetails,
  RunOptions,
  SourceSpec,
  TensorData,
  TensorSummary,
  WorkerEvent,
} from './protocol';
import type { SelectionRule } from '../core/types';

/** The error a cancelled (or superseded) run's promise rejects with; the UI can ignore it. */
export class KenAbortError extends Error {
  constructor(message = 'The KEN run was cancelled.') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export interface RunResult {
  backend: BackendUsed;
  elapsedMs: number;
  keptCount: number;
  total: number;
}

export interface RunHandlers {
  onProgress?(p: Progress): void;
  onTensorDone?(s: TensorSummary): void;
  /** The backend the run uses and why (for the status line). */
  onBackend?(backend: BackendUsed, reason: string): void;
}

export interface RunHandle {
  id: number;
  done: Promise<RunResult>;
  cancel(): void;
}

/** Request without its id: the client numbers requests itself. */
type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  /** Called for every event with this id; returns true when the request is settled. */
  onEvent(event: WorkerEvent): boolean;
  fail(error: Error): void;
}

export interface KenEngineClientOptions {
  createWorker?: () => Worker;
  /** No message from a busy worker for this long means it died (out of memory, crashed). */
  deadAfterMs?: number;
  pingEveryMs?: number;
}

/** Relative URLs are resolved against the page here: inside the worker they would resolve against the worker script. */
function absoluteUrl(spec: SourceSpec): SourceSpec {
  if (spec.kind !== 'url' || /^[a-z][a-z0-9+.-]*:/i.test(spec.url) || typeof location === 'undefined') return spec;
  return { ...spec, url: new URL(spec.url, location.href).href };
}

const defaultCreateWorker = (): Worker =>
  new Worker(new URL('./ken.worker.ts', import.meta.url), { type: 'module', name: 'ken-engine' });

export class KenEngineClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private activeRunId: number | null = null;
  private readonly pending = new Map<number, Pending>();
  private lastHeardAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private readonly createWorker: () => Worker;
  private readonly deadAfterMs: number;
  private readonly pingEveryMs: number;

  constructor(options: KenEngineClientOptions = {}) {
    this.createWorker = options.createWorker ?? defaultCreateWorker;
    this.deadAfterMs = options.deadAfterMs ?? 30_000;
    this.pingEveryMs = options.pingEveryMs ?? 3_000;
  }

  /** Reads both checkpoints' headers and pairs their tensors. */
  open(pretrained: SourceSpec, finetuned: SourceSpec, onProgress?: (p: Progress) => void): Promise<PairSummary> {
    // Opening a new pair cancels the run in progress (the worker does the same).
    if (this.activeRunId !== null) this.settleCancelled(this.activeRunId);
    const message = { type: 'open' as const, pretrained: absoluteUrl(pretrained), finetuned: absoluteUrl(finetuned) };
    return this.request<PairSummary>(message, (event) => {
      if (event.type === 'progress') onProgress?.(event.progress);
      else if (event.type === 'opened') return { value: event.summary };
      return undefined;
    });
  }

  /** Starts a run; a new run cancels the previous one in the worker. */
  run(options: RunOptions, handlers: RunHandlers = {}): RunHandle {
    // The worker cancels the previous run when this one arrives; settle it here too, so events it had
    // already sent never reach its handlers once a newer run has started.
    if (this.activeRunId !== null) this.settleCancelled(this.activeRunId);
    const id = this.nextId++;
    this.activeRunId = id;
    const done = this.request<RunResult>(
      { type: 'run', options },
      (event) => {
        switch (event.type) {
          case 'progress':
            handlers.onProgress?.(event.progress);
            return undefined;
          case 'tensor-done':
            handlers.onTensorDone?.(event.summary);
            return undefined;
          case 'backend':
            handlers.onBackend?.(event.backend, event.reason);
            return undefined;
          case 'run-done':
            return { value: { backend: event.backend, elapsedMs: event.elapsedMs, keptCount: event.keptCount, total: event.total } };
          case 'cancelled':
            return { error: new KenAbortError() };
          default:
            return undefined;
        }
      },
      id,
    );
    const clear = () => {
      if (this.activeRunId === id) this.activeRunId = null;
    };
    done.then(clear, clear);
    return {
      id,
      done,
      cancel: () => this.cancel(id),
    };
  }

  /** Stops a run at once; its promise rejects with an AbortError and none of its events arrive afterwards. */
  cancel(runId: number): void {
    if (!this.settleCancelled(runId)) return;
    if (this.worker) this.post({ type: 'cancel', id: this.nextId++, target: runId });
  }

  /** Rejects a request with AbortError and forgets it, so its later events are dropped. */
  private settleCancelled(id: number): boolean {
    if (this.activeRunId === id) this.activeRunId = null;
    const pending = this.pending.get(id);
    if (!pending) return false;
    this.pending.delete(id);
    pending.fail(new KenAbortError());
    return true;
  }

  /** Weights, mask and per-row counts of one tensor at (k, rule): computed or taken from the worker's cache. */
  getTensor(name: string, k: number, rule: SelectionRule): Promise<TensorData> {
    return this.request<TensorData>({ type: 'tensor', name, k, rule }, (event) =>
      event.type === 'tensor' ? { value: event.data } : undefined,
    );
  }

  /** KEN step by step on one row (neuron view). */
  getRow(name: string, rowIndex: number, k: number): Promise<RowDetails> {
    return this.request<RowDetails>({ type: 'row', name, rowIndex, k }, (event) =>
      event.type === 'row' ? { value: event.details } : undefined,
    );
  }

  setBackend(choice: BackendChoice): Promise<{ backend: BackendUsed; reason: string }> {
    return this.request({ type: 'backend', choice }, (event) =>
      event.type === 'backend' ? { value: { backend: event.backend, reason: event.reason } } : undefined,
    );
  }

  /** A fresh request id, for callers of request() that need the id up front to cancel() it (the comparison sweep). */
  reserveId(): number {
    return this.nextId++;
  }

  /**
   * Sends any request and settles on the event `handle` maps to a value or error (for protocol additions
   * such as the comparison sweep). 'error' events reject automatically.
   */
  request<T>(
    body: RequestBody,
    handle: (event: WorkerEvent) => { value: T } | { error: Error } | undefined,
    id: number = this.nextId++,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      this.pending.set(id, {
        onEvent: (event) => {
          if (event.type === 'error') {
            settled = true;
            reject(new Error(event.message));
            return true;
          }
          const outcome = handle(event);
          if (!outcome) return false;
          settled = true;
          if ('error' in outcome) reject(outcome.error);
          else resolve(outcome.value);
          return true;
        },
        fail: (error) => {
          if (settled) return;
          settled = true;
          reject(error);
        },
      });
      try {
        this.post({ ...body, id } as Request);
      } catch (error) {
        this.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops the worker and its pool; pending requests reject. The next call starts a fresh worker. */
  dispose(): void {
    this.failAll(new KenAbortError('The KEN engine was disposed.'));
    this.worker?.terminate();
    this.worker = null;
    this.stopWatchdog();
  }

  private post(request: Request): void {
    this.ensureWorker().postMessage(request);
    this.startWatchdog();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.createWorker();
    worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.onEvent(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault?.();
      this.killWorker(`The KEN worker crashed: ${e.message || 'unknown error (the worker script failed to load or threw)'}`);
    };
    worker.onmessageerror = () => this.killWorker('The KEN worker sent a message that could not be read.');
    this.worker = worker;
    this.lastHeardAt = Date.now();
    return worker;
  }

  private onEvent(event: WorkerEvent): void {
    this.lastHeardAt = Date.now();
    const pending = this.pending.get(event.id);
    if (!pending) return; // late events of cancelled runs and pongs
    if (pending.onEvent(event)) this.pending.delete(event.id);
    if (this.pending.size === 0) this.stopWatchdog();
  }

  private killWorker(message: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.stopWatchdog();
    this.failAll(new Error(message));
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.fail(error);
  }

  private startWatchdog(): void {
    if (this.watchdog !== null) return;
    this.lastHeardAt = Date.now();
    this.watchdog = setInterval(() => {
      if (!this.worker || this.pending.size === 0) {
        this.stopWatchdog();
        return;
      }
      const silentMs = Date.now() - this.lastHeardAt;
      if (silentMs > this.deadAfterMs) {
        this.killWorker(
          `The KEN worker stopped responding (no answer for ${Math.round(silentMs / 1000)} s); it may have run out of memory. ` +
            'Open the checkpoints again, or choose a smaller scope.',
        );
        return;
      }
      this.worker.postMessage({ type: 'ping', id: 0 } satisfies Request);
    }, this.pingEveryMs);
  }

  private stopWatchdog(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}

/** The app's engine. Constructing the client is cheap: its worker starts on the first request. */
export const engine = new KenEngineClient();
