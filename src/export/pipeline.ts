// The one export pipeline the app and the CLI share, so both write the same bytes. Pass 1 reads each
// fine-tuned tensor (and its pre-trained base), selects, merges by rule 8 and streams masks and the pruned
// model; it keeps 1 bit per parameter (where the model differs from pre-trained) and, up to a memory
// budget, the subnetwork's values. Pass 2 streams the subnetwork, whose header needs pass 1's counts,
// re-reading fine-tuned tensors one at a time for values beyond that budget.
import { selectByRule } from '../core/rules';
import type { SelectionRule, TensorSelection, WholeRow } from '../core/types';
import { decodeToFloat32, dtypeSize } from '../formats/dtype';
import { readMetadata, readTensorBytes } from '../formats/safetensors';
import type { Checkpoint, TensorInfo, TensorPair } from '../formats/types';
import { popcount, unpackBits } from './bits';
import { encodeFloat32As } from './encode';
import { Fnv1a64 } from './fnv';
import { gatherElements, mergeBytes, takesFineBits } from './merge';
import { planExport, scopeLabel, type PlannedTensor, type Scope } from './plan';
import { SafetensorsWriter, safetensorsFileSize, type TensorEntry } from './safetensors-writer';
import type { ByteSink } from './sink';
import {
  bitsName,
  FINGERPRINT_NOTE,
  META,
  SUBNETWORK_FORMAT,
  SUBNETWORK_VERSION,
  valuesName,
  wholeName,
  type SubnetworkPlan,
  type SubnetworkTensor,
} from './subnetwork-format';

export interface SelectTask {
  name: string;
  rows: number;
  cols: number;
  k: number;
  rule: SelectionRule;
  seed: number;
  /** May view the checkpoint's raw bytes: a selector must neither mutate nor transfer fine or pre. */
  fine: Float32Array;
  pre: Float32Array;
}

/** Computes one tensor's selection: the core in this thread, or a worker pool (CLI, browser). */
export type Selector = (task: SelectTask) => Promise<TensorSelection>;

export const coreSelector: Selector = (task) =>
  Promise.resolve(selectByRule(task.rule, task.fine, task.pre, task.rows, task.cols, task.k, task.seed, task.name));

export interface ExportSettings {
  k: number;
  scope: Scope;
  rule: SelectionRule;
  seed?: number;
  /** What computed the selections, for the report ('cpu', 'cpu x4 workers', 'webgpu'). */
  backend: string;
}

export interface ExportSinks {
  masks?: ByteSink;
  model?: ByteSink;
  subnetwork?: ByteSink;
}

export interface ExportProgress {
  phase: 'prune' | 'subnetwork';
  tensorsDone: number;
  tensorsTotal: number;
  paramsDone: number;
  paramsTotal: number;
  current?: string;
}

export interface ExportInput {
  pairs: readonly TensorPair[];
  /** Fine-tuned tensor names in checkpoint order (the pruned model keeps it). */
  fineOrder: readonly string[];
  pretrainedLabel: string;
  finetunedLabel: string;
  /** `__metadata__` for the pruned model (the fine-tuned file's). */
  modelMetadata: Record<string, string>;
  /** Small text files of the fine-tuned folder carried inside the subnetwork (config.json). */
  inlineFiles?: Record<string, string>;
}

export interface TensorReport {
  name: string;
  /** The matching pre-trained tensor's name (prefixes and gamma/beta may differ), or null. */
  pretrainedName: string | null;
  /** The pairing status, or 'out-of-scope' for a prunable tensor the scope left alone. */
  status: string;
  /** Pruned by KEN in this export (status 'pruned' and in scope). */
  pruned: boolean;
  dtype: string;
  shape: number[];
  k: number | null;
  /** Entries with mask 1 (whole rows included); for tensors not pruned every entry counts as kept. */
  kept: number;
  total: number;
  keptFraction: number;
  wholeRows: WholeRow[];
  /** The same rows as {row, reason}: the report.json shape issue #4 documents for scripts. */
  keptWholeRows: { row: number; reason: WholeRow['reason'] }[];
  /** Mean |fine-tuned - pre-trained| over kept / reset entries; null when there are none or no pre-trained side. */
  meanAbsDeltaKept: number | null;
  meanAbsDeltaReset: number | null;
  subnetworkEncoding: string;
  subnetworkValues: number;
}

export interface ExportReport {
  format: 'kenviz-report';
  version: 1;
  pretrained: string;
  finetuned: string;
  k: number;
  scope: string;
  rule: SelectionRule;
  seed: number;
  backend: string;
  /** Wall time of the whole export. */
  seconds: number;
  totals: {
    /** Kept / total entries of the pruned tensors (the same numbers as keptInPruned / prunedParams). */
    kept: number;
    total: number;
    keptFraction: number;
    tensors: number;
    prunedTensors: number;
    params: number;
    prunedParams: number;
    keptInPruned: number;
    keptFractionPruned: number;
    wholeRows: number;
    finetunedBytes: number;
    modelBytes: number | null;
    masksBytes: number | null;
    subnetworkBytes: number | null;
  };
  timings: { selectMs: number; pruneMs: number; subnetworkMs: number; totalMs: number };
  tensors: TensorReport[];
  /** Pre-trained tensors with no fine-tuned counterpart: not in the pruned model. */
  onlyPretrained: string[];
}

export interface ExportOptions {
  settings: ExportSettings;
  sinks: ExportSinks;
  selector?: Selector;
  onProgress?(progress: ExportProgress): void;
  /** Called after each tensor of pass 1 (for streaming summaries). */
  onTensor?(report: TensorReport): void;
  signal?: AbortSignal;
  now?: () => number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const error = new Error('The export was cancelled.');
    error.name = 'AbortError';
    throw error;
  }
}

/** The pre-trained tensor's bytes in the fine-tuned dtype: raw when dtypes match, else converted. */
export async function baseBytesOf(base: TensorInfo, fineDtype: TensorInfo['dtype'], signal?: AbortSignal): Promise<{ raw: Uint8Array; base: Uint8Array }> {
  const raw = await readTensorBytes(base, signal);
  if (base.dtype === fineDtype) return { raw, base: raw };
  const what = `${base.source.name}: tensor "${base.name}"`;
  return { raw, base: encodeFloat32As(fineDtype, decodeToFloat32(base.dtype, raw, what), what) };
}

/** Folds one base tensor into the pre-trained fingerprint (same order and fields in export and apply). */
export function fingerprintTensor(hash: Fnv1a64, name: string, dtype: string, shape: readonly number[], raw: Uint8Array): void {
  hash.updateText(`${name}\u0000${dtype}\u0000${JSON.stringify(shape)}\u0000`).update(raw);
}

function meanOrNull(sum: number, count: number): number | null {
  return count > 0 ? sum / count : null;
}

/** Tensors read and selecting ahead of the one being written, and their parameter budget (memory). */
const LOOKAHEAD_TENSORS = 16;
const LOOKAHEAD_PARAMS = 1 << 24;
/** Subnetwork values pass 1 keeps in memory for pass 2 (bytes). */
const KEPT_VALUES_BYTES = 1 << 28;

/** A tensor of pass 1 between reading and post-processing. */
interface InFlight {
  tensor: PlannedTensor;
  fineRaw: Uint8Array;
  based: { raw: Uint8Array; base: Uint8Array } | null;
  fine: Float32Array | null;
  pre: Float32Array | null;
  selection: Promise<TensorSelection> | null;
}

/**
 * Sums of |fine - pre| over mask-1 and mask-0 entries, each in index order (the report's exact values).
 * Both sums are updated every step (adding +0 leaves a sum unchanged), so no branch depends on the mask.
 */
function absDeltaSums(fine: Float32Array, pre: Float32Array, maskBits: Uint8Array, count: number): [number, number] {
  // Multiplying by the 0/1 bit instead of selecting avoids a mispredicted branch per entry; it equals the
  // select exactly unless a delta is Inf or NaN (x * 0 = NaN), which leaves a sum non-finite: then recount.
  let sumKept = 0;
  let sumReset = 0;
  for (let i = 0; i < count; i++) {
    const delta = Math.abs(fine[i] - pre[i]);
    const kept = (maskBits[i >> 3] >> (i & 7)) & 1;
    sumKept += delta * kept;
    sumReset += delta * (1 - kept);
  }
  if (Number.isFinite(sumKept) && Number.isFinite(sumReset)) return [sumKept, sumReset];
  sumKept = 0;
  sumReset = 0;
  for (let i = 0; i < count; i++) {
    const delta = Math.abs(fine[i] - pre[i]);
    const kept = (maskBits[i >> 3] >> (i & 7)) & 1;
    sumKept += kept ? delta : 0;
    sumReset += kept ? 0 : delta;
  }
  return [sumKept, sumReset];
}

interface Pass1Entry {
  tensor: PlannedTensor;
  encoding: SubnetworkTensor['encoding'];
  diffBits: Uint8Array | null;
  diffCount: number;
  /** The subnetwork values gathered in pass 1 (diff encoding), or null: pass 2 gathers them again. */
  values: Uint8Array | null;
}

export function modelEntries(plan: readonly PlannedTensor[]): TensorEntry[] {
  return plan.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
}

export function maskEntries(plan: readonly PlannedTensor[]): TensorEntry[] {
  return plan.filter((t) => t.prune).map((t) => ({ name: t.name, dtype: 'U8', shape: t.shape }));
}

/** Runs the export: writes whichever of masks / model / subnetwork have a sink, returns the report. */
export async function runExport(input: ExportInput, options: ExportOptions): Promise<ExportReport> {
  const { settings, sinks, signal } = options;
  const now = options.now ?? (() => performance.now());
  const selector = options.selector ?? coreSelector;
  const seed = settings.seed ?? 0;
  const startedAt = now();
  const plan = planExport(input.pairs, input.fineOrder, settings.scope);
  const paramsTotal = plan.reduce((sum, t) => sum + t.count, 0);

  const masksWriter = sinks.masks ? new SafetensorsWriter(sinks.masks, maskEntries(plan)) : null;
  const modelWriter = sinks.model ? new SafetensorsWriter(sinks.model, modelEntries(plan), input.modelMetadata) : null;
  await masksWriter?.begin();
  await modelWriter?.begin();

  const fingerprint = new Fnv1a64();
  const contentHash = new Fnv1a64();
  const pass1: Pass1Entry[] = [];
  const tensors: TensorReport[] = [];
  let selectMs = 0;
  let selectionsRunning = 0;
  let selectingSince = 0;
  let paramsDone = 0;
  let keptValueBytes = 0;

  // Pipelined: while the selector works on the tensors after i, this thread merges and writes tensor i.
  // The tensors in flight are bounded by LOOKAHEAD_TENSORS and LOOKAHEAD_PARAMS, which bounds memory.
  const readTensor = async (tensor: PlannedTensor): Promise<InFlight> => {
    const fineRaw = await readTensorBytes(tensor.fine, signal);
    const based = tensor.base ? await baseBytesOf(tensor.base, tensor.dtype, signal) : null;
    return { tensor, fineRaw, based, fine: null, pre: null, selection: null };
  };
  const startSelection = (item: InFlight): void => {
    const { tensor, fineRaw, based } = item;
    if (!(tensor.prune && tensor.base && based)) return;
    const what = `${tensor.fine.source.name}: tensor "${tensor.name}"`;
    // F32 views the raw bytes without a copy: nothing mutates or transfers them (see SelectTask).
    item.fine = decodeToFloat32(tensor.dtype, fineRaw, what, true);
    item.pre = decodeToFloat32(tensor.base.dtype, based.raw, `${tensor.base.source.name}: tensor "${tensor.base.name}"`, true);
    // selectMs is wall time with at least one selection running (several overlap in the lookahead).
    if (selectionsRunning++ === 0) selectingSince = now();
    const selection = selector({ name: tensor.name, rows: tensor.rows, cols: tensor.cols, k: settings.k, rule: settings.rule, seed, fine: item.fine, pre: item.pre }).finally(() => {
      if (--selectionsRunning === 0) selectMs += now() - selectingSince;
    });
    // Awaited in order below; a failure of an earlier tensor must not leave this one unhandled.
    selection.catch(() => undefined);
    item.selection = selection;
  };

  // Tensors are read and handed to the selector ahead of the one being merged and written, up to a
  // parameter budget, so a worker pool never waits while this thread post-processes (a big tensor
  // alone may exceed the budget: the queue always holds at least the current one).
  // The budget counts parameters still being selected: finished ones only wait for this thread.
  const queue: InFlight[] = [];
  let nextToRead = 0;
  let selectingParams = 0;
  const fillQueue = async (): Promise<void> => {
    while (nextToRead < plan.length && (queue.length === 0 || (queue.length <= LOOKAHEAD_TENSORS && selectingParams + plan[nextToRead].count <= LOOKAHEAD_PARAMS))) {
      throwIfAborted(signal);
      const item = await readTensor(plan[nextToRead++]);
      startSelection(item);
      queue.push(item);
      if (item.selection) {
        const count = item.tensor.count;
        selectingParams += count;
        void item.selection.finally(() => (selectingParams -= count)).catch(() => undefined);
      }
    }
  };
  for (let index = 0; index < plan.length; index++) {
    throwIfAborted(signal);
    await fillQueue();
    const item = queue[0];
    const { tensor, fineRaw, based, fine, pre } = item;
    options.onProgress?.({ phase: 'prune', tensorsDone: index, tensorsTotal: plan.length, paramsDone, paramsTotal, current: tensor.name });
    const elementSize = dtypeSize(tensor.dtype);
    const what = `${tensor.fine.source.name}: tensor "${tensor.name}"`;

    let selection: TensorSelection | null = null;
    let takesFine: Uint8Array | null = null;
    let sumKept = 0;
    let sumReset = 0;
    let keptCount = tensor.count;
    if (item.selection && fine && pre) {
      selection = await item.selection;
      throwIfAborted(signal);
      await fillQueue(); // keep the selector busy while this tensor is merged and written
      if (selection.rows !== tensor.rows || selection.cols !== tensor.cols) {
        throw new Error(`${what}: the selection is ${selection.rows} x ${selection.cols}, the tensor ${tensor.rows} x ${tensor.cols}`);
      }
      takesFine = takesFineBits(selection, fine);
      keptCount = selection.keptCount;
      [sumKept, sumReset] = absDeltaSums(fine, pre, selection.maskBits, tensor.count);
      if (masksWriter) {
        const maskBytes = unpackBits(selection.maskBits, tensor.count);
        await masksWriter.writeTensor(tensor.name, maskBytes);
      }
    }

    const { merged, diffBits, diffCount } = mergeBytes(fineRaw, based ? based.base : null, takesFine, elementSize, tensor.count);
    await modelWriter?.writeTensor(tensor.name, merged);

    // The smaller of diff and whole; a tensor equal to its base costs nothing.
    let encoding: SubnetworkTensor['encoding'] = 'whole';
    if (based) {
      const diffBytes = Math.ceil(tensor.count / 8) + diffCount * elementSize;
      if (diffCount === 0) encoding = 'base';
      else if (tensor.prune || diffBytes < tensor.count * elementSize) encoding = 'diff';
    }
    if (sinks.subnetwork) {
      if (encoding !== 'whole' && tensor.base && based) fingerprintTensor(fingerprint, tensor.base.name, tensor.base.dtype, tensor.base.shape, based.raw);
      let values: Uint8Array | null = null;
      if (encoding === 'diff') {
        values = gatherElements(merged, diffBits, diffCount, elementSize, tensor.count);
        contentHash.update(diffBits).update(values);
        // Kept for pass 2 within a budget (saves re-reading and re-gathering); beyond it pass 2 re-reads.
        if (keptValueBytes + values.byteLength <= KEPT_VALUES_BYTES) keptValueBytes += values.byteLength;
        else values = null;
      } else if (encoding === 'whole') contentHash.update(merged);
      pass1.push({ tensor, encoding, diffBits: encoding === 'diff' ? diffBits : null, diffCount, values });
    }

    const resetCount = tensor.count - keptCount;
    const wholeRows = selection ? [...selection.wholeRows] : [];
    const report: TensorReport = {
      name: tensor.name,
      pretrainedName: tensor.pretrainedName,
      status: tensor.status === 'pruned' && !tensor.prune && tensor.base !== null ? 'out-of-scope' : tensor.status,
      pruned: tensor.prune,
      dtype: tensor.dtype,
      shape: [...tensor.shape],
      k: selection ? settings.k : null,
      kept: keptCount,
      total: tensor.count,
      keptFraction: tensor.count > 0 ? keptCount / tensor.count : 1,
      wholeRows,
      keptWholeRows: wholeRows.map((w) => ({ row: w.rowIndex, reason: w.reason })),
      meanAbsDeltaKept: selection ? meanOrNull(sumKept, keptCount) : null,
      meanAbsDeltaReset: selection ? meanOrNull(sumReset, resetCount) : null,
      subnetworkEncoding: encoding,
      subnetworkValues: encoding === 'diff' ? diffCount : encoding === 'whole' ? tensor.count : 0,
    };
    tensors.push(report);
    options.onTensor?.(report);
    paramsDone += tensor.count;
    queue.shift();
  }
  await masksWriter?.finish();
  await modelWriter?.finish();
  const pruneMs = now() - startedAt;

  let subnetworkBytes: number | null = null;
  const subnetworkStart = now();
  if (sinks.subnetwork) {
    subnetworkBytes = await writeSubnetwork(sinks.subnetwork, pass1, input, settings, fingerprint.hex(), contentHash.hex(), options);
  }
  const subnetworkMs = now() - subnetworkStart;

  const pruned = tensors.filter((t) => t.pruned);
  const prunedParams = pruned.reduce((sum, t) => sum + t.total, 0);
  const keptInPruned = pruned.reduce((sum, t) => sum + t.kept, 0);
  const finetunedBytes = plan.reduce((sum, t) => sum + t.fine.byteLength, 0);
  return {
    format: 'kenviz-report',
    version: 1,
    pretrained: input.pretrainedLabel,
    finetuned: input.finetunedLabel,
    k: settings.k,
    scope: scopeLabel(settings.scope),
    rule: settings.rule,
    seed,
    backend: settings.backend,
    seconds: (now() - startedAt) / 1000,
    totals: {
      kept: keptInPruned,
      total: prunedParams,
      keptFraction: prunedParams > 0 ? keptInPruned / prunedParams : 1,
      tensors: tensors.length,
      prunedTensors: pruned.length,
      params: paramsTotal,
      prunedParams,
      keptInPruned,
      keptFractionPruned: prunedParams > 0 ? keptInPruned / prunedParams : 1,
      wholeRows: pruned.reduce((sum, t) => sum + t.wholeRows.length, 0),
      finetunedBytes,
      modelBytes: modelWriter ? sizeOf(modelEntries(plan), input.modelMetadata) : null,
      masksBytes: masksWriter ? sizeOf(maskEntries(plan)) : null,
      subnetworkBytes,
    },
    timings: { selectMs, pruneMs, subnetworkMs, totalMs: now() - startedAt },
    tensors,
    onlyPretrained: input.pairs.filter((p) => p.status === 'only-pretrained').map((p) => p.name),
  };
}

function sizeOf(entries: TensorEntry[], metadata?: Record<string, string>): number {
  return safetensorsFileSize(entries, metadata);
}

async function writeSubnetwork(
  sink: ByteSink,
  pass1: readonly Pass1Entry[],
  input: ExportInput,
  settings: ExportSettings,
  fingerprintHex: string,
  contentHex: string,
  options: ExportOptions,
): Promise<number> {
  const entries: TensorEntry[] = [];
  const planTensors: SubnetworkTensor[] = [];
  for (const { tensor, encoding, diffCount } of pass1) {
    const described: SubnetworkTensor = { name: tensor.name, dtype: tensor.dtype, shape: [...tensor.shape], encoding };
    if (encoding !== 'whole' && tensor.base) {
      described.pretrainedName = tensor.base.name;
      described.pretrainedDtype = tensor.base.dtype;
    }
    if (encoding === 'diff') {
      described.valueCount = diffCount;
      entries.push({ name: bitsName(tensor.name), dtype: 'U8', shape: [Math.ceil(tensor.count / 8)] });
      entries.push({ name: valuesName(tensor.name), dtype: tensor.dtype, shape: [diffCount] });
    } else if (encoding === 'whole') {
      entries.push({ name: wholeName(tensor.name), dtype: tensor.dtype, shape: [...tensor.shape] });
    }
    planTensors.push(described);
  }
  const subnetworkPlan: SubnetworkPlan = { modelMetadata: input.modelMetadata, files: input.inlineFiles ?? {}, tensors: planTensors };
  const metadata: Record<string, string> = {
    [META.format]: SUBNETWORK_FORMAT,
    [META.version]: SUBNETWORK_VERSION,
    [META.k]: String(settings.k),
    [META.scope]: scopeLabel(settings.scope),
    [META.rule]: settings.rule,
    [META.seed]: String(settings.seed ?? 0),
    [META.fingerprint]: fingerprintHex,
    [META.fingerprintNote]: FINGERPRINT_NOTE,
    [META.contentHash]: contentHex,
    [META.plan]: JSON.stringify(subnetworkPlan),
  };
  const writer = new SafetensorsWriter(sink, entries, metadata);
  await writer.begin();
  const paramsTotal = pass1.reduce((sum, e) => sum + e.tensor.count, 0);
  let paramsDone = 0;
  for (const [index, { tensor, encoding, diffBits, diffCount, values }] of pass1.entries()) {
    throwIfAborted(options.signal);
    options.onProgress?.({ phase: 'subnetwork', tensorsDone: index, tensorsTotal: pass1.length, paramsDone, paramsTotal, current: tensor.name });
    paramsDone += tensor.count;
    if (encoding === 'base') continue;
    if (encoding === 'diff' && diffBits && values) {
      await writer.writeTensor(bitsName(tensor.name), diffBits);
      await writer.writeTensor(valuesName(tensor.name), values);
      continue;
    }
    // Pass 1 kept only the diff bits: the values are re-read and, for pruned tensors, equal the fine-tuned ones.
    const fineRaw = await readTensorBytes(tensor.fine, options.signal);
    if (encoding === 'whole') {
      await writer.writeTensor(wholeName(tensor.name), fineRaw);
      continue;
    }
    if (!diffBits) throw new Error(`tensor "${tensor.name}": diff bits missing`);
    if (popcount(diffBits, tensor.count) !== diffCount) throw new Error(`tensor "${tensor.name}": diff count changed`);
    await writer.writeTensor(bitsName(tensor.name), diffBits);
    await writer.writeTensor(valuesName(tensor.name), gatherElements(fineRaw, diffBits, diffCount, dtypeSize(tensor.dtype), tensor.count));
  }
  await writer.finish();
  return safetensorsFileSize(entries, metadata);
}

/** The fine-tuned file's `__metadata__` (first shard), so the pruned model carries the same. */
export async function fineMetadataOf(checkpoint: Checkpoint, signal?: AbortSignal): Promise<Record<string, string>> {
  const first = checkpoint.tensors.values().next();
  if (first.done) return {};
  return readMetadata(first.value.source, signal);
}
