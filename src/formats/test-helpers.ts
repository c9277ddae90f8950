// Builders of small safetensors files for tests (also usable by other layers' tests). Not used by the app.
import type { DType } from './types';
import { dtypeSize } from './dtype';

export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: number[];
  /** Raw little-endian bytes; zero-filled when omitted. */
  data?: Uint8Array;
}

/** A file from an arbitrary header (object or raw JSON text) and a data section, with the 8-byte length prefix. */
export function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0), headerPadding = 0): Uint8Array {
  const text = (typeof header === 'string' ? header : JSON.stringify(header)) + ' '.repeat(headerPadding);
  const headerBytes = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + headerBytes.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.byteLength);
  return out;
}

/**
 * A valid safetensors file with the tensors laid out in the given order. `gapBytes` inserts that many
 * bytes before each tensor (to make unaligned offsets); `headerPadding` appends spaces to the JSON.
 */
export function buildSafetensors(
  tensors: TensorSpec[],
  options: { metadata?: Record<string, string>; gapBytes?: number; headerPadding?: number } = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  const gap = options.gapBytes ?? 0;
  let offset = 0;
  const placed: { begin: number; bytes: Uint8Array }[] = [];
  for (const tensor of tensors) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    const byteLength = count * dtypeSize(tensor.dtype);
    const bytes = tensor.data ?? new Uint8Array(byteLength);
    if (bytes.byteLength !== byteLength) throw new Error(`test tensor ${tensor.name}: ${bytes.byteLength} bytes, shape needs ${byteLength}`);
    offset += gap;
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    placed.push({ begin: offset, bytes });
    offset += byteLength;
  }
  const data = new Uint8Array(offset);
  for (const { begin, bytes } of placed) data.set(bytes, begin);
  return rawSafetensors(header, data, options.headerPadding ?? 0);
}

export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}
