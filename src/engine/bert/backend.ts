// Picks the tfjs backend for the eval worker: WebGPU when a hardware adapter is there, else the
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

/**
 * A software WebGPU adapter (SwiftShader, or any "fallback" adapter) runs tfjs's many small GPU programs
 * on the CPU: measured 145-240 s for the 717-row demo set against ~4 s on WASM, so 'auto' skips it.
 */
async function softwareAdapterReason(): Promise<string | null> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return 'WebGPU has no adapter';
  const info = adapter.info as GPUAdapterInfo | undefined;
  const text = info ? `${info.vendor} ${info.architecture} ${info.description}` : '';
  const isFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return isFallback || /swiftshader/i.test(text) ? `the WebGPU adapter is software (${text.trim() || 'fallback adapter'}), WASM is faster` : null;
}

async function trySetBackend(name: EvalBackendUsed, auto: boolean): Promise<string | null> {
  try {
    if (name === 'wasm') configureWasm();
    if (name === 'webgpu' && (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu)) {
      return 'WebGPU is not available in this browser';
    }
    if (name === 'webgpu' && auto) {
      const software = await softwareAdapterReason();
      if (software) return software;
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
    const problem = await trySetBackend(name, choice === 'auto');
    if (problem === null) {
      const reason = problems.length === 0 ? `${name} (${choice === 'auto' ? 'first choice' : 'as asked'})` : `${name}; ${problems.join('; ')}`;
      return { backend: name, reason };
    }
    problems.push(problem);
  }
  throw new Error(`no tfjs backend could be initialised: ${problems.join('; ')}`);
}
