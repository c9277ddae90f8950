// Backend choice for KEN runs: 'cpu' forces the pool, 'webgpu' forces the GPU (or fails saying why),
// 'auto' takes WebGPU only on a hardware adapter. A software adapter (SwiftShader) runs the same shader
// on the same CPU cores through an emulation layer; measured here it is slower than the CPU pool.
import type { BackendChoice } from './protocol';
import type { BackendResolver, SelectionBackend } from './host';
import type { CpuPool } from './pool';
import { probeAdapter, type AdapterProbe } from './webgpu/device';

export function cpuBackend(pool: CpuPool): SelectionBackend {
  return { kind: 'cpu', select: (fine, rows, cols, k, options) => pool.select(fine, rows, cols, k, options) };
}

export function createBackendResolver(pool: CpuPool): BackendResolver {
  const cpu = cpuBackend(pool);
  const cpuName = `CPU pool (${pool.size} worker${pool.size === 1 ? '' : 's'})`;
  let probe: Promise<AdapterProbe> | null = null;
  let gpu: Promise<SelectionBackend> | null = null;
  const startGpu = (): Promise<SelectionBackend> => {
    gpu ??= import('./webgpu/ken-gpu').then((m) => m.createGpuBackend());
    // A failed start is not cached: the next request may try again (e.g. after a device loss).
    gpu.catch(() => {
      gpu = null;
    });
    return gpu;
  };

  return async (choice: BackendChoice) => {
    if (choice === 'cpu') return { backend: cpu, reason: `${cpuName}: CPU chosen` };
    const adapter = await (probe ??= probeAdapter());
    const software = adapter.isSoftware ? ' (software adapter: it runs on the CPU)' : '';
    if (choice === 'webgpu') {
      if (!adapter.available) throw new Error(`WebGPU was requested but is unavailable: ${adapter.reason}.`);
      try {
        return { backend: await startGpu(), reason: `WebGPU on ${adapter.description}${software}: WebGPU chosen` };
      } catch (error) {
        throw new Error(`WebGPU was requested but could not start: ${(error as Error).message}`, { cause: error });
      }
    }
    if (!adapter.available) return { backend: cpu, reason: `${cpuName}: ${adapter.reason}` };
    if (adapter.isSoftware) {
      return { backend: cpu, reason: `${cpuName}: the only WebGPU adapter is software (${adapter.description}), slower than the CPU pool` };
    }
    try {
      return { backend: await startGpu(), reason: `WebGPU on ${adapter.description}` };
    } catch (error) {
      return { backend: cpu, reason: `${cpuName}: WebGPU failed to start (${(error as Error).message})` };
    }
  };
}
