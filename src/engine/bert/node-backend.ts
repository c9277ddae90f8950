// tfjs backends for Node (CLI, tests, bench): the single-threaded WASM build (its node bundle finds its
// own .wasm files) or the plain JS CPU backend. No Vite here, so no `?url` imports.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type NodeBackend = 'wasm' | 'cpu';

/** Sets the backend; 'wasm' falls back to 'cpu' (returned) when it cannot start. */
export async function initNodeBackend(choice: NodeBackend): Promise<NodeBackend> {
  if (choice === 'wasm') {
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
    } catch {
      // Fall through to the CPU backend, which always works.
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: the cpu backend could not be initialised');
  await tf.ready();
  return 'cpu';
}
