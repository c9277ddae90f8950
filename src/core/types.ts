// Shared types of the KEN core. Pure TypeScript (no DOM, no React, no tfjs).

/** Why a row was kept whole instead of selected by KEN (KEN-SPEC: rows the reference cannot process). */
export type WholeRowReason = 'k>n' | 'zero-std' | 'non-finite';

export interface WholeRow {
  readonly rowIndex: number;
  readonly reason: WholeRowReason;
}

/** Selection rules compared at the same per-row budget k. 'ken' is the reference-faithful default. */
export type SelectionRule = 'ken' | 'delta' | 'magnitude' | 'random';

/**
 * The result of one selection on one tensor, as typed arrays (never nested JS arrays).
 * maskBits: rows*cols bits, row-major, LSB-first within each byte; 1 = keeps the fine-tuned value.
 */
export interface TensorSelection {
  readonly rows: number;
  readonly cols: number;
  readonly k: number;
  readonly rule: SelectionRule;
  readonly maskBits: Uint8Array;
  /** Kept entries per row (mask 1, whole rows included). */
  readonly keptPerRow: Uint32Array;
  readonly keptCount: number;
  readonly wholeRows: readonly WholeRow[];
}
