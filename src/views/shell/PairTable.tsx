// The pair table: every tensor of the pair in the engine's natural order (layer.10 after layer.9) with
// its pairing status and, once the run has it, the kept share. Clicking a row opens it in the Matrix view.
import { useMemo } from 'react';
import type { PairSummary, TensorMeta } from '../../engine/protocol';
import { useAppStore } from '../useAppStore';
import { formatCount, formatPercent } from './format';
import { runTotals, totalsMatchRun } from './run-totals';

/** The footer's totals: all parameters, and those in tensors KEN prunes. */
export function pairRows(pair: PairSummary): { rows: readonly TensorMeta[]; paramsTotal: number; paramsPruned: number } {
  const rows = pair.tensors;
  let paramsTotal = 0;
  let paramsPruned = 0;
  for (const t of rows) {
    paramsTotal += t.params;
    if (t.status === 'pruned') paramsPruned += t.params;
  }
  return { rows, paramsTotal, paramsPruned };
}

export function PairTable() {
  const pair = useAppStore((s) => s.pair);
  const summaries = useAppStore((s) => s.summaries);
  const tensorName = useAppStore((s) => s.tensorName);
  const keptCount = useAppStore((s) => s.keptCount);
  const totalCount = useAppStore((s) => s.totalCount);
  const selectTensor = useAppStore((s) => s.selectTensor);
  const setView = useAppStore((s) => s.setView);
  const table = useMemo(() => (pair ? pairRows(pair) : null), [pair]);
  const totals = useMemo(() => runTotals(summaries), [summaries]);

  if (!pair || !table) return <p className="muted">Load a pair to see its tensors.</p>;
  const open = (name: string) => {
    selectTensor(name);
    setView('matrix');
  };
  return (
    <section className="pair-table-box" aria-label="Tensors of the pair">
      {pair.warnings.length > 0 && (
        <ul className="pair-warnings" data-testid="pair-warnings">
          {pair.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      <table className="pair-table" data-testid="pair-table">
        <thead>
          <tr>
            <th scope="col">tensor</th>
            <th scope="col">shape</th>
            <th scope="col">dtype</th>
            <th scope="col" className="num">params</th>
            <th scope="col">status</th>
            <th scope="col" className="num">kept</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((t) => {
            const summary = summaries[t.name];
            return (
              <tr
                key={t.name}
                data-tensor={t.name}
                data-status={t.status}
                className={t.name === tensorName ? 'selected' : undefined}
                tabIndex={0}
                aria-selected={t.name === tensorName}
                onClick={() => open(t.name)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' || event.key === ' ') {
                    event.preventDefault();
                    open(t.name);
                  }
                }}
              >
                <td className="mono">{t.name}</td>
                <td className="mono">
                  {t.shape.join('×')}
                  {t.pretrainedShape && t.status === 'shape-mismatch' ? ` (pre-trained ${t.pretrainedShape.join('×')})` : ''}
                </td>
                <td>{t.dtype}</td>
                <td className="num">{formatCount(t.params)}</td>
                <td>
                  <span className={`status-chip status-${t.status}`}>{t.status}</span>
                </td>
                <td className="num" data-testid="kept-cell">
                  {summary ? formatPercent(summary.total > 0 ? summary.keptCount / summary.total : NaN) : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{table.rows.length} tensors</th>
            <td />
            <td />
            <td className="num" title={`${table.paramsTotal} parameters, ${table.paramsPruned} in pruned tensors`}>
              {formatCount(table.paramsTotal)}
            </td>
            <td>{formatCount(table.paramsPruned)} pruned</td>
            {/* The same pruned share as the status line: tensors kept whole are 100% whatever k is. */}
            <td
              className="num"
              data-testid="kept-total"
              title={keptCount !== null && totalCount ? `kept share of the pruned tensors; ${formatPercent(keptCount / totalCount)} counting the tensors kept whole` : undefined}
            >
              {keptCount !== null && totalCount !== null && totalsMatchRun(totals, keptCount, totalCount) && totals.prunedTotal > 0
                ? formatPercent(totals.prunedKept / totals.prunedTotal)
                : ''}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
