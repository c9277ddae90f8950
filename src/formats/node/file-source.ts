// A ByteSource over a local file for Node (CLI, tests, bench). Reads go through one fs FileHandle with
// explicit positions, so files beyond 2 GiB work and nothing is loaded up front.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { FormatError, type ByteSource } from '../types';
import { checkReadRange } from '../sources';

export interface NodeFileSource extends ByteSource {
  /** The full path; `name` is the same path so error messages locate the file. */
  readonly path: string;
  /** Releases the file handle; reads after close reject. */
  close(): Promise<void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function nodeFileSource(path: string): Promise<NodeFileSource> {
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder, not a file' : messageOf(error);
    throw new FormatError(`${path}: ${why}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FormatError(`${path}: not a regular file`);
    size = stat.size;
  } catch (error) {
    await handle.close();
    throw error instanceof FormatError ? error : new FormatError(`${path}: ${messageOf(error)}`);
  }
  let closed = false;
  return {
    name: path,
    path,
    size,
    async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
      if (signal?.aborted) throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
      if (closed) throw new FormatError(`${basename(path)}: the file was closed`);
      checkReadRange(path, size, offset, length);
      const out = new Uint8Array(length);
      let filled = 0;
      // FileHandle.read may return fewer bytes than asked; loop until the range is complete.
      while (filled < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(out, filled, length - filled, offset + filled));
        } catch (error) {
          throw new FormatError(`${path}: could not read ${length} bytes at offset ${offset} (${messageOf(error)})`);
        }
        if (bytesRead === 0) {
          throw new FormatError(`${path}: the file ended at ${offset + filled} bytes while reading ${length} bytes at offset ${offset}; was it truncated?`);
        }
        filled += bytesRead;
      }
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
