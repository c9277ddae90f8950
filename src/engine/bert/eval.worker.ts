// The eval worker: opens a pair, then evaluates the fine-tuned model or the KEN model at k (merged here
// with core.selectTensor + mergeTensor) on a labelled set, with progress and cancellation.
/// <reference lib="webworker" />
import { openCheckpointFromFiles, openCheckpointFromUrl } from '../../formats/checkpoint';
import { pairCheckpoints } from '../../formats/pairing';
import type { Checkpoint, TensorPair } from '../../formats/types';
import type { SourceSpec } from '../protocol';
import { labelNamesFromConfig } from '../../eval/dataset';
import { kenWeights, readAllFloat32, readPretrainedOfPairs, tokenizerOfPair, type KenWeights, type WeightMap } from '../../eval/weights';
import type { WordPieceTokenizer } from '../../eval/tokenizer';
import { parseClassifierConfig, type ClassifierConfig } from './model';
import { evaluateClassifier } from './evaluate';
import { initEvalBackend } from './backend';
import type { EvalBackendUsed, EvalDataset, EvalEvent, EvalModelSpec, EvalRequest, EvalResult } from './eval-protocol';

declare const self: DedicatedWorkerGlobalScope;

interface OpenPair {
  fine: Checkpoint;
  pairs: TensorPair[];
  config: ClassifierConfig;
  tokenizer: WordPieceTokenizer;
  fineWeights: WeightMap;
  preWeights: WeightMap;
  backend: EvalBackendUsed;
}

let current: OpenPair | null = null;
/** The last KEN model built: re-evaluating the same k (e.g. after a sweep) skips the merge. */
let lastKen: KenWeights | null = null;
const cancelled = new Set<number>();

const post = (event: EvalEvent): void => self.postMessage(event);

class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

/** Lets queued messages (a cancel) in, then stops the request if it was cancelled. */
async function checkpoint(id: number): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  if (cancelled.has(id)) throw new CancelledError();
}

function openSource(spec: SourceSpec, role: string): Promise<Checkpoint> {
  return spec.kind === 'files'
    ? openCheckpointFromFiles(spec.files, spec.label ?? role)
    : openCheckpointFromUrl(spec.url, { label: spec.label ?? spec.url });
}

async function open(request: Extract<EvalRequest, { type: 'open' }>): Promise<void> {
  const { id } = request;
  current = null;
  lastKen = null;
  const [pre, fine] = await Promise.all([openSource(request.pretrained, 'pre-trained'), openSource(request.finetuned, 'fine-tuned')]);
  if (!fine.config) throw new Error(`${fine.label}: no config.json; evaluation needs the model's config (open the whole folder)`);
  const config = parseClassifierConfig(fine.config);
  const tokenizer = await tokenizerOfPair(fine, pre);
  const pairs = pairCheckpoints(pre, fine);
  const { backend, reason } = await initEvalBackend(request.backend);
  const fineWeights = await readAllFloat32(fine, undefined, (done, total) =>
    post({ type: 'progress', id, progress: { phase: 'loading', done, total, k: null } }),
  );
  const preWeights = await readPretrainedOfPairs(pairs);
  current = { fine, pairs, config, tokenizer, fineWeights, preWeights, backend };
  const pruned = pairs.filter((pair) => pair.status === 'pruned');
  post({
    type: 'opened',
    id,
    info: {
      pretrainedLabel: pre.label,
      finetunedLabel: fine.label,
      labelNames: labelNamesFromConfig(fine.config),
      numLabels: config.numLabels,
      modelType: config.family,
      backend,
      backendReason: reason,
      pairedTensors: pruned.length,
      processedCount: pruned.reduce((sum, pair) => sum + pair.rows * pair.cols, 0),
      newTensors: pairs.filter((pair) => pair.status === 'new').map((pair) => pair.name),
    },
  });
}

function requirePair(): OpenPair {
  if (!current) throw new Error('no pair is open for evaluation; load a pair first');
  return current;
}

async function evaluateOne(id: number, pair: OpenPair, dataset: EvalDataset, model: EvalModelSpec, step?: { step: number; steps: number }): Promise<EvalResult> {
  const encoded = dataset.texts.map((text) => pair.tokenizer.encode(text).inputIds);
  const k = model.kind === 'ken' ? model.k : null;
  let weights: WeightMap = pair.fineWeights;
  let ken: KenWeights | null = null;
  let mergeMs = 0;
  if (model.kind === 'ken') {
    if (lastKen?.k === model.k) {
      ken = lastKen;
    } else {
      lastKen = null;
      const startedAt = performance.now();
      ken = await kenWeights(pair.pairs, pair.fineWeights, pair.preWeights, model.k, {
        afterTensor: async (done, total) => {
          post({ type: 'progress', id, progress: { phase: 'merging', done, total, k, ...step } });
          await checkpoint(id);
        },
      });
      mergeMs = performance.now() - startedAt;
      lastKen = ken;
    }
    weights = ken.weights;
  }
  const run = await evaluateClassifier(pair.config, weights, encoded, dataset.labels, {
    // The CPU backend gains nothing from uniform shapes; GPU programs are compiled per shape.
    lengthMultiple: pair.backend === 'webgpu' ? 8 : 1,
    beforeBatch: () => checkpoint(id),
    onProgress: (done, total) => post({ type: 'progress', id, progress: { phase: 'inference', done, total, k, ...step } }),
  });
  return {
    model: model.kind,
    k,
    accuracy: run.accuracy,
    correct: run.correct,
    total: run.total,
    keptCount: ken?.keptCount ?? null,
    processedCount: ken?.processedCount ?? null,
    keptFraction: ken?.keptFraction ?? null,
    inferenceMs: run.elapsedMs,
    mergeMs,
    backend: pair.backend,
    predictions: run.predictions,
  };
}

function checkKs(ks: readonly number[]): void {
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a whole number >= 1, got ${k}`);
  }
}

async function handle(request: EvalRequest): Promise<void> {
  switch (request.type) {
    case 'cancel':
      cancelled.add(request.target);
      return;
    case 'open':
      await open(request);
      return;
    case 'evaluate': {
      if (request.model.kind === 'ken') checkKs([request.model.k]);
      const result = await evaluateOne(request.id, requirePair(), request.dataset, request.model);
      post({ type: 'result', id: request.id, result });
      return;
    }
    case 'sweep': {
      checkKs(request.ks);
      const pair = requirePair();
      const results: EvalResult[] = [];
      for (let step = 0; step < request.ks.length; step++) {
        const result = await evaluateOne(request.id, pair, request.dataset, { kind: 'ken', k: request.ks[step] }, { step, steps: request.ks.length });
        results.push(result);
        post({ type: 'sweep-point', id: request.id, result });
      }
      post({ type: 'sweep-done', id: request.id, results });
      return;
    }
  }
}

// Requests run one at a time, in order; a cancel is applied as soon as it arrives.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (message: MessageEvent<EvalRequest>) => {
  const request = message.data;
  if (request.type === 'cancel') {
    cancelled.add(request.target);
    return;
  }
  queue = queue.then(async () => {
    try {
      if (cancelled.has(request.id)) throw new CancelledError();
      await handle(request);
    } catch (error) {
      if (error instanceof CancelledError) post({ type: 'cancelled', id: request.id });
      else post({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
    } finally {
      cancelled.delete(request.id);
    }
  });
};
