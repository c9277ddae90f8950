// What the app must report for a pair, computed independently in Node with the pure layers
// (src/formats + src/core), the same definition the worker uses (src/engine/host.ts):
// total = parameters of every runnable tensor (paired 'pruned', plus 'new' and 'shape-mismatch');
// kept = KEN's kept entries of each pruned tensor + every entry of tensors kept whole.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpointFromFiles } from '../../src/formats/checkpoint';
import { pairCheckpoints } from '../../src/formats/pairing';
import { readTensorFloat32 } from '../../src/formats/safetensors';
import { selectTensor } from '../../src/core/ken';

export const DEMO_DIR = join(process.cwd(), 'public', 'demo');

async function openFolder(folder: string) {
  const files = readdirSync(folder).map((name) => ({ file: new Blob([readFileSync(join(folder, name))]), path: name }));
  return openCheckpointFromFiles(files, folder);
}

/** Totals of a run, with the share of the pruned tensors alone (what the status line leads with). */
export interface ExpectedBreakdown {
  kept: number;
  total: number;
  prunedKept: number;
  prunedTotal: number;
}

const cache = new Map<string, Promise<ExpectedBreakdown>>();

/** Kept and total entries of a whole-model KEN run at k on the pair in two folders. */
export async function expectedTotals(k: number, pretrainedDir = join(DEMO_DIR, 'pretrained'), finetunedDir = join(DEMO_DIR, 'finetuned')) {
  const { kept, total } = await expectedBreakdown(k, pretrainedDir, finetunedDir);
  return { kept, total };
}

/** expectedTotals plus the kept and total entries of the pruned tensors only (no tensor kept whole). */
export function expectedBreakdown(k: number, pretrainedDir = join(DEMO_DIR, 'pretrained'), finetunedDir = join(DEMO_DIR, 'finetuned')) {
  const key = `${k}|${pretrainedDir}|${finetunedDir}`;
  let totals = cache.get(key);
  if (!totals) {
    totals = compute(k, pretrainedDir, finetunedDir);
    cache.set(key, totals);
  }
  return totals;
}

async function compute(k: number, pretrainedDir: string, finetunedDir: string): Promise<ExpectedBreakdown> {
  const pairs = pairCheckpoints(await openFolder(pretrainedDir), await openFolder(finetunedDir));
  let kept = 0;
  let total = 0;
  let prunedKept = 0;
  let prunedTotal = 0;
  for (const pair of pairs) {
    if (pair.status === 'new' || pair.status === 'shape-mismatch') {
      kept += pair.rows * pair.cols;
      total += pair.rows * pair.cols;
    } else if (pair.status === 'pruned' && pair.finetuned) {
      const fine = await readTensorFloat32(pair.finetuned);
      const tensorKept = selectTensor(fine, pair.rows, pair.cols, k).keptCount;
      kept += tensorKept;
      total += pair.rows * pair.cols;
      prunedKept += tensorKept;
      prunedTotal += pair.rows * pair.cols;
    }
  }
  return { kept, total, prunedKept, prunedTotal };
}

/** How the demo pair's tensors split: all listed, those a run covers (pruned + kept whole), pruned only. */
export async function expectedTensorCounts(pretrainedDir = join(DEMO_DIR, 'pretrained'), finetunedDir = join(DEMO_DIR, 'finetuned')) {
  const pairs = pairCheckpoints(await openFolder(pretrainedDir), await openFolder(finetunedDir));
  const pruned = pairs.filter((p) => p.status === 'pruned').length;
  const inRun = pruned + pairs.filter((p) => p.status === 'new' || p.status === 'shape-mismatch').length;
  return { all: pairs.length, inRun, pruned };
}
