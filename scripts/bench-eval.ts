// Evaluation speed (never asserted; tests check the numbers): the demo pair's 717-row eval set.
// node: the fine-tuned model on tfjs wasm and cpu, and the KEN merge at k = 64, in one Node thread.
// browser: the built app's Evaluate tab in Debian's Chromium, without WebGPU (WASM) and with WebGPU
// (SwiftShader): the fine-tuned model twice (cold, warm) and a 6-k sweep on WASM; one cold run on SwiftShader.
// Run: npx tsx scripts/bench-eval.ts [node] [browser]   (E2E_DIST default dist-bench-eval, E2E_PORT 4408)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { chromium } from '@playwright/test';
import { openCheckpointDir } from '../src/cli/eval-command';
import { pairCheckpoints } from '../src/formats/pairing';
import { parseDataset } from '../src/eval/dataset';
import { kenWeights, readAllFloat32, readPretrainedOfPairs, tokenizerOfPair } from '../src/eval/weights';
import { parseClassifierConfig } from '../src/engine/bert/model';
import { evaluateClassifier } from '../src/engine/bert/evaluate';
import { initNodeBackend } from '../src/engine/bert/node-backend';
import { startPreview } from './bench-browser';

export interface EvalBenchRow {
  where: 'node' | 'browser';
  backend: string;
  case: string;
  seconds: number;
  detail: string;
}

type Log = (line: string) => void;

export async function benchEvalNode(log: Log): Promise<EvalBenchRow[]> {
  const rows: EvalBenchRow[] = [];
  const fine = await openCheckpointDir('public/demo/finetuned');
  const pre = await openCheckpointDir('public/demo/pretrained');
  const config = parseClassifierConfig(fine.config ?? {});
  const tokenizer = await tokenizerOfPair(fine, pre);
  const dataset = parseDataset(readFileSync('public/demo/eval.tsv', 'utf8'), 'eval.tsv');
  const encoded = dataset.examples.map((e) => tokenizer.encode(e.text).inputIds);
  const labels = dataset.examples.map((e) => e.label);
  const weights = await readAllFloat32(fine);
  for (const wanted of ['wasm', 'cpu'] as const) {
    const backend = await initNodeBackend(wanted);
    const run = await evaluateClassifier(config, weights, encoded, labels, { batchSize: 128, lengthMultiple: 1 });
    log(`node ${backend}: fine-tuned, 717 rows: ${(run.elapsedMs / 1000).toFixed(2)} s (${run.correct}/717)`);
    rows.push({ where: 'node', backend, case: 'fine-tuned, 717 rows', seconds: run.elapsedMs / 1000, detail: `${run.correct}/717` });
  }
  const pairs = pairCheckpoints(pre, fine);
  const preWeights = await readPretrainedOfPairs(pairs);
  const startedAt = performance.now();
  const ken = await kenWeights(pairs, weights, preWeights, 64);
  const mergeS = (performance.now() - startedAt) / 1000;
  log(`node: KEN merge k=64 over ${ken.processedCount} entries: ${mergeS.toFixed(2)} s`);
  rows.push({ where: 'node', backend: 'core', case: 'KEN merge k=64', seconds: mergeS, detail: `${(ken.keptFraction * 100).toFixed(2)}% kept` });
  return rows;
}

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
const FLAGS = {
  wasm: [...BASE_ARGS, '--disable-gpu', '--disable-features=WebGPU'],
  webgpu: [...BASE_ARGS, '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--enable-features=Vulkan'],
};

export async function benchEvalBrowser(log: Log): Promise<EvalBenchRow[]> {
  const rows: EvalBenchRow[] = [];
  const port = Number(process.env.E2E_PORT ?? 4408);
  let preview: ChildProcess | null = null;
  try {
    preview = await startPreview(process.env.E2E_DIST ?? 'dist-bench-eval', port);
    for (const flags of ['wasm', 'webgpu'] as const) {
      const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: FLAGS[flags] });
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/?k=8`);
        await page.waitForSelector('[data-testid="ken-status"][data-state="done"]', { timeout: 300_000 });
        await page.click('[data-testid="tab-eval"]');
        await page.waitForSelector('[data-testid="eval-dataset-info"][data-rows="717"]');
        if (flags === 'webgpu') await page.selectOption('[data-testid="eval-backend"]', 'webgpu');
        const waitDone = () =>
          page.waitForFunction(() => {
            const state = document.querySelector('[data-testid="eval-status"]')?.getAttribute('data-state');
            return state === 'done' || state === 'error';
          }, undefined, { timeout: 900_000, polling: 100 });
        const backendOf = async () => (await page.getAttribute('[data-testid="eval-status"]', 'data-backend')) ?? '?';
        // SwiftShader needs minutes per model: one cold run there, and no sweep.
        for (const attempt of flags === 'webgpu' ? ['cold'] : ['cold', 'warm']) {
          await page.click('[data-testid="eval-finetuned"]');
          await page.waitForSelector('[data-testid="eval-status"][data-state="running"], [data-testid="eval-status"][data-state="loading"]');
          await waitDone();
          const seconds = Number.parseFloat((await page.textContent('[data-testid="eval-row-finetuned"] [data-testid="eval-time"]')) ?? 'NaN');
          const accuracy = await page.textContent('[data-testid="eval-row-finetuned"] [data-testid="eval-accuracy"]');
          log(`browser ${flags} -> ${await backendOf()}: fine-tuned (${attempt}): ${seconds.toFixed(2)} s, ${accuracy}`);
          rows.push({ where: 'browser', backend: await backendOf(), case: `fine-tuned, 717 rows (${attempt})`, seconds, detail: accuracy ?? '' });
        }
        if (flags === 'webgpu') continue;
        await page.fill('[data-testid="eval-ks"]', '8, 16, 32, 64, 96, 128');
        await page.click('[data-testid="eval-sweep"]');
        await page.waitForSelector('[data-testid="eval-status"][data-state="running"]');
        await waitDone();
        const ms = Number(await page.getAttribute('[data-testid="eval-sweep-time"]', 'data-ms'));
        log(`browser ${flags} -> ${await backendOf()}: sweep of 6 ks: ${(ms / 1000).toFixed(1)} s`);
        rows.push({ where: 'browser', backend: await backendOf(), case: 'sweep k=8..128 (6 ks)', seconds: ms / 1000, detail: '' });
      } finally {
        await browser.close();
      }
    }
  } finally {
    if (preview?.pid) {
      try {
        process.kill(-preview.pid);
      } catch {
        // already gone
      }
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const wanted = process.argv.slice(2);
  const log: Log = (line) => process.stderr.write(`${line}\n`);
  const rows: EvalBenchRow[] = [];
  if (wanted.length === 0 || wanted.includes('node')) rows.push(...(await benchEvalNode(log)));
  if (wanted.length === 0 || wanted.includes('browser')) rows.push(...(await benchEvalBrowser(log)));
  console.table(rows.map((r) => ({ ...r, seconds: Number(r.seconds.toFixed(2)) })));
}
