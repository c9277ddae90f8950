// `npm run bench [-- --quick] [core] [cli] [browser]`: measures and prints KENviz's speed (never asserts
// it; correctness is what the tests check). core: the reference kenRowDetails vs the fast selectTensor in
// one Node thread; cli: `kenviz prune` on the demo pair and on a generated bert-base-shaped pair (wall time,
// peak RSS); browser: the built app in Debian's Chromium on the CPU pool and on WebGPU (SwiftShader).
// --quick skips bert-base. Generated data lives in /tmp/kenviz-bench (made once, reused).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_CASES, runCoreCase } from './bench-core';
import { runCli } from './bench-cli';
import { runBrowserBench } from './bench-browser';
import { BENCH_DIR, ensureBertBasePair } from './gen-bert-base-pair';

const SECTIONS = ['core', 'cli', 'browser'] as const;
type Section = (typeof SECTIONS)[number];

/** KEN-SPEC "Cost": the reference takes ~11 ms per 768-long row at k = 384, ~22 minutes for bert-base. */
const REFERENCE_MS_PER_ROW_K384 = 11;
const REFERENCE_BERT_BASE_S = 22 * 60;

interface Row {
  section: Section;
  case: string;
  k: number;
  backend: string;
  seconds: number;
  detail: string;
}

const rows: Row[] = [];
/** Kept counts by case label (all tensors: pruned kept + unpruned), to compare the CLI with the browser. */
const keptByCase = new Map<string, { source: string; kept: number }>();
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function machineLine(): string {
  return `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`;
}

function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function benchCore(quick: boolean): void {
  console.log('\n== core: one Node thread, generated BERT-like rows (fast = selectTensor, ref = kenRowDetails on a row sample; CPU ms exclude waiting on a busy machine) ==');
  for (const c of CORE_CASES) {
    const r = runCoreCase(c, quick);
    const directTerms = r.rows * r.cols * r.k; // the reference's Gaussian terms
    const fastTerms = r.rechecks * r.cols; // the fast path's exact rechecks, n terms each
    const avoidedPercent = 100 * (1 - fastTerms / directTerms);
    const refMatrixCpuMs = r.refCpuMsPerRow * r.rows;
    const specMatrixMs = r.k === 384 && r.cols === 768 ? REFERENCE_MS_PER_ROW_K384 * r.rows : null;
    console.log(
      `${r.rows}x${r.cols} k=${r.k}: fast ${fmt(r.fastCpuMs)} ms CPU / ${fmt(r.fastMs)} ms wall = ${fmt((r.rows / r.fastCpuMs) * 1000, 0)} rows/s (CPU) | ` +
        `ref ${fmt(r.refCpuMsPerRow, 2)} ms CPU/row = ${fmt(1000 / r.refCpuMsPerRow, 0)} rows/s (~${fmt(refMatrixCpuMs / 1000)} s/matrix) | ` +
        `x${fmt(refMatrixCpuMs / r.fastCpuMs, 0)} (CPU) | direct Gaussian terms ${directTerms.toExponential(2)} -> ${fastTerms.toExponential(2)} ` +
        `(${r.rechecks} rechecks; ${fmt(avoidedPercent, 3)}% avoided) | calibration ${fmt(r.addNs, 2)} ns/add` +
        (specMatrixMs ? ` | KEN-SPEC reference (sklearn) ~${fmt(specMatrixMs / 1000)} s/matrix = x${fmt(specMatrixMs / r.fastCpuMs, 0)}` : ''),
    );
    rows.push({
      section: 'core',
      case: `${r.rows}x${r.cols} fast`,
      k: r.k,
      backend: 'node 1 thread',
      seconds: r.fastCpuMs / 1000,
      detail: `CPU time; ${fmt((r.rows / r.fastCpuMs) * 1000, 0)} rows/s; ref ${fmt(r.refCpuMsPerRow, 2)} ms/row (x${fmt(refMatrixCpuMs / r.fastCpuMs, 0)}); ${fmt(avoidedPercent, 3)}% terms avoided`,
    });
  }
}

interface PruneSummaryLine {
  wallMs: number;
  workers: number;
  totals: { params: number; prunedParams: number; keptInPruned: number; subnetworkBytes: number; finetunedBytes: number };
}

async function benchCli(quick: boolean): Promise<void> {
  console.log('\n== cli: kenviz prune (spawned; peak RSS from /usr/bin/time -v) ==');
  const cases: Array<{ label: string; pretrained: string; finetuned: string; k: number }> = [
    { label: 'demo tiny-bert', pretrained: 'public/demo/pretrained', finetuned: 'public/demo/finetuned', k: 64 },
  ];
  if (!quick) {
    const pair = await ensureBertBasePair(undefined, log);
    cases.push({ label: 'bert-base (generated)', pretrained: pair.pretrainedDir, finetuned: pair.finetunedDir, k: 384 });
  }
  for (const c of cases) {
    const out = join(BENCH_DIR, `bench-out-${c.label.split(' ')[0]}`);
    rmSync(out, { recursive: true, force: true });
    const measured = await runCli(['prune', '--pretrained', c.pretrained, '--finetuned', c.finetuned, '--k', String(c.k), '--out', out]);
    const summary = JSON.parse(measured.summary) as PruneSummaryLine;
    const timings = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { timings?: Record<string, number> }).timings ?? {};
    rmSync(out, { recursive: true, force: true });
    const params = summary.totals.params;
    const keptAll = summary.totals.keptInPruned + (params - summary.totals.prunedParams);
    keptByCase.set(`${c.label} k=${c.k}`, { source: 'cli', kept: keptAll });
    const rss = measured.peakRssMiB === null ? 'n/a' : `${fmt(measured.peakRssMiB, 0)} MiB`;
    const timingText = Object.entries(timings)
      .map(([name, ms]) => `${name} ${fmt(ms / 1000)} s`)
      .join(', ');
    const vsReference = c.k === 384 && params > 1e8 ? ` | reference ~${REFERENCE_BERT_BASE_S / 60} min: x${fmt(REFERENCE_BERT_BASE_S / measured.wallSeconds)}` : '';
    console.log(
      `${c.label} k=${c.k}: ${fmt(measured.wallSeconds)} s wall (process), peak RSS ${rss}, ${summary.workers} worker threads, ` +
        `${fmt(params / 1e6)}M params = ${fmt(params / measured.wallSeconds / 1e6, 2)}M params/s, kept ${keptAll} | report timings: ${timingText}${vsReference}`,
    );
    rows.push({
      section: 'cli',
      case: c.label,
      k: c.k,
      backend: `node ${summary.workers} threads`,
      seconds: measured.wallSeconds,
      detail: `peak RSS ${rss}; ${fmt(params / measured.wallSeconds / 1e6, 2)}M params/s${vsReference ? `; x${fmt(REFERENCE_BERT_BASE_S / measured.wallSeconds)} vs reference` : ''}`,
    });
  }
}

async function benchBrowser(quick: boolean): Promise<void> {
  console.log('\n== browser: the built app in /usr/bin/chromium (data-elapsed-ms = load + KEN as the app measures it) ==');
  const results = await runBrowserBench({ quick, log });
  for (const r of results) {
    const vsReference = r.k === 384 && r.total > 1e8 ? ` | reference ~${REFERENCE_BERT_BASE_S / 60} min: x${fmt(REFERENCE_BERT_BASE_S / (r.appElapsedMs / 1000))}` : '';
    const other = keptByCase.get(`${r.label} k=${r.k}`);
    const sameAsCli = other ? (other.kept === r.kept ? ' (same as the CLI)' : ` (CLI kept ${other.kept}: MISMATCH)`) : '';
    const pss = r.peakPssMiB === null ? 'n/a' : `${fmt(r.peakPssMiB, 0)} MiB`;
    console.log(
      `${r.label} k=${r.k} [${r.flags} flags]: ${fmt(r.appElapsedMs / 1000, 2)} s in the app on ${r.backendUsed} (${fmt(r.wallMs / 1000, 2)} s from navigation), ` +
        `kept ${r.kept} of ${r.total}${sameAsCli}, ${fmt(((r.total / r.appElapsedMs) * 1000) / 1e6, 2)}M params/s, peak Chromium PSS ${pss}${vsReference}`,
    );
    rows.push({
      section: 'browser',
      case: r.label,
      k: r.k,
      backend: r.backendUsed === r.flags ? r.backendUsed : `${r.backendUsed} (${r.flags} flags)`,
      seconds: r.appElapsedMs / 1000,
      detail: `${fmt(((r.total / r.appElapsedMs) * 1000) / 1e6, 2)}M params/s; kept ${fmt((100 * r.kept) / r.total, 2)}%; PSS ${pss}${vsReference ? `; x${fmt(REFERENCE_BERT_BASE_S / (r.appElapsedMs / 1000))} vs reference` : ''}`,
    });
  }
}

function printTable(): void {
  const header = ['section', 'case', 'k', 'backend', 'seconds', 'detail'];
  const cells = rows.map((r) => [r.section, r.case, String(r.k), r.backend, fmt(r.seconds, r.seconds < 10 ? 3 : 1), r.detail]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((cell, i) => (i === 4 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\n== summary (${new Date().toISOString()}; ${machineLine()}) ==`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const unknown = args.filter((a) => a !== '--quick' && !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    throw new Error(`unknown argument(s) ${unknown.join(' ')}: usage npm run bench -- [--quick] [${SECTIONS.join('] [')}]`);
  }
  const chosen = SECTIONS.filter((s) => args.includes(s));
  const sections = chosen.length > 0 ? chosen : [...SECTIONS];
  console.log(`KENviz bench: ${sections.join(', ')}${quick ? ' (--quick: no bert-base)' : ''}; ${machineLine()}; ${availableParallelism()} threads available`);
  for (const section of sections) {
    if (section === 'core') benchCore(quick);
    else if (section === 'cli') await benchCli(quick);
    else await benchBrowser(quick);
  }
  printTable();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
