// CLI benchmark: generates a bert-base-shaped F32 pair (~110M parameters, two ~440 MB files) in /tmp
// (never in the repo), runs `kenviz prune` at k = 384 on it and on the tiny demo pair at k = 64, and
// prints wall time and peak RSS (from /usr/bin/time when present). Run: npx tsx scripts/bench-cli.ts [--skip-bert]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsWriter, type TensorEntry } from '../src/export/safetensors-writer';
import { fileSink } from '../src/cli/node-io';

const BENCH_DIR = join(tmpdir(), 'kenviz-bench-cli');

function bertBaseEntries(withClassifier: boolean): TensorEntry[] {
  const hidden = 768;
  const inner = 3072;
  const entries: TensorEntry[] = [
    { name: 'bert.embeddings.word_embeddings.weight', dtype: 'F32', shape: [30522, hidden] },
    { name: 'bert.embeddings.position_embeddings.weight', dtype: 'F32', shape: [512, hidden] },
    { name: 'bert.embeddings.token_type_embeddings.weight', dtype: 'F32', shape: [2, hidden] },
    { name: 'bert.embeddings.LayerNorm.weight', dtype: 'F32', shape: [hidden] },
    { name: 'bert.embeddings.LayerNorm.bias', dtype: 'F32', shape: [hidden] },
  ];
  for (let layer = 0; layer < 12; layer++) {
    const p = `bert.encoder.layer.${layer}`;
    for (const m of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) {
      entries.push({ name: `${p}.${m}.weight`, dtype: 'F32', shape: [hidden, hidden] }, { name: `${p}.${m}.bias`, dtype: 'F32', shape: [hidden] });
    }
    entries.push(
      { name: `${p}.attention.output.LayerNorm.weight`, dtype: 'F32', shape: [hidden] },
      { name: `${p}.attention.output.LayerNorm.bias`, dtype: 'F32', shape: [hidden] },
      { name: `${p}.intermediate.dense.weight`, dtype: 'F32', shape: [inner, hidden] },
      { name: `${p}.intermediate.dense.bias`, dtype: 'F32', shape: [inner] },
      { name: `${p}.output.dense.weight`, dtype: 'F32', shape: [hidden, inner] },
      { name: `${p}.output.dense.bias`, dtype: 'F32', shape: [hidden] },
      { name: `${p}.output.LayerNorm.weight`, dtype: 'F32', shape: [hidden] },
      { name: `${p}.output.LayerNorm.bias`, dtype: 'F32', shape: [hidden] },
    );
  }
  entries.push({ name: 'bert.pooler.dense.weight', dtype: 'F32', shape: [hidden, hidden] }, { name: 'bert.pooler.dense.bias', dtype: 'F32', shape: [hidden] });
  if (withClassifier) entries.push({ name: 'classifier.weight', dtype: 'F32', shape: [2, hidden] }, { name: 'classifier.bias', dtype: 'F32', shape: [2] });
  return entries;
}

/** Deterministic pseudo-normal values (sum of uniforms); the fine-tuned file adds a small dense delta. */
async function writePair(dir: string): Promise<void> {
  mkdirSync(join(dir, 'pretrained'), { recursive: true });
  mkdirSync(join(dir, 'finetuned'), { recursive: true });
  const preEntries = bertBaseEntries(false);
  const fineEntries = bertBaseEntries(true);
  const pre = await fileSink(join(dir, 'pretrained', 'model.safetensors'));
  const fine = await fileSink(join(dir, 'finetuned', 'model.safetensors'));
  const preWriter = new SafetensorsWriter(pre, preEntries, { format: 'pt' });
  const fineWriter = new SafetensorsWriter(fine, fineEntries, { format: 'pt' });
  let state = 0x9e3779b9;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const normal = () => uniform() + uniform() + uniform() + uniform() - 2;
  for (const entry of fineEntries) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const preValues = new Float32Array(count);
    const fineValues = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      preValues[i] = 0.04 * normal();
      fineValues[i] = preValues[i] + 0.002 * normal();
    }
    if (preEntries.some((e) => e.name === entry.name)) await preWriter.writeTensor(entry.name, new Uint8Array(preValues.buffer));
    await fineWriter.writeTensor(entry.name, new Uint8Array(fineValues.buffer));
  }
  await preWriter.finish();
  await fineWriter.finish();
  await pre.close();
  await fine.close();
}

interface Measured {
  wallSeconds: number;
  peakRssMiB: number | null;
  summary: string;
}

function runCli(args: string[]): Promise<Measured> {
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
    const pairDir = join(BENCH_DIR, 'bert-base-pair');
    if (!existsSync(join(pairDir, 'finetuned', 'model.safetensors'))) {
      const t = performance.now();
      await writePair(pairDir);
      process.stderr.write(`generated the bert-base-shaped pair in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    }
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
