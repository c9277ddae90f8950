// A local HTTP server on 127.0.0.1 for tests of httpSource and URL checkpoints. The first path segment
// picks a behaviour, so one server covers well-behaved and misbehaving hosts:
//   /range/<file>   Range honoured (206 + Content-Range), HEAD, 404 for a missing file
//   /norange/<file> Range ignored: 200 with the whole body
//   /chunked/<file> Range ignored: 200, whole body in chunks without Content-Length
//   /hidden/<file>  206 without Content-Range (as cross-origin without Expose-Headers), HEAD gives the size
//   /spa/<file>     like /range, but a missing file gets 200 text/html index.html (an SPA dev server)
//   /spa-octet/<f>  like /spa, but the HTML comes as application/octet-stream
//   /shifted/<f>    answers every Range one byte late
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  range: string | undefined;
  headerNames: string[];
}

export interface TestServer {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const INDEX_HTML = '<!doctype html>\n<html><head><title>app</title></head><body><div id="root"></div></body></html>\n';

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Uint8Array | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

export async function startTestServer(files: ReadonlyMap<string, Uint8Array>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const range = req.headers.range;
    requests.push({ method: req.method ?? 'GET', url: url.pathname, range, headerNames: Object.keys(req.headers) });
    const [, mode, ...rest] = url.pathname.split('/');
    const path = decodeURIComponent(rest.join('/'));
    const body = files.get(path);
    const isHead = req.method === 'HEAD';
    if (!body) {
      if (mode === 'spa') return send(res, 200, { 'content-type': 'text/html; charset=utf-8' }, INDEX_HTML);
      if (mode === 'spa-octet') return send(res, 200, { 'content-type': 'application/octet-stream' }, INDEX_HTML);
      return send(res, 404, { 'content-type': 'text/plain' }, 'Not found');
    }
    const octet = { 'content-type': 'application/octet-stream' };
    if (isHead) return send(res, 200, { ...octet, 'content-length': String(body.length) });
    if (mode === 'chunked') {
      res.writeHead(200, octet);
      for (let start = 0; start < body.length; start += 4096) res.write(body.subarray(start, start + 4096));
      res.end();
      return;
    }
    if (mode === 'norange' || !range) return send(res, 200, { ...octet, 'content-length': String(body.length) }, body);
    const match = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (!match) return send(res, 400, {}, 'bad range');
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), body.length - 1);
    if (start >= body.length) return send(res, 416, { 'content-range': `bytes */${body.length}` });
    const shift = mode === 'shifted' ? 1 : 0;
    const slice = body.subarray(start + shift, end + 1 + shift);
    const headers: Record<string, string> = { ...octet, 'content-length': String(slice.length) };
    if (mode !== 'hidden') headers['content-range'] = `bytes ${start + shift}-${end + shift}/${body.length}`;
    return send(res, 206, headers, slice);
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
