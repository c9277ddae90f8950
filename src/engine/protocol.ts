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
  | { type: 'backend'; id: number; choice: BackendChoice }
  /** Liveness check: the client pings while it waits, so a dead worker becomes a clear error, not a hang. */
  | { type: 'ping'; id: number }
  /** Compare view (engine/sweep.ts): exact kept counts over k, selection diffs, k for a target kept fraction. */
  | { type: 'sweep'; id: number; options: SweepOptions };

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
  | { type: 'error'; id: number; message: string }
  | { type: 'pong'; id: number }
  /** One tensor of a sweep is done (streamed; the priority tensor first). */
  | { type: 'sweep-tensor'; id: number; result: SweepTensorResult }
  | { type: 'sweep-done'; id: number; result: SweepDoneResult };

// ---- Compare-view sweeps (engine/sweep.ts). Progress arrives as ordinary 'progress' events with the sweep's id.

/** One selection: a rule at a per-row budget k. */
export interface SelectionRef {
  k: number;
  rule: SelectionRule;
}

export interface SelectionPair {
  a: SelectionRef;
  b: SelectionRef;
}

export type SweepSpec =
  /** Exact kept counts at every k of `ks` under `rule`. */
  | { kind: 'counts'; ks: number[]; rule: SelectionRule }
  /** Entry-by-entry comparison of each pair, per tensor; per-row counts for `detailTensor`. */
  | { kind: 'diff'; pairs: SelectionPair[]; detailTensor?: string }
  /** Smallest k in [kMin, kMax] whose exact kept fraction reaches targetFraction; `known` seeds the bisection. */
  | { kind: 'target'; targetFraction: number; rule: SelectionRule; kMin: number; kMax: number; known?: { k: number; keptCount: number; total: number }[] };

export interface SweepOptions {
  spec: SweepSpec;
  scope: Scope;
  /** Tensor computed first (the one on screen). */
  priority?: string;
  seed?: number;
}

/** How selection A and B of one tensor relate; per-row arrays only for the detail tensor. */
export interface SweepDiff {
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  jaccard: number;
  keptA: number;
  keptB: number;
  bothPerRow?: Uint32Array;
  onlyAPerRow?: Uint32Array;
  onlyBPerRow?: Uint32Array;
}

export interface SweepTensorResult {
  name: string;
  rows: number;
  cols: number;
  total: number;
  /** A tensor kept whole whatever k is (status new or shape-mismatch): listed, but left out of model totals. */
  keptWhole: boolean;
  /** kind 'counts': the k values and the exact kept count at each. */
  ks?: number[];
  keptCounts?: number[];
  /** kind 'diff': one entry per requested pair, same order. */
  diffs?: SweepDiff[];
}

export interface TargetKResult {
  targetFraction: number;
  k: number;
  keptCount: number;
  total: number;
  keptFraction: number;
  /** False when even kMax stays below the target (k = kMax then). */
  reached: boolean;
  /** False when a drop in kept count was seen between evaluated k values. */
  monotone: boolean;
  /** Model-wide counts computed (known ones excluded). */
  evaluations: number;
  note?: string;
}

export interface SweepDoneResult {
  kind: SweepSpec['kind'];
  elapsedMs: number;
  /** kind 'counts': model-wide exact kept counts per k. */
  ks?: number[];
  keptCounts?: number[];
  total?: number;
  /** kind 'target'. */
  target?: TargetKResult;
}
