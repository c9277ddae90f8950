// Serves test/fixtures at /test-fixtures/ from the dev and preview servers only, for the self-test page:
// the golden data never enters the production build (dist/ holds no fixtures).
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Connect, Plugin } from 'vite';

const PREFIX = '/test-fixtures/';

export function serveTestFixtures(): Plugin {
  let root = '';
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX)) return next();
    const relative = decodeURIComponent(url.slice(PREFIX.length).split('?')[0]);
    const file = path.resolve(root, relative);
    // Only files under test/fixtures: no `..` escapes.
    if (!file.startsWith(root + path.sep)) {
      res.statusCode = 403;
      res.end('forbidden');
      return;
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.statusCode = 404;
      res.end(`no fixture ${relative}`);
      return;
    }
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-store');
    createReadStream(file).pipe(res);
  };
  return {
    name: 'kenviz-serve-test-fixtures',
    configResolved(config) {
      root = path.resolve(config.root, 'test/fixtures');
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}
