// Per-row overlap of KEN with the other rules for one tensor (d3 on SVG): one line per rule over row index,
// Jaccard 0..1, the selected row marked. Pure function of its data.
import * as d3 from 'd3';

export interface RowOverlapSeries {
  rule: string;
  jaccardPerRow: Float64Array;
}

export interface RowOverlapOptions {
  width: number;
  height: number;
  selectedRow: number | null;
}

const MARGIN = { top: 10, right: 12, bottom: 30, left: 44 };
const MAX_ROWS_WITH_DOTS = 32;

/** Whole row indices for the x axis, at most 9 and never repeated (d3's ticks on a 0..1 domain are fractions). */
export function rowTicks(rows: number): number[] {
  if (rows <= 1) return [0];
  const last = rows - 1;
  const ticks = d3.ticks(0, last, Math.min(8, last)).filter((t) => Number.isInteger(t));
  return ticks.length > 0 ? ticks : [0, last];
}

export function renderRowOverlap(svgElement: SVGSVGElement, series: readonly RowOverlapSeries[], options: RowOverlapOptions): void {
  const { width, height, selectedRow } = options;
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height);
  svg.selectAll('*').remove();
  const rows = series[0]?.jaccardPerRow.length ?? 0;
  if (rows === 0) return;
  const x = d3
    .scaleLinear()
    .domain(rows === 1 ? [-0.5, 0.5] : [0, rows - 1])
    .range([MARGIN.left, width - MARGIN.right]);
  const y = d3
    .scaleLinear()
    .domain([0, 1])
    .range([height - MARGIN.bottom, MARGIN.top]);
  svg
    .append('g')
    .attr('transform', `translate(0,${height - MARGIN.bottom})`)
    .call(d3.axisBottom(x).tickValues(rowTicks(rows)).tickFormat(d3.format('d')));
  svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(4));
  svg
    .append('text')
    .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
    .attr('y', height - 2)
    .attr('text-anchor', 'middle')
    .attr('class', 'axis-label')
    .text('row index (Jaccard overlap with KEN)');
  if (selectedRow !== null && selectedRow < rows) {
    svg
      .append('line')
      .attr('class', 'k-marker')
      .attr('x1', x(selectedRow))
      .attr('x2', x(selectedRow))
      .attr('y1', MARGIN.top)
      .attr('y2', height - MARGIN.bottom);
  }
  series.forEach((s, i) => {
    const line = d3
      .line<number>()
      .x((_, r) => x(r))
      .y((j) => y(j));
    svg
      .append('path')
      .attr('class', `curve rule-${s.rule}`)
      .attr('fill', 'none')
      .attr('d', line(Array.from(s.jaccardPerRow)) ?? '');
    // A line through one or a few rows is invisible or misleading: mark each row's value too.
    if (rows <= MAX_ROWS_WITH_DOTS) {
      svg
        .append('g')
        .attr('class', `dots rule-${s.rule}`)
        .selectAll('circle')
        .data(Array.from(s.jaccardPerRow))
        .join('circle')
        .attr('cx', (_, r) => x(r))
        .attr('cy', (j) => y(j))
        .attr('r', 3)
        .append('title')
        .text((j, r) => `row ${r}: Jaccard ${j.toFixed(3)} with ${s.rule}`);
    }
    const legend = svg.append('g').attr('class', `legend rule-${s.rule}`).attr('transform', `translate(${width - MARGIN.right - 110},${MARGIN.top + 6 + i * 14})`);
    legend.append('line').attr('x1', 0).attr('x2', 14).attr('y1', 0).attr('y2', 0);
    legend.append('text').attr('x', 18).attr('y', 4).text(s.rule);
  });
}
