// A worker_threads worker for the CLI: runs the core's selectTensor on one row block per message.
import { parentPort } from 'node:worker_threads';
import { selectTensor } from '../core/ken';
import type { PoolRequest, PoolResponse } from '../engine/pool';

if (!parentPort) throw new Error('select-worker.ts must run as a worker thread');
const port = parentPort;

port.on('message', (task: PoolRequest) => {
  let response: PoolResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const selection = selectTensor(task.fine, task.rows, task.cols, task.k);
    response = { id: task.id, maskBits: selection.maskBits, keptPerRow: selection.keptPerRow, keptCount: selection.keptCount, wholeRows: [...selection.wholeRows] };
    transfer.push(selection.maskBits.buffer as ArrayBuffer, selection.keptPerRow.buffer as ArrayBuffer);
  } catch (error) {
    response = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response, transfer);
});
