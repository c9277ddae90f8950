// The subnetwork file: a safetensors file holding only what the pre-trained checkpoint lacks.
// Per tensor of the pruned model, one of three encodings (listed in the `kenviz.plan` metadata):
//   base  - equals the pre-trained tensor (in the fine-tuned dtype): nothing stored;
//   diff  - `bits:<name>` U8, ceil(n/8) bytes, LSB-first row-major, 1 where the pruned model differs from the
//           pre-trained tensor; `values:<name>` the pruned model's values there, in the fine-tuned dtype;
//   whole - `whole:<name>` the tensor itself (new or shape-mismatched tensors, or when smaller than a diff).
import type { DType } from '../formats/types';

export const SUBNETWORK_FORMAT = 'kenviz-subnetwork';
export const SUBNETWORK_VERSION = '1';

export type TensorEncoding = 'base' | 'diff' | 'whole';

export interface SubnetworkTensor {
  name: string;
  dtype: DType;
  shape: number[];
  encoding: TensorEncoding;
  /** base/diff: the pre-trained tensor the values go on top of. */
  pretrainedName?: string;
  pretrainedDtype?: DType;
  /** diff: number of stored values. */
  valueCount?: number;
}

export interface SubnetworkPlan {
  /** `__metadata__` of the pruned model file, reproduced by apply. */
  modelMetadata: Record<string, string>;
  /** Extra files of the fine-tuned folder stored inline (config.json), name -> UTF-8 text. */
  files: Record<string, string>;
  tensors: SubnetworkTensor[];
}

export const bitsName = (name: string): string => `bits:${name}`;
export const valuesName = (name: string): string => `values:${name}`;
export const wholeName = (name: string): string => `whole:${name}`;

/** Metadata keys of a subnetwork file. */
export const META = {
  format: 'format',
  version: 'kenviz.version',
  k: 'k',
  scope: 'scope',
  rule: 'rule',
  seed: 'seed',
  fingerprint: 'pretrained.fnv1a64',
  fingerprintNote: 'pretrained.fnv1a64.note',
  contentHash: 'content.fnv1a64',
  plan: 'kenviz.plan',
} as const;

export const FINGERPRINT_NOTE =
  '64-bit FNV-1a over the name, dtype, shape and bytes of every pre-trained tensor used as a base, in plan order; ' +
  'it detects a wrong or changed pre-trained checkpoint, it is not cryptographic';
