// KEN engine wall times in Chromium through the real worker: the demo pair at k=64 and a 768x768 matrix
// at k=384, on the CPU pool and on WebGPU (SwiftShader when there is no GPU). Builds the app, serves it
// with vite preview and drives selftest.html?bench=... Run: npx tsx scripts/bench-engine.ts [rounds]
// (BENCH_PORT, BENCH_DIST override the port 4411 and the build folder dist-bench).
import { spawn, spawnSync } from 'node:child_process';
import { chromium } from '@playwright/test';

const port = Number(process.env.BENCH_PORT ?? 4411);
const dist = process.env.BENCH_DIST ?? 'dist-bench';
const rounds = Number(process.argv[2] ?? 2);

const build = spawnSync('npx', ['vite', 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const server = spawn('npx', ['vite', 'preview', '--outDir', dist, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
  stdio: 'ignore',
  detached: true,
});

async function main(): Promise<void> {
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      if (i > 100) throw new Error(`vite preview did not answer on ${url}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--no-first-run', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--enable-features=Vulkan'],
  });
  const page = await browser.newPage();
  const choices = Array.from({ length: rounds }, () => 'cpu,webgpu').join(',');
  await page.goto(`${url}selftest.html?backends=&bench=${choices}`);
  await page.waitForFunction(() => (window as unknown as { __selftest?: { done: boolean } }).__selftest?.done, null, { timeout: 600_000 });
  const result = await page.evaluate(() => (window as unknown as { __selftest: { bench: Record<string, unknown>; error: string | null } }).__selftest);
  await browser.close();
  if (result.error) throw new Error(result.error);
  console.log(`cores: ${(await import('node:os')).cpus().length}, load: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [key, value] of Object.entries(result.bench)) console.log(key.padEnd(28), JSON.stringify(value));
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    if (server.pid) process.kill(-server.pid);
  });
