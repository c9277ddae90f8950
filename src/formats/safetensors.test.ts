import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES, openSafetensors, readMetadata, readTensorBytes, readTensorFloat32,
} from './safetensors';
import { bufferSource } from './sources';
import { nodeFileSource } from './node/file-source';
import { buildSafetensors, float32Bytes, rawSafetensors } from './test-helpers';
import { FormatError, type ByteSource } from './types';

const DEMO = new URL('../../public/demo/', import.meta.url);
const demoPath = (which: string): string => new URL(`${which}/model.safetensors`, DEMO).pathname;

/** Little-endian float32 values straight from the file bytes, as an independent check of the reader. */
function floatsAt(bytes: Uint8Array, offset: number, count: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return Array.from({ length: count }, (_, i) => view.getFloat32(offset + i * 4, true));
}

async function rejection(promise: Promise<unknown>): Promise<FormatError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error('expected a FormatError, but the promise resolved');
}

describe('openSafetensors on the demo checkpoints', () => {
  it('locates every tensor of both files', async () => {
    const pre = await nodeFileSource(demoPath('pretrained'));
    const fine = await nodeFileSource(demoPath('finetuned'));
    try {
      const preTensors = await openSafetensors(pre);
      const fineTensors = await openSafetensors(fine);
      expect(preTensors.size).toBe(74);
      expect(fineTensors.size).toBe(73);
      expect([...fineTensors.keys()][0]).toBe('bert.embeddings.LayerNorm.bias');
      const classifier = fineTensors.get('classifier.weight');
      expect(classifier).toMatchObject({ dtype: 'F32', shape: [3, 128], byteOffset: 8 + 8144 + 6377996, byteLength: 1536 });
      expect(preTensors.get('bert.embeddings.word_embeddings.weight')).toMatchObject({ shape: [6000, 128], byteLength: 6000 * 128 * 4 });
      expect(await readMetadata(fine)).toEqual({ format: 'pt' });

      const raw = readFileSync(demoPath('finetuned'));
      const values = await readTensorFloat32(classifier!);
      expect(values.length).toBe(384);
      expect(Array.from(values)).toEqual(floatsAt(raw, 8 + 8144 + 6377996, 384));
    } finally {
      await pre.close();
      await fine.close();
    }
  });
});

describe('readTensor*', () => {
  const f32 = [1.5, -2.25, 3.125, Math.fround(0.1), -0, 7];
  const f64 = new Uint8Array(2 * 8);
  new DataView(f64.buffer).setFloat64(0, 1 + 2 ** -24 + 2 ** -40, true);
  new DataView(f64.buffer).setFloat64(8, -1e-50, true);
  const ids = new Uint8Array(2 * 8);
  new DataView(ids.buffer).setBigInt64(8, 42n, true);

  it('reads F32 exactly at unaligned offsets (gap 1, 2 and 3 bytes)', async () => {
    for (const gapBytes of [1, 2, 3]) {
      const file = buildSafetensors(
        [
          { name: 'a', dtype: 'F32', shape: [2, 3], data: float32Bytes(f32) },
          { name: 'b', dtype: 'F32', shape: [1], data: float32Bytes([9]) },
        ],
        { gapBytes },
      );
      const tensors = await openSafetensors(bufferSource(file, 'unaligned.safetensors'));
      expect(tensors.get('a')!.byteOffset % 4).not.toBe(0);
      const values = await readTensorFloat32(tensors.get('a')!);
      expect(Array.from(values)).toEqual(f32);
      expect(Object.is(values[4], -0)).toBe(true);
      expect(Array.from(await readTensorFloat32(tensors.get('b')!))).toEqual([9]);
    }
  });

  it('widens F16/BF16/F8, narrows F64, and keeps integer tensors as bytes only', async () => {
    const file = buildSafetensors(
      [
        { name: 'half', dtype: 'F16', shape: [2], data: new Uint8Array([0x00, 0x3c, 0x01, 0x80]) },
        { name: 'brain', dtype: 'BF16', shape: [1], data: new Uint8Array([0xc9, 0x3f]) },
        { name: 'e4m3', dtype: 'F8_E4M3', shape: [2], data: new Uint8Array([0x7e, 0x81]) },
        { name: 'e5m2', dtype: 'F8_E5M2', shape: [1], data: new Uint8Array([0x7b]) },
        { name: 'double', dtype: 'F64', shape: [2], data: f64 },
        { name: 'ids', dtype: 'I64', shape: [2], data: ids },
        { name: 'empty', dtype: 'F32', shape: [0, 4] },
        { name: 'scalar', dtype: 'F32', shape: [], data: float32Bytes([5]) },
      ],
      { gapBytes: 1 },
    );
    const tensors = await openSafetensors(bufferSource(file, 'mixed.safetensors'));
    const read = async (name: string): Promise<number[]> => Array.from(await readTensorFloat32(tensors.get(name)!));
    expect(await read('half')).toEqual([1, -(2 ** -24)]);
    expect(await read('brain')).toEqual([1 + 0x49 / 128]);
    expect(await read('e4m3')).toEqual([448, -(2 ** -9)]);
    expect(await read('e5m2')).toEqual([57344]);
    expect(await read('double')).toEqual([1 + 2 ** -23, -0]);
    expect(await read('empty')).toEqual([]);
    expect(await read('scalar')).toEqual([5]);
    expect(Array.from(await readTensorBytes(tensors.get('ids')!))).toEqual(Array.from(ids));
    const error = await rejection(readTensorFloat32(tensors.get('ids')!));
    expect(error.message).toBe('mixed.safetensors: tensor "ids": dtype I64 is not a floating type and cannot be read as float32');
  });

  it('accepts a header padded with spaces and reports metadata', async () => {
    const file = buildSafetensors([{ name: 'w', dtype: 'F32', shape: [1], data: float32Bytes([2]) }], {
      metadata: { format: 'pt', note: 'x' },
      headerPadding: 5,
    });
    const source = bufferSource(file, 'padded.safetensors');
    expect(await readMetadata(source)).toEqual({ format: 'pt', note: 'x' });
    expect(Array.from(await readTensorFloat32((await openSafetensors(source)).get('w')!))).toEqual([2]);
  });
});

/** A file that claims to be huge and records every read, to prove the header cap is checked first. */
function recordingSource(prefix: Uint8Array, size: number, reads: [number, number][]): ByteSource {
  return {
    name: 'huge.safetensors',
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      reads.push([offset, length]);
      const out = new Uint8Array(length);
      out.set(prefix.subarray(offset, offset + length));
      return Promise.resolve(out);
    },
  };
}

describe('header validation', () => {
  const dataOf = (n: number): Uint8Array => new Uint8Array(n);
  const tensor = (fields: Record<string, unknown>): Record<string, unknown> => ({ dtype: 'F32', shape: [2], data_offsets: [0, 8], ...fields });

  // [case, file bytes, expected message (exact, so a wrong check cannot pass)]
  const cases: [string, Uint8Array, string][] = [
    ['shorter than 8 bytes', new Uint8Array(5), 'bad.safetensors: 5 bytes is too small to be a safetensors file (the header length alone takes 8 bytes)'],
    ['header length past the end', (() => { const f = rawSafetensors({}, dataOf(0)); new DataView(f.buffer).setUint32(0, 100, true); return f; })(),
      'bad.safetensors: header length 100 bytes is larger than the rest of the file (2 bytes); the file is truncated or not safetensors'],
    ['header length over the cap', (() => { const f = rawSafetensors({}); new DataView(f.buffer).setUint32(4, 1, true); return f; })(),
      `bad.safetensors: header length 4294967298 bytes exceeds the ${MAX_HEADER_BYTES}-byte limit; this is not a safetensors file or it is corrupt`],
    ['a text file', new TextEncoder().encode('# README of a model folder, renamed\n'),
      'bad.safetensors: header length 4993722608950321187 bytes exceeds the 100000000-byte limit; it starts with text ("# README…"), not a safetensors file'],
    ['a git-lfs pointer', new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:0\n'),
      'bad.safetensors: header length 2336927755350992246 bytes exceeds the 100000000-byte limit; it is a git-lfs pointer, not the file itself (fetch the LFS object)'],
    ['a PyTorch zip checkpoint', Uint8Array.from([0x50, 0x4b, 3, 4, 0x14, 0, 0, 8, 0, 0, 0, 0]),
      'bad.safetensors: header length 576460838270094160 bytes exceeds the 100000000-byte limit; it starts like a ZIP archive (a PyTorch .bin/.pt checkpoint?), not a safetensors file'],
    ['header length too small', (() => { const f = rawSafetensors('{}'); new DataView(f.buffer).setUint32(0, 1, true); return f; })(),
      'bad.safetensors: header length 1 bytes is too small to hold a JSON object'],
    ['invalid UTF-8', (() => { const f = rawSafetensors('{"a":"xx"}'); f[14] = 0xff; return f; })(), 'bad.safetensors: the header is not valid UTF-8'],
    ['invalid JSON', rawSafetensors('{"a": '), 'bad.safetensors: the header is not valid JSON ('],
    ['an array header', rawSafetensors([1, 2]), 'bad.safetensors: the header must be a JSON object, found an array'],
    ['a null header', rawSafetensors('null'), 'bad.safetensors: the header must be a JSON object, found null'],
    ['metadata not an object', rawSafetensors({ __metadata__: 'pt' }), 'bad.safetensors: __metadata__ must be an object of strings, found "pt"'],
    ['metadata value not a string', rawSafetensors({ __metadata__: { format: 1 } }), 'bad.safetensors: __metadata__ entry "format" must be a string, found number 1'],
    ['entry not an object', rawSafetensors({ w: [1] }), 'bad.safetensors: tensor "w": entry must be an object with dtype, shape and data_offsets, found an array'],
    ['unknown dtype', rawSafetensors({ w: tensor({ dtype: 'F4' }) }, dataOf(8)), 'bad.safetensors: tensor "w": unknown dtype "F4" (supported: F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)'],
    ['missing dtype', rawSafetensors({ w: { shape: [2], data_offsets: [0, 8] } }, dataOf(8)), 'bad.safetensors: tensor "w": missing "dtype"'],
    ['shape not an array', rawSafetensors({ w: tensor({ shape: 2 }) }, dataOf(8)), 'bad.safetensors: tensor "w": shape must be an array of integers, found number 2'],
    ['negative dim', rawSafetensors({ w: tensor({ shape: [2, -1] }) }, dataOf(8)), 'bad.safetensors: tensor "w": shape[1] must be an integer >= 0, found number -1'],
    ['fractional dim', rawSafetensors({ w: tensor({ shape: [1.5] }) }, dataOf(8)), 'bad.safetensors: tensor "w": shape[0] must be an integer >= 0, found number 1.5'],
    ['string dim', rawSafetensors({ w: tensor({ shape: ['2'] }) }, dataOf(8)), 'bad.safetensors: tensor "w": shape[0] must be an integer >= 0, found "2"'],
    ['absurd shape', rawSafetensors({ w: tensor({ shape: [2 ** 30, 2 ** 30, 2 ** 30] }) }, dataOf(8)), 'bad.safetensors: tensor "w": shape [1073741824, 1073741824, 1073741824] is too large'],
    ['offsets not a pair', rawSafetensors({ w: tensor({ data_offsets: [0] }) }, dataOf(8)), 'bad.safetensors: tensor "w": data_offsets must be [begin, end], found an array'],
    ['offsets missing', rawSafetensors({ w: tensor({ data_offsets: undefined }) }, dataOf(8)), 'bad.safetensors: tensor "w": missing "data_offsets"'],
    ['offsets not integers', rawSafetensors({ w: tensor({ data_offsets: [0, '8'] }) }, dataOf(8)), 'bad.safetensors: tensor "w": data_offsets must be integers >= 0, found [number 0, "8"]'],
    ['negative offset', rawSafetensors({ w: tensor({ data_offsets: [-8, 0] }) }, dataOf(8)), 'bad.safetensors: tensor "w": data_offsets must be integers >= 0, found [number -8, number 0]'],
    ['end before begin', rawSafetensors({ w: tensor({ data_offsets: [8, 0] }) }, dataOf(8)), 'bad.safetensors: tensor "w": data_offsets end 0 is before begin 8'],
    ['offsets past the data', rawSafetensors({ w: tensor({ data_offsets: [4, 12] }) }, dataOf(8)), 'bad.safetensors: tensor "w": data_offsets [4, 12] go past the end of the data section (8 bytes); the file is truncated or corrupt'],
    ['size does not match shape', rawSafetensors({ w: tensor({ data_offsets: [0, 4] }) }, dataOf(8)), 'bad.safetensors: tensor "w": data_offsets [0, 4] hold 4 bytes but shape [2] of F32 needs 8'],
    ['overlapping tensors', rawSafetensors({ a: tensor({}), b: tensor({ shape: [1], data_offsets: [4, 8] }) }, dataOf(8)),
      'bad.safetensors: tensor "b" [4, 8] overlaps tensor "a" [0, 8]'],
    // Found by the fuzz test: an empty tensor sorted between two overlapping ones hid the overlap.
    ['overlap around an empty tensor', rawSafetensors({ a: tensor({}), e: tensor({ shape: [0], data_offsets: [4, 4] }), b: tensor({ shape: [1], data_offsets: [4, 8] }) }, dataOf(8)),
      'bad.safetensors: tensor "b" [4, 8] overlaps tensor "a" [0, 8]'],
  ];

  it.each(cases)('rejects %s with a FormatError naming the file and tensor', async (_, file, message) => {
    const error = await rejection(openSafetensors(bufferSource(file, 'bad.safetensors')));
    if (message.endsWith('(')) expect(error.message.startsWith(message)).toBe(true);
    else expect(error.message).toBe(message);
  });

  it('accepts adjacent and empty tensors that share an offset', async () => {
    const file = rawSafetensors(
      { a: tensor({}), e: tensor({ shape: [0], data_offsets: [8, 8] }), b: tensor({ shape: [1], data_offsets: [8, 12] }) },
      dataOf(12),
    );
    expect([...(await openSafetensors(bufferSource(file, 'ok.safetensors'))).keys()]).toEqual(['a', 'e', 'b']);
  });

  it('refuses an oversized header after reading only the 8-byte length', async () => {
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true);
    const reads: [number, number][] = [];
    const error = await rejection(openSafetensors(recordingSource(prefix, 2 ** 40, reads)));
    expect(error.message).toMatch(/header length 100000001 bytes exceeds/);
    expect(reads).toEqual([[0, 8]]);
  });

  it('reads the header in one read of exactly its declared length', async () => {
    const file = buildSafetensors([{ name: 'w', dtype: 'F32', shape: [2], data: float32Bytes([1, 2]) }]);
    const reads: [number, number][] = [];
    await openSafetensors(recordingSource(file, file.length, reads));
    const headerLength = new DataView(file.buffer).getUint32(0, true);
    expect(reads).toEqual([[0, 8], [8, headerLength]]);
  });
});

describe('golden fixture files', () => {
  const dir = new URL('../../test/fixtures/ken-golden/', import.meta.url);
  const names = readdirSync(dir).filter((name) => name.endsWith('.safetensors'));

  it('opens every fixture file and agrees with a plain JSON.parse of its header', async () => {
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(new URL(name, dir)));
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
      delete header.__metadata__;
      const tensors = await openSafetensors(bufferSource(bytes, name));
      expect([...tensors.keys()], name).toEqual(Object.keys(header));
      for (const [tensorName, entry] of Object.entries(header)) {
        const info = tensors.get(tensorName)!;
        expect([info.dtype, info.shape, info.byteOffset, info.byteLength], `${name} ${tensorName}`).toEqual([
          entry.dtype, entry.shape, 8 + headerLength + entry.data_offsets[0], entry.data_offsets[1] - entry.data_offsets[0],
        ]);
      }
    }
  });
});
