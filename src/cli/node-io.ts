// Node-side I/O for the CLI: checkpoints from paths, files as ByteSinks, output folders.
import { openAsBlob } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { openCheckpointFromFiles } from '../formats/checkpoint';
import { blobSource, checkReadRange } from '../formats/sources';
import { FormatError, type ByteSource, type Checkpoint } from '../formats/types';
import type { ByteSink } from '../export/sink';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeFsError(path: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return `${path}: not found`;
  if (code === 'EACCES' || code === 'EPERM') return `${path}: permission denied`;
  if (code === 'ENOTDIR') return `${path}: a parent of it is a file, not a folder`;
  if (code === 'EEXIST') return `${path}: already exists and is not a folder`;
  if (code === 'EROFS') return `${path}: read-only file system`;
  if (code === 'ENOSPC') return `${path}: no space left on the device`;
  return `${path}: ${messageOf(error)}`;
}

/** The path errors show: relative to the working folder when inside it, as people type paths. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Absolute path of every Blob fileEntry opened, so reads can go to the file directly. */
const pathOfBlob = new WeakMap<Blob, string>();

async function fileEntry(path: string): Promise<{ file: Blob; path: string }> {
  const file = await openAsBlob(path);
  pathOfBlob.set(file, path);
  return { file, path: displayPath(path) };
}

/**
 * A ByteSource reading each range with positioned reads straight into one fresh buffer: a Blob slice
 * streams 64 KiB chunks and concatenates them, a second copy of every tensor on the main thread.
 */
function fileSource(file: Blob, name: string): ByteSource {
  const path = pathOfBlob.get(file);
  if (path === undefined) return blobSource(file, name);
  return {
    name,
    size: file.size,
    async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
      if (signal?.aborted) return blobSource(file, name).read(offset, length, signal); // its abort error
      checkReadRange(name, file.size, offset, length);
      const bytes = new Uint8Array(length);
      let handle: FileHandle | null = null;
      try {
        handle = await open(path, 'r');
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
          if (bytesRead === 0) throw new Error('the file ended early');
          done += bytesRead;
        }
      } catch (error) {
        throw new FormatError(`${name}: could not read ${length} bytes at offset ${offset} (${messageOf(error)}); was the file changed or removed?`);
      } finally {
        await handle?.close();
      }
      return bytes;
    },
  };
}

/**
 * Opens a checkpoint given as a .safetensors file, a model.safetensors.index.json or a Hugging Face folder.
 * Reads are lazy (file-backed Blobs): only headers are read here.
 */
export async function openCheckpointPath(input: string, role: string): Promise<Checkpoint> {
  const path = resolve(input);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new FormatError(`${role} checkpoint ${describeFsError(input, error)}`);
  }
  const label = input;
  if (info.isDirectory()) {
    const names = (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    return openCheckpointFromFiles(await Promise.all(names.map((name) => fileEntry(join(path, name)))), label, undefined, fileSource);
  }
  if (path.endsWith('.index.json')) {
    // The index and its folder's other files (shards, config, tokenizer), but not a single-file model beside it.
    const dir = dirname(path);
    const names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name !== 'model.safetensors' && (e.name === basename(path) || !e.name.endsWith('.index.json')))
      .map((e) => e.name);
    return openCheckpointFromFiles(await Promise.all(names.map((name) => fileEntry(join(dir, name)))), label, undefined, fileSource);
  }
  if (!path.endsWith('.safetensors')) {
    throw new FormatError(`${role} checkpoint ${input}: expected a .safetensors file, a model.safetensors.index.json or a folder`);
  }
  return openCheckpointFromFiles([await fileEntry(path)], label, undefined, fileSource);
}

/**
 * mkdir -p by hand: Node's recursive mkdir never settles on some paths (e.g. under /proc), and a CLI
 * must fail, not hang. Each level is one plain mkdir.
 */
async function makeDirs(path: string, depth: number): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw error;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || depth > 64) throw error;
  }
  await makeDirs(dirname(path), depth + 1);
  await mkdir(path);
}

/** Creates the folder (and parents); a clear error when it cannot. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await makeDirs(resolve(path), 0);
  } catch (error) {
    throw new Error(`cannot create output folder ${describeFsError(path, error)}`, { cause: error });
  }
  // mkdir succeeds on an existing folder we may not write into: probe it.
  const probe = join(path, `.kenviz-write-test-${process.pid}`);
  let handle: FileHandle;
  try {
    handle = await open(probe, 'w');
  } catch (error) {
    throw new Error(`cannot write into output folder ${describeFsError(path, error)}`, { cause: error });
  }
  await handle.close();
  await unlink(probe);
}

export interface FileSink extends ByteSink {
  readonly path: string;
  bytesWritten: number;
  close(): Promise<void>;
}

/** A file written front to back; small chunks are gathered up to 8 MiB so they don't each hit the disk. */
export async function fileSink(path: string): Promise<FileSink> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
  } catch (error) {
    throw new Error(`cannot write ${describeFsError(path, error)}`, { cause: error });
  }
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const writeAll = async (bytes: Uint8Array) => {
    let done = 0;
    try {
      while (done < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
        done += bytesWritten;
      }
    } catch (error) {
      throw new Error(`cannot write ${describeFsError(path, error)}`, { cause: error });
    }
  };
  const flush = async () => {
    if (pendingBytes === 0) return;
    const joined = Buffer.concat(pending.splice(0), pendingBytes);
    pendingBytes = 0;
    await writeAll(joined);
  };
  const sink: FileSink = {
    path,
    bytesWritten: 0,
    async write(chunk) {
      sink.bytesWritten += chunk.byteLength;
      if (chunk.byteLength >= 1 << 20) {
        await flush();
        await writeAll(chunk);
        return;
      }
      // Copy: the producer may reuse its buffer once the write resolves.
      pending.push(chunk.slice());
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= 8 << 20) await flush();
    },
    async close() {
      try {
        await flush();
      } finally {
        await handle.close();
      }
    },
  };
  return sink;
}
