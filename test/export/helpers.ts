// Shared helpers of the export tests: checkpoints from files or bytes, and a minimal safetensors reader
// written independently of src/formats so the tests do not grade the writer with its own reader.
import { readFileSync } from 'node:fs';
import { openCheckpointFromFiles } from '../../src/formats/checkpoint';
import type { Checkpoint } from '../../src/formats/types';

export function checkpointFromBytes(files: Record<string, Uint8Array>, label: string): Promise<Checkpoint> {
  return openCheckpointFromFiles(
    Object.entries(files).map(([path, bytes]) => ({ file: new Blob([bytes as Uint8Array<ArrayBuffer>]), path })),
    label,
  );
}

export function checkpointFromPaths(paths: Record<string, string>, label: string): Promise<Checkpoint> {
  const files: Record<string, Uint8Array> = {};
  for (const [name, path] of Object.entries(paths)) files[name] = new Uint8Array(readFileSync(path));
  return checkpointFromBytes(files, label);
}

export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

export interface RawSafetensors {
  metadata: Record<string, string> | undefined;
  tensors: Map<string, RawTensor>;
  order: string[];
}

export function parseSafetensorsBytes(file: Uint8Array): RawSafetensors {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const tensors = new Map<string, RawTensor>();
  const order: string[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    tensors.set(name, { dtype, shape, bytes: file.subarray(8 + headerLength + offsets[0], 8 + headerLength + offsets[1]) });
    order.push(name);
  }
  return { metadata, tensors, order };
}

export function float32Of(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}
