// The RoBERTa and DistilBERT parameter-name tables, checked on the demo BERT weights renamed:
// RoBERTa numbers positions from pad+1 and uses classifier.dense/out_proj as its head, so with the position
// table shifted by pad+1 rows it must give the reference logits exactly as BERT does. DistilBERT's head
// (ReLU pre_classifier) differs from BERT's, so for it only the name mapping and output shape are checked.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCheckpointDir } from '../../src/cli/eval-command';
import { parseDataset } from '../../src/eval/dataset';
import { parseReferenceLogits } from '../../src/eval/reference';
import { readAllFloat32, tokenizerOfPair } from '../../src/eval/weights';
import { BertClassifier, parseClassifierConfig } from '../../src/engine/bert/model';

const path = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
const ROWS = 16;

let bert: Map<string, Float32Array>;
let config: Record<string, unknown>;
let encoded: Int32Array[];

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  const fine = await openCheckpointDir(path('public/demo/finetuned'));
  config = fine.config ?? {};
  bert = await readAllFloat32(fine);
  const tokenizer = await tokenizerOfPair(fine, null);
  const dataset = parseDataset(readFileSync(path('public/demo/eval.tsv'), 'utf8'), 'eval.tsv');
  encoded = dataset.examples.slice(0, ROWS).map((e) => tokenizer.encode(e.text).inputIds);
});

describe('model families', () => {
  it('RoBERTa names and position offset reproduce the BERT reference logits', async () => {
    const pad = 0;
    const roberta = new Map<string, Float32Array>();
    for (const [name, values] of bert) {
      if (name.startsWith('bert.pooler.dense.')) roberta.set(name.replace('bert.pooler.dense.', 'classifier.dense.'), values);
      else if (name.startsWith('classifier.')) roberta.set(name.replace('classifier.', 'classifier.out_proj.'), values);
      else roberta.set(name.replace(/^bert\./, 'roberta.'), values);
    }
    const positions = bert.get('bert.embeddings.position_embeddings.weight') as Float32Array;
    const shifted = new Float32Array(positions.length + (pad + 1) * 128);
    shifted.set(positions, (pad + 1) * 128);
    roberta.set('roberta.embeddings.position_embeddings.weight', shifted);
    const robertaConfig = parseClassifierConfig({ ...config, model_type: 'roberta', pad_token_id: pad, max_position_embeddings: 128 + pad + 1 });
    const model = new BertClassifier(robertaConfig, (name) => roberta.get(name));
    const logits = await model.predict(encoded, { lengthMultiple: 1 });
    model.dispose();
    const reference = parseReferenceLogits(readFileSync(path('test/fixtures/tiny-bert/eval_reference_logits.tsv'), 'utf8'));
    for (let row = 0; row < ROWS; row++) {
      for (let j = 0; j < 3; j++) expect(Math.abs(logits[row * 3 + j] - reference[row].logits[j])).toBeLessThan(1e-3);
    }
  });

  it('DistilBERT names resolve (q_lin ... output_layer_norm, pre_classifier) and give one logit row per sentence', async () => {
    const rename: [RegExp, string][] = [
      [/^bert\.encoder\.layer\.(\d+)\.attention\.self\.query\./, 'distilbert.transformer.layer.$1.attention.q_lin.'],
      [/^bert\.encoder\.layer\.(\d+)\.attention\.self\.key\./, 'distilbert.transformer.layer.$1.attention.k_lin.'],
      [/^bert\.encoder\.layer\.(\d+)\.attention\.self\.value\./, 'distilbert.transformer.layer.$1.attention.v_lin.'],
      [/^bert\.encoder\.layer\.(\d+)\.attention\.output\.dense\./, 'distilbert.transformer.layer.$1.attention.out_lin.'],
      [/^bert\.encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\./, 'distilbert.transformer.layer.$1.sa_layer_norm.'],
      [/^bert\.encoder\.layer\.(\d+)\.intermediate\.dense\./, 'distilbert.transformer.layer.$1.ffn.lin1.'],
      [/^bert\.encoder\.layer\.(\d+)\.output\.dense\./, 'distilbert.transformer.layer.$1.ffn.lin2.'],
      [/^bert\.encoder\.layer\.(\d+)\.output\.LayerNorm\./, 'distilbert.transformer.layer.$1.output_layer_norm.'],
      [/^bert\.pooler\.dense\./, 'pre_classifier.'],
      [/^bert\.embeddings\./, 'distilbert.embeddings.'],
    ];
    const distil = new Map<string, Float32Array>();
    for (const [name, values] of bert) {
      const rule = rename.find(([pattern]) => pattern.test(name));
      distil.set(rule ? name.replace(rule[0], rule[1]) : name, values);
    }
    const distilConfig = parseClassifierConfig({ model_type: 'distilbert', dim: 128, n_layers: 4, n_heads: 4, hidden_dim: 512, vocab_size: 6000, max_position_embeddings: 128, activation: 'gelu', id2label: config.id2label });
    expect(distilConfig).toMatchObject({ family: 'distilbert', typeVocabSize: 0, numLabels: 3 });
    const model = new BertClassifier(distilConfig, (name) => distil.get(name));
    const logits = await model.predict(encoded, { lengthMultiple: 1 });
    model.dispose();
    expect(logits).toHaveLength(ROWS * 3);
    expect(logits.every(Number.isFinite)).toBe(true);
  });
});
