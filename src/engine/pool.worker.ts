// A CPU pool sub-worker: runs the core's selectTensor on one block of rows and transfers the result back.
import { selectTensor } from '../core/ken';
import type { PoolRequest, PoolResponse } from './pool';

self.onmessage = (e: MessageEvent<PoolRequest>) => {
  const { id, fine, rows, cols, k } = e.data;
  let response: PoolResponse;
  try {
    const sel = selectTensor(fine, rows, cols, k);
    response = { id, maskBits: sel.maskBits, keptPerRow: sel.keptPerRow, keptCount: sel.keptCount, wholeRows: [...sel.wholeRows] };
    (self as unknown as Worker).postMessage(response, [sel.maskBits.buffer, sel.keptPerRow.buffer]);
  } catch (error) {
    response = { id, error: error instanceof Error ? error.message : String(error) };
    (self as unknown as Worker).postMessage(response);
  }
};
