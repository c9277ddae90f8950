// A defensive safetensors reader: the header is sized, capped and fully validated before any tensor is
// located, and tensors are read one by one through the ByteSource (never the whole file at once).
// Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section.
import { FormatError, type ByteSource, type DType, type TensorInfo } from './types';
import { decodeToFloat32, dtypeSize, isFloatDType, isKnownDType, KNOWN_DTYPES } from './dtype';

export { dtypeSize, isFloatDType } from './dtype';

/** Same cap as the reference `safetensors` library: a larger header is refused before it is read. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsHeader {
  /** Tensors in header order. */
  tensors: Map<string, TensorInfo>;
  /** The optional `__metadata__` string map (e.g. {format: 'pt'}). */
  metadata: Record<string, string>;
  /** Byte offset of the data section (8 + header length). */
  dataOffset: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * What the first bytes look like, for a person who opened the wrong file: text (an HTML page, a README,
 * a git-lfs pointer), a zip (a PyTorch .bin/.pt checkpoint) or a pickle.
 */
export function notSafetensorsHint(prefix: Uint8Array): string {
  const head = prefix.subarray(0, 8);
  if (head[0] === 0x50 && head[1] === 0x4b) return 'it starts like a ZIP archive (a PyTorch .bin/.pt checkpoint?), not a safetensors file';
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'it starts like a Python pickle (a PyTorch checkpoint?), not a safetensors file';
  const printable = head.length === 8 && head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  if (printable) {
    const text = String.fromCharCode(...head);
    if (/^version /.test(text)) return 'it is a git-lfs pointer, not the file itself (fetch the LFS object)';
    return `it starts with text ("${text.replace(/[\r\n\t]/g, ' ')}…"), not a safetensors file`;
  }
  return 'this is not a safetensors file or it is corrupt';
}

/** Reads the header length, refusing before any JSON is read when it cannot fit the file or the cap. */
export function parseHeaderLength(prefix: Uint8Array, fileSize: number, fileName: string): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new FormatError(`${fileName}: ${fileSize} bytes is too small to be a safetensors file (the header length alone takes 8 bytes)`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  // high > 0 means at least 4 GiB, far past the cap; avoid building an imprecise number from it.
  const headerLength = high === 0 ? low : Infinity;
  const shown = high === 0 ? String(low) : (BigInt(high) * 2n ** 32n + BigInt(low)).toString();
  if (headerLength > MAX_HEADER_BYTES) {
    throw new FormatError(`${fileName}: header length ${shown} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit; ${notSafetensorsHint(prefix)}`);
  }
  if (headerLength > fileSize - 8) {
    throw new FormatError(`${fileName}: header length ${shown} bytes is larger than the rest of the file (${fileSize - 8} bytes); the file is truncated or not safetensors`);
  }
  if (headerLength < 2) {
    throw new FormatError(`${fileName}: header length ${shown} bytes is too small to hold a JSON object`);
  }
  return headerLength;
}

function decodeHeaderJson(headerBytes: Uint8Array, fileName: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(headerBytes);
  } catch {
    throw new FormatError(`${fileName}: the header is not valid UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new FormatError(`${fileName}: the header is not valid JSON (${detail})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FormatError(`${fileName}: the header must be a JSON object, found ${describe(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

function validateMetadata(value: unknown, fileName: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FormatError(`${fileName}: __metadata__ must be an object of strings, found ${describe(value)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw new FormatError(`${fileName}: __metadata__ entry "${key}" must be a string, found ${describe(entry)}`);
    }
    metadata[key] = entry;
  }
  return metadata;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Validates a decoded header against the file it came from and locates every tensor.
 * Pure (no I/O), so the validation is testable on bytes alone; `source` is only stored in the TensorInfos.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, source: ByteSource): SafetensorsHeader {
  const fileName = source.name;
  const dataOffset = 8 + headerBytes.byteLength;
  const dataSize = source.size - dataOffset;
  if (dataSize < 0) {
    throw new FormatError(`${fileName}: the header (${headerBytes.byteLength} bytes) is larger than the file (${source.size} bytes)`);
  }
  const header = decodeHeaderJson(headerBytes, fileName);
  let metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  const spans: { begin: number; end: number; name: string }[] = [];

  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = validateMetadata(entry, fileName);
      continue;
    }
    const where = `${fileName}: tensor "${name}"`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new FormatError(`${where}: entry must be an object with dtype, shape and data_offsets, found ${describe(entry)}`);
    }
    const fields = entry as Record<string, unknown>;
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      if (fields[field] === undefined) throw new FormatError(`${where}: missing "${field}"`);
    }
    const { dtype, shape, data_offsets: dataOffsets } = fields;
    if (!isKnownDType(dtype)) {
      throw new FormatError(`${where}: unknown dtype ${describe(dtype)} (supported: ${KNOWN_DTYPES.join(', ')})`);
    }
    if (!Array.isArray(shape)) {
      throw new FormatError(`${where}: shape must be an array of integers, found ${describe(shape)}`);
    }
    let elementCount = 1;
    for (let axis = 0; axis < shape.length; axis++) {
      const dim: unknown = shape[axis];
      if (!isNonNegativeInteger(dim)) {
        throw new FormatError(`${where}: shape[${axis}] must be an integer >= 0, found ${describe(dim)}`);
      }
      elementCount *= dim;
    }
    if (!Number.isSafeInteger(elementCount * dtypeSize(dtype))) {
      throw new FormatError(`${where}: shape [${shape.join(', ')}] is too large`);
    }
    if (!Array.isArray(dataOffsets) || dataOffsets.length !== 2) {
      throw new FormatError(`${where}: data_offsets must be [begin, end], found ${describe(dataOffsets)}`);
    }
    const [begin, end] = dataOffsets as unknown[];
    if (!isNonNegativeInteger(begin) || !isNonNegativeInteger(end)) {
      throw new FormatError(`${where}: data_offsets must be integers >= 0, found [${describe(begin)}, ${describe(end)}]`);
    }
    if (end < begin) {
      throw new FormatError(`${where}: data_offsets end ${end} is before begin ${begin}`);
    }
    if (end > dataSize) {
      throw new FormatError(`${where}: data_offsets [${begin}, ${end}] go past the end of the data section (${dataSize} bytes); the file is truncated or corrupt`);
    }
    const expectedBytes = elementCount * dtypeSize(dtype);
    if (end - begin !== expectedBytes) {
      throw new FormatError(
        `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expectedBytes}`,
      );
    }
    spans.push({ begin, end, name });
    tensors.set(name, {
      name,
      dtype: dtype as DType,
      shape: Object.freeze((shape as number[]).slice()),
      byteOffset: dataOffset + begin,
      byteLength: end - begin,
      source,
    });
  }

  // Empty tensors occupy no bytes and cannot overlap anything; among the rest, sorted by begin, each must
  // start at or after the furthest end so far (comparing with the previous span alone misses nesting).
  const occupied = spans.filter((span) => span.end > span.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let furthest: { begin: number; end: number; name: string } | null = null;
  for (const current of occupied) {
    if (furthest && current.begin < furthest.end) {
      throw new FormatError(
        `${fileName}: tensor "${current.name}" [${current.begin}, ${current.end}] overlaps tensor "${furthest.name}" [${furthest.begin}, ${furthest.end}]`,
      );
    }
    if (!furthest || current.end > furthest.end) furthest = current;
  }
  return { tensors, metadata, dataOffset };
}

/** Reads and validates the header of a safetensors source (at most 8 + MAX_HEADER_BYTES bytes). */
export async function readSafetensorsHeader(source: ByteSource, signal?: AbortSignal): Promise<SafetensorsHeader> {
  if (source.size < 8) {
    throw new FormatError(`${source.name}: ${source.size} bytes is too small to be a safetensors file (the header length alone takes 8 bytes)`);
  }
  const prefix = await source.read(0, 8, signal);
  const headerLength = parseHeaderLength(prefix, source.size, source.name);
  const headerBytes = await source.read(8, headerLength, signal);
  if (headerBytes.byteLength !== headerLength) {
    throw new FormatError(`${source.name}: read ${headerBytes.byteLength} header bytes, expected ${headerLength}`);
  }
  return parseSafetensorsHeader(headerBytes, source);
}

/** Locates every tensor of a safetensors file after validating its whole header. */
export async function openSafetensors(source: ByteSource, signal?: AbortSignal): Promise<Map<string, TensorInfo>> {
  return (await readSafetensorsHeader(source, signal)).tensors;
}

/** The `__metadata__` map of a safetensors file ({} when absent); the header is validated first. */
export async function readMetadata(source: ByteSource, signal?: AbortSignal): Promise<Record<string, string>> {
  return (await readSafetensorsHeader(source, signal)).metadata;
}

/** The raw little-endian bytes of one tensor. */
export async function readTensorBytes(info: TensorInfo, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes = await info.source.read(info.byteOffset, info.byteLength, signal);
  if (bytes.byteLength !== info.byteLength) {
    throw new FormatError(`${info.source.name}: tensor "${info.name}": read ${bytes.byteLength} bytes, expected ${info.byteLength}`);
  }
  return bytes;
}

/**
 * One floating tensor as float32, row-major. F32 is exact at any (also unaligned) offset; F16, BF16,
 * F8_E4M3 and F8_E5M2 widen exactly; F64 is narrowed to the nearest float32 (Math.fround).
 * Non-floating dtypes reject with a FormatError.
 */
export async function readTensorFloat32(info: TensorInfo, signal?: AbortSignal): Promise<Float32Array> {
  const what = `${info.source.name}: tensor "${info.name}"`;
  if (!isFloatDType(info.dtype)) {
    throw new FormatError(`${what}: dtype ${info.dtype} is not a floating type and cannot be read as float32`);
  }
  // The bytes were read for this call only, so the F32 result may view them without a copy.
  return decodeToFloat32(info.dtype, await readTensorBytes(info, signal), what, true);
}
