// The typed protocol between the main thread (engine/bert/client.ts) and the eval worker
// (engine/bert/eval.worker.ts). Every request carries an id; every event names the request it answers.
import type { SourceSpec } from '../protocol';

/** Which tfjs backend runs the forward pass. 'auto' tries webgpu, then wasm, then cpu. */
export type EvalBackendChoice = 'auto' | 'webgpu' | 'wasm' | 'cpu';
export type EvalBackendUsed = 'webgpu' | 'wasm' | 'cpu';

/** A labelled set as plain arrays (structured-cloneable). */
export interface EvalDataset {
  name: string;
  texts: string[];
  labels: number[];
}

/** The fine-tuned checkpoint as is, or the KEN model at k. */
export type EvalModelSpec = { kind: 'finetuned' } | { kind: 'ken'; k: number };

export interface EvalResult {
  model: EvalModelSpec['kind'];
  /** k of a KEN model; null for the fine-tuned one. */
  k: number | null;
  accuracy: number;
  correct: number;
  total: number;
  /** KEN only: entries keeping their fine-tuned value / entries of all paired tensors. */
  keptCount: number | null;
  processedCount: number | null;
  keptFraction: number | null;
  /** Forward pass over the whole set (ms), weight upload included. */
  inferenceMs: number;
  /** KEN selection and merge (ms); 0 for the fine-tuned model or a cached k. */
  mergeMs: number;
  backend: EvalBackendUsed;
  /** Predicted label per row. */
  predictions: Int32Array;
}

export interface EvalPairInfo {
  pretrainedLabel: string;
  finetunedLabel: string;
  /** config id2label as an array; [] when absent. */
  labelNames: string[];
  numLabels: number;
  modelType: string;
  backend: EvalBackendUsed;
  backendReason: string;
  /** Tensors KEN processes (present in both checkpoints) and their entries. */
  pairedTensors: number;
  processedCount: number;
  /** Fine-tuned-only tensors kept as they are, e.g. the pooler and classifier. */
  newTensors: string[];
}

export interface EvalProgress {
  phase: 'loading' | 'merging' | 'inference';
  done: number;
  total: number;
  /** k of the KEN model being prepared or evaluated; null for the fine-tuned one. */
  k: number | null;
  /** Sweep: index of the k being done and the number of ks. */
  step?: number;
  steps?: number;
}

export type EvalRequest =
  | { type: 'open'; id: number; pretrained: SourceSpec; finetuned: SourceSpec; backend: EvalBackendChoice }
  | { type: 'evaluate'; id: number; dataset: EvalDataset; model: EvalModelSpec }
  | { type: 'sweep'; id: number; dataset: EvalDataset; ks: number[] }
  | { type: 'cancel'; id: number; target: number };

export type EvalEvent =
  | { type: 'opened'; id: number; info: EvalPairInfo }
  | { type: 'progress'; id: number; progress: EvalProgress }
  | { type: 'result'; id: number; result: EvalResult }
  | { type: 'sweep-point'; id: number; result: EvalResult }
  | { type: 'sweep-done'; id: number; results: EvalResult[] }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string };
