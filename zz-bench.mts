import { initNodeBackend } from './src/engine/bert/node-backend';
import { openCheckpointDir } from './src/cli/eval-command';
import { parseClassifierConfig } from './src/engine/bert/model';
import { evaluateClassifier } from './src/engine/bert/evaluate';
import { readAllFloat32, tokenizerOfPair } from './src/eval/weights';
import { parseDataset } from './src/eval/dataset';
import { readFileSync } from 'node:fs';
const backend = await initNodeBackend((process.argv[2] ?? 'wasm') as 'wasm');
const fine = await openCheckpointDir('public/demo/finetuned');
const config = parseClassifierConfig(fine.config!);
const tok = await tokenizerOfPair(fine, null);
const ds = parseDataset(readFileSync('public/demo/eval.tsv', 'utf8'), 'eval.tsv');
const enc = ds.examples.map((e) => tok.encode(e.text).inputIds);
const w = await readAllFloat32(fine);
for (const bs of [128, 256]) for (const lm of [1]) {
  const r = await evaluateClassifier(config, w, enc, ds.examples.map((e) => e.label), { batchSize: bs, lengthMultiple: lm });
  console.log(backend, 'batch', bs, 'mult', lm, r.correct, r.elapsedMs.toFixed(0), 'ms');
}
