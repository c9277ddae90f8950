// Shared types of the formats layer. Pure TypeScript: used by the browser, workers, Node CLI and tests.

/** Storage dtypes of safetensors. Floating ones can be pruned; the rest are never touched. */
export type DType =
  | 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2'
  | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/**
 * Random access to the bytes of one file, wherever it lives (Blob, HTTP Range, Node file handle).
 * Nothing in KENviz ever reads a whole checkpoint into one buffer: tensors are read one by one.
 */
export interface ByteSource {
  /** A name a person recognises in an error message: file name or URL. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Reads [offset, offset + length). Rejects with a FormatError naming the source on failure. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
}

/** One tensor of one safetensors file, located but not read. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Absolute byte offset of the tensor data in its file. */
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The file that holds it. */
  readonly source: ByteSource;
}

/** A checkpoint: one file, a sharded set, or a Hugging Face folder. */
export interface Checkpoint {
  /** e.g. "pre-trained" or the folder/URL a person opened. */
  readonly label: string;
  /** Tensors in file order. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Other files of a Hugging Face folder kept alongside (config.json, vocab.txt, tokenizer files). */
  readonly extraFiles: ReadonlyMap<string, ByteSource>;
  /** Parsed config.json when present. */
  readonly config?: Record<string, unknown>;
  /** Things a person should know about how the checkpoint was assembled (e.g. files ignored). */
  readonly warnings?: readonly string[];
}

export type PairStatus = 'pruned' | 'new' | 'only-pretrained' | 'shape-mismatch' | 'not-float';

/** How a tensor of the fine-tuned checkpoint lines up with the pre-trained one. */
export interface TensorPair {
  /** Name used for matching (base-model prefix stripped, gamma/beta mapped). */
  readonly key: string;
  /** The fine-tuned name when present (what exports use), else the pre-trained one. */
  readonly name: string;
  readonly status: PairStatus;
  readonly pretrained?: TensorInfo;
  readonly finetuned?: TensorInfo;
  /** Rows and columns KEN sees: dim 0 by the rest flattened; a 1-D tensor is one row. */
  readonly rows: number;
  readonly cols: number;
}

/** Every error a malformed or unreadable input produces: names the file or tensor and what is wrong. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}
