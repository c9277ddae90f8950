import { open, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobSource, bufferSource, httpSource, looksLikeHtml, parseContentRange, SourceNotFoundError } from './sources';
import { nodeFileSource } from './node/file-source';
import { startTestServer, type TestServer } from './node/http-test-server';
import { openSafetensors, readTensorFloat32 } from './safetensors';
import { FormatError } from './types';

const demoBytes = readFileSync(new URL('../../public/demo/finetuned/model.safetensors', import.meta.url));
const small = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

describe('bufferSource and blobSource', () => {
  for (const [kind, make] of [
    ['buffer', () => bufferSource(small, 'small.bin')],
    ['blob', () => blobSource(new Blob([small]), 'small.bin')],
  ] as const) {
    it(`${kind}: reads exact ranges and refuses reads past the end`, async () => {
      const source = make();
      expect(source.size).toBe(1000);
      expect(Array.from(await source.read(995, 5))).toEqual([...small.subarray(995)]);
      expect((await source.read(1000, 0)).length).toBe(0);
      const past = await rejection(source.read(996, 5));
      expect(past).toBeInstanceOf(FormatError);
      expect(past.message).toBe('small.bin: read of 5 bytes at offset 996 goes past the end of the file (1000 bytes)');
      expect((await rejection(source.read(-1, 2))).message).toBe('small.bin: invalid read of 2 bytes at offset -1');
      const controller = new AbortController();
      controller.abort();
      expect((await rejection(source.read(0, 1, controller.signal))).name).toBe('AbortError');
    });
  }

  it('buffer reads are copies (safe to transfer)', async () => {
    const source = bufferSource(small, 'small.bin');
    const bytes = await source.read(0, 4);
    bytes[0] = 99;
    expect(small[0]).toBe(0);
  });
});

describe('nodeFileSource', () => {
  const sparsePath = join(tmpdir(), `kenviz-sparse-${process.pid}.bin`);
  const size = 3 * 2 ** 30 + 17;
  const markAt = 2 ** 31 + 5;

  beforeAll(async () => {
    // A sparse file: 3 GiB of size, a few bytes of disk.
    const handle = await open(sparsePath, 'w');
    await handle.truncate(size);
    await handle.write(new Uint8Array([1, 2, 3, 4]), 0, 4, markAt);
    await handle.write(new Uint8Array([9, 8, 7]), 0, 3, size - 3);
    await handle.close();
  });
  afterAll(async () => {
    await rm(sparsePath, { force: true });
  });

  it('reads beyond 2 GiB', async () => {
    expect((await stat(sparsePath)).size).toBe(size);
    const source = await nodeFileSource(sparsePath);
    try {
      expect(source.size).toBe(size);
      expect(Array.from(await source.read(markAt - 1, 6))).toEqual([0, 1, 2, 3, 4, 0]);
      expect(Array.from(await source.read(size - 3, 3))).toEqual([9, 8, 7]);
      expect((await rejection(source.read(size - 2, 3))).message).toMatch(/goes past the end of the file \(3221225489 bytes\)/);
    } finally {
      await source.close();
    }
    expect((await rejection(source.read(0, 1))).message).toMatch(/the file was closed/);
  });

  it('reports a missing file and a folder clearly', async () => {
    const missing = await rejection(nodeFileSource('/tmp/kenviz-no-such-file.safetensors'));
    expect(missing).toBeInstanceOf(FormatError);
    expect(missing.message).toBe('/tmp/kenviz-no-such-file.safetensors: not found');
    expect((await rejection(nodeFileSource(tmpdir()))).message).toMatch(/not a regular file|is a folder/);
  });
});

describe('parseContentRange / looksLikeHtml', () => {
  it('parses the forms servers send', () => {
    expect(parseContentRange('bytes 0-0/1234')).toEqual({ start: 0, end: 0, total: 1234 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: null });
    expect(parseContentRange('bytes */77')).toEqual({ start: null, end: null, total: 77 });
    expect(parseContentRange('items 0-1/2')).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });
  it('sniffs HTML', () => {
    const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
    expect(looksLikeHtml(enc('\ufeff  <!DOCTYPE html><html>'))).toBe(true);
    expect(looksLikeHtml(enc('<html lang="en">'))).toBe(true);
    expect(looksLikeHtml(demoBytes.subarray(0, 32))).toBe(false);
  });
});

describe('httpSource against a local server', () => {
  let server: TestServer;
  const files = new Map<string, Uint8Array>([['model.safetensors', demoBytes], ['small.bin', small]]);
  beforeAll(async () => {
    server = await startTestServer(files);
  });
  afterAll(async () => {
    await server.close();
  });
  const at = (path: string): string => `${server.origin}${path}`;

  it('learns the size with one bytes=0-0 GET and reads tensors with single-range GETs', async () => {
    server.requests.length = 0;
    const progress: [number, number][] = [];
    const source = await httpSource(at('/range/model.safetensors'), { onProgress: (done, total) => progress.push([done, total]) });
    expect(source.size).toBe(demoBytes.length);
    const tensors = await openSafetensors(source);
    expect(tensors.size).toBe(73);
    const values = await readTensorFloat32(tensors.get('classifier.bias')!);
    const info = tensors.get('classifier.bias')!;
    const view = new DataView(demoBytes.buffer, demoBytes.byteOffset + info.byteOffset, 12);
    expect(Array.from(values)).toEqual([0, 4, 8].map((offset) => view.getFloat32(offset, true)));

    expect(server.requests.map((r) => [r.method, r.range])).toEqual([
      ['GET', 'bytes=0-0'],
      ['GET', 'bytes=0-7'],
      ['GET', `bytes=8-${8 + 8144 - 1}`],
      ['GET', `bytes=${info.byteOffset}-${info.byteOffset + 11}`],
    ]);
    // Only CORS-safelisted request headers: no preflight in a browser.
    for (const request of server.requests) {
      const custom = request.headerNames.filter((h) => !['host', 'connection', 'range', 'accept', 'accept-language', 'accept-encoding', 'user-agent', 'sec-fetch-mode'].includes(h));
      expect(custom).toEqual([]);
    }
    expect(progress.at(-1)).toEqual([8 + 8144 + 12, demoBytes.length]);
  });

  it('falls back to HEAD when Content-Range is not visible', async () => {
    server.requests.length = 0;
    const source = await httpSource(at('/hidden/small.bin'));
    expect(source.size).toBe(1000);
    expect(Array.from(await source.read(10, 4))).toEqual([...small.subarray(10, 14)]);
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'HEAD', 'GET']);
  });

  it('handles a server that ignores Range by keeping the (small) file in memory', async () => {
    const progress: [number, number][] = [];
    const source = await httpSource(at('/norange/model.safetensors'), { onProgress: (done, total) => progress.push([done, total]) });
    expect(source.size).toBe(demoBytes.length);
    expect((await openSafetensors(source)).size).toBe(73);
    expect(progress.at(-1)).toEqual([demoBytes.length, demoBytes.length]);
  });

  it('refuses a Range-ignoring server when the file is too big to hold', async () => {
    const error = await rejection(httpSource(at('/norange/model.safetensors'), { maxWholeBodyBytes: 1000 }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `${at('/norange/model.safetensors')}: the server does not support HTTP Range requests and the file is ${demoBytes.length} bytes, ` +
        'more than the 1000 bytes KENviz will hold in memory; serve it with a server that supports Range, or open it as a local file',
    );
  });

  it('stops a chunked Range-ignoring transfer at the limit, with the same explanation', async () => {
    const url = at('/chunked/model.safetensors');
    expect((await httpSource(url)).size).toBe(demoBytes.length);
    const error = await rejection(httpSource(url, { maxWholeBodyBytes: 10_000 }));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `${url}: the server does not support HTTP Range requests and the file is over 10000 bytes, ` +
        'more than the 10000 bytes KENviz will hold in memory; serve it with a server that supports Range, or open it as a local file',
    );
  });

  it('reports 404 as not found', async () => {
    const error = await rejection(httpSource(at('/range/missing.safetensors')));
    expect(error).toBeInstanceOf(SourceNotFoundError);
    expect(error.message).toBe(`${at('/range/missing.safetensors')}: not found (HTTP 404 Not Found)`);
  });

  it('reports an SPA index.html answer as not found, by content type and by content', async () => {
    for (const mode of ['spa', 'spa-octet']) {
      const url = at(`/${mode}/missing.safetensors`);
      const error = await rejection(httpSource(url));
      expect(error).toBeInstanceOf(SourceNotFoundError);
      expect(error.message).toBe(`${url}: not found (the server answered with an HTML page instead of the file)`);
    }
    // An existing file behind the same SPA server is served normally.
    expect((await httpSource(at('/spa/small.bin'))).size).toBe(1000);
  });

  it('rejects a server that answers the wrong range', async () => {
    const source = await httpSource(at('/shifted/small.bin'));
    const error = await rejection(source.read(10, 4));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(`${at('/shifted/small.bin')}: asked for bytes 10-13, the server sent 11-14`);
  });

  it('explains an unreachable server and passes cancellation through', async () => {
    const error = await rejection(httpSource('http://127.0.0.1:9/x.safetensors'));
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/^http:\/\/127\.0\.0\.1:9\/x\.safetensors: could not fetch \(.*\); the server may be unreachable/);
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(httpSource(at('/range/small.bin'), { signal: controller.signal }))).name).toBe('AbortError');
  });
});
