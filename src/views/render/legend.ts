// d3 legends drawn into an SVG <g>: a continuous colour ramp with an axis, and categorical swatches.
import { axisBottom, scaleLinear, select } from 'd3';

let gradientCounter = 0;

export interface RampLegendOptions {
  interpolate: (t: number) => string;
  /** Value at the ramp's left and right ends. */
  domain: [number, number];
  width: number;
  title: string;
  tickFormat: (v: number) => string;
  ticks?: number;
  /** Exact tick positions (e.g. both ends of a rank scale); overrides `ticks`. */
  tickValues?: number[];
}

/** Replaces the content of `g` with a 10-pixel colour ramp, its axis and a title; about 44 px tall. */
export function drawRampLegend(g: SVGGElement, opts: RampLegendOptions): void {
  const root = select(g);
  root.selectAll('*').remove();
  const id = `viz-ramp-${++gradientCounter}`;
  const gradient = root.append('defs').append('linearGradient').attr('id', id);
  for (let i = 0; i <= 16; i++) {
    gradient.append('stop').attr('offset', `${(i / 16) * 100}%`).attr('stop-color', opts.interpolate(i / 16));
  }
  root.append('text').attr('x', 0).attr('y', 10).attr('font-weight', 600).text(opts.title);
  root.append('rect').attr('x', 0).attr('y', 16).attr('width', opts.width).attr('height', 10).attr('fill', `url(#${id})`);
  const x = scaleLinear().domain(opts.domain).range([0, opts.width]);
  root
    .append('g')
    .attr('class', 'axis')
    .attr('transform', 'translate(0,26)')
    .call(
      (opts.tickValues ? axisBottom(x).tickValues(opts.tickValues) : axisBottom(x).ticks(opts.ticks ?? 5))
        .tickSize(4)
        .tickFormat((v) => opts.tickFormat(Number(v))),
    )
    .call((a) => a.select('.domain').remove());
}

export interface Swatch {
  label: string;
  fill: string;
  stroke?: string;
  /** Short text drawn in the swatch (status marks). */
  mark?: string;
}

/** Replaces the content of `g` with swatches in a row (or a column when `vertical`); returns the width used. */
export function drawSwatchLegend(g: SVGGElement, swatches: readonly Swatch[], title?: string, vertical = false): number {
  const root = select(g);
  root.selectAll('*').remove();
  let x = 0;
  let y = title ? 16 : 0;
  if (title) root.append('text').attr('x', 0).attr('y', 10).attr('font-weight', 600).text(title);
  for (const s of swatches) {
    const item = root.append('g').attr('transform', `translate(${vertical ? 0 : x},${y})`);
    item.append('rect').attr('width', 14).attr('height', 14).attr('rx', 2).attr('fill', s.fill).attr('stroke', s.stroke ?? '#bdc1c6');
    if (s.mark) item.append('text').attr('x', 7).attr('y', 11).attr('text-anchor', 'middle').attr('font-size', 10).attr('font-weight', 700).text(s.mark);
    const text = item.append('text').attr('x', 19).attr('y', 11).text(s.label);
    const labelWidth = (text.node()?.getComputedTextLength?.() ?? s.label.length * 6) || s.label.length * 6;
    if (vertical) {
      x = Math.max(x, 19 + labelWidth);
      y += 20;
    } else {
      x += 19 + labelWidth + 14;
    }
  }
  return x;
}
