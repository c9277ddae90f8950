// Draws kept fraction vs k (d3 on SVG): the model's curve, the selected tensor's, and k1/k2 marked.
// A pure function of its data: the Compare panel calls it whenever the curve or k changes.
import * as d3 from 'd3';
import type { KeptFractionPoint } from '../../core/compare';

export interface CurveSeries {
  label: string;
  className: string;
  points: readonly KeptFractionPoint[];
}

export interface KeptCurveData {
  series: readonly CurveSeries[];
  maxK: number;
  k1: number;
  k2: number;
}

export interface KeptCurveOptions {
  width: number;
  height: number;
}

const MARGIN = { top: 12, right: 16, bottom: 34, left: 48 };

export function renderKeptCurve(svgElement: SVGSVGElement, data: KeptCurveData, options: KeptCurveOptions): void {
  const { width, height } = options;
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height);
  svg.selectAll('*').remove();
  const x = d3
    .scaleLinear()
    .domain([1, Math.max(2, data.maxK)])
    .range([MARGIN.left, width - MARGIN.right]);
  const y = d3
    .scaleLinear()
    .domain([0, 1])
    .range([height - MARGIN.bottom, MARGIN.top]);

  svg
    .append('g')
    .attr('transform', `translate(0,${height - MARGIN.bottom})`)
    .call(d3.axisBottom(x).ticks(8).tickFormat(d3.format('d')));
  svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat(d3.format('.0%')));
  svg
    .append('text')
    .attr('x', (MARGIN.left + width - MARGIN.right) / 2)
    .attr('y', height - 4)
    .attr('text-anchor', 'middle')
    .attr('class', 'axis-label')
    .text('k (entries kept per row)');

  for (const [label, k] of [
    ['k1', data.k1],
    ['k2', data.k2],
  ] as const) {
    if (k < 1 || k > Math.max(2, data.maxK)) continue;
    const g = svg.append('g').attr('class', `k-marker k-marker-${label}`);
    g.append('line').attr('x1', x(k)).attr('x2', x(k)).attr('y1', MARGIN.top).attr('y2', height - MARGIN.bottom);
    g.append('text')
      .attr('x', x(k) + 3)
      .attr('y', MARGIN.top + (label === 'k1' ? 10 : 22))
      .text(`${label} = ${k}`);
  }

  const line = d3
    .line<KeptFractionPoint>()
    .x((p) => x(p.k))
    .y((p) => y(p.keptFraction));
  data.series.forEach((series, i) => {
    if (series.points.length === 0) return;
    const g = svg.append('g').attr('class', `curve ${series.className}`);
    g.append('path').attr('d', line([...series.points]) ?? '').attr('fill', 'none');
    g.selectAll('circle')
      .data(series.points)
      .join('circle')
      .attr('cx', (p) => x(p.k))
      .attr('cy', (p) => y(p.keptFraction))
      .attr('r', 2.5)
      .append('title')
      .text((p) => `${series.label}: k = ${p.k}, kept ${p.keptCount} of ${p.total} (${(p.keptFraction * 100).toFixed(2)}%)`);
    // Bottom right: kept fractions rise with k, so that corner stays clear of the curves.
    const legendY = height - MARGIN.bottom - 14 - (data.series.length - 1 - i) * 14;
    const legend = svg.append('g').attr('class', `legend ${series.className}`).attr('transform', `translate(${width - MARGIN.right - 300},${legendY})`);
    legend.append('line').attr('x1', 0).attr('x2', 14).attr('y1', 0).attr('y2', 0);
    legend.append('text').attr('x', 18).attr('y', 4).text(series.label);
  });
}
