// The weights an evaluation runs on: the fine-tuned checkpoint as is, or the KEN model at k (every
// tensor present in both checkpoints merged by core.selectTensor + mergeTensor; tensors new in the
// fine-tuned checkpoint, such as the pooler and classifier, kept fine-tuned; pre-trained-only ignored).
// Pure TypeScript: the worker, the CLI and Node tests share it.
import type { Checkpoint, TensorPair } from '../formats/types';
import { isFloatDType, readTensorFloat32 } from '../formats/safetensors';
import { mergeTensor, selectTensor } from '../core/ken';
import { WordPieceTokenizer, tokenizerFromFiles } from './tokenizer';

export type WeightMap = ReadonlyMap<string, Float32Array>;

/** Float32 copies of every floating tensor of a checkpoint, by its own name. */
export async function readAllFloat32(checkpoint: Checkpoint, signal?: AbortSignal, onTensor?: (done: number, total: number) => void): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  const floats = [...checkpoint.tensors.values()].filter((info) => isFloatDType(info.dtype));
  for (const info of floats) {
    out.set(info.name, await readTensorFloat32(info, signal));
    onTensor?.(out.size, floats.length);
  }
  return out;
}

/** The pre-trained values of every prunable pair, keyed by the pair's (fine-tuned) name. */
export async function readPretrainedOfPairs(pairs: readonly TensorPair[], signal?: AbortSignal): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const pair of pairs) {
    if (pair.status === 'pruned' && pair.pretrained) out.set(pair.name, await readTensorFloat32(pair.pretrained, signal));
  }
  return out;
}

export interface KenWeights {
  k: number;
  weights: Map<string, Float32Array>;
  /** Entries that keep their fine-tuned value (mask 1), over all processed tensors. */
  keptCount: number;
  /** Entries of all processed (paired) tensors. */
  processedCount: number;
  /** keptCount / processedCount, in 0..1. */
  keptFraction: number;
  /** Tensors processed by KEN. */
  tensorCount: number;
}

export interface KenWeightsOptions {
  /** Called after each tensor; may await (the worker yields there so a cancel message can arrive). */
  afterTensor?(done: number, total: number, name: string): void | Promise<void>;
}

/**
 * The KEN model at k: each paired tensor replaced by its merge; all other fine-tuned tensors as they are.
 * `fine` holds every fine-tuned tensor by name; `pre` the pre-trained value of each pruned pair by name.
 */
export async function kenWeights(
  pairs: readonly TensorPair[],
  fine: WeightMap,
  pre: WeightMap,
  k: number,
  options: KenWeightsOptions = {},
): Promise<KenWeights> {
  const weights = new Map(fine);
  const pruned = pairs.filter((pair) => pair.status === 'pruned');
  let keptCount = 0;
  let processedCount = 0;
  let done = 0;
  for (const pair of pruned) {
    const fineValues = fine.get(pair.name);
    const preValues = pre.get(pair.name);
    if (!fineValues || !preValues) throw new Error(`KEN weights: tensor ${pair.name} was not read from both checkpoints`);
    const selection = selectTensor(fineValues, pair.rows, pair.cols, k);
    weights.set(pair.name, mergeTensor(fineValues, preValues, selection));
    keptCount += selection.keptCount;
    processedCount += pair.rows * pair.cols;
    done++;
    await options.afterTensor?.(done, pruned.length, pair.name);
  }
  return { k, weights, keptCount, processedCount, keptFraction: processedCount === 0 ? 0 : keptCount / processedCount, tensorCount: pruned.length };
}

async function readText(checkpoint: Checkpoint, fileName: string, signal?: AbortSignal): Promise<string | undefined> {
  const source = checkpoint.extraFiles.get(fileName);
  if (!source) return undefined;
  return new TextDecoder('utf-8').decode(await source.read(0, source.size, signal));
}

/**
 * The WordPiece tokenizer of a Hugging Face folder: vocab.txt (+ tokenizer_config.json) of the
 * fine-tuned checkpoint, else of the pre-trained one. The fine-tuned config caps the length.
 */
export async function tokenizerOfPair(fine: Checkpoint, pre: Checkpoint | null, signal?: AbortSignal): Promise<WordPieceTokenizer> {
  for (const checkpoint of [fine, pre]) {
    if (!checkpoint) continue;
    const vocab = await readText(checkpoint, 'vocab.txt', signal);
    if (vocab === undefined) continue;
    const configText = await readText(checkpoint, 'tokenizer_config.json', signal);
    let tokenizerConfig: Record<string, unknown> | undefined;
    if (configText !== undefined) {
      try {
        tokenizerConfig = JSON.parse(configText) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`${checkpoint.label}: tokenizer_config.json is not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
      }
    }
    return tokenizerFromFiles(vocab, tokenizerConfig, fine.config);
  }
  const bpe = fine.extraFiles.has('tokenizer.json') || fine.extraFiles.has('vocab.json');
  throw new Error(
    `${fine.label}: no vocab.txt in either checkpoint; evaluation needs a WordPiece vocabulary` +
      (bpe ? ' (tokenizer.json / vocab.json BPE tokenizers are not supported)' : ' (open the whole Hugging Face folder, not just the .safetensors file)'),
  );
}
