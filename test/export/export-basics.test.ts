// FNV-1a, ZIP and the safetensors writer against independent references (known vectors, zlib's CRC-32,
// a hand parser of the ZIP layout, and the formats layer's safetensors reader).
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Fnv1a64 } from '../../src/export/fnv';
import { crc32Update, ZipWriter } from '../../src/export/zip';
import { MemorySink } from '../../src/export/sink';
import { SafetensorsWriter, buildSafetensorsHeader, safetensorsFileSize } from '../../src/export/safetensors-writer';
import { float32ToBF16Bits, float32ToF16Bits } from '../../src/export/encode';
import { f16BitsToNumber } from '../../src/formats/dtype';
import { openSafetensors, readTensorBytes } from '../../src/formats/safetensors';
import { bufferSource } from '../../src/formats/sources';

describe('Fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(new Fnv1a64().hex()).toBe('cbf29ce484222325');
    expect(new Fnv1a64().updateText('a').hex()).toBe('af63dc4c8601ec8c');
    expect(new Fnv1a64().updateText('foobar').hex()).toBe('85944171f73967e8');
  });
  it('is the same in one piece or in chunks', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);
    expect(new Fnv1a64().update(bytes.subarray(0, 333)).update(bytes.subarray(333)).hex()).toBe(new Fnv1a64().update(bytes).hex());
  });
});

interface ParsedZipEntry {
  name: string;
  crc: number;
  size: number;
  data: Uint8Array;
}

/** Reads a ZIP through its central directory (ZIP64 aware), as unzip does; checks the local headers too. */
function parseZip(zip: Uint8Array): ParsedZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('no end of central directory');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    expect(view.getUint32(locator, true)).toBe(0x07064b50);
    const record = Number(view.getBigUint64(locator + 8, true));
    expect(view.getUint32(record, true)).toBe(0x06064b50);
    count = Number(view.getBigUint64(record + 32, true));
    cdOffset = Number(view.getBigUint64(record + 48, true));
  }
  const entries: ParsedZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(p, true)).toBe(0x02014b50);
    const crc = view.getUint32(p + 16, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength));
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e < extraEnd) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(f, true));
          f += 16;
        }
        if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(f, true));
      }
      e += 4 + length;
    }
    expect(view.getUint32(localOffset, true)).toBe(0x04034b50);
    expect(view.getUint16(localOffset + 8, true)).toBe(0); // stored
    const localName = view.getUint16(localOffset + 26, true);
    const localExtra = view.getUint16(localOffset + 28, true);
    const dataStart = localOffset + 30 + localName + localExtra;
    entries.push({ name, crc, size, data: zip.subarray(dataStart, dataStart + size) });
    p = extraEnd + commentLength;
  }
  return entries;
}

describe('ZipWriter', () => {
  const files: Record<string, Uint8Array> = {
    'model/config.json': new TextEncoder().encode('{"a": 1}'),
    'model/model.safetensors': Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 0xff),
    'model/empty.txt': new Uint8Array(0),
  };

  for (const forceZip64 of [false, true]) {
    it(`writes stored entries that read back with correct CRC-32${forceZip64 ? ' (ZIP64 records)' : ''}`, async () => {
      const sink = new MemorySink();
      const zip = new ZipWriter(sink, { forceZip64 });
      for (const [name, bytes] of Object.entries(files)) {
        // Streamed in uneven chunks, as the export writes tensors.
        await zip.addEntry(name, bytes.length, async (entry) => {
          for (let at = 0; at < bytes.length; at += 4099) await entry.write(bytes.subarray(at, at + 4099));
        });
      }
      await zip.finish();
      const entries = parseZip(sink.bytes());
      expect(entries.map((e) => e.name)).toEqual(Object.keys(files));
      for (const entry of entries) {
        expect(Buffer.compare(entry.data, files[entry.name])).toBe(0);
        expect(entry.crc).toBe(zlibCrc32(entry.data));
        expect(crc32Update(0, entry.data)).toBe(zlibCrc32(entry.data));
      }
    });
  }

  it('refuses an entry whose size differs from the declared one', async () => {
    const zip = new ZipWriter(new MemorySink());
    await expect(zip.addEntry('a', 3, (s) => s.write(new Uint8Array(2)))).rejects.toThrow(/2 bytes were written, 3 declared/);
  });
});

describe('SafetensorsWriter', () => {
  it('writes a file the formats reader opens, 8-aligned, metadata first', async () => {
    const entries = [
      { name: 'b', dtype: 'F32' as const, shape: [2, 3] },
      { name: 'a', dtype: 'U8' as const, shape: [5] },
      { name: 'empty', dtype: 'F16' as const, shape: [0, 4] },
    ];
    const sink = new MemorySink();
    const writer = new SafetensorsWriter(sink, entries, { format: 'pt' });
    const b = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    await writer.writeChunk('b', b.subarray(0, 10));
    await writer.writeChunk('b', b.subarray(10));
    await writer.writeTensor('a', Uint8Array.of(1, 0, 1, 1, 0));
    await writer.finish();
    const bytes = sink.bytes();
    expect(bytes.length).toBe(safetensorsFileSize(entries, { format: 'pt' }));
    expect(buildSafetensorsHeader(entries).length % 8).toBe(0);
    const tensors = await openSafetensors(bufferSource(bytes, 'written'));
    expect([...tensors.keys()]).toEqual(['b', 'a', 'empty']);
    expect(await readTensorBytes(tensors.get('b')!)).toEqual(b);
    expect(await readTensorBytes(tensors.get('a')!)).toEqual(Uint8Array.of(1, 0, 1, 1, 0));
    expect(new TextDecoder().decode(bytes.subarray(8, 40))).toMatch(/^\{"__metadata__":\{"format":"pt"\}/);
  });

  it('refuses tensors out of order or of the wrong length', async () => {
    const writer = new SafetensorsWriter(new MemorySink(), [{ name: 'x', dtype: 'F32', shape: [2] }, { name: 'y', dtype: 'F32', shape: [1] }]);
    await expect(writer.writeTensor('y', new Uint8Array(4))).rejects.toThrow(/next tensor is "x"/);
    await expect(writer.writeTensor('x', new Uint8Array(4))).rejects.toThrow(/needs 8 bytes/);
  });
});

describe('float32 -> F16/BF16 encoding', () => {
  it('round-trips every finite F16 value and rounds halfway cases to even', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = f16BitsToNumber(bits);
      if (!Number.isNaN(value) && float32ToF16Bits(value) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
    // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties to even -> 1.
    expect(float32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToF16Bits(70000)).toBe(0x7c00);
  });
  it('rounds float32 to bfloat16 to nearest even', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    u[0] = 0x3f808000; // exactly halfway between 0x3f80 and 0x3f81: even is 0x3f80
    expect(float32ToBF16Bits(f[0])).toBe(0x3f80);
    u[0] = 0x3f818000; // halfway between 0x3f81 and 0x3f82: even is 0x3f82
    expect(float32ToBF16Bits(f[0])).toBe(0x3f82);
    u[0] = 0x3f808001;
    expect(float32ToBF16Bits(f[0])).toBe(0x3f81);
  });
});
