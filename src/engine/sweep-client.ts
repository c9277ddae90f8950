// Main-thread side of the comparison sweeps: one typed call over the engine client's generic request(),
// with streamed per-tensor results, progress and cancellation (a cancelled sweep's promise rejects with AbortError).
import type { KenEngineClient } from './client';
import type { Progress, SweepDoneResult, SweepOptions, SweepTensorResult } from './protocol';

export interface SweepHandlers {
  onTensor?(result: SweepTensorResult): void;
  onProgress?(progress: Progress): void;
}

export interface SweepHandle {
  id: number;
  done: Promise<SweepDoneResult>;
  cancel(): void;
}

export function startSweep(client: KenEngineClient, options: SweepOptions, handlers: SweepHandlers = {}): SweepHandle {
  const id = client.reserveId();
  const done = client.request<SweepDoneResult>(
    { type: 'sweep', options },
    (event) => {
      switch (event.type) {
        case 'sweep-tensor':
          handlers.onTensor?.(event.result);
          return undefined;
        case 'progress':
          handlers.onProgress?.(event.progress);
          return undefined;
        case 'sweep-done':
          return { value: event.result };
        case 'cancelled': {
          const error = new Error('The sweep was cancelled.');
          error.name = 'AbortError';
          return { error };
        }
        default:
          return undefined;
      }
    },
    id,
  );
  return { id, done, cancel: () => client.cancel(id) };
}
