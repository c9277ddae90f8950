// Test helper (compare/rules tests): loads a golden case's tensors and U8 masks from
// test/fixtures/ken-golden with the project's own safetensors reader, and packs U8 masks into bits.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openSafetensors, readTensorBytes, readTensorFloat32 } from '../../src/formats/safetensors';
import { nodeFileSource } from '../../src/formats/node/file-source';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/ken-golden/', import.meta.url));

export interface GoldenTensor {
  name: string;
  rows: number;
  cols: number;
  fine: Float32Array;
  pre: Float32Array;
}

interface ManifestCase {
  case: string;
  finetuned: string;
  pretrained: string;
  masks: Record<string, { file: string; counts: Record<string, { kept: number; total: number }> }>;
}

export function goldenManifestCase(caseName: string): ManifestCase {
  const manifest = JSON.parse(readFileSync(GOLDEN_DIR + 'manifest.json', 'utf8')) as { cases: ManifestCase[] };
  const found = manifest.cases.find((c) => c.case === caseName);
  if (!found) throw new Error(`golden case ${caseName} not in manifest.json`);
  return found;
}

function rowsCols(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  return { rows: shape[0], cols: shape.slice(1).reduce((a, b) => a * b, 1) };
}

export async function loadGoldenPair(caseName: string): Promise<GoldenTensor[]> {
  const c = goldenManifestCase(caseName);
  const fineSource = await nodeFileSource(GOLDEN_DIR + c.finetuned);
  const preSource = await nodeFileSource(GOLDEN_DIR + c.pretrained);
  try {
    const fineInfos = await openSafetensors(fineSource);
    const preInfos = await openSafetensors(preSource);
    const out: GoldenTensor[] = [];
    for (const [name, info] of fineInfos) {
      const preInfo = preInfos.get(name);
      if (!preInfo) throw new Error(`${caseName}: ${name} missing in pretrained`);
      out.push({ name, ...rowsCols(info.shape), fine: await readTensorFloat32(info), pre: await readTensorFloat32(preInfo) });
    }
    return out;
  } finally {
    await fineSource.close();
    await preSource.close();
  }
}

/** U8 masks (1 kept, 0 not, 255 undefined row) of one case and k, by tensor name. */
export async function loadGoldenMasksU8(caseName: string, k: number): Promise<Map<string, Uint8Array>> {
  const c = goldenManifestCase(caseName);
  const entry = c.masks[String(k)];
  if (!entry) throw new Error(`golden case ${caseName} has no mask for k=${k}`);
  const source = await nodeFileSource(GOLDEN_DIR + entry.file);
  try {
    const infos = await openSafetensors(source);
    const out = new Map<string, Uint8Array>();
    for (const [name, info] of infos) out.set(name, await readTensorBytes(info));
    return out;
  } finally {
    await source.close();
  }
}

/** Packs a U8 mask into LSB-first row-major bits; `undefinedAs` says what 255 (a row KEN cannot process) becomes. */
export function packU8Mask(u8: Uint8Array, undefinedAs: 0 | 1 = 1): Uint8Array {
  const bits = new Uint8Array(Math.ceil(u8.length / 8));
  for (let i = 0; i < u8.length; i++) {
    const v = u8[i] === 255 ? undefinedAs : u8[i];
    if (v === 1) bits[i >> 3] |= 1 << (i & 7);
  }
  return bits;
}

export function bitAt(bits: Uint8Array, index: number): number {
  return (bits[index >> 3] >> (index & 7)) & 1;
}
