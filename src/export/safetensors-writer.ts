// A streaming safetensors writer: the header is built from shapes and dtypes known up front, then the
// tensors follow one by one in header order. Nothing ever holds the whole file.
import { dtypeSize } from '../formats/dtype';
import type { DType } from '../formats/types';
import type { ByteSink } from './sink';

export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

export function entryByteLength(entry: TensorEntry): number {
  return elementCount(entry.shape) * dtypeSize(entry.dtype);
}

/**
 * The 8-byte length plus the JSON header, padded with spaces so the data section starts 8-aligned
 * (the layout the reference `safetensors` library writes). Metadata, when given, comes first.
 */
export function buildSafetensorsHeader(entries: readonly TensorEntry[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const entry of entries) {
    if (entry.name === '__metadata__') throw new Error('A tensor cannot be named "__metadata__"');
    if (Object.prototype.hasOwnProperty.call(header, entry.name)) throw new Error(`Tensor "${entry.name}" is listed twice`);
    const length = entryByteLength(entry);
    header[entry.name] = { dtype: entry.dtype, shape: [...entry.shape], data_offsets: [offset, offset + length] };
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 8);
  return out;
}

export function safetensorsFileSize(entries: readonly TensorEntry[], metadata?: Readonly<Record<string, string>>): number {
  let size = buildSafetensorsHeader(entries, metadata).byteLength;
  for (const entry of entries) size += entryByteLength(entry);
  return size;
}

/**
 * Writes one safetensors file through a sink. Call begin(), then writeTensor() (or several
 * writeChunk() calls) for each entry in order, then finish(); lengths and order are checked.
 */
export class SafetensorsWriter {
  private index = 0;
  private writtenInTensor = 0;
  private started = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly entries: readonly TensorEntry[],
    private readonly metadata?: Readonly<Record<string, string>>,
  ) {}

  async begin(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.sink.write(buildSafetensorsHeader(this.entries, this.metadata));
  }

  /** The entry the next bytes belong to, or null when all are written. */
  get current(): TensorEntry | null {
    return this.entries[this.index] ?? null;
  }

  async writeChunk(name: string, bytes: Uint8Array): Promise<void> {
    if (!this.started) await this.begin();
    const entry = this.current;
    if (!entry || entry.name !== name) {
      throw new Error(`safetensors writer: got bytes for "${name}" but the next tensor is ${entry ? `"${entry.name}"` : 'none'}`);
    }
    const expected = entryByteLength(entry);
    if (this.writtenInTensor + bytes.byteLength > expected) {
      throw new Error(`safetensors writer: tensor "${name}" needs ${expected} bytes, got more`);
    }
    if (bytes.byteLength > 0) await this.sink.write(bytes);
    this.writtenInTensor += bytes.byteLength;
    if (this.writtenInTensor === expected) {
      this.index++;
      this.writtenInTensor = 0;
      // Empty tensors that follow take no bytes: advance past them so finish() sees them done.
      while (this.current && entryByteLength(this.current) === 0) this.index++;
    }
  }

  async writeTensor(name: string, bytes: Uint8Array): Promise<void> {
    const entry = this.current;
    if (entry && entry.name === name && entryByteLength(entry) !== bytes.byteLength) {
      throw new Error(`safetensors writer: tensor "${name}" needs ${entryByteLength(entry)} bytes, got ${bytes.byteLength}`);
    }
    await this.writeChunk(name, bytes);
  }

  async finish(): Promise<void> {
    if (!this.started) await this.begin();
    while (this.current && entryByteLength(this.current) === 0) this.index++;
    if (this.current) throw new Error(`safetensors writer: tensor "${this.current.name}" was never written`);
  }
}
