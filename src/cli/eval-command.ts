// `kenviz eval --model <DIR> --data <TSV> [--predictions <TSV>] [--pretrained <DIR> --k <K>]`:
// evaluates a fine-tuned classifier (or its KEN model at k) on a labelled TSV/CSV in Node.
// Progress goes to stderr; the last stdout line is JSON: {"accuracy","correct","total"}.
import { openAsBlob } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openCheckpointFromFiles } from '../formats/checkpoint';
import { pairCheckpoints } from '../formats/pairing';
import type { Checkpoint } from '../formats/types';
import { labelNamesFromConfig, parseDataset } from '../eval/dataset';
import { formatPercent, formatPredictions } from '../eval/metrics';
import { kenWeights, readAllFloat32, readPretrainedOfPairs, tokenizerOfPair, type WeightMap } from '../eval/weights';
import { parseClassifierConfig } from '../engine/bert/model';
import { evaluateClassifier } from '../engine/bert/evaluate';
import { initNodeBackend, type NodeBackend } from '../engine/bert/node-backend';

const USAGE = `usage: kenviz eval --model <DIR> --data <TSV|CSV> [--predictions <TSV>]
                   [--pretrained <DIR> --k <K>] [--backend wasm|cpu] [--batch <N>]
  --model        fine-tuned Hugging Face folder (model.safetensors, config.json, vocab.txt)
  --data         labelled set: sentence<TAB>label per line (label id or id2label name); .csv for CSV
  --predictions  write row<TAB>predicted<TAB>space-separated logits per row
  --pretrained   with --k: evaluate the KEN model at k built from this pre-trained folder
  --backend      tfjs backend (default wasm, falls back to cpu)`;

/** A Hugging Face folder on disk (or one .safetensors file) as a Checkpoint of lazily read Blobs. */
export async function openCheckpointDir(path: string, label = path): Promise<Checkpoint> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`${path}: not found`);
  }
  if (info.isFile()) return openCheckpointFromFiles([{ file: await openAsBlob(path), path: basename(path) }], label);
  const names = (await readdir(path, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
  const files = await Promise.all(names.map(async (name) => ({ file: await openAsBlob(join(path, name)), path: name })));
  return openCheckpointFromFiles(files, label);
}

interface EvalArgs {
  model: string;
  data: string;
  predictions?: string;
  pretrained?: string;
  k?: number;
  backend: NodeBackend;
  batch: number;
}

function parseArgs(argv: string[]): EvalArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!['--model', '--data', '--predictions', '--pretrained', '--k', '--backend', '--batch'].includes(flag)) {
      throw new Error(`unknown argument ${arg}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    values.set(flag.slice(2), value);
  }
  const model = values.get('model');
  const data = values.get('data');
  if (!model) throw new Error('--model <DIR> is required');
  if (!data) throw new Error('--data <TSV> is required');
  const kText = values.get('k');
  const k = kText === undefined ? undefined : Number(kText);
  if (k !== undefined && (!Number.isInteger(k) || k < 1)) throw new Error(`--k must be a whole number >= 1, got ${kText}`);
  if ((k === undefined) !== (values.get('pretrained') === undefined)) throw new Error('--pretrained and --k go together');
  const backend = values.get('backend') ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got ${backend}`);
  const batch = Number(values.get('batch') ?? 64);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a whole number >= 1`);
  return { model, data, predictions: values.get('predictions'), pretrained: values.get('pretrained'), k, backend, batch };
}

export async function runEvalCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: EvalArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`kenviz eval: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const fine = await openCheckpointDir(args.model);
    if (!fine.config) throw new Error(`${args.model}: no config.json; evaluation needs the model's config`);
    const config = parseClassifierConfig(fine.config);
    const pre = args.pretrained ? await openCheckpointDir(args.pretrained) : null;
    const tokenizer = await tokenizerOfPair(fine, pre);
    let dataText: string;
    try {
      dataText = await readFile(args.data, 'utf8');
    } catch {
      throw new Error(`${args.data}: cannot be read`);
    }
    const dataset = parseDataset(dataText, args.data, labelNamesFromConfig(fine.config));
    const backend = await initNodeBackend(args.backend);
    log(`kenviz eval: ${dataset.examples.length} rows of ${args.data}; ${config.family}, ${config.numLayers} layers, ${config.numLabels} labels; tfjs ${backend}`);

    let weights: WeightMap = await readAllFloat32(fine);
    if (pre && args.k !== undefined) {
      const pairs = pairCheckpoints(pre, fine);
      const startedAt = performance.now();
      const ken = await kenWeights(pairs, weights, await readPretrainedOfPairs(pairs), args.k);
      log(`KEN k=${args.k}: kept ${ken.keptCount} of ${ken.processedCount} entries (${formatPercent(ken.keptFraction)}) in ${ken.tensorCount} tensors, ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
      weights = ken.weights;
    }
    const encodings = dataset.examples.map((example) => tokenizer.encode(example.text));
    const encoded = encodings.map((encoding) => encoding.inputIds);
    const truncated = encodings.filter((encoding) => encoding.truncated).length;
    if (truncated > 0) log(`${truncated} rows were truncated to ${tokenizer.maxLength} tokens`);
    let lastLogged = 0;
    const run = await evaluateClassifier(config, weights, encoded, dataset.examples.map((example) => example.label), {
      batchSize: args.batch,
      lengthMultiple: 1,
      onProgress: (done, total) => {
        const now = performance.now();
        if (done === total || now - lastLogged > 1000) {
          lastLogged = now;
          log(`  ${done}/${total} rows`);
        }
      },
    });
    log(`accuracy ${formatPercent(run.accuracy)} (${run.correct}/${run.total}) in ${(run.elapsedMs / 1000).toFixed(1)} s`);
    if (args.predictions) {
      await writeFile(args.predictions, formatPredictions(run.logits, config.numLabels, run.predictions));
      log(`predictions written to ${args.predictions}`);
    }
    process.stdout.write(`${JSON.stringify({ accuracy: run.accuracy, correct: run.correct, total: run.total })}\n`);
    return 0;
  } catch (error) {
    log(`kenviz eval: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
