// KEN in the real app, in Debian's Chromium: builds the app (E2E_DIST, default dist-bench), serves it with
// vite preview (E2E_PORT, default 4407), serves /tmp/kenviz-bench with HTTP Range from a small static
// server, opens `?pretrained=<url>&finetuned=<url>&k=K[&backend=webgpu]` and reads the status element's
// data-elapsed-ms (load + KEN, as the app measures it). Run: npx tsx scripts/bench-browser.ts [--quick]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserServer } from '@playwright/test';
import { BENCH_DIR, ensureBertBasePair, ensureMatrixPair } from './gen-bert-base-pair';

export type BrowserBackend = 'cpu' | 'webgpu';

export interface BrowserCase {
  label: string;
  /** Paths under BENCH_DIR, or null for the demo pair shipped with the app. */
  pair: { pretrained: string; finetuned: string } | null;
  k: number;
  backend: BrowserBackend;
  timeoutMs: number;
}

export interface BrowserResult {
  label: string;
  k: number;
  /** The browser's flags: 'cpu' has WebGPU disabled, 'webgpu' runs SwiftShader with ?backend=webgpu. */
  flags: BrowserBackend;
  /** What the app reports it ran on (data-backend). */
  backendUsed: string;
  /** data-elapsed-ms: load + KEN, measured by the app. */
  appElapsedMs: number;
  /** From navigation to the done state, measured here (includes page load and the first paint). */
  wallMs: number;
  kept: number;
  total: number;
  /** Peak of the summed PSS of all Chromium processes during the case (MiB), or null off Linux. */
  peakPssMiB: number | null;
}

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
// The same flags as the two projects in playwright.config.ts.
const FLAGS: Record<BrowserBackend, string[]> = {
  cpu: [...BASE_ARGS, '--disable-gpu', '--disable-features=WebGPU'],
  webgpu: [...BASE_ARGS, '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--enable-features=Vulkan'],
};

/**
 * A static file server over `root` with single HTTP Range requests and CORS (the app runs on another
 * port), so the app reads a 438 MB checkpoint tensor by tensor the way it would from a real host.
 */
export function startRangeServer(root: string): Promise<{ server: Server; origin: string }> {
  const rootDir = resolve(root);
  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Range');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = normalize(join(rootDir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    let size: number;
    try {
      if (!path.startsWith(rootDir + '/')) throw new Error('outside root');
      const stat = statSync(path);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', 'application/octet-stream');
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (range && (range[1] !== '' || range[2] !== '')) {
      if (range[1] === '') {
        start = Math.max(0, size - Number(range[2]));
      } else {
        start = Number(range[1]);
        if (range[2] !== '') end = Math.min(end, Number(range[2]));
      }
      if (start > end || start >= size) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    } else {
      res.writeHead(200, { 'Content-Length': size });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(path, { start, end }).pipe(res);
  });
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/** PSS (MiB) summed over `rootPid` and its descendants, from /proc (Linux); null when /proc is unreadable. */
export function processTreePssMiB(rootPid: number): number | null {
  try {
    const children = new Map<number, number[]>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // the process ended meanwhile
      }
    }
    let kib = 0;
    const stack = [rootPid];
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      stack.push(...(children.get(pid) ?? []));
      try {
        kib += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      } catch {
        // the process ended meanwhile
      }
    }
    return kib / 1024;
  } catch {
    return null;
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Builds the app into `dist` and serves it with vite preview on `port`; resolves once it answers. */
export async function startPreview(dist: string, port: number): Promise<ChildProcess> {
  const build = spawnSync('npx', ['vite', 'build', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`vite build into ${dist} failed (exit ${build.status})`);
  const preview = spawn('npx', ['vite', 'preview', '--outDir', dist, '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--bypass-lock'], {
    stdio: 'ignore',
    detached: true,
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, 60_000);
  return preview;
}

async function runCase(browser: Browser, browserPid: number | undefined, appUrl: string, dataOrigin: string, c: BrowserCase): Promise<BrowserResult> {
  const params = new URLSearchParams();
  if (c.pair) {
    params.set('pretrained', `${dataOrigin}/${c.pair.pretrained}`);
    params.set('finetuned', `${dataOrigin}/${c.pair.finetuned}`);
  }
  params.set('k', String(c.k));
  if (c.backend === 'webgpu') params.set('backend', 'webgpu');
  const page = await browser.newPage();
  let peakPssMiB: number | null = null;
  const sample = () => {
    const pss = browserPid === undefined ? null : processTreePssMiB(browserPid);
    if (pss !== null) peakPssMiB = Math.max(peakPssMiB ?? 0, pss);
  };
  const sampler = setInterval(sample, 500);
  try {
    const startedAt = performance.now();
    await page.goto(`${appUrl}?${params}`);
    const status = page.locator('[data-testid="ken-status"]');
    await page.waitForFunction(
      (k) => {
        const el = document.querySelector('[data-testid="ken-status"]');
        const state = el?.getAttribute('data-state');
        return state === 'error' || (state === 'done' && el?.getAttribute('data-k') === String(k));
      },
      c.k,
      { timeout: c.timeoutMs, polling: 250 },
    );
    const wallMs = performance.now() - startedAt;
    if ((await status.getAttribute('data-state')) === 'error') {
      const message = (await page.locator('[data-testid="ken-error"]').textContent().catch(() => null)) ?? (await status.textContent());
      throw new Error(`${c.label}: the app reported an error: ${message}`);
    }
    const attr = async (name: string) => (await status.getAttribute(name)) ?? '';
    return {
      label: c.label,
      k: c.k,
      flags: c.backend,
      backendUsed: await attr('data-backend'),
      appElapsedMs: Number(await attr('data-elapsed-ms')),
      wallMs,
      kept: Number(await attr('data-kept')),
      total: Number(await attr('data-total')),
      peakPssMiB,
    };
  } finally {
    clearInterval(sampler);
    await page.close();
  }
}

/** The browser cases: the demo pair at k=64 and a 768x768 matrix at k=384 on both backends; bert-base at k=384 on the CPU pool. */
export async function browserCases(quick: boolean, log: (line: string) => void): Promise<BrowserCase[]> {
  const matrix = await ensureMatrixPair(768, 768, undefined, log);
  const rel = (p: { dir: string; pretrainedFile: string; finetunedFile: string }) => {
    const sub = p.dir.slice(BENCH_DIR.length + 1);
    return { pretrained: `${sub}/${p.pretrainedFile}`, finetuned: `${sub}/${p.finetunedFile}` };
  };
  const cases: BrowserCase[] = [
    { label: 'demo tiny-bert', pair: null, k: 64, backend: 'cpu', timeoutMs: 300_000 },
    { label: 'matrix 768x768', pair: rel(matrix), k: 384, backend: 'cpu', timeoutMs: 300_000 },
    { label: 'demo tiny-bert', pair: null, k: 64, backend: 'webgpu', timeoutMs: 600_000 },
    { label: 'matrix 768x768', pair: rel(matrix), k: 384, backend: 'webgpu', timeoutMs: 600_000 },
  ];
  if (!quick) {
    const bert = await ensureBertBasePair(undefined, log);
    cases.push({ label: 'bert-base (generated)', pair: rel(bert), k: 384, backend: 'cpu', timeoutMs: 40 * 60_000 });
  }
  return cases;
}

/** Runs every case, one browser per backend (flags differ), and returns one result per case. */
export async function runBrowserBench(options: { quick: boolean; log?: (line: string) => void }): Promise<BrowserResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cases = await browserCases(options.quick, log);
  const dist = process.env.E2E_DIST ?? 'dist-bench';
  const port = Number(process.env.E2E_PORT ?? 4407);
  const { server, origin } = await startRangeServer(BENCH_DIR);
  let preview: ChildProcess | null = null;
  const results: BrowserResult[] = [];
  try {
    preview = await startPreview(dist, port);
    for (const backend of ['cpu', 'webgpu'] as const) {
      const mine = cases.filter((c) => c.backend === backend);
      if (mine.length === 0) continue;
      // A browser server exposes the browser's process id, for the memory samples.
      const browserServer: BrowserServer = await chromium.launchServer({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: FLAGS[backend] });
      const browser = await chromium.connect(browserServer.wsEndpoint());
      try {
        for (const c of mine) {
          log(`browser: ${c.label} k=${c.k} (${backend}) ...`);
          const result = await runCase(browser, browserServer.process().pid, `http://127.0.0.1:${port}/`, origin, c);
          log(`browser: ${c.label} k=${c.k} (${backend}): ${result.appElapsedMs} ms on ${result.backendUsed}`);
          results.push(result);
        }
      } finally {
        await browser.close();
        await browserServer.close();
      }
    }
  } finally {
    server.close();
    if (preview?.pid) {
      try {
        process.kill(-preview.pid); // the whole npx -> vite group
      } catch {
        // already gone
      }
    }
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runBrowserBench({ quick: process.argv.includes('--quick') }).then(
    (results) => {
      for (const r of results) console.log(JSON.stringify(r));
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
