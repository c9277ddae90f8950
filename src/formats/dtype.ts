// Pure dtype tables and decoders: bytes of one safetensors tensor -> Float32Array.
// Every widening here is exact (F16, BF16 and both F8 formats are subsets of float32); F64 is the one
// narrowing and rounds to nearest with Math.fround, the same as NumPy's astype(float32).
import { FormatError, type DType } from './types';

/** Bytes per element of each dtype (BOOL is one byte per element in safetensors). */
const DTYPE_SIZES: Readonly<Record<DType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2']);

export const KNOWN_DTYPES: readonly DType[] = Object.keys(DTYPE_SIZES) as DType[];

export function isKnownDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZES, value);
}

export function dtypeSize(dtype: DType): number {
  return DTYPE_SIZES[dtype];
}

/** Floating dtypes are the ones KEN may prune; integer and bool tensors are never touched. */
export function isFloatDType(dtype: DType): boolean {
  return FLOAT_DTYPES.has(dtype);
}

/** IEEE half (1-5-10, bias 15) to its exact value. */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** OCP/PyTorch float8_e4m3fn (1-4-3, bias 7): no infinities, S.1111.111 is NaN, max 448. */
export function f8e4m3BitsToNumber(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exponent = (bits >> 3) & 0x0f;
  const mantissa = bits & 0x07;
  if (exponent === 0x0f && mantissa === 0x07) return NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -9;
  return sign * (8 + mantissa) * 2 ** (exponent - 10);
}

/** float8_e5m2 (1-5-2, bias 15) is the top byte of an IEEE half. */
export function f8e5m2BitsToNumber(bits: number): number {
  return f16BitsToNumber((bits & 0xff) << 8);
}

// Lookup tables are built on first use: 256 KiB for F16 beats per-element branching by far on big tensors.
let f16Table: Float32Array | null = null;
let f8e4m3Table: Float32Array | null = null;
let f8e5m2Table: Float32Array | null = null;

function getF16Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = f16BitsToNumber(bits);
  }
  return f16Table;
}

function getF8Table(kind: 'F8_E4M3' | 'F8_E5M2'): Float32Array {
  if (kind === 'F8_E4M3') {
    if (!f8e4m3Table) {
      f8e4m3Table = new Float32Array(256);
      for (let bits = 0; bits < 256; bits++) f8e4m3Table[bits] = f8e4m3BitsToNumber(bits);
    }
    return f8e4m3Table;
  }
  if (!f8e5m2Table) {
    f8e5m2Table = new Float32Array(256);
    for (let bits = 0; bits < 256; bits++) f8e5m2Table[bits] = f8e5m2BitsToNumber(bits);
  }
  return f8e5m2Table;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy of the bytes in a fresh, 0-aligned buffer, so typed-array views of any width fit. */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * `mayAlias`: the caller owns `bytes` and will not use them again, so an aligned buffer can be viewed
 * in place instead of copied (saves one copy of every F32 tensor read).
 */
export function decodeF32(bytes: Uint8Array, mayAlias = false): Float32Array {
  const count = bytes.byteLength >>> 2;
  if (LITTLE_ENDIAN_HOST) {
    // Only a view of a whole buffer is reused, so the result can be transferred without dragging extra bytes.
    if (mayAlias && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
      return new Float32Array(bytes.buffer, 0, count);
    }
    return new Float32Array(alignedCopy(bytes), 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** F64 -> F32 rounds to nearest even (Math.fround semantics, which Float32Array assignment applies). */
export function decodeF64(bytes: Uint8Array): Float32Array {
  const count = bytes.byteLength >>> 3;
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    const src = new Float64Array(alignedCopy(bytes), 0, count);
    for (let i = 0; i < count; i++) out[i] = Math.fround(src[i]);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = Math.fround(view.getFloat64(i * 8, true));
  return out;
}

export function decodeF16(bytes: Uint8Array): Float32Array {
  const table = getF16Table();
  const count = bytes.byteLength >>> 1;
  const out = new Float32Array(count);
  for (let i = 0, b = 0; i < count; i++, b += 2) out[i] = table[bytes[b] | (bytes[b + 1] << 8)];
  return out;
}

/** BF16 is the top half of a float32, so widening is a 16-bit shift of the bit pattern. */
export function decodeBF16(bytes: Uint8Array): Float32Array {
  const count = bytes.byteLength >>> 1;
  const out = new Float32Array(count);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0, b = 0; i < count; i++, b += 2) outBits[i] = ((bytes[b] | (bytes[b + 1] << 8)) << 16) >>> 0;
  // Uint32Array and Float32Array share the host byte order, so this is right on any host.
  return out;
}

export function decodeF8(bytes: Uint8Array, kind: 'F8_E4M3' | 'F8_E5M2'): Float32Array {
  const table = getF8Table(kind);
  const out = new Float32Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i++) out[i] = table[bytes[i]];
  return out;
}

/**
 * Widens (or for F64 narrows) the raw little-endian bytes of a floating tensor to float32.
 * `what` names the tensor in error messages; `mayAlias` as for decodeF32.
 */
export function decodeToFloat32(dtype: DType, bytes: Uint8Array, what: string, mayAlias = false): Float32Array {
  const size = dtypeSize(dtype);
  if (bytes.byteLength % size !== 0) {
    throw new FormatError(`${what}: ${bytes.byteLength} bytes is not a whole number of ${dtype} elements (${size} bytes each)`);
  }
  switch (dtype) {
    case 'F32': return decodeF32(bytes, mayAlias);
    case 'F64': return decodeF64(bytes);
    case 'F16': return decodeF16(bytes);
    case 'BF16': return decodeBF16(bytes);
    case 'F8_E4M3':
    case 'F8_E5M2': return decodeF8(bytes, dtype);
    default:
      throw new FormatError(`${what}: dtype ${dtype} is not a floating type and cannot be read as float32`);
  }
}
