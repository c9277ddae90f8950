// A tfjs forward pass of a BERT-family sequence classifier (Hugging Face layout and parameter names):
// post-LayerNorm encoder, exact erf GELU, attention mask, then the family's classification head.
// Only tfjs-core ops, so it runs on whichever backend the caller set (webgpu, wasm, cpu).
import * as tf from '@tensorflow/tfjs-core';

export type ModelFamily = 'bert' | 'distilbert' | 'roberta';

export interface ClassifierConfig {
  family: ModelFamily;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  layerNormEps: number;
  maxPositions: number;
  /** 0 for DistilBERT (no token-type embeddings). */
  typeVocabSize: number;
  vocabSize: number;
  numLabels: number;
  activation: 'gelu' | 'relu' | 'gelu_new';
  padTokenId: number;
}

/** Supplies float32 weights by Hugging Face parameter name; undefined when the checkpoint lacks one. */
export type TensorProvider = (name: string) => Float32Array | undefined;

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

function numberField(config: Record<string, unknown>, keys: string[], fallback?: number): number {
  for (const key of keys) {
    const value = config[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  if (fallback !== undefined) return fallback;
  throw new ModelConfigError(`config.json: missing numeric field ${keys.join(' / ')}`);
}

/** Reads the fields the forward pass needs from a Hugging Face config.json. */
export function parseClassifierConfig(config: Record<string, unknown>): ClassifierConfig {
  const modelType = typeof config.model_type === 'string' ? config.model_type : 'bert';
  const family: ModelFamily = modelType === 'distilbert' ? 'distilbert' : modelType === 'roberta' ? 'roberta' : 'bert';
  if (!['bert', 'distilbert', 'roberta'].includes(modelType)) {
    throw new ModelConfigError(`config.json: model_type "${modelType}" is not supported for evaluation (bert, distilbert, roberta are)`);
  }
  const id2label = config.id2label && typeof config.id2label === 'object' ? Object.keys(config.id2label).length : 0;
  const actRaw = String(config.hidden_act ?? config.activation ?? 'gelu');
  if (actRaw !== 'gelu' && actRaw !== 'relu' && actRaw !== 'gelu_new') {
    throw new ModelConfigError(`config.json: activation "${actRaw}" is not supported (gelu, gelu_new, relu are)`);
  }
  const isDistil = family === 'distilbert';
  const out: ClassifierConfig = {
    family,
    hiddenSize: numberField(config, isDistil ? ['dim', 'hidden_size'] : ['hidden_size']),
    numLayers: numberField(config, isDistil ? ['n_layers', 'num_hidden_layers'] : ['num_hidden_layers']),
    numHeads: numberField(config, isDistil ? ['n_heads', 'num_attention_heads'] : ['num_attention_heads']),
    intermediateSize: numberField(config, isDistil ? ['hidden_dim', 'intermediate_size'] : ['intermediate_size']),
    layerNormEps: numberField(config, ['layer_norm_eps'], 1e-12),
    maxPositions: numberField(config, ['max_position_embeddings'], 512),
    typeVocabSize: isDistil ? 0 : numberField(config, ['type_vocab_size'], 2),
    vocabSize: numberField(config, ['vocab_size']),
    numLabels: numberField(config, ['num_labels'], id2label || 2),
    activation: actRaw,
    padTokenId: numberField(config, ['pad_token_id'], family === 'roberta' ? 1 : 0),
  };
  if (out.hiddenSize % out.numHeads !== 0) {
    throw new ModelConfigError(`config.json: hidden size ${out.hiddenSize} is not a multiple of ${out.numHeads} attention heads`);
  }
  return out;
}

/** Parameter names of one family, relative to its base-model prefix (`bert.`, `roberta.`, `distilbert.`). */
interface NameTable {
  prefix: string;
  word: string;
  position: string;
  tokenType: string | null;
  embLn: string;
  layer: (i: number) => {
    q: string; k: string; v: string; o: string; attnLn: string; ffIn: string; ffOut: string; outLn: string;
  };
  /** Head: pooled = act(dense(h[CLS])), logits = out(pooled). */
  headDense: string;
  headActivation: 'tanh' | 'relu';
  headOut: string;
}

const NAME_TABLES: Record<ModelFamily, NameTable> = {
  bert: {
    prefix: 'bert.',
    word: 'embeddings.word_embeddings.weight',
    position: 'embeddings.position_embeddings.weight',
    tokenType: 'embeddings.token_type_embeddings.weight',
    embLn: 'embeddings.LayerNorm',
    layer: (i) => ({
      q: `encoder.layer.${i}.attention.self.query`,
      k: `encoder.layer.${i}.attention.self.key`,
      v: `encoder.layer.${i}.attention.self.value`,
      o: `encoder.layer.${i}.attention.output.dense`,
      attnLn: `encoder.layer.${i}.attention.output.LayerNorm`,
      ffIn: `encoder.layer.${i}.intermediate.dense`,
      ffOut: `encoder.layer.${i}.output.dense`,
      outLn: `encoder.layer.${i}.output.LayerNorm`,
    }),
    headDense: '@bert.pooler.dense',
    headActivation: 'tanh',
    headOut: '@classifier',
  },
  roberta: {
    prefix: 'roberta.',
    word: 'embeddings.word_embeddings.weight',
    position: 'embeddings.position_embeddings.weight',
    tokenType: 'embeddings.token_type_embeddings.weight',
    embLn: 'embeddings.LayerNorm',
    layer: (i) => NAME_TABLES.bert.layer(i),
    headDense: '@classifier.dense',
    headActivation: 'tanh',
    headOut: '@classifier.out_proj',
  },
  distilbert: {
    prefix: 'distilbert.',
    word: 'embeddings.word_embeddings.weight',
    position: 'embeddings.position_embeddings.weight',
    tokenType: null,
    embLn: 'embeddings.LayerNorm',
    layer: (i) => ({
      q: `transformer.layer.${i}.attention.q_lin`,
      k: `transformer.layer.${i}.attention.k_lin`,
      v: `transformer.layer.${i}.attention.v_lin`,
      o: `transformer.layer.${i}.attention.out_lin`,
      attnLn: `transformer.layer.${i}.sa_layer_norm`,
      ffIn: `transformer.layer.${i}.ffn.lin1`,
      ffOut: `transformer.layer.${i}.ffn.lin2`,
      outLn: `transformer.layer.${i}.output_layer_norm`,
    }),
    headDense: '@pre_classifier',
    headActivation: 'relu',
    headOut: '@classifier',
  },
};

/** w is [in, out] (the Hugging Face weight transposed). */
interface Linear { w: tf.Tensor2D; b: tf.Tensor1D }
interface Norm { g: tf.Tensor1D; b: tf.Tensor1D }
interface Layer { q: Linear; k: Linear; v: Linear; o: Linear; attnLn: Norm; ffIn: Linear; ffOut: Linear; outLn: Norm }

/** Input of one forward pass: token ids per sentence ([CLS] ... [SEP]). */
export type EncodedBatch = readonly Int32Array[];

export interface PredictOptions {
  batchSize?: number;
  /** Called after each batch with the number of sentences done. */
  onProgress?(done: number, total: number): void;
  /** Awaited before each batch: the worker yields there so a cancel message can arrive, and throws to stop. */
  beforeBatch?(): Promise<void>;
  /** Batches are padded to a multiple of this many tokens: 8 bounds the number of distinct shapes a
   * GPU backend compiles programs for; 1 wastes nothing on the CPU. Default 8. */
  lengthMultiple?: number;
}

const SQRT1_2 = Math.SQRT1_2;

/**
 * A sequence classifier whose weights live in tfjs tensors on the current backend.
 * Build one per weight set (fine-tuned, KEN at k) and dispose it when done.
 */
export class BertClassifier {
  readonly config: ClassifierConfig;
  private readonly word: tf.Tensor2D;
  private readonly position: tf.Tensor2D;
  private readonly tokenType: tf.Tensor2D | null;
  private readonly embLn: Norm;
  private readonly layers: Layer[];
  private readonly headDense: Linear;
  private readonly headOut: Linear;
  private readonly owned: tf.Tensor[] = [];

  constructor(config: ClassifierConfig, getTensor: TensorProvider) {
    this.config = config;
    const names = NAME_TABLES[config.family];
    const h = config.hiddenSize;
    const resolve = (name: string): string => (name.startsWith('@') ? name.slice(1) : names.prefix + name);
    const take = (name: string, shape: number[], fallbackName?: string): Float32Array => {
      const full = resolve(name);
      let data = getTensor(full);
      if (data === undefined && fallbackName) data = getTensor(resolve(fallbackName));
      // Checkpoints saved from a bare base model have no `bert.` prefix.
      if (data === undefined && !name.startsWith('@')) data = getTensor(name);
      if (data === undefined) throw new ModelConfigError(`fine-tuned checkpoint: tensor ${full} is missing`);
      const expected = shape.reduce((a, b) => a * b, 1);
      if (data.length !== expected) {
        throw new ModelConfigError(`tensor ${full}: has ${data.length} values, the config implies shape [${shape.join(', ')}] = ${expected}`);
      }
      return data;
    };
    const own = <T extends tf.Tensor>(t: T): T => {
      this.owned.push(t);
      return t;
    };
    // Weights are stored transposed to [in, out] once: tfjs-wasm multiplies by a transposed operand on a
    // slow path (about 18x slower than a plain matMul in Node), and a plain fused matMul+bias is fast everywhere.
    const linear = (base: string, outDim: number, inDim: number): Linear => {
      const weight = tf.tensor2d(take(`${base}.weight`, [outDim, inDim]), [outDim, inDim]);
      const transposed = tf.transpose(weight);
      weight.dispose();
      return { w: own(transposed), b: own(tf.tensor1d(take(`${base}.bias`, [outDim]))) };
    };
    // Old TF-converted checkpoints call LayerNorm weight/bias gamma/beta.
    const norm = (base: string): Norm => ({
      g: own(tf.tensor1d(take(`${base}.weight`, [h], `${base}.gamma`))),
      b: own(tf.tensor1d(take(`${base}.bias`, [h], `${base}.beta`))),
    });
    this.word = own(tf.tensor2d(take(names.word, [config.vocabSize, h]), [config.vocabSize, h]));
    this.position = own(tf.tensor2d(take(names.position, [config.maxPositions, h]), [config.maxPositions, h]));
    this.tokenType = names.tokenType && config.typeVocabSize > 0
      ? own(tf.tensor2d(take(names.tokenType, [config.typeVocabSize, h]), [config.typeVocabSize, h]))
      : null;
    this.embLn = norm(names.embLn);
    this.layers = [];
    for (let i = 0; i < config.numLayers; i++) {
      const n = names.layer(i);
      this.layers.push({
        q: linear(n.q, h, h),
        k: linear(n.k, h, h),
        v: linear(n.v, h, h),
        o: linear(n.o, h, h),
        attnLn: norm(n.attnLn),
        ffIn: linear(n.ffIn, config.intermediateSize, h),
        ffOut: linear(n.ffOut, h, config.intermediateSize),
        outLn: norm(n.outLn),
      });
    }
    this.headDense = linear(names.headDense, h, h);
    this.headOut = linear(names.headOut, config.numLabels, h);
  }

  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
  }

  private linear(x: tf.Tensor2D, p: Linear): tf.Tensor2D {
    return tf.fused.matMul({ a: x, b: p.w, bias: p.b }) as tf.Tensor2D;
  }

  private layerNorm(x: tf.Tensor2D, p: Norm): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.layerNormEps))), p.g), p.b);
  }

  private activation(x: tf.Tensor2D): tf.Tensor2D {
    switch (this.config.activation) {
      case 'relu':
        return tf.relu(x);
      case 'gelu_new': {
        const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
      }
      default:
        // Exact GELU: x * Phi(x) with the erf form, as Hugging Face's "gelu".
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
    }
  }

  /** Logits [batch, numLabels] for one padded batch; ids [batch, length], mask 1 on real tokens. */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D, positions: tf.Tensor2D): tf.Tensor2D {
    const { hiddenSize: h, numHeads } = this.config;
    const headSize = h / numHeads;
    const [batch, length] = ids.shape;
    return tf.tidy(() => {
      const flatIds = tf.reshape(ids, [-1]);
      let x: tf.Tensor2D = tf.add(tf.gather(this.word, flatIds), tf.gather(this.position, tf.reshape(positions, [-1])));
      // token_type_ids are all 0 for single-sentence classification.
      if (this.tokenType) x = tf.add(x, tf.slice(this.tokenType, [0, 0], [1, h]));
      x = this.layerNorm(x, this.embLn);
      // Masked keys get a large negative score, so softmax gives them exactly 0 weight.
      const maskBias = tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9), [batch, 1, 1, length]);
      const scale = 1 / Math.sqrt(headSize);
      // [batch*length, hidden] -> [batch, heads, length, headSize]; keys go straight to [batch, heads, headSize, length].
      const heads = (t: tf.Tensor2D, perm: number[]) => tf.transpose(tf.reshape(t, [batch, length, numHeads, headSize]), perm);
      for (const layer of this.layers) {
        const q = heads(this.linear(x, layer.q), [0, 2, 1, 3]);
        const kT = heads(this.linear(x, layer.k), [0, 2, 3, 1]);
        const v = heads(this.linear(x, layer.v), [0, 2, 1, 3]);
        const scores = tf.add(tf.mul(tf.matMul(q, kT), scale), maskBias);
        const context = tf.matMul(tf.softmax(scores), v);
        const merged = tf.reshape<tf.Rank.R2>(tf.transpose(context, [0, 2, 1, 3]), [batch * length, h]);
        const attended = this.layerNorm(tf.add(this.linear(merged, layer.o), x), layer.attnLn);
        const inner = this.activation(this.linear(attended, layer.ffIn));
        x = this.layerNorm(tf.add(this.linear(inner, layer.ffOut), attended), layer.outLn);
      }
      // The head reads the first token ([CLS] / <s>) of each sentence.
      const first = tf.reshape<tf.Rank.R2>(tf.slice(tf.reshape(x, [batch, length, h]), [0, 0, 0], [batch, 1, h]), [batch, h]);
      const dense = this.linear(first, this.headDense);
      const pooled = this.headActivationOf(dense);
      return this.linear(pooled, this.headOut);
    });
  }

  private headActivationOf(x: tf.Tensor2D): tf.Tensor2D {
    return NAME_TABLES[this.config.family].headActivation === 'relu' ? tf.relu(x) : tf.tanh(x);
  }

  /**
   * Logits of every sentence, row-major [sentences, numLabels], in input order. Sentences are sorted
   * by length before batching, so little padding is computed.
   */
  async predict(sentences: EncodedBatch, options: PredictOptions = {}): Promise<Float32Array> {
    const batchSize = options.batchSize ?? 64;
    const lengthMultiple = options.lengthMultiple ?? 8;
    const numLabels = this.config.numLabels;
    const out = new Float32Array(sentences.length * numLabels);
    const order = sentences.map((_, index) => index).sort((a, b) => sentences[a].length - sentences[b].length || a - b);
    let done = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      await options.beforeBatch?.();
      const rows = order.slice(start, start + batchSize);
      const longest = Math.max(...rows.map((row) => sentences[row].length));
      if (longest > this.config.maxPositions) {
        throw new ModelConfigError(`sentence ${rows.find((row) => sentences[row].length === longest)}: ${longest} tokens exceed max_position_embeddings ${this.config.maxPositions}`);
      }
      const length = Math.min(Math.ceil(longest / lengthMultiple) * lengthMultiple, this.config.maxPositions);
      const idData = new Int32Array(rows.length * length).fill(this.config.padTokenId);
      const maskData = new Int32Array(rows.length * length);
      const positionData = new Int32Array(rows.length * length);
      // RoBERTa numbers positions from padding_idx + 1 (its position table has two leading rows).
      const positionOffset = this.config.family === 'roberta' ? this.config.padTokenId + 1 : 0;
      rows.forEach((row, r) => {
        const ids = sentences[row];
        idData.set(ids, r * length);
        for (let t = 0; t < length; t++) {
          const real = t < ids.length;
          maskData[r * length + t] = real ? 1 : 0;
          positionData[r * length + t] = real ? t + positionOffset : this.config.family === 'roberta' ? this.config.padTokenId : t;
        }
      });
      const idsT = tf.tensor2d(idData, [rows.length, length], 'int32');
      const maskT = tf.tensor2d(maskData, [rows.length, length], 'int32');
      const posT = tf.tensor2d(positionData, [rows.length, length], 'int32');
      const logits = this.forward(idsT, maskT, posT);
      idsT.dispose();
      maskT.dispose();
      posT.dispose();
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      rows.forEach((row, r) => out.set(values.subarray(r * numLabels, (r + 1) * numLabels), row * numLabels));
      done += rows.length;
      options.onProgress?.(done, sentences.length);
    }
    return out;
  }
}
