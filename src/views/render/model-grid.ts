// Layout of the model view as data: layers x matrix types for tensors with a layer index, and a
// separate band for the rest (embeddings, pooler, heads). Pure: the SVG component only draws it.
import type { TensorMeta, TensorSummary } from '../../engine/protocol';

export interface GridCell {
  name: string;
  /** Grid row (layer band: position of the layer in `layers`; other band: 0). */
  row: number;
  /** Grid column (layer band: position of the matrix type in `matrixTypes`; other band: order of appearance). */
  col: number;
  layer: number | null;
  matrixType: string;
  meta: TensorMeta;
}

export interface ModelGrid {
  /** Distinct layer indices in numeric order (not string order: 10 comes after 9). */
  layers: number[];
  /** Matrix types of layer tensors, in order of first appearance in the pair. */
  matrixTypes: string[];
  /** Cells of the layer band; at most one per (layer, matrix type). */
  layerCells: GridCell[];
  /** Tensors without a layer index, in pair order, each in its own column of a one-row band. */
  otherCells: GridCell[];
}

export function layoutModelGrid(tensors: readonly TensorMeta[]): ModelGrid {
  const layers = [...new Set(tensors.flatMap((t) => (t.layer === null ? [] : [t.layer])))].sort((a, b) => a - b);
  const matrixTypes: string[] = [];
  for (const t of tensors) if (t.layer !== null && !matrixTypes.includes(t.matrixType)) matrixTypes.push(t.matrixType);
  const layerRow = new Map(layers.map((layer, i) => [layer, i]));
  const typeCol = new Map(matrixTypes.map((type, i) => [type, i]));
  const layerCells: GridCell[] = [];
  const otherCells: GridCell[] = [];
  for (const meta of tensors) {
    if (meta.layer === null) {
      otherCells.push({ name: meta.name, row: 0, col: otherCells.length, layer: null, matrixType: meta.matrixType, meta });
    } else {
      layerCells.push({
        name: meta.name,
        row: layerRow.get(meta.layer) as number,
        col: typeCol.get(meta.matrixType) as number,
        layer: meta.layer,
        matrixType: meta.matrixType,
        meta,
      });
    }
  }
  return { layers, matrixTypes, layerCells, otherCells };
}

/** What a cell shows: a kept fraction, or why there is none (yet). */
export type CellState =
  | { kind: 'kept'; keptFraction: number; summary: TensorSummary }
  | { kind: 'kept-whole'; reason: 'new' | 'shape-mismatch'; summary: TensorSummary | null }
  | { kind: 'not-pruned'; reason: 'only-pretrained' | 'not-float' }
  | { kind: 'pending' };

/**
 * The state of one tensor for the current run. New and shape-mismatched tensors are marked as such
 * even before a run, since their outcome (kept whole) does not depend on k.
 */
export function cellState(meta: TensorMeta, summary: TensorSummary | undefined): CellState {
  if (meta.status === 'only-pretrained' || meta.status === 'not-float') return { kind: 'not-pruned', reason: meta.status };
  if (meta.status === 'new' || meta.status === 'shape-mismatch') return { kind: 'kept-whole', reason: meta.status, summary: summary ?? null };
  if (summary?.keptWhole === 'new' || summary?.keptWhole === 'shape-mismatch') {
    return { kind: 'kept-whole', reason: summary.keptWhole, summary };
  }
  if (!summary) return { kind: 'pending' };
  return { kind: 'kept', keptFraction: summary.total > 0 ? summary.keptCount / summary.total : 0, summary };
}

export interface LayerBar {
  layer: number;
  name: string;
  keptFraction: number | null;
}

/** Kept fraction per layer for one matrix type (null where that layer has no result yet). */
export function layerBars(grid: ModelGrid, matrixType: string, summaries: Readonly<Record<string, TensorSummary>>): LayerBar[] {
  return grid.layerCells
    .filter((c) => c.matrixType === matrixType)
    .sort((a, b) => (a.layer as number) - (b.layer as number))
    .map((c) => {
      const s = summaries[c.name];
      return { layer: c.layer as number, name: c.name, keptFraction: s && s.total > 0 ? s.keptCount / s.total : null };
    });
}

/** Column labels: `.weight` dropped (most types are weights), `.bias` and others kept so the pair stays distinct. */
export function shortTypeLabel(matrixType: string): string {
  return matrixType.replace(/\.weight$/, '');
}
