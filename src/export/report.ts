// report.json and report.csv of an export: per tensor what was kept and why, plus totals and timings.
import type { ExportReport } from './pipeline';

/** JSON has no NaN/Infinity: numbers that are not finite become null. */
export function reportJson(report: ExportReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
}

function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const REPORT_CSV_COLUMNS = [
  'name', 'status', 'pruned', 'dtype', 'shape', 'k', 'kept', 'total', 'kept_fraction',
  'whole_rows', 'whole_row_reasons', 'mean_abs_delta_kept', 'mean_abs_delta_reset',
  'subnetwork_encoding', 'subnetwork_values',
] as const;

/** One line per tensor, then a TOTAL line; whole rows as `row:reason` separated by spaces. */
export function reportCsv(report: ExportReport): string {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const t of report.tensors) {
    lines.push(
      [
        t.name, t.status, t.pruned, t.dtype, t.shape.join('x'), t.k, t.kept, t.total, t.keptFraction,
        t.wholeRows.length, t.wholeRows.map((w) => `${w.rowIndex}:${w.reason}`).join(' '),
        t.meanAbsDeltaKept, t.meanAbsDeltaReset, t.subnetworkEncoding, t.subnetworkValues,
      ].map(csvField).join(','),
    );
  }
  const totals = report.totals;
  lines.push(
    ['TOTAL (pruned tensors)', '', totals.prunedTensors, '', '', report.k, totals.keptInPruned, totals.prunedParams, totals.keptFractionPruned, totals.wholeRows, '', '', '', '', '']
      .map(csvField)
      .join(','),
  );
  return `${lines.join('\n')}\n`;
}
