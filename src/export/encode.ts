// Float32 -> storage dtype, for pre-trained values that must be stored in the fine-tuned checkpoint's dtype
// when the two checkpoints differ in dtype. Same dtype never goes through here (raw bytes are copied),
// so fine-tuned values are always written exactly as read. Rounding is to nearest, ties to even.
import { FormatError, type DType } from '../formats/types';

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** IEEE half bits nearest to a float32 (ties to even; NaN stays NaN, overflow goes to infinity). */
export function float32ToF16Bits(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa into place, rounding ties to even.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const truncated = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const rounded = remainder > halfway || (remainder === halfway && (truncated & 1) === 1) ? truncated + 1 : truncated;
    return sign | rounded;
  }
  const truncated = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  const rounded = remainder > 0x1000 || (remainder === 0x1000 && (truncated & 1) === 1) ? truncated + 1 : truncated;
  return sign | rounded;
}

/** bfloat16 bits nearest to a float32 (ties to even; NaN kept quiet). */
export function float32ToBF16Bits(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Encodes float32 values as little-endian bytes of a floating dtype. */
export function encodeFloat32As(dtype: DType, values: Float32Array, what: string): Uint8Array {
  const count = values.length;
  switch (dtype) {
    case 'F32': {
      const out = new Uint8Array(count * 4);
      const view = new DataView(out.buffer);
      for (let i = 0; i < count; i++) view.setFloat32(i * 4, values[i], true);
      return out;
    }
    case 'F64': {
      const out = new Uint8Array(count * 8);
      const view = new DataView(out.buffer);
      for (let i = 0; i < count; i++) view.setFloat64(i * 8, values[i], true);
      return out;
    }
    case 'F16':
    case 'BF16': {
      const out = new Uint8Array(count * 2);
      const convert = dtype === 'F16' ? float32ToF16Bits : float32ToBF16Bits;
      for (let i = 0, b = 0; i < count; i++, b += 2) {
        const half = convert(values[i]);
        out[b] = half & 0xff;
        out[b + 1] = half >>> 8;
      }
      return out;
    }
    default:
      throw new FormatError(`${what}: cannot convert pre-trained values to ${dtype}; export supports F64, F32, F16 and BF16 when the two checkpoints differ in dtype`);
  }
}
