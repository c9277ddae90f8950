// The export pipeline against independent references: the golden merged files (bit for bit), the core's
// selectTensor/mergeTensor on the demo pair, and round trips prune -> subnetwork -> apply on F32, BF16 and
// mixed-dtype pairs. Damaged or mismatched subnetworks must be refused before anything is written.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeTensor, selectTensor } from '../../src/core/ken';
import { applySubnetwork, openSubnetwork } from '../../src/export/apply';
import { float32ToBF16Bits } from '../../src/export/encode';
import { runExport, type ExportReport, type ExportSinks } from '../../src/export/pipeline';
import { SafetensorsWriter } from '../../src/export/safetensors-writer';
import { MemorySink } from '../../src/export/sink';
import { reportCsv, reportJson } from '../../src/export/report';
import { decodeToFloat32 } from '../../src/formats/dtype';
import { pairCheckpoints } from '../../src/formats/pairing';
import { bufferSource } from '../../src/formats/sources';
import type { Checkpoint, DType } from '../../src/formats/types';
import { checkpointFromBytes, checkpointFromPaths, float32Of, parseSafetensorsBytes } from './helpers';

const GOLDEN = 'test/fixtures/ken-golden';

/** Bit-for-bit equality of two typed arrays (fast, unlike a deep equal over millions of elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
const DEMO = 'public/demo';

interface Outputs {
  report: ExportReport;
  masks: Uint8Array;
  model: Uint8Array;
  subnetwork: Uint8Array;
}

async function exportAll(pre: Checkpoint, fine: Checkpoint, k: number, modelMetadata: Record<string, string> = {}): Promise<Outputs> {
  const sinks = { masks: new MemorySink(), model: new MemorySink(), subnetwork: new MemorySink() } satisfies ExportSinks;
  const report = await runExport(
    { pairs: pairCheckpoints(pre, fine), fineOrder: [...fine.tensors.keys()], pretrainedLabel: pre.label, finetunedLabel: fine.label, modelMetadata },
    { settings: { k, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu (test)' }, sinks },
  );
  return { report, masks: sinks.masks.bytes(), model: sinks.model.bytes(), subnetwork: sinks.subnetwork.bytes() };
}

async function applyBytes(pre: Checkpoint, subnetwork: Uint8Array, name = 'subnetwork.safetensors'): Promise<Uint8Array> {
  const opened = await openSubnetwork(bufferSource(subnetwork, name));
  const sink = new MemorySink();
  await applySubnetwork(pre, opened, sink);
  return sink.bytes();
}

const demoPre = () => checkpointFromPaths({ 'pretrained/model.safetensors': `${DEMO}/pretrained/model.safetensors`, 'pretrained/config.json': `${DEMO}/pretrained/config.json` }, 'demo pre-trained');
const demoFine = () => checkpointFromPaths({ 'finetuned/model.safetensors': `${DEMO}/finetuned/model.safetensors`, 'finetuned/config.json': `${DEMO}/finetuned/config.json` }, 'demo fine-tuned');

describe('golden merged files', () => {
  const cases = [
    ['rows-64', 16],
    ['quirks-64', 16],
    ['quirks-768', 192],
    ['bert-slices', 384],
  ] as const;
  for (const [name, k] of cases) {
    it(`${name} k=${k}: the pruned model equals ${name}.k${k}.merged.safetensors byte for byte`, async () => {
      const pre = await checkpointFromPaths({ [`${name}.pretrained.safetensors`]: `${GOLDEN}/${name}.pretrained.safetensors` }, 'pre');
      const fine = await checkpointFromPaths({ [`${name}.finetuned.safetensors`]: `${GOLDEN}/${name}.finetuned.safetensors` }, 'fine');
      const out = await exportAll(pre, fine, k);
      const expected = new Uint8Array(readFileSync(`${GOLDEN}/${name}.k${k}.merged.safetensors`));
      expect(out.model.length).toBe(expected.length);
      expect(Buffer.compare(out.model, expected)).toBe(0);
      // And the masks file holds the golden mask (no undefined rows in these cases).
      const goldenMask = parseSafetensorsBytes(new Uint8Array(readFileSync(`${GOLDEN}/${name}.k${k}.mask.safetensors`)));
      const masks = parseSafetensorsBytes(out.masks);
      for (const [tensorName, tensor] of goldenMask.tensors) {
        expect(masks.tensors.get(tensorName)?.shape).toEqual(tensor.shape);
        expect(Buffer.compare(masks.tensors.get(tensorName)!.bytes, tensor.bytes)).toBe(0);
      }
      expect(sameBytes(await applyBytes(pre, out.subnetwork), out.model)).toBe(true);
    });
  }

  it('edge k=5: rows the reference cannot process are kept whole (mask 1) and reported', async () => {
    const pre = await checkpointFromPaths({ 'edge.pretrained.safetensors': `${GOLDEN}/edge.pretrained.safetensors` }, 'pre');
    const fine = await checkpointFromPaths({ 'edge.finetuned.safetensors': `${GOLDEN}/edge.finetuned.safetensors` }, 'fine');
    const out = await exportAll(pre, fine, 5);
    const golden = parseSafetensorsBytes(new Uint8Array(readFileSync(`${GOLDEN}/edge.k5.mask.safetensors`)));
    const masks = parseSafetensorsBytes(out.masks);
    const model = parseSafetensorsBytes(out.model);
    for (const [tensorName, tensor] of golden.tensors) {
      const ours = masks.tensors.get(tensorName)!.bytes;
      for (let i = 0; i < tensor.bytes.length; i++) expect(ours[i]).toBe(tensor.bytes[i] === 255 ? 1 : tensor.bytes[i]);
    }
    const zeroRow = out.report.tensors.find((t) => t.name === 'zero.row')!;
    expect(zeroRow.wholeRows).toEqual([{ rowIndex: 0, reason: 'zero-std' }]);
    // Kept whole means fine-tuned values, exact zeros included.
    const fineFile = parseSafetensorsBytes(new Uint8Array(readFileSync(`${GOLDEN}/edge.finetuned.safetensors`)));
    expect(model.tensors.get('zero.row')!.bytes.subarray(0, 256)).toEqual(fineFile.tensors.get('zero.row')!.bytes.subarray(0, 256));
    expect(sameBytes(await applyBytes(pre, out.subnetwork), out.model)).toBe(true);
  });
});

describe('demo pair (tiny BERT, F32) at k = 64', () => {
  it('masks, model and report agree with the core; the subnetwork rebuilds the model bit for bit', async () => {
    const pre = await demoPre();
    const fine = await demoFine();
    const out = await exportAll(pre, fine, 64, { format: 'pt' });
    const masks = parseSafetensorsBytes(out.masks);
    const model = parseSafetensorsBytes(out.model);
    const preFile = parseSafetensorsBytes(new Uint8Array(readFileSync(`${DEMO}/pretrained/model.safetensors`)));
    const fineFile = parseSafetensorsBytes(new Uint8Array(readFileSync(`${DEMO}/finetuned/model.safetensors`)));
    expect(model.order).toEqual(fineFile.order);
    expect(model.metadata).toEqual({ format: 'pt' });
    let pruned = 0;
    for (const pair of pairCheckpoints(pre, fine)) {
      if (pair.status === 'only-pretrained') continue;
      const merged = model.tensors.get(pair.name)!;
      const fineTensor = fineFile.tensors.get(pair.name)!;
      expect(merged.shape).toEqual(fineTensor.shape);
      if (pair.status !== 'pruned') {
        expect(merged.bytes).toEqual(fineTensor.bytes);
        expect(masks.tensors.has(pair.name)).toBe(false);
        continue;
      }
      pruned++;
      const fineValues = float32Of(fineTensor.bytes);
      const preValues = float32Of(preFile.tensors.get(pair.pretrained!.name)!.bytes);
      const selection = selectTensor(fineValues, pair.rows, pair.cols, 64);
      const mask = masks.tensors.get(pair.name)!;
      expect(mask.dtype).toBe('U8');
      expect(mask.shape).toEqual(fineTensor.shape);
      let ones = 0;
      for (let i = 0; i < mask.bytes.length; i++) {
        const bit = (selection.maskBits[i >> 3] >> (i & 7)) & 1;
        if (mask.bytes[i] !== bit) throw new Error(`${pair.name}[${i}]: mask ${mask.bytes[i]}, core ${bit}`);
        ones += bit;
      }
      expect(ones).toBe(selection.keptCount);
      expect(out.report.tensors.find((t) => t.name === pair.name)!.kept).toBe(selection.keptCount);
      expect(sameBytes(merged.bytes, mergeTensor(fineValues, preValues, selection))).toBe(true);
    }
    expect(pruned).toBe(out.report.totals.prunedTensors);
    expect(pruned).toBeGreaterThan(60);

    // Size: kept values plus one bit per pruned parameter plus a small header (demo has no new tensors).
    const keptBytes = out.report.totals.keptInPruned * 4;
    const bitBytes = out.report.tensors.filter((t) => t.pruned).reduce((sum, t) => sum + Math.ceil(t.total / 8), 0);
    const newBytes = out.report.tensors.filter((t) => !t.pruned && t.subnetworkEncoding === 'whole').reduce((sum, t) => sum + t.total * 4, 0);
    const headerLength = Number(new DataView(out.subnetwork.buffer).getBigUint64(0, true)) + 8;
    expect(out.subnetwork.length - headerLength).toBeLessThanOrEqual(keptBytes + bitBytes + newBytes);
    expect(headerLength).toBeLessThan(64 * 1024);
    expect(out.subnetwork.length).toBe(out.report.totals.subnetworkBytes);

    expect(Buffer.compare(await applyBytes(pre, out.subnetwork), out.model)).toBe(0);

    // The report files carry the same numbers.
    const json = JSON.parse(reportJson(out.report)) as ExportReport;
    expect(json.totals.keptInPruned).toBe(out.report.totals.keptInPruned);
    const csv = reportCsv(out.report).trim().split('\n');
    expect(csv.length).toBe(out.report.tensors.length + 2);
    const queryRow = csv.find((line) => line.startsWith('bert.encoder.layer.0.attention.self.query.weight,'))!.split(',');
    const queryReport = out.report.tensors.find((t) => t.name === 'bert.encoder.layer.0.attention.self.query.weight')!;
    expect(Number(queryRow[6])).toBe(queryReport.kept);
    expect(Number(queryRow[7])).toBe(queryReport.total);
  }, 60_000);

  it('refuses a wrong pre-trained checkpoint, a corrupt, a truncated and a foreign file, before writing', async () => {
    const pre = await demoPre();
    const fine = await demoFine();
    const out = await exportAll(pre, fine, 64);

    const wrongPre = await checkpointFromPaths({ 'model.safetensors': `${DEMO}/finetuned/model.safetensors` }, 'the fine-tuned file');
    const opened = await openSubnetwork(bufferSource(out.subnetwork, 'sub.safetensors'));
    const sink = new MemorySink();
    await expect(applySubnetwork(wrongPre, opened, sink)).rejects.toThrow(/do not match the pre-trained checkpoint.*refusing/);
    expect(sink.byteLength).toBe(0);

    const missing = await checkpointFromPaths({ 'model.safetensors': `${GOLDEN}/rows-64.pretrained.safetensors` }, 'rows-64');
    await expect(applySubnetwork(missing, opened, new MemorySink())).rejects.toThrow(/has no tensor .*different pre-trained checkpoint/);

    const corrupt = out.subnetwork.slice();
    corrupt[corrupt.length - 5] ^= 0x01;
    await expect(openSubnetwork(bufferSource(corrupt, 'corrupt.safetensors'))).rejects.toThrow(/corrupt\.safetensors: content check failed.*corrupt/);

    const truncated = out.subnetwork.slice(0, out.subnetwork.length - 1000);
    await expect(openSubnetwork(bufferSource(truncated, 'cut.safetensors'))).rejects.toThrow(/cut\.safetensors: not a readable subnetwork file.*truncated/);
    await expect(openSubnetwork(bufferSource(out.subnetwork.slice(0, 5), 'tiny.safetensors'))).rejects.toThrow(/tiny\.safetensors: not a readable subnetwork file/);

    await expect(openSubnetwork(bufferSource(out.model, 'model.safetensors'))).rejects.toThrow(/not a KENviz subnetwork file/);
  }, 60_000);
});

/** The demo checkpoint re-encoded as BF16 (nearest even), written with the export's own writer into memory. */
async function toBF16(path: string): Promise<Uint8Array> {
  const file = parseSafetensorsBytes(new Uint8Array(readFileSync(path)));
  const entries = file.order.map((name) => ({ name, dtype: (file.tensors.get(name)!.dtype === 'F32' ? 'BF16' : file.tensors.get(name)!.dtype) as DType, shape: file.tensors.get(name)!.shape }));
  const sink = new MemorySink();
  const writer = new SafetensorsWriter(sink, entries, file.metadata);
  for (const entry of entries) {
    const tensor = file.tensors.get(entry.name)!;
    if (entry.dtype !== 'BF16') {
      await writer.writeTensor(entry.name, tensor.bytes);
      continue;
    }
    const values = float32Of(tensor.bytes);
    const out = new Uint8Array(values.length * 2);
    for (let i = 0; i < values.length; i++) {
      const bits = float32ToBF16Bits(values[i]);
      out[2 * i] = bits & 0xff;
      out[2 * i + 1] = bits >> 8;
    }
    await writer.writeTensor(entry.name, out);
  }
  await writer.finish();
  return sink.bytes();
}

describe('BF16 and mixed-dtype pairs from the demo pair', () => {
  it('BF16 pair at k = 64: merged entries are exact BF16 copies of either side; apply rebuilds it bit for bit', async () => {
    const preBytes = await toBF16(`${DEMO}/pretrained/model.safetensors`);
    const fineBytes = await toBF16(`${DEMO}/finetuned/model.safetensors`);
    const pre = await checkpointFromBytes({ 'model.safetensors': preBytes }, 'bf16 pre');
    const fine = await checkpointFromBytes({ 'model.safetensors': fineBytes }, 'bf16 fine');
    const out = await exportAll(pre, fine, 64);
    const model = parseSafetensorsBytes(out.model);
    const preFile = parseSafetensorsBytes(preBytes);
    const fineFile = parseSafetensorsBytes(fineBytes);
    const pair = pairCheckpoints(pre, fine).find((p) => p.name === 'bert.encoder.layer.1.intermediate.dense.weight')!;
    const merged = model.tensors.get(pair.name)!;
    expect(merged.dtype).toBe('BF16');
    const fineValues = decodeToFloat32('BF16', fineFile.tensors.get(pair.name)!.bytes, 'fine');
    const preValues = decodeToFloat32('BF16', preFile.tensors.get(pair.pretrained!.name)!.bytes, 'pre');
    const expected = mergeTensor(fineValues, preValues, selectTensor(fineValues, pair.rows, pair.cols, 64));
    expect(sameBytes(decodeToFloat32('BF16', merged.bytes, 'merged'), expected)).toBe(true);
    expect(Buffer.compare(await applyBytes(pre, out.subnetwork), out.model)).toBe(0);
    // BF16 halves the stored values: the subnetwork is well under half of the BF16 fine-tuned file.
    expect(out.subnetwork.length).toBeLessThan(fineBytes.length / 2);
  }, 60_000);

  it('F32 pre-trained with a BF16 fine-tuned model: reset entries are the pre-trained values rounded to BF16', async () => {
    const fineBytes = await toBF16(`${DEMO}/finetuned/model.safetensors`);
    const pre = await demoPre();
    const fine = await checkpointFromBytes({ 'model.safetensors': fineBytes }, 'bf16 fine');
    const out = await exportAll(pre, fine, 64);
    const model = parseSafetensorsBytes(out.model);
    const name = 'bert.encoder.layer.0.attention.self.value.weight';
    const pair = pairCheckpoints(pre, fine).find((p) => p.name === name)!;
    const fineValues = decodeToFloat32('BF16', parseSafetensorsBytes(fineBytes).tensors.get(name)!.bytes, 'fine');
    const preF32 = float32Of(parseSafetensorsBytes(new Uint8Array(readFileSync(`${DEMO}/pretrained/model.safetensors`))).tensors.get(pair.pretrained!.name)!.bytes);
    const preRounded = new Float32Array(preF32.length);
    for (let i = 0; i < preF32.length; i++) preRounded[i] = decodeToFloat32('BF16', Uint8Array.of(float32ToBF16Bits(preF32[i]) & 0xff, float32ToBF16Bits(preF32[i]) >> 8), 'x')[0];
    const expected = mergeTensor(fineValues, preRounded, selectTensor(fineValues, pair.rows, pair.cols, 64));
    expect(sameBytes(decodeToFloat32('BF16', model.tensors.get(name)!.bytes, 'merged'), expected)).toBe(true);
    expect(Buffer.compare(await applyBytes(pre, out.subnetwork), out.model)).toBe(0);
  }, 60_000);
});
