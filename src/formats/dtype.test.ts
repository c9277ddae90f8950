import { describe, expect, it } from 'vitest';
import {
  decodeBF16, decodeF16, decodeF32, decodeF64, decodeF8, decodeToFloat32, dtypeSize, isFloatDType, KNOWN_DTYPES,
} from './dtype';
import { FormatError } from './types';

// Independent oracle: build the float32 bit pattern directly from the source fields (no arithmetic on
// powers of two), then reinterpret. Subnormal sources are normalised by shifting the mantissa.
const scratch = new DataView(new ArrayBuffer(4));
function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}
function f32BitsOf(value: number): number {
  scratch.setFloat32(0, value);
  return scratch.getUint32(0);
}

/** Float32 bits of a minifloat with `e` exponent and `m` mantissa bits, IEEE-style specials when `ieee`. */
function minifloatToF32Bits(bits: number, e: number, m: number, bias: number, ieee: boolean): number | 'nan' {
  const sign = (bits >> (e + m)) & 1;
  const exponent = (bits >> m) & ((1 << e) - 1);
  let mantissa = bits & ((1 << m) - 1);
  const maxExponent = (1 << e) - 1;
  if (ieee && exponent === maxExponent) {
    if (mantissa !== 0) return 'nan';
    return ((sign << 31) | (0xff << 23)) >>> 0;
  }
  if (!ieee && exponent === maxExponent && mantissa === (1 << m) - 1) return 'nan';
  if (exponent === 0) {
    if (mantissa === 0) return (sign << 31) >>> 0;
    // Shift the subnormal mantissa up until its leading 1 reaches the implicit-bit position.
    let unbiased = 1 - bias;
    while ((mantissa & (1 << m)) === 0) {
      mantissa <<= 1;
      unbiased -= 1;
    }
    mantissa &= (1 << m) - 1;
    return ((sign << 31) | ((unbiased + 127) << 23) | (mantissa << (23 - m))) >>> 0;
  }
  return ((sign << 31) | ((exponent - bias + 127) << 23) | (mantissa << (23 - m))) >>> 0;
}

function expectDecodedBits(decoded: Float32Array, index: number, expected: number | 'nan'): void {
  if (expected === 'nan') {
    expect(Number.isNaN(decoded[index]), `pattern ${index.toString(16)}`).toBe(true);
  } else if (f32BitsOf(decoded[index]) !== expected) {
    // Only build the failure message on mismatch: 65536 expect() calls would be slow.
    expect(`${index.toString(16)}: ${f32BitsOf(decoded[index]).toString(16)}`).toBe(`${index.toString(16)}: ${expected.toString(16)}`);
  }
}

function allPatterns16(): Uint8Array {
  const bytes = new Uint8Array(65536 * 2);
  for (let bits = 0; bits < 65536; bits++) {
    bytes[bits * 2] = bits & 0xff;
    bytes[bits * 2 + 1] = bits >> 8;
  }
  return bytes;
}

describe('dtype tables', () => {
  it('knows sizes and which dtypes are floating', () => {
    expect(KNOWN_DTYPES.map((d) => [d, dtypeSize(d)])).toEqual([
      ['F64', 8], ['F32', 4], ['F16', 2], ['BF16', 2], ['F8_E4M3', 1], ['F8_E5M2', 1],
      ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1], ['U64', 8], ['U32', 4], ['U16', 2], ['U8', 1], ['BOOL', 1],
    ]);
    expect(KNOWN_DTYPES.filter(isFloatDType)).toEqual(['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2']);
  });
});

describe('F16', () => {
  it('widens all 65536 bit patterns exactly', () => {
    const decoded = decodeF16(allPatterns16());
    expect(decoded.length).toBe(65536);
    for (let bits = 0; bits < 65536; bits++) expectDecodedBits(decoded, bits, minifloatToF32Bits(bits, 5, 10, 15, true));
  });

  it('gets the landmarks right', () => {
    const values = decodeF16(new Uint8Array([0x00, 0x3c, 0xff, 0x7b, 0x01, 0x00, 0x00, 0xfc, 0x00, 0x80, 0x55, 0x35]));
    expect(Array.from(values)).toEqual([1, 65504, 2 ** -24, -Infinity, -0, Math.fround(0x555 / 1024 * 2 ** -2)]);
    expect(Object.is(values[4], -0)).toBe(true);
  });
});

describe('BF16', () => {
  it('widens all 65536 bit patterns exactly (payload kept)', () => {
    const decoded = decodeBF16(allPatterns16());
    const bits = new Uint32Array(decoded.buffer);
    for (let pattern = 0; pattern < 65536; pattern++) {
      if (bits[pattern] !== ((pattern << 16) >>> 0)) expect(bits[pattern].toString(16)).toBe(((pattern << 16) >>> 0).toString(16));
    }
    expect(decodeBF16(new Uint8Array([0x80, 0x3f, 0x49, 0x40]))[1]).toBe(f32FromBits(0x40490000));
  });
});

describe('F8', () => {
  const all = new Uint8Array(256).map((_, i) => i);

  it('E4M3 (fn): all 256 patterns exact, no infinities, max 448', () => {
    const decoded = decodeF8(all, 'F8_E4M3');
    for (let bits = 0; bits < 256; bits++) expectDecodedBits(decoded, bits, minifloatToF32Bits(bits, 4, 3, 7, false));
    expect(decoded[0x7e]).toBe(448);
    expect(decoded[0xfe]).toBe(-448);
    expect(decoded[0x78]).toBe(256);
    expect(decoded[0x01]).toBe(2 ** -9);
    expect(decoded[0x08]).toBe(2 ** -6);
    expect(Number.isNaN(decoded[0x7f]) && Number.isNaN(decoded[0xff])).toBe(true);
    expect(decoded.filter((v) => !Number.isFinite(v) && !Number.isNaN(v)).length).toBe(0);
  });

  it('E5M2: all 256 patterns exact, IEEE specials', () => {
    const decoded = decodeF8(all, 'F8_E5M2');
    for (let bits = 0; bits < 256; bits++) expectDecodedBits(decoded, bits, minifloatToF32Bits(bits, 5, 2, 15, true));
    expect(decoded[0x7b]).toBe(57344);
    expect(decoded[0x7c]).toBe(Infinity);
    expect(decoded[0xfc]).toBe(-Infinity);
    expect(Number.isNaN(decoded[0x7d])).toBe(true);
    expect(decoded[0x01]).toBe(2 ** -16);
  });
});

describe('F32 and F64', () => {
  it('reads F32 exactly at every alignment', () => {
    const values = [1.5, -0, 3.4028234663852886e38, 1.401298464324817e-45, Math.fround(Math.PI), NaN];
    const payload = new Uint8Array(values.length * 4);
    const view = new DataView(payload.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    for (let misalign = 0; misalign < 4; misalign++) {
      const holder = new Uint8Array(payload.length + 7);
      holder.set(payload, misalign + 3);
      const decoded = decodeF32(holder.subarray(misalign + 3, misalign + 3 + payload.length));
      expect(Array.from(decoded)).toEqual(values);
      expect(Object.is(decoded[1], -0)).toBe(true);
    }
  });

  it('narrows F64 to the nearest float32, ties to even', () => {
    const values = [1 + 2 ** -24, 1 + 2 ** -23 + 2 ** -24, 1 + 2 ** -24 + 2 ** -40, 1e300, -1e-300, 0.1];
    const payload = new Uint8Array(values.length * 8 + 1);
    const view = new DataView(payload.buffer, 1);
    values.forEach((v, i) => view.setFloat64(i * 8, v, true));
    const decoded = decodeF64(payload.subarray(1));
    // Expected values derived from the float32 grid by hand: ulp(1) = 2^-23.
    expect(Array.from(decoded)).toEqual([1, 1 + 2 ** -22, 1 + 2 ** -23, Infinity, -0, f32FromBits(0x3dcccccd)]);
  });
});

describe('decodeToFloat32', () => {
  it('refuses non-floating dtypes and ragged byte counts with a FormatError naming the tensor', () => {
    expect(() => decodeToFloat32('I64', new Uint8Array(8), 'f.safetensors: tensor "ids"')).toThrow(FormatError);
    expect(() => decodeToFloat32('I64', new Uint8Array(8), 'f.safetensors: tensor "ids"')).toThrow(/tensor "ids".*not a floating type/);
    expect(() => decodeToFloat32('F16', new Uint8Array(3), 'w')).toThrow(/3 bytes is not a whole number of F16/);
  });

  it('dispatches on dtype', () => {
    expect(Array.from(decodeToFloat32('F16', new Uint8Array([0x00, 0xc0]), 'w'))).toEqual([-2]);
    expect(Array.from(decodeToFloat32('BF16', new Uint8Array([0x00, 0xc0]), 'w'))).toEqual([-2]);
    expect(Array.from(decodeToFloat32('F8_E4M3', new Uint8Array([0xc0]), 'w'))).toEqual([-2]);
    expect(Array.from(decodeToFloat32('F8_E5M2', new Uint8Array([0xc0]), 'w'))).toEqual([-2]);
  });
});

describe('decodeF32 buffer reuse', () => {
  it('views an owned whole buffer in place and copies anything else', () => {
    const owned = new Uint8Array(float32BytesOf([1, 2]));
    const viewed = decodeF32(owned, true);
    expect(viewed.buffer).toBe(owned.buffer);
    expect(Array.from(viewed)).toEqual([1, 2]);
    const copied = decodeF32(owned);
    expect(copied.buffer).not.toBe(owned.buffer);
    const part = new Uint8Array(12).subarray(4);
    part.set(owned);
    expect(decodeF32(part, true).buffer).not.toBe(part.buffer);
    expect(Array.from(decodeF32(part, true))).toEqual([1, 2]);
  });
});

function float32BytesOf(values: number[]): ArrayBuffer {
  const buffer = new ArrayBuffer(values.length * 4);
  values.forEach((v, i) => new DataView(buffer).setFloat32(i * 4, v, true));
  return buffer;
}
