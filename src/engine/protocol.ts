// The typed protocol between the main thread (engine/client.ts) and the KEN worker (engine/ken.worker.ts).
// Every request carries an id; every event names the request it answers. Bulk arrays travel as transferables.
import type { PairStatus, DType } from '../formats/types';
import type { SelectionRule, WholeRow } from '../core/types';

/** Where a checkpoint comes from. Files are structured-cloneable, so the worker reads them lazily itself. */
export type SourceSpec =
  | { kind: 'files'; files: { file: File; path: string }[]; label?: string }
  | { kind: 'url'; url: string; label?: string };

export type BackendChoice = 'auto' | 'webgpu' | 'cpu';
export type BackendUsed = 'webgpu' | 'cpu';

/** Which paired tensors a run prunes (KEN-SPEC "Scopes"). */
export type Scope = { kind: 'all' } | { kind: 'layers' } | { kind: 'pattern'; pattern: string };

/** One row of the pair table: metadata only, small enough for reactive state. */
export interface TensorMeta {
  name: string;
  key: string;
  status: PairStatus;
  shape: number[];
  pretrainedShape?: number[];
  dtype: DType;
  rows: number;
  cols: number;
  params: number;
  /** Layer index parsed from the name (`layer.3`, `h.3`, `layers.3`), or null for embeddings/heads. */
  layer: number | null;
  /** The name with the layer part removed, e.g. `attention.self.query.weight`: the matrix type. */
  matrixType: string;
}

export interface PairSummary {
  pretrainedLabel: string;
  finetunedLabel: string;
  tensors: TensorMeta[];
  /** Fine-tuned config.json, when the checkpoint is a folder. */
  config?: Record<string, unknown>;
  /** Warnings a person should see (e.g. tensors only in the pre-trained checkpoint). */
  warnings: string[];
}

/** Per-tensor outcome of a run: small, goes into the store. */
export interface TensorSummary {
  name: string;
  k: number;
  rule: SelectionRule;
  keptCount: number;
  total: number;
  /** Mean |fine-tuned - pre-trained| over kept and over reset entries (NaN when none). */
  meanAbsDeltaKept: number;
  meanAbsDeltaReset: number;
  wholeRows: WholeRow[];
  /** Why the whole tensor was kept, for status 'new' | 'shape-mismatch'. */
  keptWhole?: PairStatus;
}

export interface RunOptions {
  k: number;
  scope: Scope;
  rule: SelectionRule;
  backend: BackendChoice;
  /** Tensor to compute first (the one on screen). */
  priority?: string;
  seed?: number;
}

export type Request =
  | { type: 'open'; id: number; pretrained: SourceSpec; finetuned: SourceSpec }
  | { type: 'run'; id: number; options: RunOptions }
  | { type: 'cancel'; id: number; target: number }
  | { type: 'tensor'; id: number; name: string; k: number; rule: SelectionRule }
  | { type: 'row'; id: number; name: string; rowIndex: number; k: number }
  | { type: 'backend'; id: number; choice: BackendChoice };

export interface Progress {
  tensorsDone: number;
  tensorsTotal: number;
  paramsDone: number;
  paramsTotal: number;
  /** Parameters per second so far. */
  rate: number;
  etaMs: number;
  current?: string;
  /** Bytes read so far by the transfer in progress (loading). */
  bytesDone?: number;
  bytesTotal?: number;
}

/** Everything the matrix view needs for one tensor at one k, transferred (not copied) to the main thread. */
export interface TensorData {
  name: string;
  rows: number;
  cols: number;
  k: number;
  rule: SelectionRule;
  pretrained: Float32Array | null;
  finetuned: Float32Array;
  maskBits: Uint8Array;
  keptPerRow: Uint32Array;
  wholeRows: WholeRow[];
}

/** Step-by-step KEN on one row, for the neuron view. */
export interface RowDetails {
  name: string;
  rowIndex: number;
  k: number;
  finetuned: Float32Array;
  pretrained: Float32Array | null;
  bandwidth: number;
  std: number;
  grid: Float64Array;
  density: Float64Array;
  roundedDensity: Int32Array;
  visitOrder: Int32Array;
  takenIndices: Int32Array;
  keep: Uint8Array;
  wholeReason: WholeRow['reason'] | null;
}

export type WorkerEvent =
  | { type: 'opened'; id: number; summary: PairSummary }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'tensor-done'; id: number; summary: TensorSummary }
  | { type: 'run-done'; id: number; backend: BackendUsed; elapsedMs: number; keptCount: number; total: number }
  | { type: 'tensor'; id: number; data: TensorData }
  | { type: 'row'; id: number; details: RowDetails }
  | { type: 'backend'; id: number; backend: BackendUsed; reason: string }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string };
