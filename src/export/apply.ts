// Rebuilds the pruned model from a pre-trained checkpoint and a subnetwork file, bit for bit. Everything
// is checked before the first byte is written: the file's structure, its content hash, and the pre-trained
// tensors' fingerprint, so a wrong checkpoint or a damaged file is refused instead of yielding a bad model.
import { dtypeSize, isKnownDType } from '../formats/dtype';
import { readSafetensorsHeader, readTensorBytes } from '../formats/safetensors';
import { FormatError, type ByteSource, type Checkpoint, type TensorInfo } from '../formats/types';
import { hasPaddingBits, popcount } from './bits';
import { Fnv1a64 } from './fnv';
import { scatterElements } from './merge';
import { baseBytesOf, fingerprintTensor } from './pipeline';
import { SafetensorsWriter, elementCount, type TensorEntry } from './safetensors-writer';
import type { ByteSink } from './sink';
import {
  bitsName,
  META,
  SUBNETWORK_FORMAT,
  SUBNETWORK_VERSION,
  valuesName,
  wholeName,
  type SubnetworkPlan,
  type SubnetworkTensor,
} from './subnetwork-format';

export interface OpenedSubnetwork {
  source: ByteSource;
  metadata: Record<string, string>;
  plan: SubnetworkPlan;
  tensors: Map<string, TensorInfo>;
  k: number;
  scope: string;
  rule: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

function parsePlan(text: string | undefined, fileName: string): SubnetworkPlan {
  const bad = (why: string) => new FormatError(`${fileName}: the subnetwork plan is damaged (${why})`);
  if (text === undefined) throw bad('missing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.tensors) || !isRecord(parsed.modelMetadata) || !isRecord(parsed.files)) {
    throw bad('expected tensors, modelMetadata and files');
  }
  for (const [key, value] of [...Object.entries(parsed.modelMetadata), ...Object.entries(parsed.files)]) {
    if (typeof value !== 'string') throw bad(`entry "${key}" is not a string`);
  }
  const seen = new Set<string>();
  for (const entry of parsed.tensors as unknown[]) {
    if (!isRecord(entry) || typeof entry.name !== 'string') throw bad('a tensor entry has no name');
    const where = `tensor "${entry.name}"`;
    if (seen.has(entry.name)) throw bad(`${where} is listed twice`);
    seen.add(entry.name);
    if (!isKnownDType(entry.dtype)) throw bad(`${where} has an unknown dtype`);
    if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(`${where} has a bad shape`);
    if (entry.encoding !== 'base' && entry.encoding !== 'diff' && entry.encoding !== 'whole') throw bad(`${where} has an unknown encoding`);
    if (entry.encoding !== 'whole' && (typeof entry.pretrainedName !== 'string' || !isKnownDType(entry.pretrainedDtype))) {
      throw bad(`${where} does not name its pre-trained tensor`);
    }
    if (entry.encoding === 'diff' && !(Number.isSafeInteger(entry.valueCount) && (entry.valueCount as number) >= 0)) {
      throw bad(`${where} has no value count`);
    }
  }
  return parsed as unknown as SubnetworkPlan;
}

/** The subnetwork tensors a plan entry needs, with the dtype and shape each must have. */
function expectedEntries(tensor: SubnetworkTensor): TensorEntry[] {
  if (tensor.encoding === 'whole') return [{ name: wholeName(tensor.name), dtype: tensor.dtype, shape: tensor.shape }];
  if (tensor.encoding === 'base') return [];
  return [
    { name: bitsName(tensor.name), dtype: 'U8', shape: [Math.ceil(elementCount(tensor.shape) / 8)] },
    { name: valuesName(tensor.name), dtype: tensor.dtype, shape: [tensor.valueCount ?? 0] },
  ];
}

/**
 * Opens and fully verifies a subnetwork file: header, metadata, plan, every stored tensor's dtype and
 * shape, the content hash over all stored bytes and each bitmask's count. Throws a FormatError naming the file.
 */
export async function openSubnetwork(source: ByteSource, signal?: AbortSignal): Promise<OpenedSubnetwork> {
  const fileName = source.name;
  let header;
  try {
    header = await readSafetensorsHeader(source, signal);
  } catch (error) {
    // The reader's message already names the file; say what it was supposed to be.
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.startsWith(`${fileName}: `) ? message.slice(fileName.length + 2) : message;
    throw new FormatError(`${fileName}: not a readable subnetwork file (${reason})`);
  }
  const { metadata, tensors } = header;
  if (metadata[META.format] !== SUBNETWORK_FORMAT) {
    throw new FormatError(`${fileName}: not a KENviz subnetwork file (its metadata has no format "${SUBNETWORK_FORMAT}")`);
  }
  if (metadata[META.version] !== SUBNETWORK_VERSION) {
    throw new FormatError(`${fileName}: subnetwork format version ${metadata[META.version] ?? '(none)'} is not supported (this KENviz reads version ${SUBNETWORK_VERSION})`);
  }
  const plan = parsePlan(metadata[META.plan], fileName);
  const expectedNames = new Set<string>();
  for (const tensor of plan.tensors) {
    for (const entry of expectedEntries(tensor)) {
      expectedNames.add(entry.name);
      const info = tensors.get(entry.name);
      if (!info) throw new FormatError(`${fileName}: tensor "${entry.name}" is missing; the file is damaged`);
      if (info.dtype !== entry.dtype || !sameShape(info.shape, entry.shape)) {
        throw new FormatError(`${fileName}: tensor "${entry.name}" is ${info.dtype} [${info.shape.join(', ')}], expected ${entry.dtype} [${entry.shape.join(', ')}]; the file is damaged`);
      }
    }
  }
  for (const name of tensors.keys()) {
    if (!expectedNames.has(name)) throw new FormatError(`${fileName}: unexpected tensor "${name}"; the file is damaged`);
  }
  const content = new Fnv1a64();
  for (const tensor of plan.tensors) {
    for (const entry of expectedEntries(tensor)) {
      const bytes = await readTensorBytes(tensors.get(entry.name) as TensorInfo, signal);
      content.update(bytes);
      if (entry.name === bitsName(tensor.name)) {
        const count = elementCount(tensor.shape);
        if (hasPaddingBits(bytes, count) || popcount(bytes, count) !== tensor.valueCount) {
          throw new FormatError(`${fileName}: the bitmask of tensor "${tensor.name}" does not match its ${tensor.valueCount} stored values; the file is damaged`);
        }
      }
    }
  }
  if (content.hex() !== metadata[META.contentHash]) {
    throw new FormatError(`${fileName}: content check failed (FNV-1a ${content.hex()}, recorded ${metadata[META.contentHash] ?? 'none'}); the file is corrupt`);
  }
  const k = Number(metadata[META.k]);
  return { source, metadata, plan, tensors, k, scope: metadata[META.scope] ?? '', rule: metadata[META.rule] ?? '' };
}

export interface ApplyResult {
  modelMetadata: Record<string, string>;
  /** Text files carried in the subnetwork (config.json), to write next to the model. */
  files: Record<string, string>;
  modelEntries: TensorEntry[];
}

/** The model file's tensor list, so callers can size it (ZIP entries) before writing. */
export function appliedModelEntries(opened: OpenedSubnetwork): TensorEntry[] {
  return opened.plan.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
}

/** Finds each base tensor in the pre-trained checkpoint and checks the fingerprint before anything is written. */
export async function verifyPretrained(opened: OpenedSubnetwork, pretrained: Checkpoint, signal?: AbortSignal): Promise<Map<string, TensorInfo>> {
  const fingerprint = new Fnv1a64();
  const bases = new Map<string, TensorInfo>();
  for (const tensor of opened.plan.tensors) {
    if (tensor.encoding === 'whole' || tensor.pretrainedName === undefined) continue;
    const info = pretrained.tensors.get(tensor.pretrainedName);
    if (!info) {
      throw new FormatError(`${pretrained.label}: has no tensor "${tensor.pretrainedName}"; this subnetwork was made from a different pre-trained checkpoint`);
    }
    if (info.dtype !== tensor.pretrainedDtype || !sameShape(info.shape, tensor.shape)) {
      throw new FormatError(
        `${pretrained.label}: tensor "${tensor.pretrainedName}" is ${info.dtype} [${info.shape.join(', ')}], the subnetwork expects ${tensor.pretrainedDtype} [${tensor.shape.join(', ')}]; wrong pre-trained checkpoint`,
      );
    }
    fingerprintTensor(fingerprint, info.name, info.dtype, info.shape, await readTensorBytes(info, signal));
    bases.set(tensor.name, info);
  }
  if (fingerprint.hex() !== opened.metadata[META.fingerprint]) {
    throw new FormatError(
      `${pretrained.label}: its tensors do not match the pre-trained checkpoint this subnetwork was made from (fingerprint ${fingerprint.hex()}, expected ${opened.metadata[META.fingerprint]}); refusing to build a wrong model`,
    );
  }
  return bases;
}

/** Writes the pruned model (one safetensors file) to the sink. */
export async function applySubnetwork(pretrained: Checkpoint, opened: OpenedSubnetwork, sink: ByteSink, options: { signal?: AbortSignal; onTensor?(done: number, total: number, name: string): void } = {}): Promise<ApplyResult> {
  const { signal } = options;
  const bases = await verifyPretrained(opened, pretrained, signal);
  const entries = appliedModelEntries(opened);
  const writer = new SafetensorsWriter(sink, entries, opened.plan.modelMetadata);
  await writer.begin();
  for (const [index, tensor] of opened.plan.tensors.entries()) {
    options.onTensor?.(index, opened.plan.tensors.length, tensor.name);
    if (tensor.encoding === 'whole') {
      await writer.writeTensor(tensor.name, await readTensorBytes(opened.tensors.get(wholeName(tensor.name)) as TensorInfo, signal));
      continue;
    }
    const baseInfo = bases.get(tensor.name) as TensorInfo;
    const { base } = await baseBytesOf(baseInfo, tensor.dtype, signal);
    if (tensor.encoding === 'diff') {
      const bits = await readTensorBytes(opened.tensors.get(bitsName(tensor.name)) as TensorInfo, signal);
      const values = await readTensorBytes(opened.tensors.get(valuesName(tensor.name)) as TensorInfo, signal);
      // Every read returns a fresh buffer, so the base can be overwritten in place.
      scatterElements(base, bits, values, dtypeSize(tensor.dtype), elementCount(tensor.shape));
      await writer.writeTensor(tensor.name, base);
    } else {
      await writer.writeTensor(tensor.name, base);
    }
  }
  await writer.finish();
  return { modelMetadata: opened.plan.modelMetadata, files: opened.plan.files, modelEntries: entries };
}
