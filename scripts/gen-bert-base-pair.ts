// Generated checkpoint pairs for the benchmarks, always under /tmp (never in the repo): a bert-base-shaped
// F32 pair (~110M parameters, 199 tensors, two ~438 MB files; fine-tuned = pre-trained + small dense
// deltas, like the golden bert-slices case) and a one-matrix pair. Each pair is generated once and reused.
// Run alone: npx tsx scripts/gen-bert-base-pair.ts [dir]
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SafetensorsWriter, type TensorEntry } from '../src/export/safetensors-writer';
import { fileSink } from '../src/cli/node-io';

export const BENCH_DIR = '/tmp/kenviz-bench';

export interface GeneratedPair {
  /** Folders holding model.safetensors (what `kenviz prune` takes). */
  pretrainedDir: string;
  finetunedDir: string;
  /** The two files, relative to `dir` (what a static server publishes). */
  pretrainedFile: string;
  finetunedFile: string;
  dir: string;
  /** Seconds spent generating, or null when the pair was already there. */
  generatedSeconds: number | null;
}

/** The tensors of bert-base-uncased with a 2-label classifier head (only in the fine-tuned file). */
export function bertBaseEntries(withClassifier: boolean): TensorEntry[] {
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

/**
 * Writes pretrained/model.safetensors and finetuned/model.safetensors under `dir`: deterministic
 * pseudo-normal values (sum of 4 xorshift uniforms), std ~0.04 like BERT, plus a dense delta of std ~0.002.
 */
export async function writePair(dir: string, preEntries: TensorEntry[], fineEntries: TensorEntry[]): Promise<void> {
  mkdirSync(join(dir, 'pretrained'), { recursive: true });
  mkdirSync(join(dir, 'finetuned'), { recursive: true });
  const pre = await fileSink(join(dir, 'pretrained', 'model.safetensors'));
  const fine = await fileSink(join(dir, 'finetuned', 'model.safetensors'));
  const preWriter = new SafetensorsWriter(pre, preEntries, { format: 'pt' });
  const fineWriter = new SafetensorsWriter(fine, fineEntries, { format: 'pt' });
  const preNames = new Set(preEntries.map((e) => e.name));
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
    if (preNames.has(entry.name)) await preWriter.writeTensor(entry.name, new Uint8Array(preValues.buffer));
    await fineWriter.writeTensor(entry.name, new Uint8Array(fineValues.buffer));
  }
  await preWriter.finish();
  await fineWriter.finish();
  await pre.close();
  await fine.close();
}

/**
 * The pair in `dir`, generated first when absent. It is written into a sibling folder and renamed at the
 * end, so an interrupted generation is never mistaken for a finished pair.
 */
async function ensurePair(dir: string, preEntries: TensorEntry[], fineEntries: TensorEntry[], log: (line: string) => void): Promise<GeneratedPair> {
  const result = (generatedSeconds: number | null): GeneratedPair => ({
    dir,
    pretrainedDir: join(dir, 'pretrained'),
    finetunedDir: join(dir, 'finetuned'),
    pretrainedFile: 'pretrained/model.safetensors',
    finetunedFile: 'finetuned/model.safetensors',
    generatedSeconds,
  });
  if (existsSync(join(dir, 'finetuned', 'model.safetensors'))) return result(null);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const startedAt = performance.now();
  log(`generating ${dir} ...`);
  await writePair(partial, preEntries, fineEntries);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  const seconds = (performance.now() - startedAt) / 1000;
  log(`generated ${dir} in ${seconds.toFixed(1)} s`);
  return result(seconds);
}

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/** The bert-base-shaped pair (default /tmp/kenviz-bench/bert-base-pair). */
export function ensureBertBasePair(dir = join(BENCH_DIR, 'bert-base-pair'), log: (line: string) => void = stderrLog): Promise<GeneratedPair> {
  return ensurePair(resolve(dir), bertBaseEntries(false), bertBaseEntries(true), log);
}

/** A pair holding one rows x cols matrix `dense.weight` (default 768x768 in /tmp/kenviz-bench/matrix-768x768). */
export function ensureMatrixPair(rows = 768, cols = 768, dir = join(BENCH_DIR, `matrix-${rows}x${cols}`), log: (line: string) => void = stderrLog): Promise<GeneratedPair> {
  const entries: TensorEntry[] = [{ name: 'dense.weight', dtype: 'F32', shape: [rows, cols] }];
  return ensurePair(resolve(dir), entries, entries, log);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  ensureBertBasePair(process.argv[2]).then(
    (pair) => console.log(JSON.stringify(pair)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
