import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app is a static SPA: `npm start` builds it and serves dist/ with `vite preview` on
// 127.0.0.1. Workers are ES modules so they can import the pure core and formats layers.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  define: {
    // The threaded tfjs-wasm build breaks when minified; we only ship the single-threaded one.
    WASM_HAS_MULTITHREAD_SUPPORT: 'false',
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
