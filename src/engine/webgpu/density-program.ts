// Runs the density program (density.ts) on a GPUDevice: uploads one chunk of rows, dispatches one
// invocation per (row, grid point), reads the float32 sums back.
import { DENSITY_WGSL, DENSITY_WORKGROUP } from './density';

export interface DensityChunk {
  /** Each row's values sorted ascending, rowCount * cols. */
  sortedValues: Float32Array;
  /** float32 grid points, rowCount * k. */
  grid: Float32Array;
  /** float32 1/h per row. */
  invBandwidth: Float32Array;
  /** [start, end) into the row per grid point, rowCount * k * 2. */
  windows: Uint32Array;
  rowCount: number;
  k: number;
  cols: number;
}

const MAX_WORKGROUPS_PER_DIM = 65535;

export class DensityProgram {
  private readonly pipeline: GPUComputePipeline;
  private lostReason: string | null = null;

  constructor(private readonly device: GPUDevice) {
    const module = device.createShaderModule({ code: DENSITY_WGSL, label: 'ken-density' });
    this.pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: 'ken-density' });
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** Largest storage buffer this device binds, in bytes (chunks are sized under it). */
  get maxBindingBytes(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
  }

  async run(chunk: DensityChunk): Promise<Float32Array> {
    if (this.lostReason) throw new Error(`The WebGPU device was lost (${this.lostReason})`);
    const { device } = this;
    const count = chunk.rowCount * chunk.k;
    const buffers: GPUBuffer[] = [];
    const storage = (data: Float32Array | Uint32Array, label: string): GPUBuffer => {
      const buffer = device.createBuffer({ label, size: Math.max(16, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      buffers.push(buffer);
      return buffer;
    };
    try {
      device.pushErrorScope('validation');
      device.pushErrorScope('out-of-memory');
      const values = storage(chunk.sortedValues, 'values');
      const grid = storage(chunk.grid, 'grid');
      const invH = storage(chunk.invBandwidth, 'inv-bandwidth');
      const windows = storage(chunk.windows, 'windows');
      const outBytes = Math.max(16, count * 4);
      const sums = device.createBuffer({ label: 'sums', size: outBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      buffers.push(sums);
      const readback = device.createBuffer({ label: 'sums-read', size: outBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      buffers.push(readback);
      const workgroups = Math.ceil(count / DENSITY_WORKGROUP);
      const x = Math.min(workgroups, MAX_WORKGROUPS_PER_DIM);
      const y = Math.ceil(workgroups / x);
      const params = device.createBuffer({ label: 'params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      buffers.push(params);
      device.queue.writeBuffer(params, 0, new Uint32Array([count, chunk.k, chunk.cols, x * DENSITY_WORKGROUP]));
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [values, grid, invH, windows, sums, params].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const encoder = device.createCommandEncoder({ label: 'ken-density' });
      const pass = encoder.beginComputePass();
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y);
      pass.end();
      encoder.copyBufferToBuffer(sums, 0, readback, 0, outBytes);
      device.queue.submit([encoder.finish()]);
      const oom = await device.popErrorScope();
      const invalid = await device.popErrorScope();
      if (oom) throw new Error(`WebGPU ran out of memory for ${chunk.rowCount} rows x ${chunk.cols}: ${oom.message}`);
      if (invalid) throw new Error(`WebGPU rejected the density program: ${invalid.message}`);
      await readback.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(readback.getMappedRange(0, count * 4).slice(0));
      readback.unmap();
      return out;
    } finally {
      for (const b of buffers) b.destroy();
    }
  }
}
