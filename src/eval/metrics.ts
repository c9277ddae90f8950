// Classification metrics over logits, pure TypeScript.

/** Index of the largest logit; the first one wins ties (as torch.argmax / numpy.argmax). */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

export interface AccuracyResult {
  accuracy: number;
  correct: number;
  total: number;
  /** Predicted label per example. */
  predictions: Int32Array;
  /** confusion[trueLabel * numLabels + predictedLabel]. */
  confusion: Uint32Array;
  numLabels: number;
}

/** Accuracy of row-major logits [total, numLabels] against integer labels. */
export function accuracyFromLogits(logits: Float32Array, numLabels: number, labels: ArrayLike<number>): AccuracyResult {
  const total = labels.length;
  if (logits.length !== total * numLabels) {
    throw new Error(`accuracy: ${logits.length} logits do not make ${total} rows of ${numLabels} labels`);
  }
  const predictions = new Int32Array(total);
  const confusion = new Uint32Array(numLabels * numLabels);
  let correct = 0;
  for (let row = 0; row < total; row++) {
    const predicted = argmax(logits, row * numLabels, numLabels);
    predictions[row] = predicted;
    const truth = labels[row];
    if (truth >= 0 && truth < numLabels) confusion[truth * numLabels + predicted]++;
    if (predicted === truth) correct++;
  }
  return { accuracy: total === 0 ? 0 : correct / total, correct, total, predictions, confusion, numLabels };
}

/** `row<TAB>predicted<TAB>space-separated logits`, one line per example (the CLI's predictions file). */
export function formatPredictions(logits: Float32Array, numLabels: number, predictions: Int32Array): string {
  const lines: string[] = [];
  for (let row = 0; row < predictions.length; row++) {
    const rowLogits = Array.from(logits.subarray(row * numLabels, (row + 1) * numLabels), (v) => v.toFixed(6));
    lines.push(`${row}\t${predictions[row]}\t${rowLogits.join(' ')}`);
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

/** Accuracy as the README prints it: percent with two decimals. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
