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
  /** Matrix types of layer tensors in data-flow order where the name says it (see matrixTypeRank), else first appearance. */
  matrixTypes: string[];
  /** Cells of the layer band; at most one per (layer, matrix type). */
  layerCells: GridCell[];
  /** Tensors without a layer index, each on its own line: pruned ones first, then kept whole, then not pruned (pair order within). */
  otherCells: GridCell[];
}

export function layoutModelGrid(tensors: readonly TensorMeta[]): ModelGrid {
  const layers = [...new Set(tensors.flatMap((t) => (t.layer === null ? [] : [t.layer])))].sort((a, b) => a - b);
  const matrixTypes: string[] = [];
  for (const t of tensors) if (t.layer !== null && !matrixTypes.includes(t.matrixType)) matrixTypes.push(t.matrixType);
  // Checkpoints list tensors alphabetically; columns read better in the order a token flows through a layer.
  const firstSeen = new Map(matrixTypes.map((type, i) => [type, i]));
  matrixTypes.sort((a, b) => matrixTypeRank(a) - matrixTypeRank(b) || (firstSeen.get(a) as number) - (firstSeen.get(b) as number));
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
  const group = (meta: TensorMeta) => (meta.status === 'pruned' ? 0 : meta.status === 'new' || meta.status === 'shape-mismatch' ? 1 : 2);
  otherCells.sort((a, b) => group(a.meta) - group(b.meta) || a.col - b.col);
  otherCells.forEach((cell, i) => (cell.col = i));
  return { layers, matrixTypes, layerCells, otherCells };
}

// Stages of a transformer layer in the order a token passes them, by the names BERT, GPT-2, LLaMA-style
// and T5-style checkpoints use; earlier patterns win (attention.output.dense is not the MLP's output.dense).
const STAGES: RegExp[] = [
  /(^|\.)(ln_1|input_layernorm|attention_norm|layer_norm1)(\.|$)/,
  /(^|\.)(query|q_proj|q|c_attn|qkv|query_key_value|wqkv)(\.|$)/i,
  /(^|\.)(key|k_proj|k)(\.|$)/,
  /(^|\.)(value|v_proj|v)(\.|$)/,
  /attention\.output\.dense|(attention|self_attn)\.dense|(^|\.)(o_proj|out_proj|o)(\.|$)|attn\.c_proj/,
  /attention\.output\.LayerNorm|(^|\.)(ln_2|post_attention_layernorm|ffn_norm|layer_norm2)(\.|$)/,
  /intermediate|(^|\.)(fc1|c_fc|gate_proj|w1|wi|wi_0)(\.|$)/,
  /(^|\.)(up_proj|w3|wi_1)(\.|$)/,
  /(^|\.)output\.dense|(^|\.)(fc2|down_proj|w2|wo)(\.|$)|mlp\.c_proj/,
  /(^|\.)output\.LayerNorm|final_layer_norm/,
];

/**
 * Position of a matrix type in a layer's data flow (weights before their biases); types no pattern
 * recognises come last, keeping their order of appearance.
 */
export function matrixTypeRank(matrixType: string): number {
  const stage = STAGES.findIndex((pattern) => pattern.test(matrixType));
  const isBias = /(^|\.)bias$/.test(matrixType) ? 1 : 0;
  return (stage === -1 ? STAGES.length : stage) * 2 + isBias;
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

/** How the pair's tensors split by what a run does with them; `inRun` is what the run's progress counts. */
export interface TensorCounts {
  all: number;
  pruned: number;
  keptWhole: number;
  onlyPretrained: number;
  notFloat: number;
  inRun: number;
}

export function tensorCounts(tensors: readonly TensorMeta[]): TensorCounts {
  const counts: TensorCounts = { all: tensors.length, pruned: 0, keptWhole: 0, onlyPretrained: 0, notFloat: 0, inRun: 0 };
  for (const t of tensors) {
    if (t.status === 'pruned') counts.pruned++;
    else if (t.status === 'new' || t.status === 'shape-mismatch') counts.keptWhole++;
    else if (t.status === 'only-pretrained') counts.onlyPretrained++;
    else counts.notFloat++;
  }
  counts.inRun = counts.pruned + counts.keptWhole;
  return counts;
}

/** "78 tensors: 69 pruned, 4 kept whole (new or shape-mismatched), 5 only in pre-trained (not in the fine-tuned model)". */
export function describeTensorCounts(c: TensorCounts): string {
  const parts = [`${c.pruned} pruned`];
  if (c.keptWhole > 0) parts.push(`${c.keptWhole} kept whole (new or shape-mismatched)`);
  if (c.onlyPretrained > 0) parts.push(`${c.onlyPretrained} only in pre-trained (not in the fine-tuned model)`);
  if (c.notFloat > 0) parts.push(`${c.notFloat} not float (never pruned)`);
  return `${c.all} tensor${c.all === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** Why a tensor has no kept fraction, in words a person reads in the grid, tooltips and legend. */
export const NOT_PRUNED_LABEL: Record<'only-pretrained' | 'not-float', string> = {
  'only-pretrained': 'only in pre-trained (not in the fine-tuned model)',
  'not-float': 'not a float tensor (never pruned)',
};

/** Cells in reading order: the layer band row by row, then the band without a layer. */
export function gridOrder(grid: ModelGrid): string[] {
  const layer = [...grid.layerCells].sort((a, b) => a.row - b.row || a.col - b.col);
  return [...layer, ...grid.otherCells].map((c) => c.name);
}

/**
 * The tensor an arrow key moves to from `name` (null: the first cell): left/right step through the reading
 * order, up/down keep the matrix type and change layer inside the layer band, and step elsewhere.
 */
export function neighbourCell(grid: ModelGrid, name: string | null, key: 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown'): string | null {
  const order = gridOrder(grid);
  if (order.length === 0) return null;
  const index = name === null ? -1 : order.indexOf(name);
  if (index === -1) return order[0];
  const cell = grid.layerCells.find((c) => c.name === name);
  if (cell && (key === 'ArrowUp' || key === 'ArrowDown')) {
    const step = key === 'ArrowDown' ? 1 : -1;
    for (let row = cell.row + step; row >= 0 && row < grid.layers.length; row += step) {
      const target = grid.layerCells.find((c) => c.row === row && c.col === cell.col);
      if (target) return target.name;
    }
    // Past the last layer, Down continues into the band without a layer.
    return key === 'ArrowDown' && grid.otherCells.length > 0 ? grid.otherCells[0].name : name;
  }
  const step = key === 'ArrowRight' || key === 'ArrowDown' ? 1 : -1;
  return order[Math.max(0, Math.min(order.length - 1, index + step))];
}
