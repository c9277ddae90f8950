// Property tests of the safetensors reader on hostile input: random bytes, truncated and bit-flipped
// files, forged header lengths and mutated JSON headers. The reader must only ever reject with a
// FormatError, never read past the header it declared (nor past the cap), and never hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, openSafetensors, readTensorBytes } from './safetensors';
import { KNOWN_DTYPES, dtypeSize } from './dtype';
import { buildSafetensors, rawSafetensors, type TensorSpec } from './test-helpers';
import { FormatError, type ByteSource, type TensorInfo } from './types';

interface Recorded {
  source: ByteSource;
  reads: [number, number][];
}

/** A source over `bytes` that may claim a larger size (reads past the bytes return zeros) and logs reads. */
function recordingSource(bytes: Uint8Array, claimedSize = bytes.length): Recorded {
  const reads: [number, number][] = [];
  const source: ByteSource = {
    name: 'fuzz.safetensors',
    size: claimedSize,
    read(offset, length) {
      reads.push([offset, length]);
      if (offset < 0 || length < 0 || offset + length > claimedSize) {
        return Promise.reject(new Error(`read outside the file: ${offset}+${length} > ${claimedSize}`));
      }
      const out = new Uint8Array(length);
      if (offset < bytes.length) out.set(bytes.subarray(offset, Math.min(bytes.length, offset + length)));
      return Promise.resolve(out);
    },
  };
  return { source, reads };
}

function declaredHeaderLength(bytes: Uint8Array): bigint {
  if (bytes.length < 8) return -1n;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

/** Settles within a deadline or fails: a hang shows up as a failed property, not a stuck run. */
async function settle<T>(promise: Promise<T>, ms = 5000): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return { ok: true, value: await Promise.race([promise, deadline]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('did not settle')) throw error;
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a file and checks every invariant the reader promises, whichever way it ends. */
async function checkOpen(bytes: Uint8Array, claimedSize = bytes.length): Promise<Map<string, TensorInfo> | null> {
  const { source, reads } = recordingSource(bytes, claimedSize);
  const outcome = await settle(openSafetensors(source));
  const declared = declaredHeaderLength(bytes);
  const readLimit = 8 + Math.min(Number(declared < 0n ? 0n : declared), MAX_HEADER_BYTES);
  for (const [offset, length] of reads) {
    expect(offset + length).toBeLessThanOrEqual(Math.min(readLimit, claimedSize));
  }
  if (!outcome.ok) {
    if (!(outcome.error instanceof FormatError)) throw outcome.error;
    expect(outcome.error.message.startsWith('fuzz.safetensors: ')).toBe(true);
    return null;
  }
  const tensors = outcome.value;
  const dataStart = 8 + Number(declared);
  const spans: [number, number][] = [];
  for (const info of tensors.values()) {
    const elements = info.shape.reduce((a, b) => a * b, 1);
    expect(info.byteLength).toBe(elements * dtypeSize(info.dtype));
    expect(info.byteOffset).toBeGreaterThanOrEqual(dataStart);
    expect(info.byteOffset + info.byteLength).toBeLessThanOrEqual(claimedSize);
    if (info.byteLength > 0) spans.push([info.byteOffset, info.byteOffset + info.byteLength]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  return tensors;
}

const tensorSpecs = fc.uniqueArray(
  fc.record({
    name: fc.oneof(fc.constantFrom('w', 'b', 'layer.0.w', 'layer.10.w', '__x'), fc.string({ maxLength: 6 })),
    dtype: fc.constantFrom(...KNOWN_DTYPES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  }),
  { selector: (spec) => spec.name, maxLength: 5 },
).filter((specs) => specs.every((spec) => spec.name !== '__metadata__'));

const validFile = fc
  .record({ specs: tensorSpecs, gapBytes: fc.integer({ min: 0, max: 3 }), headerPadding: fc.integer({ min: 0, max: 8 }), seed: fc.integer() })
  .map(({ specs, gapBytes, headerPadding, seed }) => {
    let state = seed;
    const tensors: TensorSpec[] = specs.map((spec) => {
      const bytes = new Uint8Array(spec.shape.reduce((a, b) => a * b, 1) * dtypeSize(spec.dtype));
      for (let i = 0; i < bytes.length; i++) bytes[i] = (state = (state * 1103515245 + 12345) | 0) >>> 24;
      return { ...spec, data: bytes };
    });
    return { tensors, file: buildSafetensors(tensors, { gapBytes, headerPadding, metadata: { format: 'pt' } }) };
  });

const RUNS = 600;

describe('safetensors reader fuzz', () => {
  it('round-trips valid files exactly', async () => {
    await fc.assert(
      fc.asyncProperty(validFile, async ({ tensors, file }) => {
        const opened = await checkOpen(file);
        expect(opened).not.toBeNull();
        // Header order, as JSON.parse yields it (integer-like names first, as JavaScript orders keys).
        const headerLength = Number(declaredHeaderLength(file));
        const headerKeys = Object.keys(JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))));
        expect([...opened!.keys()]).toEqual(headerKeys.filter((key) => key !== '__metadata__'));
        expect(opened!.size).toBe(tensors.length);
        for (const spec of tensors) {
          const info = opened!.get(spec.name)!;
          expect(info.dtype).toBe(spec.dtype);
          expect(info.shape).toEqual(spec.shape);
          expect(Buffer.from(await readTensorBytes(info)).equals(Buffer.from(spec.data!))).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes: FormatError or a consistent result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        await checkOpen(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('random JSON headers over random data', async () => {
    const entry = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom(...KNOWN_DTYPES), fc.jsonValue({ maxDepth: 1 })),
        shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -2, max: 64 }), fc.integer({ min: -2, max: 64 })), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    );
    const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__metadata__')), fc.oneof(entry, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ maxLength: 64 }), async (json, data) => {
        await checkOpen(rawSafetensors(json, data));
      }),
      { numRuns: RUNS },
    );
  });

  it('truncated and bit-flipped files', async () => {
    await fc.assert(
      fc.asyncProperty(
        validFile,
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async ({ file }, flips, cut) => {
          const bytes = file.slice(0, cut === undefined ? file.length : cut % (file.length + 1));
          for (const { at, xor } of flips) if (bytes.length > 0) bytes[at % bytes.length] ^= xor;
          await checkOpen(bytes);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('forged header lengths never make it read past the declared header or the cap', async () => {
    const forged = fc.oneof(
      fc.bigInt({ min: 0n, max: 4096n }),
      fc.bigInt({ min: BigInt(MAX_HEADER_BYTES) - 2n, max: BigInt(MAX_HEADER_BYTES) + 2n }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    );
    await fc.assert(
      fc.asyncProperty(validFile, forged, fc.constantFrom(0, 1, 2 ** 40), async ({ file }, length, claimExtra) => {
        const bytes = file.slice();
        new DataView(bytes.buffer).setBigUint64(0, length, true);
        // A claimed size far beyond the bytes lets a wrong cap check show up as a huge read.
        const claimedSize = claimExtra === 0 ? bytes.length : bytes.length + claimExtra;
        if (length > 1_000_000n && length <= BigInt(MAX_HEADER_BYTES) && claimedSize > Number(length) + 8) return;
        await checkOpen(bytes, claimedSize);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated JSON headers', async () => {
    const mutation = fc.record({
      pick: fc.nat(),
      field: fc.constantFrom('dtype', 'shape', 'data_offsets', 'entry', 'extra', 'shift'),
      delta: fc.integer({ min: -16, max: 16 }),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(fc.oneof(fc.integer({ min: -3, max: 300 }), fc.double(), fc.constant(2 ** 53)), { maxLength: 3 }),
        fc.constantFrom(...KNOWN_DTYPES, 'F4', 'f32', ''),
        fc.constant(undefined),
      ),
    });
    await fc.assert(
      fc.asyncProperty(validFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), async ({ file }, mutations) => {
        const headerLength = Number(declaredHeaderLength(file));
        const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, Record<string, unknown>>;
        const data = file.subarray(8 + headerLength);
        const names = Object.keys(header);
        for (const { pick, field, value, delta } of mutations) {
          const name = names[pick % names.length];
          const offsets = header[name]?.data_offsets;
          // Moving a tensor keeps its size consistent, so only the overlap and bounds checks can catch it.
          if (field === 'shift' && Array.isArray(offsets)) header[name].data_offsets = offsets.map((o) => (o as number) + delta);
          else if (field === 'entry') header[name] = value as Record<string, unknown>;
          else if (field === 'extra') header[`extra${pick % 3}`] = value as Record<string, unknown>;
          else if (typeof header[name] === 'object' && header[name] !== null) header[name][field] = value;
        }
        await checkOpen(rawSafetensors(header, data));
      }),
      { numRuns: RUNS },
    );
  });
});
