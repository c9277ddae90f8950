// `kenviz apply`: rebuilds the pruned model from the pre-trained checkpoint and a subnetwork file.
import { join } from 'node:path';
import { unlink, writeFile } from 'node:fs/promises';
import { applySubnetwork, openSubnetwork } from '../export/apply';
import { blobSource } from '../formats/sources';
import { parseArgs, required, UsageError } from './args';
import { ensureDir, fileSink, openCheckpointPath } from './node-io';
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { FormatError } from '../formats/types';

export const APPLY_USAGE = 'kenviz apply --pretrained <P> --subnetwork <FILE> --out <DIR>';

export interface ApplySummary {
  ok: true;
  command: 'apply';
  out: string;
  k: number;
  files: Record<string, number>;
  wallMs: number;
}

export async function runApply(argv: readonly string[], log: (line: string) => void): Promise<ApplySummary> {
  const startedAt = Date.now();
  const args = parseArgs(argv, ['pretrained', 'subnetwork', 'out']);
  if (args.positional.length > 0) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
  const pretrainedPath = required(args, 'pretrained');
  const subnetworkPath = required(args, 'subnetwork');
  const out = required(args, 'out');
  try {
    if (!(await stat(subnetworkPath)).isFile()) throw new FormatError(`subnetwork ${subnetworkPath}: not a file`);
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(`subnetwork ${subnetworkPath}: not found`);
  }
  const opened = await openSubnetwork(blobSource(await openAsBlob(subnetworkPath), subnetworkPath));
  const pretrained = await openCheckpointPath(pretrainedPath, 'pre-trained');
  log(`applying ${subnetworkPath} (k = ${opened.k}, ${opened.rule}, scope ${opened.scope}) to ${pretrainedPath}`);
  await ensureDir(out);
  const modelPath = join(out, 'model.safetensors');
  const model = await fileSink(modelPath);
  let result;
  try {
    result = await applySubnetwork(pretrained, opened, model);
  } catch (error) {
    await model.close().catch(() => undefined);
    // No half-written model is left behind looking valid.
    await unlink(modelPath).catch(() => undefined);
    throw error;
  }
  await model.close();
  const files: Record<string, number> = { 'model.safetensors': model.bytesWritten };
  for (const [name, text] of Object.entries(result.files)) {
    await writeFile(join(out, name), text);
    files[name] = Buffer.byteLength(text);
  }
  // Tokenizer files are the pre-trained checkpoint's when it is a folder (config.json comes from the subnetwork).
  for (const [name, source] of pretrained.extraFiles) {
    if (name in result.files) continue;
    await writeFile(join(out, name), await source.read(0, source.size));
    files[name] = source.size;
  }
  return { ok: true, command: 'apply', out, k: opened.k, files, wallMs: Date.now() - startedAt };
}
