// Getting a GPUDevice for KEN: the one tfjs-backend-webgpu holds, so the engine and tfjs share a device.
// tfjs silently stays on another backend when WebGPU fails, so both setBackend's answer and getBackend()
// are checked. The adapter is inspected first: a software adapter (SwiftShader) runs on the CPU cores.

export interface AdapterProbe {
  available: boolean;
  /** Fallback or software adapter (SwiftShader, llvmpipe, WARP): no GPU behind it. */
  isSoftware: boolean;
  /** Vendor, architecture and description, for the status line. */
  description: string;
  /** Why WebGPU is unavailable, when it is. */
  reason?: string;
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

export async function probeAdapter(): Promise<AdapterProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { available: false, isSoftware: false, description: '', reason: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { available: false, isSoftware: false, description: '', reason: `requestAdapter failed: ${(error as Error).message}` };
  }
  if (!adapter) return { available: false, isSoftware: false, description: '', reason: 'WebGPU found no adapter (GPU blocklisted or disabled)' };
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const description = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : '';
  const fallbackFlag =
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    (info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined)?.isFallbackAdapter === true;
  return { available: true, isSoftware: fallbackFlag || SOFTWARE_ADAPTER.test(description), description: description || 'unnamed adapter' };
}

/** Starts tfjs on WebGPU and returns its device; throws a message saying why when it cannot. */
export async function acquireTfjsDevice(): Promise<GPUDevice> {
  // Loaded on demand: the CPU-only path never downloads tfjs.
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.getBackend() !== 'webgpu') {
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'webgpu') {
      throw new Error(`tfjs could not start its WebGPU backend (setBackend('webgpu') returned ${ok}; tfjs is on '${tf.getBackend()}')`);
    }
  }
  const backend = tf.backend() as unknown as { device?: GPUDevice };
  if (!backend.device) throw new Error('tfjs WebGPU backend exposes no GPUDevice');
  return backend.device;
}
