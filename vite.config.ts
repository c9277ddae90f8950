import { existsSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { serveTestFixtures } from './src/selftest/fixtures-plugin';

// The app is a static SPA: `npm start` builds it and serves dist/ with `vite preview` on
// 127.0.0.1. Workers are ES modules so they can import the pure core and formats layers.
// selftest.html (engine self-test) is a second page; its golden fixtures are served by the dev/preview
// servers only (serveTestFixtures), never copied into dist.
const pages = Object.fromEntries([['main', 'index.html'], ['selftest', 'selftest.html']].filter(([, file]) => existsSync(file)));

export default defineConfig({
  plugins: [react(), serveTestFixtures()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, rollupOptions: { input: pages } },
  define: {
    // The threaded tfjs-wasm build breaks when minified; we only ship the single-threaded one.
    WASM_HAS_MULTITHREAD_SUPPORT: 'false',
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
