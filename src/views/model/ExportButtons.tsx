// "PNG" and "SVG" buttons of a view: PNG composites the export root, SVG serializes the vector figure.
import { useState, type RefObject } from 'react';
import { exportPng, exportSvg } from '../export-image';

interface ExportButtonsProps {
  /** The element whose canvases and SVGs make the PNG. */
  root: RefObject<HTMLElement | null>;
  /** The vector figure; no SVG button when the view is a raster. */
  svg?: RefObject<SVGSVGElement | null>;
  /** File name without extension. */
  baseName: string;
  title: string;
  disabled?: boolean;
}

export function ExportButtons({ root, svg, baseName, title, disabled }: ExportButtonsProps) {
  const [problem, setProblem] = useState<string | null>(null);
  const png = async () => {
    if (!root.current) return;
    try {
      setProblem(null);
      await exportPng(root.current, `${baseName}.png`, title);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <span className="viz-export">
      <button type="button" className="viz-btn" data-testid="export-png" disabled={disabled} onClick={() => void png()} title="Download this view as PNG">
        PNG
      </button>{' '}
      {svg && (
        <button
          type="button"
          className="viz-btn"
          data-testid="export-svg"
          disabled={disabled}
          title="Download the figure as SVG"
          onClick={() => svg.current && exportSvg(svg.current, `${baseName}.svg`)}
        >
          SVG
        </button>
      )}
      {problem && <span className="viz-notice error">{problem}</span>}
    </span>
  );
}
