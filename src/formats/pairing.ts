// Lines up the tensors of a pre-trained and a fine-tuned checkpoint. Names differ in harmless ways
// (BertModel "encoder.x" vs BertForSequenceClassification "bert.encoder.x"; TF-era "LayerNorm.gamma"),
// so matching uses a key with the base-model prefix stripped and gamma/beta mapped to weight/bias.
import type { Checkpoint, PairStatus, TensorInfo, TensorPair } from './types';
import { isFloatDType } from './dtype';
import { naturalSortBy } from './natural-sort';

/** Attribute names Hugging Face task models give their base model (`base_model_prefix`). */
export const BASE_MODEL_PREFIXES: readonly string[] = [
  'bert.', 'roberta.', 'distilbert.', 'model.', 'transformer.', 'gpt_neox.', 'electra.', 'albert.',
  'deberta.', 'mobilebert.', 'xlm.', 'longformer.', 'mpnet.', 'funnel.', 'squeezebert.', 'layoutlm.',
  'ernie.', 'nezha.', 'convbert.', 'canine.', 'megatron_bert.', 'bigbird.', 'rembert.', 'roformer.',
  'luke.', 'xlnet.', 'vit.', 'deit.', 'beit.', 'swin.', 'wav2vec2.', 'hubert.', 'base_model.model.',
];

/** The name without its base-model prefix (one prefix, the longest that matches). */
export function stripBaseModelPrefix(name: string): string {
  let best = '';
  for (const prefix of BASE_MODEL_PREFIXES) {
    if (name.startsWith(prefix) && prefix.length > best.length && name.length > prefix.length) best = prefix;
  }
  return name.slice(best.length);
}

/** The matching key: base-model prefix stripped, legacy `gamma`/`beta` mapped to `weight`/`bias`. */
export function pairKeyOf(name: string): string {
  const stripped = stripBaseModelPrefix(name);
  if (stripped.endsWith('.gamma') || stripped === 'gamma') return `${stripped.slice(0, -'gamma'.length)}weight`;
  if (stripped.endsWith('.beta') || stripped === 'beta') return `${stripped.slice(0, -'beta'.length)}bias`;
  return stripped;
}

/** Containers of numbered transformer blocks: BERT `layer.3`, GPT-2 `h.3`, Llama/BART `layers.3`, T5 `block.3`, MPT/ViT `blocks.3`. */
const LAYER_PATTERN = /(^|\.)(?:layer|layers|h|block|blocks)\.(\d+)(?=\.|$)/;

/** The layer index in a tensor name (the first numbered block container), or null for embeddings and heads. */
export function layerOf(name: string): number | null {
  const match = LAYER_PATTERN.exec(name);
  return match ? Number(match[2]) : null;
}

/**
 * The matrix type: the name with everything up to and including the layer index removed
 * (`encoder.layer.3.attention.self.query.weight` -> `attention.self.query.weight`). Decoder blocks of
 * encoder-decoder models keep a `decoder.` prefix so they stay apart from encoder blocks. Names without
 * a layer index come back with the base-model prefix stripped.
 */
export function matrixTypeOf(name: string): string {
  const stripped = stripBaseModelPrefix(name);
  const match = LAYER_PATTERN.exec(stripped);
  if (!match) return stripped;
  const before = stripped.slice(0, match.index);
  const after = stripped.slice(match.index + match[0].length).replace(/^\./, '');
  return /(^|\.)decoder$/.test(before) ? `decoder.${after}` : after;
}

/** Rows and columns KEN sees: dim 0 by the rest flattened; 1-D (and a scalar) is one row. */
export function rowsColsOf(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  let cols = 1;
  for (let axis = 1; axis < shape.length; axis++) cols *= shape[axis];
  return { rows: shape[0], cols };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

/** key -> tensor; a key two tensors would share falls back to the raw names so nothing is lost. */
function keyed(tensors: ReadonlyMap<string, TensorInfo>): Map<string, TensorInfo> {
  const counts = new Map<string, number>();
  for (const name of tensors.keys()) {
    const key = pairKeyOf(name);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out = new Map<string, TensorInfo>();
  for (const [name, info] of tensors) {
    const key = pairKeyOf(name);
    out.set(counts.get(key) === 1 ? key : name, info);
  }
  return out;
}

/**
 * Pairs every tensor of both checkpoints, in natural order of the key. Status: `pruned` (both, same
 * shape, floating), `new` (fine-tuned only: kept whole), `only-pretrained`, `shape-mismatch` (kept
 * whole), `not-float` (an integer/bool tensor, never pruned).
 */
export function pairCheckpoints(pre: Checkpoint, fine: Checkpoint): TensorPair[] {
  const preByKey = keyed(pre.tensors);
  const fineByKey = keyed(fine.tensors);
  const pairs: TensorPair[] = [];
  for (const [key, finetuned] of fineByKey) {
    const pretrained = preByKey.get(key);
    let status: PairStatus;
    if (!isFloatDType(finetuned.dtype) || (pretrained && !isFloatDType(pretrained.dtype))) status = 'not-float';
    else if (!pretrained) status = 'new';
    else if (!sameShape(pretrained.shape, finetuned.shape)) status = 'shape-mismatch';
    else status = 'pruned';
    pairs.push({ key, name: finetuned.name, status, pretrained, finetuned, ...rowsColsOf(finetuned.shape) });
  }
  for (const [key, pretrained] of preByKey) {
    if (fineByKey.has(key)) continue;
    pairs.push({ key, name: pretrained.name, status: 'only-pretrained', pretrained, ...rowsColsOf(pretrained.shape) });
  }
  return naturalSortBy(pairs, (pair) => pair.key);
}

export interface StatusTotals {
  tensors: number;
  params: number;
}

export interface PairTotals {
  byStatus: Record<PairStatus, StatusTotals>;
  tensors: number;
  params: number;
}

/** Tensor and parameter counts per status (params = rows * cols of the tensor the pair is named after). */
export function summarizePair(pairs: readonly TensorPair[]): PairTotals {
  const byStatus: Record<PairStatus, StatusTotals> = {
    pruned: { tensors: 0, params: 0 },
    new: { tensors: 0, params: 0 },
    'only-pretrained': { tensors: 0, params: 0 },
    'shape-mismatch': { tensors: 0, params: 0 },
    'not-float': { tensors: 0, params: 0 },
  };
  let params = 0;
  for (const pair of pairs) {
    const count = pair.rows * pair.cols;
    byStatus[pair.status].tensors += 1;
    byStatus[pair.status].params += count;
    params += count;
  }
  return { byStatus, tensors: pairs.length, params };
}

/** Messages a person should see about the pairing (tensors that will not be pruned for a reason). */
export function pairWarnings(pairs: readonly TensorPair[]): string[] {
  const warnings: string[] = [];
  const list = (status: PairStatus): TensorPair[] => pairs.filter((pair) => pair.status === status);
  const names = (items: TensorPair[]): string => `${items.slice(0, 5).map((pair) => pair.name).join(', ')}${items.length > 5 ? `, ... (${items.length})` : ''}`;
  const onlyPre = list('only-pretrained');
  if (onlyPre.length > 0) warnings.push(`${onlyPre.length} tensor(s) only in the pre-trained checkpoint, not in the fine-tuned one: ${names(onlyPre)}`);
  for (const pair of list('shape-mismatch')) {
    warnings.push(`${pair.name}: shape [${pair.pretrained?.shape.join(', ')}] pre-trained vs [${pair.finetuned?.shape.join(', ')}] fine-tuned; kept whole`);
  }
  const fresh = list('new');
  if (fresh.length > 0) warnings.push(`${fresh.length} tensor(s) only in the fine-tuned checkpoint, kept whole: ${names(fresh)}`);
  if (pairs.length > 0 && list('pruned').length === 0) warnings.push('no tensor pairs up between the two checkpoints: are they the same architecture?');
  return warnings;
}
