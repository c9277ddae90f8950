// What an export does with each tensor of the fine-tuned checkpoint, decided from the pairing alone.
import { isFloatDType } from '../formats/dtype';
import { layerOf } from '../formats/pairing';
import { FormatError, type DType, type PairStatus, type TensorInfo, type TensorPair } from '../formats/types';

/** Which tensors an export prunes; structurally the engine protocol's Scope (src/export may not import the engine). */
export type Scope = { kind: 'all' } | { kind: 'layers' } | { kind: 'pattern'; pattern: string };

/** Scopes as the CLI and report write them: all | layers | the pattern itself. */
export function scopeLabel(scope: Scope): string {
  return scope.kind === 'pattern' ? scope.pattern : scope.kind;
}

export function parseScope(text: string): Scope {
  if (text === 'all' || text === 'layers') return { kind: text };
  try {
    new RegExp(text);
  } catch (error) {
    throw new FormatError(`--scope /${text}/ is not a valid regular expression: ${(error as Error).message}`);
  }
  return { kind: 'pattern', pattern: text };
}

/** Same decision as the engine's scope matcher: all, names with a layer index, or a name pattern. */
export function inScope(scope: Scope, name: string): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'layers') return layerOf(name) !== null;
  return new RegExp(scope.pattern).test(name);
}

// Pre-trained values can be stored in these dtypes exactly as the fine-tuned side would write them.
const CONVERTIBLE: ReadonlySet<DType> = new Set<DType>(['F64', 'F32', 'F16', 'BF16']);

export interface PlannedTensor {
  readonly name: string;
  readonly status: PairStatus;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly cols: number;
  readonly count: number;
  readonly fine: TensorInfo;
  /** The paired pre-trained tensor's name, whether or not it can serve as a base. */
  readonly pretrainedName: string | null;
  /** The pre-trained counterpart usable as a base (same shape, dtype convertible), else null. */
  readonly base: TensorInfo | null;
  /** Pruned by KEN: status 'pruned' and inside the scope. */
  readonly prune: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

/** A pre-trained tensor can be the base when its bytes, converted if needed, sit in the fine-tuned dtype. */
export function usableBase(fine: TensorInfo, pre: TensorInfo | undefined): TensorInfo | null {
  if (!pre || !sameShape(fine.shape, pre.shape)) return null;
  if (pre.dtype === fine.dtype) return pre;
  return isFloatDType(pre.dtype) && CONVERTIBLE.has(fine.dtype) ? pre : null;
}

/**
 * Every fine-tuned tensor, in the fine-tuned checkpoint's order (so the pruned model lists tensors as
 * the fine-tuned file does). `fineOrder` is the fine-tuned checkpoint's tensor names.
 */
export function planExport(pairs: readonly TensorPair[], fineOrder: readonly string[], scope: Scope): PlannedTensor[] {
  const byName = new Map<string, TensorPair>();
  for (const pair of pairs) if (pair.finetuned) byName.set(pair.finetuned.name, pair);
  const plan: PlannedTensor[] = [];
  for (const name of fineOrder) {
    const pair = byName.get(name);
    if (!pair || !pair.finetuned) throw new FormatError(`fine-tuned tensor "${name}" is missing from the pairing`);
    const fine = pair.finetuned;
    const base = usableBase(fine, pair.pretrained);
    const prune = pair.status === 'pruned' && base !== null && inScope(scope, name);
    let count = 1;
    for (const dim of fine.shape) count *= dim;
    plan.push({ name, status: pair.status, dtype: fine.dtype, shape: fine.shape, rows: pair.rows, cols: pair.cols, count, fine, pretrainedName: pair.pretrained?.name ?? null, base, prune });
  }
  return plan;
}
