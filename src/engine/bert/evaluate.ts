// One evaluation: a weight set + tokenized labelled sentences -> logits, predictions and accuracy.
// Backend-agnostic (tfjs-core only): the worker, the CLI and Node tests call it after choosing a backend.
import { BertClassifier, type ClassifierConfig, type PredictOptions } from './model';
import { accuracyFromLogits, type AccuracyResult } from '../../eval/metrics';
import type { WeightMap } from '../../eval/weights';

export interface EvalRun extends AccuracyResult {
  logits: Float32Array;
  /** Inference wall time (ms), weight upload included. */
  elapsedMs: number;
}

export async function evaluateClassifier(
  config: ClassifierConfig,
  weights: WeightMap,
  encoded: readonly Int32Array[],
  labels: ArrayLike<number>,
  options: PredictOptions = {},
): Promise<EvalRun> {
  for (let row = 0; row < labels.length; row++) {
    if (labels[row] >= config.numLabels) {
      throw new Error(`evaluation row ${row}: label ${labels[row]} but the classifier has ${config.numLabels} labels`);
    }
  }
  const startedAt = performance.now();
  const model = new BertClassifier(config, (name) => weights.get(name));
  try {
    const logits = await model.predict(encoded, options);
    return { ...accuracyFromLogits(logits, config.numLabels, labels), logits, elapsedMs: performance.now() - startedAt };
  } finally {
    model.dispose();
  }
}
