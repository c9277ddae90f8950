// The tfjs forward pass (WASM backend, as the CLI uses; ~25x faster than tfjs's pure-JS CPU backend) against the PyTorch reference logits of the tiny-bert pair, and
// the KEN model's accuracy against the fixture README's table. Both use the whole 717-row eval set.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCheckpointDir } from '../../src/cli/eval-command';
import { pairCheckpoints } from '../../src/formats/pairing';
import type { Checkpoint } from '../../src/formats/types';
import { labelNamesFromConfig, parseDataset, type Dataset } from '../../src/eval/dataset';
import { parseReferenceLogits, type ReferenceRow } from '../../src/eval/reference';
import { kenWeights, readAllFloat32, readPretrainedOfPairs, tokenizerOfPair } from '../../src/eval/weights';
import { parseClassifierConfig, type ClassifierConfig } from '../../src/engine/bert/model';
import { evaluateClassifier } from '../../src/engine/bert/evaluate';
import { initNodeBackend } from '../../src/engine/bert/node-backend';

const path = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

let fine: Checkpoint;
let pre: Checkpoint;
let config: ClassifierConfig;
let dataset: Dataset;
let encoded: Int32Array[];
let labels: number[];
let reference: ReferenceRow[];
let fineWeights: Map<string, Float32Array>;

beforeAll(async () => {
  expect(await initNodeBackend('wasm')).toBe('wasm');
  fine = await openCheckpointDir(path('public/demo/finetuned'));
  pre = await openCheckpointDir(path('public/demo/pretrained'));
  config = parseClassifierConfig(fine.config ?? {});
  dataset = parseDataset(readFileSync(path('public/demo/eval.tsv'), 'utf8'), 'eval.tsv', labelNamesFromConfig(fine.config));
  const tokenizer = await tokenizerOfPair(fine, pre);
  encoded = dataset.examples.map((example) => tokenizer.encode(example.text).inputIds);
  labels = dataset.examples.map((example) => example.label);
  reference = parseReferenceLogits(readFileSync(path('test/fixtures/tiny-bert/eval_reference_logits.tsv'), 'utf8'));
  fineWeights = await readAllFloat32(fine);
});

describe('tfjs BERT classifier on the tiny-bert demo pair', () => {
  it('reads the architecture from config.json', () => {
    expect(config).toMatchObject({ family: 'bert', hiddenSize: 128, numLayers: 4, numHeads: 4, intermediateSize: 512, numLabels: 3, layerNormEps: 1e-12, activation: 'gelu' });
  });

  it('reproduces the reference logits of all 717 rows within 1e-3 and 624/717 correct', async () => {
    const run = await evaluateClassifier(config, fineWeights, encoded, labels, { batchSize: 128, lengthMultiple: 1 });
    expect(run.total).toBe(717);
    let maxAbsDiff = 0;
    let worstRow = -1;
    reference.forEach((row, index) => {
      for (let j = 0; j < 3; j++) {
        const diff = Math.abs(run.logits[index * 3 + j] - row.logits[j]);
        if (!(diff <= maxAbsDiff)) {
          maxAbsDiff = diff;
          worstRow = index;
        }
      }
    });
    expect(maxAbsDiff, `largest logit difference at row ${worstRow}`).toBeLessThan(1e-3);
    expect(Array.from(run.predictions)).toEqual(reference.map((row) => row.predicted));
    expect(run.correct).toBe(624);
    expect((run.accuracy * 100).toFixed(2)).toBe('87.03');
  }, 180_000);

  it('padding and batching do not change the logits', async () => {
    const some = encoded.slice(0, 8);
    const alone = await evaluateClassifier(config, fineWeights, some, labels.slice(0, 8), { batchSize: 1, lengthMultiple: 1 });
    const padded = await evaluateClassifier(config, fineWeights, some, labels.slice(0, 8), { batchSize: 8, lengthMultiple: 32 });
    for (let i = 0; i < alone.logits.length; i++) expect(Math.abs(alone.logits[i] - padded.logits[i])).toBeLessThan(1e-5);
  }, 60_000);

  it('names a missing tensor', async () => {
    const partial = new Map(fineWeights);
    partial.delete('bert.encoder.layer.2.output.dense.weight');
    await expect(evaluateClassifier(config, partial, encoded.slice(0, 2), [0, 0])).rejects.toThrow('tensor bert.encoder.layer.2.output.dense.weight is missing');
  });

  it('KEN at k = 64 keeps 43.72% of 1,577,984 entries and scores 66.11% (474/717), as in the README', async () => {
    const pairs = pairCheckpoints(pre, fine);
    const ken = await kenWeights(pairs, fineWeights, await readPretrainedOfPairs(pairs), 64);
    expect(ken.processedCount).toBe(1_577_984);
    expect((ken.keptFraction * 100).toFixed(2)).toBe('43.72');
    // The pooler and classifier have no pre-trained counterpart: they stay fine-tuned.
    expect(ken.weights.get('classifier.weight')).toBe(fineWeights.get('classifier.weight'));
    const run = await evaluateClassifier(config, ken.weights, encoded, labels, { batchSize: 128, lengthMultiple: 1 });
    expect(run.correct).toBe(474);
    expect((run.accuracy * 100).toFixed(2)).toBe('66.11');
  }, 240_000);
});
