import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. CHROMIUM_PATH overrides.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const port = Number(process.env.E2E_PORT ?? 4399);
// Each concurrent run (e.g. two developers' shells) can build into its own folder; --bypass-lock lets
// their preview servers coexist (Vite otherwise allows one preview per project).
const outDir = process.env.E2E_DIST ?? 'dist';
// The webgpu project (SwiftShader: slow) runs only what must be checked on the GPU path: the app smoke
// test and the golden self-tests. Everything else runs once, on cpu-fallback. E2E_ALL=1 runs all in both.
const webgpuSpecs = process.env.E2E_ALL ? /.*\.spec\.ts$/ : /(^|\/)(app|golden[^/]*|[^/]*\.webgpu)\.spec\.ts$/;
const baseArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `npx vite build --outDir ${outDir} --emptyOutDir --logLevel warn && npx vite preview --outDir ${outDir} --host 127.0.0.1 --port ${port} --strictPort --bypass-lock`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 180_000,
  },
  projects: [
    {
      // Headless WebGPU on SwiftShader (software Vulkan on the CPU), in pages and workers.
      name: 'webgpu',
      testMatch: webgpuSpecs,
      use: {
        launchOptions: {
          executablePath,
          args: [...baseArgs, '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--enable-features=Vulkan'],
        },
      },
    },
    {
      // No WebGPU at all: the app must fall back to the CPU worker pool with the same numbers.
      name: 'cpu-fallback',
      use: {
        launchOptions: {
          executablePath,
          args: [...baseArgs, '--disable-gpu', '--disable-features=WebGPU'],
        },
      },
    },
  ],
});
