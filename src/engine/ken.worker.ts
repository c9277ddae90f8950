// The KEN worker (module worker): answers the protocol's requests (protocol.ts) with the EngineHost,
// computing on a pool of CPU sub-workers or on WebGPU.
import type { Request, WorkerEvent } from './protocol';
import { EngineHost } from './host';
import { CpuPool } from './pool';
import { createBackendResolver } from './backends';

const scope = self as unknown as Worker;
const pool = new CpuPool();
const host = new EngineHost(
  (event: WorkerEvent, transfer?: Transferable[]) => scope.postMessage(event, transfer ?? []),
  createBackendResolver(pool),
);

scope.onmessage = (e: MessageEvent<Request>) => {
  void host.handle(e.data);
};
