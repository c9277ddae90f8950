// Issue 3's "BF16 sharded pair you make": the demo pair converted to BF16, the fine-tuned side split into
// shards behind a model.safetensors.index.json and the pre-trained side renamed to legacy conventions
// (no `bert.` prefix, LayerNorm gamma/beta). It must open from files, pair exactly as the F32 original,
// widen BF16 exactly, and KEN must run on it.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCheckpointFromFiles } from '../../src/formats/checkpoint';
import { pairCheckpoints } from '../../src/formats/pairing';
import { openSafetensors, readTensorBytes, readTensorFloat32 } from '../../src/formats/safetensors';
import { bufferSource } from '../../src/formats/sources';
import { buildSafetensors, type TensorSpec } from '../../src/formats/test-helpers';
import { encodeFloat32As } from '../../src/export/encode';
import { selectTensor } from '../../src/core/ken';

const DEMO = 'public/demo';

async function bf16Specs(side: string, rename: (name: string) => string): Promise<TensorSpec[]> {
  const tensors = await openSafetensors(bufferSource(new Uint8Array(readFileSync(`${DEMO}/${side}/model.safetensors`)), side));
  const specs: TensorSpec[] = [];
  for (const [name, info] of tensors) {
    const data = info.dtype === 'F32' ? encodeFloat32As('BF16', await readTensorFloat32(info), name) : await readTensorBytes(info);
    specs.push({ name: rename(name), dtype: info.dtype === 'F32' ? 'BF16' : info.dtype, shape: [...info.shape], data });
  }
  return specs;
}

const legacy = (name: string) => name.replace(/^bert\./, '').replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');

describe('a BF16 sharded pair with legacy names', () => {
  it('opens from files, pairs like the F32 original, widens exactly and runs KEN', async () => {
    const fineSpecs = await bf16Specs('finetuned', (n) => n);
    const shards = [fineSpecs.slice(0, 30), fineSpecs.slice(30)];
    const weightMap: Record<string, string> = {};
    const fineFiles = shards.map((specs, i) => {
      const path = `model-0000${i + 1}-of-00002.safetensors`;
      for (const s of specs) weightMap[s.name] = path;
      return { file: new Blob([buildSafetensors(specs) as Uint8Array<ArrayBuffer>]), path: `ft/${path}` };
    });
    fineFiles.push({ file: new Blob([JSON.stringify({ metadata: {}, weight_map: weightMap })]), path: 'ft/model.safetensors.index.json' });
    fineFiles.push({ file: new Blob([readFileSync(`${DEMO}/finetuned/config.json`)]), path: 'ft/config.json' });
    const fine = await openCheckpointFromFiles(fineFiles, 'fine-tuned (BF16, 2 shards)');
    const pre = await openCheckpointFromFiles([{ file: new Blob([buildSafetensors(await bf16Specs('pretrained', legacy)) as Uint8Array<ArrayBuffer>]), path: 'model.safetensors' }], 'pre-trained (BF16, legacy names)');

    const originalPairs = pairCheckpoints(
      await openCheckpointFromFiles(readdirSync(`${DEMO}/pretrained`).map((n) => ({ file: new Blob([readFileSync(`${DEMO}/pretrained/${n}`)]), path: n })), 'pre'),
      await openCheckpointFromFiles(readdirSync(`${DEMO}/finetuned`).map((n) => ({ file: new Blob([readFileSync(`${DEMO}/finetuned/${n}`)]), path: n })), 'fine'),
    );
    const pairs = pairCheckpoints(pre, fine);
    const statusOf = (list: typeof pairs) => new Map(list.filter((p) => p.finetuned).map((p) => [p.finetuned!.name, p.status]));
    expect(statusOf(pairs)).toEqual(statusOf(originalPairs));
    expect(pairs.filter((p) => p.status === 'pruned').length).toBe(69);
    expect(fine.config?.num_hidden_layers).toBe(4);

    const gammaPair = pairs.find((p) => p.finetuned?.name === 'bert.encoder.layer.3.output.LayerNorm.weight')!;
    expect([gammaPair.status, gammaPair.pretrained?.name, gammaPair.finetuned?.dtype]).toEqual(['pruned', 'encoder.layer.3.output.LayerNorm.gamma', 'BF16']);

    // BF16 widens exactly: every value's low 16 float32 bits are zero and it is the rounded F32 value.
    const query = pairs.find((p) => p.finetuned?.name === 'bert.encoder.layer.1.attention.self.query.weight')!;
    const widened = await readTensorFloat32(query.finetuned!);
    const bits = new Uint32Array(widened.buffer, widened.byteOffset, widened.length);
    expect(bits.every((b) => (b & 0xffff) === 0)).toBe(true);
    const reference = originalPairs.find((p) => p.finetuned?.name === query.finetuned!.name)!;
    const original = await readTensorFloat32(reference.finetuned!);
    for (let i = 0; i < original.length; i += 97) expect(Math.abs(widened[i] - original[i])).toBeLessThanOrEqual(Math.abs(original[i]) * 2 ** -8);

    const selection = selectTensor(widened, query.rows, query.cols, 16);
    expect(selection.keptCount).toBeGreaterThanOrEqual(16 * query.rows);
    expect(selection.wholeRows).toEqual([]);
  });
});
