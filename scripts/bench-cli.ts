// CLI benchmark: uses the bert-base-shaped F32 pair of gen-bert-base-pair.ts (~110M parameters, two ~440 MB files) in /tmp
// (never in the repo), runs `kenviz prune` at k = 384 on it and on the tiny demo pair at k = 64, and
// prints wall time and peak RSS (from /usr/bin/time when present). Run: npx tsx scripts/bench-cli.ts [--skip-bert]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR as GEN_DIR, ensureBertBasePair } from './gen-bert-base-pair';

const BENCH_DIR = join(GEN_DIR, 'cli');

export interface Measured {
  wallSeconds: number;
  peakRssMiB: number | null;
  summary: string;
}

export function runCli(args: string[]): Promise<Measured> {
  const useTime = existsSync('/usr/bin/time');
  const command = useTime ? '/usr/bin/time' : process.execPath;
  const argv = [...(useTime ? ['-v', process.execPath] : []), 'node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', ...args];
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - startedAt) / 1000;
      if (code !== 0) return reject(new Error(`kenviz ${args.join(' ')} exited with ${code}`));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const lines = stdout.trim().split('\n');
      resolve({ wallSeconds, peakRssMiB: rss ? Number(rss[1]) / 1024 : null, summary: lines[lines.length - 1] });
    });
  });
}

async function main(): Promise<void> {
  const workers = availableParallelism();
  const results: Record<string, unknown> = {};
  const tinyOut = join(BENCH_DIR, 'out-tiny');
  const tiny = await runCli(['prune', '--pretrained', 'public/demo/pretrained', '--finetuned', 'public/demo/finetuned', '--k', '64', '--out', tinyOut]);
  results['tiny-bert k=64'] = { wallSeconds: tiny.wallSeconds, peakRssMiB: tiny.peakRssMiB, workers };
  if (!process.argv.includes('--skip-bert')) {
    const pairDir = (await ensureBertBasePair()).dir;
    const out = join(BENCH_DIR, 'out-bert-base');
    const bert = await runCli(['prune', '--pretrained', join(pairDir, 'pretrained'), '--finetuned', join(pairDir, 'finetuned'), '--k', '384', '--out', out]);
    const summary = JSON.parse(bert.summary) as { totals: { params: number; keptInPruned: number; subnetworkBytes: number; finetunedBytes: number } };
    results['bert-base k=384'] = {
      wallSeconds: bert.wallSeconds,
      peakRssMiB: bert.peakRssMiB,
      workers,
      params: summary.totals.params,
      paramsPerSecond: summary.totals.params / bert.wallSeconds,
      finetunedBytes: statSync(join(pairDir, 'finetuned', 'model.safetensors')).size,
      subnetworkBytes: summary.totals.subnetworkBytes,
      report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).timings,
    };
    rmSync(out, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results, null, 2));
}

// Only when run directly: scripts/bench.ts imports runCli.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
