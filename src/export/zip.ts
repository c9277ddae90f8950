// A streaming ZIP writer: stored entries (no compression: weights barely compress), CRC-32, data
// descriptors so nothing is buffered, and ZIP64 records when an entry, an offset or the count needs them.
import type { ByteSink } from './sink';

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Incremental CRC-32 (IEEE 802.3, as ZIP uses): crc32Update(0, ...) then chain. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
// 1980-01-01 00:00: a fixed timestamp keeps the archive byte-identical between runs.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;

class LittleEndianBuilder {
  private readonly bytes: number[] = [];
  u16(value: number): this {
    this.bytes.push(value & 0xff, (value >>> 8) & 0xff);
    return this;
  }
  u32(value: number): this {
    this.bytes.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
    return this;
  }
  u64(value: number): this {
    this.u32(value >>> 0);
    return this.u32(Math.floor(value / 4294967296));
  }
  raw(data: Uint8Array): this {
    for (const byte of data) this.bytes.push(byte);
    return this;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

interface CentralEntry {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
  zip64: boolean;
}

export interface ZipWriterOptions {
  /** Writes ZIP64 records for every entry even when small (tests exercise the ZIP64 path with it). */
  forceZip64?: boolean;
}

/**
 * Usage: `await zip.addEntry(name, size, async (sink) => { ...write exactly size bytes... })` per file, then
 * `await zip.finish()`. The size is declared up front so the entry's ZIP64 need is known before its header.
 */
export class ZipWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];
  private busy = false;
  private finished = false;

  constructor(private readonly sink: ByteSink, private readonly options: ZipWriterOptions = {}) {}

  private async emit(bytes: Uint8Array): Promise<void> {
    this.offset += bytes.byteLength;
    await this.sink.write(bytes);
  }

  async addEntry(name: string, size: number, produce: (sink: ByteSink) => Promise<void>): Promise<void> {
    if (this.busy || this.finished) throw new Error(`ZIP entry "${name}": the archive is ${this.finished ? 'finished' : 'writing another entry'}`);
    this.busy = true;
    try {
      const nameBytes = new TextEncoder().encode(name);
      const zip64 = this.options.forceZip64 === true || size >= U32_MAX || this.offset >= U32_MAX;
      const localOffset = this.offset;
      const local = new LittleEndianBuilder()
        .u32(0x04034b50)
        .u16(zip64 ? 45 : 20)
        .u16(FLAG_DATA_DESCRIPTOR | FLAG_UTF8)
        .u16(0) // stored
        .u16(DOS_TIME)
        .u16(DOS_DATE)
        .u32(0) // CRC in the data descriptor
        .u32(zip64 ? U32_MAX : 0)
        .u32(zip64 ? U32_MAX : 0)
        .u16(nameBytes.length)
        .u16(zip64 ? 20 : 0)
        .raw(nameBytes);
      if (zip64) local.u16(0x0001).u16(16).u64(0).u64(0);
      await this.emit(local.build());

      let crc = 0;
      let written = 0;
      await produce({
        write: async (chunk) => {
          crc = crc32Update(crc, chunk);
          written += chunk.byteLength;
          if (written > size) throw new Error(`ZIP entry "${name}": more than the declared ${size} bytes were written`);
          await this.emit(chunk);
        },
      });
      if (written !== size) throw new Error(`ZIP entry "${name}": ${written} bytes were written, ${size} declared`);

      const descriptor = new LittleEndianBuilder().u32(0x08074b50).u32(crc);
      if (zip64) descriptor.u64(size).u64(size);
      else descriptor.u32(size).u32(size);
      await this.emit(descriptor.build());
      this.entries.push({ name: nameBytes, crc, size, offset: localOffset, zip64 });
    } finally {
      this.busy = false;
    }
  }

  /** Adds a small in-memory file. */
  addBytes(name: string, bytes: Uint8Array): Promise<void> {
    return this.addEntry(name, bytes.byteLength, (sink) => sink.write(bytes));
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const centralOffset = this.offset;
    for (const entry of this.entries) {
      const needOffset64 = entry.zip64 || entry.offset >= U32_MAX;
      const extra = new LittleEndianBuilder();
      if (entry.zip64 || needOffset64) {
        const fields = new LittleEndianBuilder();
        if (entry.zip64) fields.u64(entry.size).u64(entry.size);
        if (needOffset64) fields.u64(entry.offset);
        const body = fields.build();
        extra.u16(0x0001).u16(body.length).raw(body);
      }
      const extraBytes = extra.build();
      const central = new LittleEndianBuilder()
        .u32(0x02014b50)
        .u16((3 << 8) | 45) // made by: Unix, spec 4.5
        .u16(entry.zip64 || needOffset64 ? 45 : 20)
        .u16(FLAG_DATA_DESCRIPTOR | FLAG_UTF8)
        .u16(0)
        .u16(DOS_TIME)
        .u16(DOS_DATE)
        .u32(entry.crc)
        .u32(entry.zip64 ? U32_MAX : entry.size)
        .u32(entry.zip64 ? U32_MAX : entry.size)
        .u16(entry.name.length)
        .u16(extraBytes.length)
        .u16(0) // comment
        .u16(0) // disk
        .u16(0) // internal attributes
        .u32((0o100644 << 16) >>> 0) // external: regular file rw-r--r--
        .u32(needOffset64 ? U32_MAX : entry.offset)
        .raw(entry.name)
        .raw(extraBytes);
      await this.emit(central.build());
    }
    const centralSize = this.offset - centralOffset;
    const count = this.entries.length;
    const zip64End =
      this.options.forceZip64 === true || this.entries.some((e) => e.zip64) || centralOffset >= U32_MAX || centralSize >= U32_MAX || count >= U16_MAX;
    if (zip64End) {
      const recordOffset = this.offset;
      await this.emit(
        new LittleEndianBuilder()
          .u32(0x06064b50)
          .u64(44)
          .u16((3 << 8) | 45)
          .u16(45)
          .u32(0)
          .u32(0)
          .u64(count)
          .u64(count)
          .u64(centralSize)
          .u64(centralOffset)
          .build(),
      );
      await this.emit(new LittleEndianBuilder().u32(0x07064b50).u32(0).u64(recordOffset).u32(1).build());
    }
    await this.emit(
      new LittleEndianBuilder()
        .u32(0x06054b50)
        .u16(0)
        .u16(0)
        .u16(zip64End ? U16_MAX : count)
        .u16(zip64End ? U16_MAX : count)
        .u32(zip64End ? U32_MAX : centralSize)
        .u32(zip64End ? U32_MAX : centralOffset)
        .u16(0)
        .build(),
    );
  }
}
