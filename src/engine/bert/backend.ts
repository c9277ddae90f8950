// Picks the tfjs backend for the eval worker: WebGPU when an adapter is really there, else the
// single-threaded WASM build (its .wasm files are emitted by Vite and located with setWasmPaths), else
// the plain JS CPU backend. Browser/worker only (the `?url` imports need Vite).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import type { EvalBackendChoice, EvalBackendUsed } from './eval-protocol';

let wasmPathsSet = false;

function configureWasm(): void {
  if (wasmPathsSet) return;
  // WASM_HAS_MULTITHREAD_SUPPORT is false in vite.config.ts, so the threaded binary is never loaded;
  // the map still needs an entry for it.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdUrl,
  });
  wasmPathsSet = true;
}

async function trySetBackend(name: EvalBackendUsed): Promise<string | null> {
  try {
    if (name === 'wasm') configureWasm();
    if (name === 'webgpu' && (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu)) {
      return 'WebGPU is not available in this browser';
    }
    // setBackend resolves false (it does not throw) when the backend fails to initialise.
    const ok = await tf.setBackend(name);
    if (!ok) return `tfjs could not initialise the ${name} backend`;
    await tf.ready();
    return null;
  } catch (error) {
    return `${name}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export async function initEvalBackend(choice: EvalBackendChoice): Promise<{ backend: EvalBackendUsed; reason: string }> {
  const order: EvalBackendUsed[] = choice === 'auto' ? ['webgpu', 'wasm', 'cpu'] : [choice, ...(choice === 'cpu' ? [] : ['cpu' as const])];
  const problems: string[] = [];
  for (const name of order) {
    const problem = await trySetBackend(name);
    if (problem === null) {
      const reason = problems.length === 0 ? `${name} (${choice === 'auto' ? 'first choice' : 'as asked'})` : `${name}; ${problems.join('; ')}`;
      return { backend: name, reason };
    }
    problems.push(problem);
  }
  throw new Error(`no tfjs backend could be initialised: ${problems.join('; ')}`);
}
