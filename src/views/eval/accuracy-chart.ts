// The paper's central figure: accuracy of the KEN model against the fraction of entries it keeps, one
// point per k, with the fine-tuned accuracy (and the majority-class floor) as reference lines.
// Layout is computed as data (chartLayout, unit-testable); renderAccuracyChart draws it with d3 on SVG.
import * as d3 from 'd3';

export interface AccuracyPoint {
  k: number;
  /** Kept entries / entries of all paired tensors, 0..1. */
  keptFraction: number;
  /** 0..1 */
  accuracy: number;
}

export interface AccuracyChartData {
  points: readonly AccuracyPoint[];
  finetunedAccuracy: number | null;
  majorityAccuracy: number | null;
}

export interface ChartLayout {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  x: d3.ScaleLinear<number, number>;
  y: d3.ScaleLinear<number, number>;
  /** Points sorted by kept fraction, as drawn. */
  sorted: AccuracyPoint[];
}

export function chartLayout(data: AccuracyChartData, width: number, height: number): ChartLayout {
  // The right margin holds the reference lines' labels ("fine-tuned 87.03%") in full.
  const margin = { top: 16, right: 124, bottom: 44, left: 56 };
  const sorted = [...data.points].sort((a, b) => a.keptFraction - b.keptFraction || a.k - b.k);
  const values = [...sorted.map((p) => p.accuracy), data.finetunedAccuracy ?? 1, data.majorityAccuracy ?? 0];
  const yMin = Math.max(0, Math.floor((Math.min(...values) - 0.05) * 10) / 10);
  const yMax = Math.min(1, Math.ceil((Math.max(...values) + 0.02) * 10) / 10);
  return {
    width,
    height,
    margin,
    x: d3.scaleLinear().domain([0, 1]).range([margin.left, width - margin.right]),
    y: d3.scaleLinear().domain([yMin, yMax]).range([height - margin.bottom, margin.top]),
    sorted,
  };
}

const percent = (value: number) => `${(value * 100).toFixed(0)}%`;

export function renderAccuracyChart(svgElement: SVGSVGElement, data: AccuracyChartData, width: number, height: number): void {
  const layout = chartLayout(data, width, height);
  const { x, y, margin, sorted } = layout;
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height);
  svg.selectAll('*').remove();

  svg.append('g').attr('transform', `translate(0,${height - margin.bottom})`).call(d3.axisBottom(x).ticks(10).tickFormat((v) => percent(Number(v))));
  svg.append('g').attr('transform', `translate(${margin.left},0)`).call(d3.axisLeft(y).ticks(6).tickFormat((v) => percent(Number(v))));
  svg.append('text').attr('x', (margin.left + width - margin.right) / 2).attr('y', height - 8).attr('text-anchor', 'middle').attr('class', 'eval-axis-label')
    .text('kept fraction of the paired tensors\' entries');
  svg.append('text').attr('transform', `translate(14,${(margin.top + height - margin.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('class', 'eval-axis-label')
    .text('accuracy');

  const reference = (value: number | null, label: string, className: string, testId: string) => {
    if (value === null) return;
    const g = svg.append('g').attr('class', className).attr('data-testid', testId).attr('data-accuracy', value.toFixed(6));
    g.append('line').attr('x1', margin.left).attr('x2', width - margin.right).attr('y1', y(value)).attr('y2', y(value));
    g.append('text').attr('x', width - margin.right + 4).attr('y', y(value)).attr('dy', '0.32em').text(`${label} ${(value * 100).toFixed(2)}%`);
  };
  reference(data.finetunedAccuracy, 'fine-tuned', 'eval-ref eval-ref-finetuned', 'eval-chart-finetuned');
  reference(data.majorityAccuracy, 'majority', 'eval-ref eval-ref-majority', 'eval-chart-majority');

  if (sorted.length > 1) {
    const line = d3.line<AccuracyPoint>().x((p) => x(p.keptFraction)).y((p) => y(p.accuracy));
    svg.append('path').attr('class', 'eval-curve').attr('d', line(sorted));
  }
  const points = svg.append('g').selectAll('g').data(sorted).join('g')
    .attr('class', 'eval-point')
    .attr('data-testid', (p) => `eval-chart-point-${p.k}`)
    .attr('data-kept-fraction', (p) => p.keptFraction.toFixed(6))
    .attr('data-accuracy', (p) => p.accuracy.toFixed(6))
    .attr('transform', (p) => `translate(${x(p.keptFraction)},${y(p.accuracy)})`);
  points.append('circle').attr('r', 4);
  points.append('text').attr('dx', 6).attr('dy', -6).text((p) => `k=${p.k}`);
  points.append('title').text((p) => `k = ${p.k}: ${(p.accuracy * 100).toFixed(2)}% accuracy, ${(p.keptFraction * 100).toFixed(2)}% kept`);
}
