import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  layerOf, matrixTypeOf, pairCheckpoints, pairKeyOf, pairWarnings, rowsColsOf, stripBaseModelPrefix, summarizePair,
} from './pairing';
import { naturalCompare } from './natural-sort';
import { openSafetensors } from './safetensors';
import { bufferSource } from './sources';
import type { Checkpoint, DType, TensorInfo } from './types';

const DEMO = new URL('../../public/demo/', import.meta.url);

async function demoCheckpoint(which: string): Promise<Checkpoint> {
  const bytes = new Uint8Array(readFileSync(new URL(`${which}/model.safetensors`, DEMO)));
  return { label: which, tensors: await openSafetensors(bufferSource(bytes, `${which}/model.safetensors`)), extraFiles: new Map() };
}

/** The demo header read with nothing but JSON.parse, as an independent oracle. */
function rawHeader(which: string): Record<string, { shape: number[] }> {
  const bytes = readFileSync(new URL(`${which}/model.safetensors`, DEMO));
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  delete header.__metadata__;
  return header;
}

const source = bufferSource(new Uint8Array(0), 'synthetic.safetensors');
function checkpointOf(entries: [string, number[], DType?][]): Checkpoint {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, shape, dtype] of entries) {
    tensors.set(name, { name, shape, dtype: dtype ?? 'F32', byteOffset: 0, byteLength: 0, source });
  }
  return { label: 'synthetic', tensors, extraFiles: new Map() };
}

describe('pairCheckpoints on the demo pair', () => {
  it('gives every tensor the right status', async () => {
    const pre = await demoCheckpoint('pretrained');
    const fine = await demoCheckpoint('finetuned');
    expect(pre.tensors.size).toBe(74);
    expect(fine.tensors.size).toBe(73);
    const pairs = pairCheckpoints(pre, fine);
    const byStatus = (status: string): string[] => pairs.filter((p) => p.status === status).map((p) => p.name);

    expect(byStatus('new').sort()).toEqual(['bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'classifier.bias', 'classifier.weight']);
    expect(byStatus('only-pretrained').sort()).toEqual([
      'cls.predictions.bias', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.dense.bias', 'cls.predictions.transform.dense.weight',
    ]);
    const pruned = byStatus('pruned');
    expect(pruned.length).toBe(69);
    expect(pruned.filter((name) => name.startsWith('bert.encoder.')).length).toBe(64);
    expect(pruned.filter((name) => name.startsWith('bert.embeddings.')).length).toBe(5);
    expect(byStatus('shape-mismatch')).toEqual([]);
    expect(byStatus('not-float')).toEqual([]);

    const query = pairs.find((p) => p.name === 'bert.encoder.layer.1.attention.self.query.weight')!;
    expect(query).toMatchObject({ key: 'encoder.layer.1.attention.self.query.weight', rows: 128, cols: 128 });
    expect(query.pretrained?.source.name).toBe('pretrained/model.safetensors');
    expect(query.finetuned?.source.name).toBe('finetuned/model.safetensors');
    expect(pairs.find((p) => p.name === 'classifier.bias')).toMatchObject({ rows: 1, cols: 3, pretrained: undefined });

    // Natural order of the keys: classifier, cls, embeddings, layers 0..3 in order, pooler.
    expect(pairs.slice(0, 3).map((p) => p.key)).toEqual(['classifier.bias', 'classifier.weight', 'cls.predictions.bias']);
    expect(pairs.at(-1)!.key).toBe('pooler.dense.weight');
    const layers = pairs.map((p) => layerOf(p.name)).filter((layer) => layer !== null);
    expect(layers).toEqual([...layers].sort((a, b) => a - b));

    // Totals against the raw headers.
    const preHeader = rawHeader('pretrained');
    const fineHeader = rawHeader('finetuned');
    const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
    const shared = Object.keys(fineHeader).filter((name) => name in preHeader);
    const totals = summarizePair(pairs);
    expect(totals.tensors).toBe(78);
    expect(totals.byStatus.pruned.params).toBe(shared.reduce((sum, name) => sum + count(fineHeader[name].shape), 0));
    expect(totals.byStatus.new.params).toBe(Object.keys(fineHeader).filter((n) => !(n in preHeader)).reduce((s, n) => s + count(fineHeader[n].shape), 0));
    expect(totals.byStatus['only-pretrained'].params).toBe(Object.keys(preHeader).filter((n) => !(n in fineHeader)).reduce((s, n) => s + count(preHeader[n].shape), 0));
    expect(totals.params).toBe(totals.byStatus.pruned.params + totals.byStatus.new.params + totals.byStatus['only-pretrained'].params);
    expect(pairWarnings(pairs)).toEqual([
      '5 tensor(s) only in the pre-trained checkpoint, not in the fine-tuned one: cls.predictions.bias, cls.predictions.transform.LayerNorm.bias, cls.predictions.transform.LayerNorm.weight, cls.predictions.transform.dense.bias, cls.predictions.transform.dense.weight',
      '4 tensor(s) only in the fine-tuned checkpoint, kept whole: classifier.bias, classifier.weight, bert.pooler.dense.bias, bert.pooler.dense.weight',
    ]);
  });
});

describe('pairCheckpoints on synthetic names', () => {
  it('strips base-model prefixes and maps gamma/beta', () => {
    const pre = checkpointOf([
      ['embeddings.LayerNorm.gamma', [4]],
      ['embeddings.LayerNorm.beta', [4]],
      ['encoder.layer.0.output.dense.weight', [4, 8]],
      ['embeddings.position_ids', [1, 16], 'I64'],
      ['encoder.layer.1.output.dense.weight', [4, 8]],
    ]);
    const fine = checkpointOf([
      ['roberta.embeddings.LayerNorm.weight', [4]],
      ['roberta.embeddings.LayerNorm.bias', [4]],
      ['roberta.encoder.layer.0.output.dense.weight', [4, 8]],
      ['roberta.embeddings.position_ids', [1, 16], 'I64'],
      ['roberta.encoder.layer.1.output.dense.weight', [8, 4]],
      ['classifier.out_proj.weight', [2, 4, 3]],
    ]);
    const pairs = pairCheckpoints(pre, fine);
    expect(pairs.map((p) => [p.key, p.name, p.status, p.rows, p.cols])).toEqual([
      ['classifier.out_proj.weight', 'classifier.out_proj.weight', 'new', 2, 12],
      ['embeddings.LayerNorm.bias', 'roberta.embeddings.LayerNorm.bias', 'pruned', 1, 4],
      ['embeddings.LayerNorm.weight', 'roberta.embeddings.LayerNorm.weight', 'pruned', 1, 4],
      ['embeddings.position_ids', 'roberta.embeddings.position_ids', 'not-float', 1, 16],
      ['encoder.layer.0.output.dense.weight', 'roberta.encoder.layer.0.output.dense.weight', 'pruned', 4, 8],
      ['encoder.layer.1.output.dense.weight', 'roberta.encoder.layer.1.output.dense.weight', 'shape-mismatch', 8, 4],
    ]);
    expect(pairs[1].pretrained?.name).toBe('embeddings.LayerNorm.beta');
    expect(pairWarnings(pairs)).toContain('roberta.encoder.layer.1.output.dense.weight: shape [4, 8] pre-trained vs [8, 4] fine-tuned; kept whole');
    const totals = summarizePair(pairs);
    expect(totals.byStatus['not-float']).toEqual({ tensors: 1, params: 16 });
    expect(totals.byStatus['shape-mismatch']).toEqual({ tensors: 1, params: 32 });
  });

  it('keeps raw names when stripping would make two tensors collide', () => {
    const fine = checkpointOf([['bert.x.weight', [2]], ['x.weight', [2]]]);
    const pre = checkpointOf([['bert.x.weight', [2]], ['x.weight', [2]]]);
    expect(pairCheckpoints(pre, fine).map((p) => [p.key, p.status])).toEqual([['bert.x.weight', 'pruned'], ['x.weight', 'pruned']]);
  });

  it('sorts layer.2 before layer.10', () => {
    const names = ['h.10.attn.c_attn.weight', 'h.2.mlp.c_fc.weight', 'h.2.attn.c_attn.weight', 'wte.weight', 'h.1.ln_1.weight', 'ln_f.weight'];
    const pairs = pairCheckpoints(checkpointOf(names.map((n) => [n, [2]])), checkpointOf(names.map((n) => [`transformer.${n}`, [2]])));
    expect(pairs.map((p) => p.key)).toEqual([
      'h.1.ln_1.weight', 'h.2.attn.c_attn.weight', 'h.2.mlp.c_fc.weight', 'h.10.attn.c_attn.weight', 'ln_f.weight', 'wte.weight',
    ]);
  });
});

describe('naturalCompare', () => {
  it('orders digit runs by value and the rest by code point', () => {
    const sorted = ['layer.10.a', 'layer.2.b', 'layer.2.a', 'layer.1', 'Layer.3', 'layer.02.a', 'layer', 'layer.10'].sort(naturalCompare);
    expect(sorted).toEqual(['Layer.3', 'layer', 'layer.1', 'layer.02.a', 'layer.2.a', 'layer.2.b', 'layer.10', 'layer.10.a']);
    expect(naturalCompare('a', 'a')).toBe(0);
    expect(naturalCompare('x9', 'x10')).toBeLessThan(0);
  });
});

describe('layerOf and matrixTypeOf', () => {
  it.each([
    ['bert.encoder.layer.3.attention.self.query.weight', 3, 'attention.self.query.weight'],
    ['encoder.layer.11.output.dense.bias', 11, 'output.dense.bias'],
    ['transformer.h.3.attn.c_attn.weight', 3, 'attn.c_attn.weight'],
    ['h.0.mlp.c_proj.bias', 0, 'mlp.c_proj.bias'],
    ['model.layers.31.self_attn.q_proj.weight', 31, 'self_attn.q_proj.weight'],
    ['gpt_neox.layers.2.attention.dense.weight', 2, 'attention.dense.weight'],
    ['distilbert.transformer.layer.5.ffn.lin1.weight', 5, 'ffn.lin1.weight'],
    ['model.decoder.layers.1.self_attn.k_proj.weight', 1, 'decoder.self_attn.k_proj.weight'],
    ['model.encoder.layers.1.self_attn.k_proj.weight', 1, 'self_attn.k_proj.weight'],
    ['encoder.block.3.layer.0.SelfAttention.q.weight', 3, 'layer.0.SelfAttention.q.weight'],
    ['bert.embeddings.word_embeddings.weight', null, 'embeddings.word_embeddings.weight'],
    ['classifier.weight', null, 'classifier.weight'],
    ['model.norm.weight', null, 'norm.weight'],
    ['heads.h.weight', null, 'heads.h.weight'],
  ])('%s -> layer %s, type %s', (name, layer, type) => {
    expect(layerOf(name)).toBe(layer);
    expect(matrixTypeOf(name)).toBe(type);
  });

  it('strips one base-model prefix, the longest', () => {
    expect(stripBaseModelPrefix('base_model.model.model.layers.0.x')).toBe('model.layers.0.x');
    expect(stripBaseModelPrefix('model.')).toBe('model.');
    expect(pairKeyOf('albert.encoder.LayerNorm.gamma')).toBe('encoder.LayerNorm.weight');
    expect(pairKeyOf('deberta.encoder.rel_embeddings.beta')).toBe('encoder.rel_embeddings.bias');
    expect(pairKeyOf('electra.embeddings.betas')).toBe('embeddings.betas');
  });
});

describe('rowsColsOf', () => {
  it('is dim 0 by the rest, one row for 1-D and scalars', () => {
    expect(rowsColsOf([768, 3072])).toEqual({ rows: 768, cols: 3072 });
    expect(rowsColsOf([768])).toEqual({ rows: 1, cols: 768 });
    expect(rowsColsOf([64, 3, 7, 7])).toEqual({ rows: 64, cols: 147 });
    expect(rowsColsOf([])).toEqual({ rows: 1, cols: 1 });
    expect(rowsColsOf([0, 5])).toEqual({ rows: 0, cols: 5 });
  });
});
