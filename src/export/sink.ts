// Where exported bytes go: a file (Node), a download stream or a ZIP entry (browser), memory (tests).
// Writers call write() in order and await it, so a slow sink slows the export instead of buffering it.

export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
}

/** Collects everything in memory: for tests and small artifacts (report files) only. */
export class MemorySink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  write(chunk: Uint8Array): Promise<void> {
    // Copy: the producer may reuse or transfer its buffer after the write resolves.
    this.chunks.push(chunk.slice());
    this.length += chunk.byteLength;
    return Promise.resolve();
  }

  get byteLength(): number {
    return this.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let position = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, position);
      position += chunk.byteLength;
    }
    return out;
  }
}

/** Counts bytes passing through to another sink (for progress and size checks). */
export class CountingSink implements ByteSink {
  written = 0;
  constructor(private readonly inner: ByteSink) {}
  async write(chunk: Uint8Array): Promise<void> {
    this.written += chunk.byteLength;
    await this.inner.write(chunk);
  }
}
