// The CLI as a person runs it: a child process on the demo pair at k = 64 into /tmp, every output file
// checked against the core, then `apply` rebuilding the model bit for bit, and clear failures on bad input.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectTensor } from '../../src/core/ken';
import { pairCheckpoints } from '../../src/formats/pairing';
import { checkpointFromPaths, float32Of, parseSafetensorsBytes } from './helpers';

const DEMO = 'public/demo';
const workDir = mkdtempSync(join(tmpdir(), 'kenviz-cli-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function kenviz(args: string[], timeoutMs = 120_000) {
  const result = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: timeoutMs });
  const lines = result.stdout.trim().split('\n');
  return { status: result.status, signal: result.signal, stderr: result.stderr, summary: JSON.parse(lines[lines.length - 1]) as Record<string, unknown> };
}

describe('kenviz CLI', () => {
  it('prune writes masks, an HF model folder, the subnetwork and reports matching the core; apply rebuilds the model', async () => {
    const out = join(workDir, 'k64');
    const run = kenviz(['prune', '--pretrained', `${DEMO}/pretrained`, '--finetuned', `${DEMO}/finetuned`, '--k', '64', '--out', out, '--workers', '2']);
    expect(run.stderr).toMatch(/\[prune\]/);
    expect(run.status).toBe(0);
    expect(run.summary.ok).toBe(true);
    for (const file of ['masks.safetensors', 'subnetwork.safetensors', 'report.json', 'report.csv', 'model/model.safetensors', 'model/config.json', 'model/vocab.txt', 'model/tokenizer_config.json']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, 'model/config.json'), 'utf8')).toBe(readFileSync(`${DEMO}/finetuned/config.json`, 'utf8'));

    const pre = await checkpointFromPaths({ 'model.safetensors': `${DEMO}/pretrained/model.safetensors` }, 'pre');
    const fine = await checkpointFromPaths({ 'model.safetensors': `${DEMO}/finetuned/model.safetensors` }, 'fine');
    const masks = parseSafetensorsBytes(new Uint8Array(readFileSync(join(out, 'masks.safetensors'))));
    const fineFile = parseSafetensorsBytes(new Uint8Array(readFileSync(`${DEMO}/finetuned/model.safetensors`)));
    type Report = {
      k: number;
      scope: string;
      seconds: number;
      backend: string;
      tensors: { name: string; pretrainedName: string | null; shape: number[]; dtype: string; status: string; kept: number; total: number; keptWholeRows: unknown[] }[];
      totals: { keptInPruned: number; kept: number; total: number; keptFraction: number };
    };
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.k).toBe(64);
    expect(report.scope).toBe('all');
    expect(report.seconds).toBeGreaterThan(0);
    expect(report.backend).toMatch(/cpu/);
    // The documented per-tensor fields: pre-trained name across the `bert.` prefix, status, whole rows.
    const query = report.tensors.find((t) => t.name === 'bert.encoder.layer.0.attention.self.query.weight')!;
    expect([query.pretrainedName, query.status, query.dtype, query.shape, query.keptWholeRows]).toEqual(['bert.encoder.layer.0.attention.self.query.weight', 'pruned', 'F32', [128, 128], []]);
    expect(report.tensors.find((t) => t.name === 'classifier.weight')).toMatchObject({ pretrainedName: null, status: 'new', kept: 384, total: 384 });
    let keptTotal = 0;
    for (const pair of pairCheckpoints(pre, fine)) {
      if (pair.status !== 'pruned') continue;
      const selection = selectTensor(float32Of(fineFile.tensors.get(pair.name)!.bytes), pair.rows, pair.cols, 64);
      const mask = masks.tensors.get(pair.name)!.bytes;
      let ones = 0;
      let mismatches = 0;
      for (let i = 0; i < mask.length; i++) {
        const bit = (selection.maskBits[i >> 3] >> (i & 7)) & 1;
        ones += mask[i];
        if (mask[i] !== bit) mismatches++;
      }
      expect(mismatches, pair.name).toBe(0);
      expect(ones).toBe(selection.keptCount);
      expect(report.tensors.find((t) => t.name === pair.name)!.kept).toBe(selection.keptCount);
      keptTotal += selection.keptCount;
    }
    expect(report.totals.keptInPruned).toBe(keptTotal);
    expect([report.totals.kept, report.totals.total, report.totals.keptFraction]).toEqual([keptTotal, 1_577_984, keptTotal / 1_577_984]);
    const csvLines = readFileSync(join(out, 'report.csv'), 'utf8').trim().split('\n');
    expect(csvLines[0].split(',').slice(0, 3)).toEqual(['name', 'status', 'pruned']);
    expect(csvLines.length).toBe(report.tensors.length + 2);

    const rebuilt = join(workDir, 'rebuilt');
    const apply = kenviz(['apply', '--pretrained', `${DEMO}/pretrained`, '--subnetwork', join(out, 'subnetwork.safetensors'), '--out', rebuilt]);
    expect(apply.status).toBe(0);
    expect(Buffer.compare(readFileSync(join(rebuilt, 'model.safetensors')), readFileSync(join(out, 'model/model.safetensors')))).toBe(0);
    expect(readFileSync(join(rebuilt, 'config.json'), 'utf8')).toBe(readFileSync(`${DEMO}/finetuned/config.json`, 'utf8'));

    // The wrong pre-trained checkpoint and a damaged file are refused, and no model is left behind.
    const refused = join(workDir, 'refused');
    const wrong = kenviz(['apply', '--pretrained', `${DEMO}/finetuned`, '--subnetwork', join(out, 'subnetwork.safetensors'), '--out', refused]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/do not match the pre-trained checkpoint/);
    expect(existsSync(join(refused, 'model.safetensors'))).toBe(false);
    const damaged = join(workDir, 'damaged.safetensors');
    const bytes = readFileSync(join(out, 'subnetwork.safetensors'));
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 100));
    const cut = kenviz(['apply', '--pretrained', `${DEMO}/pretrained`, '--subnetwork', damaged, '--out', refused]);
    expect(cut.status).toBe(1);
    expect(String(cut.summary.error)).toMatch(/damaged\.safetensors: not a readable subnetwork file/);
  }, 240_000);

  it('--scope layers prunes only layer tensors and reports the rest as out-of-scope, kept whole', () => {
    const out = join(workDir, 'layers');
    const run = kenviz(['prune', '--pretrained', `${DEMO}/pretrained`, '--finetuned', `${DEMO}/finetuned`, '--k', '16', '--scope', 'layers', '--out', out]);
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { scope: string; tensors: { name: string; status: string; kept: number; total: number }[] };
    expect(report.scope).toBe('layers');
    const embedding = report.tensors.find((t) => t.name === 'bert.embeddings.word_embeddings.weight')!;
    expect(embedding.status).toBe('out-of-scope');
    expect(embedding.kept).toBe(embedding.total);
    const layerTensors = report.tensors.filter((t) => /\.layer\.\d+\./.test(t.name));
    expect(layerTensors.length).toBe(64);
    expect(layerTensors.every((t) => t.status === 'pruned' && t.kept < t.total)).toBe(true);
  }, 240_000);

  it('fails clearly and quickly on a bad k, a missing file, an unknown rule and an unwritable --out', () => {
    const base = ['prune', '--pretrained', `${DEMO}/pretrained`, '--finetuned', `${DEMO}/finetuned`];
    const badK = kenviz([...base, '--k', '2.5', '--out', join(workDir, 'x')]);
    expect(badK.status).toBe(2);
    expect(badK.stderr).toMatch(/--k must be a whole number >= 1 \(got "2\.5"\)/);
    const missing = kenviz(['prune', '--pretrained', join(workDir, 'nope.safetensors'), '--finetuned', `${DEMO}/finetuned`, '--k', '8', '--out', join(workDir, 'x')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.safetensors: not found/);
    const rule = kenviz([...base, '--k', '8', '--rule', 'best', '--out', join(workDir, 'x')]);
    expect(rule.status).toBe(2);
    expect(rule.stderr).toMatch(/--rule must be one of ken, delta, magnitude, random/);
    // A file where the folder should go, and a path under /proc (where Node's recursive mkdir never returns).
    writeFileSync(join(workDir, 'a-file'), 'x');
    const underFile = kenviz([...base, '--k', '8', '--out', join(workDir, 'a-file', 'out')], 60_000);
    expect(underFile.status).toBe(1);
    expect(underFile.stderr).toMatch(/cannot create output folder/);
    const proc = kenviz([...base, '--k', '8', '--out', '/proc/kenviz-test/out'], 60_000);
    expect(proc.signal).toBeNull();
    expect(proc.status).toBe(1);
    expect(proc.stderr).toMatch(/cannot create output folder/);
    expect(kenviz(['frobnicate']).status).toBe(2);
  }, 240_000);
});
