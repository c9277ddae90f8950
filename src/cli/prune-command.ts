// `kenviz prune`: KEN on a checkpoint pair with all cores; writes masks, the pruned model (HF folder),
// the subnetwork and the report through the shared export pipeline.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { unlink, writeFile } from 'node:fs/promises';
import { checkK, SELECTION_RULES } from '../core/rules';
import type { SelectionRule } from '../core/types';
import { runExport, fineMetadataOf, type ExportProgress, type ExportReport } from '../export/pipeline';
import { parseScope } from '../export/plan';
import { reportCsv, reportJson } from '../export/report';
import { pairCheckpoints } from '../formats/pairing';
import { parseArgs, parseWholeNumber, required, UsageError } from './args';
import { ensureDir, fileSink, openCheckpointPath } from './node-io';
import { NodeSelectPool } from './select-pool';

export const PRUNE_USAGE =
  'kenviz prune --pretrained <P> --finetuned <F> --k <K> --out <DIR> [--scope all|layers|<regex>] [--rule ken|delta|magnitude|random] [--seed N] [--workers N]';

export interface PruneSummary {
  ok: true;
  command: 'prune';
  out: string;
  k: number;
  scope: string;
  rule: SelectionRule;
  workers: number;
  files: Record<string, number>;
  totals: ExportReport['totals'];
  wallMs: number;
}

function progressPrinter(log: (line: string) => void): (progress: ExportProgress) => void {
  let lastAt = 0;
  let lastPhase = '';
  return (progress) => {
    const at = Date.now();
    if (progress.phase === lastPhase && at - lastAt < 1000) return;
    lastAt = at;
    lastPhase = progress.phase;
    const percent = progress.paramsTotal > 0 ? ((100 * progress.paramsDone) / progress.paramsTotal).toFixed(1) : '100';
    log(`[${progress.phase}] ${progress.tensorsDone}/${progress.tensorsTotal} tensors, ${percent}% of parameters${progress.current ? `: ${progress.current}` : ''}`);
  };
}

export async function runPrune(argv: readonly string[], log: (line: string) => void): Promise<PruneSummary> {
  const startedAt = Date.now();
  const args = parseArgs(argv, ['pretrained', 'finetuned', 'k', 'out', 'scope', 'rule', 'seed', 'workers']);
  if (args.positional.length > 0) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
  const pretrainedPath = required(args, 'pretrained');
  const finetunedPath = required(args, 'finetuned');
  const k = parseWholeNumber(required(args, 'k'), 'k');
  checkK(k);
  const out = required(args, 'out');
  const scope = parseScope(args.options.get('scope') ?? 'all');
  const ruleText = args.options.get('rule') ?? 'ken';
  if (!(SELECTION_RULES as readonly string[]).includes(ruleText)) throw new UsageError(`--rule must be one of ${SELECTION_RULES.join(', ')} (got "${ruleText}")`);
  const rule = ruleText as SelectionRule;
  const seed = args.options.has('seed') ? parseWholeNumber(args.options.get('seed') as string, 'seed', 0) : 0;
  const workers = args.options.has('workers') ? parseWholeNumber(args.options.get('workers') as string, 'workers') : availableParallelism();

  const pretrained = await openCheckpointPath(pretrainedPath, 'pre-trained');
  const finetuned = await openCheckpointPath(finetunedPath, 'fine-tuned');
  const pairs = pairCheckpoints(pretrained, finetuned);
  if (!pairs.some((p) => p.status === 'pruned')) {
    throw new Error(`${pretrainedPath} and ${finetunedPath} share no tensor of the same name and shape: nothing to prune (are they the same architecture?)`);
  }
  for (const warning of [...(pretrained.warnings ?? []), ...(finetuned.warnings ?? [])]) log(`warning: ${warning}`);
  const onlyPretrained = pairs.filter((p) => p.status === 'only-pretrained').length;
  if (onlyPretrained > 0) log(`note: ${onlyPretrained} pre-trained tensor(s) have no fine-tuned counterpart and are not in the pruned model`);

  await ensureDir(out);
  await ensureDir(join(out, 'model'));
  const masks = await fileSink(join(out, 'masks.safetensors'));
  const model = await fileSink(join(out, 'model', 'model.safetensors'));
  const subnetwork = await fileSink(join(out, 'subnetwork.safetensors'));
  const pool = new NodeSelectPool(workers);
  const configSource = finetuned.extraFiles.get('config.json');
  const inlineFiles: Record<string, string> = {};
  if (configSource) inlineFiles['config.json'] = new TextDecoder().decode(await configSource.read(0, configSource.size));
  let report: ExportReport;
  let failed = true;
  try {
    log(`pruning ${finetunedPath} against ${pretrainedPath} at k = ${k} (${rule}, scope ${args.options.get('scope') ?? 'all'}) on ${workers} worker thread(s)`);
    report = await runExport(
      {
        pairs,
        fineOrder: [...finetuned.tensors.keys()],
        pretrainedLabel: pretrainedPath,
        finetunedLabel: finetunedPath,
        modelMetadata: await fineMetadataOf(finetuned),
        inlineFiles,
      },
      {
        settings: { k, scope, rule, seed, backend: `cpu (${workers} worker threads)` },
        sinks: { masks, model, subnetwork },
        selector: pool.selector,
        onProgress: progressPrinter(log),
      },
    );
    failed = false;
  } finally {
    await pool.close();
    await Promise.allSettled([masks.close(), model.close(), subnetwork.close()]);
    // Half-written outputs must not pass for results.
    if (failed) await Promise.allSettled([masks.path, model.path, subnetwork.path].map((path) => unlink(path)));
  }
  for (const [name, source] of finetuned.extraFiles) {
    await writeFile(join(out, 'model', name), await source.read(0, source.size));
  }
  await writeFile(join(out, 'report.json'), reportJson(report));
  await writeFile(join(out, 'report.csv'), reportCsv(report));
  const totals = report.totals;
  log(
    `kept ${totals.keptInPruned} of ${totals.prunedParams} parameters in ${totals.prunedTensors} pruned tensors (${(100 * totals.keptFractionPruned).toFixed(2)}%); ` +
      `subnetwork ${totals.subnetworkBytes} bytes vs fine-tuned ${totals.finetunedBytes} bytes`,
  );
  return {
    ok: true,
    command: 'prune',
    out,
    k,
    scope: report.scope,
    rule,
    workers,
    files: {
      'masks.safetensors': masks.bytesWritten,
      'model/model.safetensors': model.bytesWritten,
      'subnetwork.safetensors': subnetwork.bytesWritten,
    },
    totals,
    wallMs: Date.now() - startedAt,
  };
}
