// ByteSources: random access to a file in memory, in a Blob/File, or behind an HTTP server with Range.
// Pure TypeScript (fetch and Blob exist in browsers, workers and Node 18+), so the worker and the CLI share it.
import { FormatError, type ByteSource } from './types';

/** Throws a FormatError unless [offset, offset + length) lies inside a source of `size` bytes. */
export function checkReadRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FormatError(`${name}: invalid read of ${length} bytes at offset ${offset}`);
  }
  if (offset + length > size) {
    throw new FormatError(`${name}: read of ${length} bytes at offset ${offset} goes past the end of the file (${size} bytes)`);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
  }
}

/** Cancellation is not a failure: it passes through unchanged so callers can tell it apart. */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A source over bytes already in memory. Reads return copies, so callers may transfer them. */
export function bufferSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
      try {
        throwIfAborted(signal);
        checkReadRange(name, bytes.byteLength, offset, length);
        return Promise.resolve(bytes.slice(offset, offset + length));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** A source over a Blob or File; each read slices the Blob, so nothing is loaded up front. */
export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
      throwIfAborted(signal);
      checkReadRange(name, blob.size, offset, length);
      let buffer: ArrayBuffer;
      try {
        buffer = await blob.slice(offset, offset + length).arrayBuffer();
      } catch (error) {
        throw new FormatError(`${name}: could not read ${length} bytes at offset ${offset} (${messageOf(error)}); was the file changed or removed?`);
      }
      throwIfAborted(signal);
      if (buffer.byteLength !== length) {
        throw new FormatError(`${name}: read ${buffer.byteLength} bytes at offset ${offset}, expected ${length}; was the file changed?`);
      }
      return new Uint8Array(buffer);
    },
  };
}

export interface HttpSourceOptions {
  /** Bytes received so far through this source, against its total size. */
  onProgress?(bytesDone: number, bytesTotal: number): void;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /**
   * A server that ignores Range sends the whole file: up to this many bytes it is kept in memory and
   * served from there; a larger file is refused with a clear message. Default 1 GiB.
   */
  maxWholeBodyBytes?: number;
  /** Name used in error messages; defaults to the URL. */
  name?: string;
}

const DEFAULT_MAX_WHOLE_BODY_BYTES = 1024 ** 3;

interface ContentRange {
  start: number | null;
  end: number | null;
  total: number | null;
}

/** Parses `bytes 0-0/1234`, `bytes 0-0/*` or `bytes *\/1234`; null when absent or malformed. */
export function parseContentRange(header: string | null): ContentRange | null {
  if (!header) return null;
  const match = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header);
  if (!match) return null;
  const toNumber = (text: string | undefined): number | null => {
    if (text === undefined || text === '*') return null;
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : null;
  };
  return { start: toNumber(match[1]), end: toNumber(match[2]), total: toNumber(match[3]) };
}

function parseContentLength(header: string | null): number | null {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  const value = Number(header);
  return Number.isSafeInteger(value) ? value : null;
}

function isHtmlContentType(response: Response): boolean {
  return /\btext\/html\b|application\/xhtml/i.test(response.headers.get('content-type') ?? '');
}

/** True when the bytes begin like an HTML page (an SPA's index.html served for a missing file). */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  while (start < bytes.length && (bytes[start] === 0x20 || bytes[start] === 0x0a || bytes[start] === 0x0d || bytes[start] === 0x09)) start++;
  const head = new TextDecoder('latin1').decode(bytes.subarray(start, start + 16)).toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<head') || head.startsWith('<!--');
}

/** The file does not exist at that URL (404/410, or an HTML page served in its place). */
export class SourceNotFoundError extends FormatError {
  constructor(message: string) {
    super(message);
    this.name = 'SourceNotFoundError';
  }
}

function notFoundError(url: string, why: string): FormatError {
  return new SourceNotFoundError(`${url}: not found (${why})`);
}

function httpStatusError(url: string, response: Response): FormatError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status === 404 || response.status === 410) return notFoundError(url, status);
  if (response.status === 401 || response.status === 403) {
    return new FormatError(`${url}: access denied (${status}); the file may be private or gated`);
  }
  return new FormatError(`${url}: the server answered ${status}`);
}

async function cancelBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body is being discarded; a failure to cancel it changes nothing for the caller.
  }
}

/**
 * Reads a response body, refusing more than `limit` bytes so a misbehaving server cannot make us
 * buffer an unbounded amount, and reporting each chunk.
 */
async function readBody(
  response: Response,
  url: string,
  limit: number,
  onChunk: (byteCount: number) => void,
  signal: AbortSignal | undefined,
  tooLarge: () => string = () => `${url}: the server sent more than the ${limit} bytes asked for`,
): Promise<Uint8Array> {
  if (!response.body) {
    const buffer = new Uint8Array(await response.arrayBuffer());
    if (buffer.byteLength > limit) throw new FormatError(tooLarge());
    onChunk(buffer.byteLength);
    return buffer;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    while (true) {
      throwIfAborted(signal);
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > limit) throw new FormatError(tooLarge());
      chunks.push(value);
      onChunk(value.byteLength);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    if (error instanceof FormatError || isAbortError(error)) throw error;
    throw new FormatError(`${url}: the transfer failed after ${received} bytes (${messageOf(error)})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(received);
  let position = 0;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

async function fetchOrExplain(doFetch: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await doFetch(url, init);
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new FormatError(`${url}: could not fetch (${messageOf(error)}); the server may be unreachable or may not allow cross-origin requests`);
  }
}

/**
 * A source over a URL, read with single-range GETs (only the CORS-safelisted `Range` header is sent).
 * The size comes from `Range: bytes=0-0` (Content-Range), else from a HEAD request. A server that
 * ignores Range is handled by keeping the whole file in memory up to `maxWholeBodyBytes`.
 * An HTML answer (an SPA returning index.html for a missing file) is reported as "not found".
 */
export async function httpSource(url: string, opts: HttpSourceOptions = {}): Promise<ByteSource> {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const name = opts.name ?? url;
  const maxWhole = opts.maxWholeBodyBytes ?? DEFAULT_MAX_WHOLE_BODY_BYTES;
  let bytesDone = 0;
  let bytesTotal = 0;
  const report = (byteCount: number): void => {
    bytesDone += byteCount;
    opts.onProgress?.(bytesDone, bytesTotal);
  };

  const probe = await fetchOrExplain(doFetch, url, { headers: { Range: 'bytes=0-0' }, signal: opts.signal });
  if (probe.status !== 206 && probe.status !== 200 && probe.status !== 416) {
    await cancelBody(probe);
    throw httpStatusError(url, probe);
  }
  if (isHtmlContentType(probe)) {
    await cancelBody(probe);
    throw notFoundError(url, 'the server answered with an HTML page instead of the file');
  }

  if (probe.status === 200) {
    // The server ignored Range and is sending the whole file.
    const declared = parseContentLength(probe.headers.get('content-length'));
    const refusal = (size: string): string =>
      `${url}: the server does not support HTTP Range requests and the file is ${size} bytes, ` +
      `more than the ${maxWhole} bytes KENviz will hold in memory; serve it with a server that supports Range, or open it as a local file`;
    if (declared !== null && declared > maxWhole) {
      await cancelBody(probe);
      throw new FormatError(refusal(String(declared)));
    }
    bytesTotal = declared ?? 0;
    const body = await readBody(probe, url, maxWhole, report, opts.signal, () => refusal(`over ${maxWhole}`));
    if (looksLikeHtml(body)) throw notFoundError(url, 'the server answered with an HTML page instead of the file');
    bytesTotal = body.byteLength;
    opts.onProgress?.(bytesDone, bytesTotal);
    return bufferSource(body, name);
  }

  const probeRange = parseContentRange(probe.headers.get('content-range'));
  await cancelBody(probe);
  let size = probeRange?.total ?? null;
  // Content-Range is hidden cross-origin unless exposed; Content-Length of a HEAD is always readable.
  const contentRangeVisible = size !== null;
  if (size === null) {
    const head = await fetchOrExplain(doFetch, url, { method: 'HEAD', signal: opts.signal });
    if (!head.ok) throw httpStatusError(url, head);
    if (isHtmlContentType(head)) throw notFoundError(url, 'the server answered with an HTML page instead of the file');
    size = parseContentLength(head.headers.get('content-length'));
  }
  if (size === null) {
    throw new FormatError(`${url}: the server reports neither Content-Range nor Content-Length, so the file size is unknown`);
  }
  const fileSize = size;
  bytesTotal = fileSize;

  return {
    name,
    size: fileSize,
    async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
      throwIfAborted(signal);
      checkReadRange(name, fileSize, offset, length);
      if (length === 0) return new Uint8Array(0);
      const last = offset + length - 1;
      const response = await fetchOrExplain(doFetch, url, { headers: { Range: `bytes=${offset}-${last}` }, signal });
      if (response.status === 206) {
        const range = parseContentRange(response.headers.get('content-range'));
        if (contentRangeVisible && range !== null) {
          if (range.total !== null && range.total !== fileSize) {
            await cancelBody(response);
            throw new FormatError(`${url}: the file changed on the server (size ${range.total}, was ${fileSize})`);
          }
          if (range.start !== offset || range.end !== last) {
            await cancelBody(response);
            throw new FormatError(`${url}: asked for bytes ${offset}-${last}, the server sent ${range.start}-${range.end}`);
          }
        }
      } else if (response.status === 200) {
        // Acceptable only when the range asked for is the whole file.
        if (offset !== 0 || length !== fileSize) {
          await cancelBody(response);
          throw new FormatError(`${url}: the server ignored the Range request for bytes ${offset}-${last}`);
        }
      } else {
        await cancelBody(response);
        throw httpStatusError(url, response);
      }
      if (isHtmlContentType(response)) {
        await cancelBody(response);
        throw notFoundError(url, 'the server answered with an HTML page instead of the file');
      }
      const body = await readBody(response, url, length, report, signal);
      if (body.byteLength !== length) {
        throw new FormatError(`${url}: received ${body.byteLength} bytes at offset ${offset}, expected ${length}`);
      }
      return body;
    },
  };
}
