// PNG and SVG export of a view. PNG composites every canvas and SVG inside the view's export root at
// their on-screen positions (so axes and legends come along); SVG serializes one vector figure with its
// computed styles inlined, since the app's stylesheet does not travel with the file.

/** Properties that decide how SVG content looks; copied from computed style onto every exported node. */
const SVG_STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
] as const;

/** A standalone SVG document for `svg`: explicit size, namespace and inline styles. */
export function serializeSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const sources = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const targets = [clone, ...Array.from(clone.querySelectorAll('*'))];
  sources.forEach((source, i) => {
    const target = targets[i] as SVGElement | undefined;
    if (!target || !(source instanceof SVGElement)) return;
    const computed = getComputedStyle(source);
    const style = SVG_STYLE_PROPS.map((p) => `${p}:${computed.getPropertyValue(p)}`).join(';');
    target.setAttribute('style', `${style};${target.getAttribute('style') ?? ''}`);
  });
  const rect = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.ceil(rect.width)));
  clone.setAttribute('height', String(Math.ceil(rect.height)));
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${Math.ceil(rect.width)} ${Math.ceil(rect.height)}`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the click; revoking later keeps slow browsers from losing it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportSvg(svg: SVGSVGElement, fileName: string): void {
  downloadBlob(new Blob([serializeSvg(svg)], { type: 'image/svg+xml' }), fileName);
}

function loadSvgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([serializeSvg(svg)], { type: 'image/svg+xml' }));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      URL.revokeObjectURL(url);
      resolve(img);
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('The figure could not be rasterized for PNG export.'));
    };
    img.src = url;
  });
}

/**
 * Renders the export root into one canvas: white background, an optional title line, then every
 * canvas and top-level SVG under the root in document order at its on-screen offset.
 */
export async function composeView(root: HTMLElement, title?: string, pixelRatio = window.devicePixelRatio || 1): Promise<HTMLCanvasElement> {
  const rootRect = root.getBoundingClientRect();
  const titleHeight = title ? 24 : 0;
  const out = document.createElement('canvas');
  out.width = Math.ceil(rootRect.width * pixelRatio);
  out.height = Math.ceil((rootRect.height + titleHeight) * pixelRatio);
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('PNG export needs a 2D canvas, which this browser did not provide.');
  ctx.scale(pixelRatio, pixelRatio);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, rootRect.width, rootRect.height + titleHeight);
  if (title) {
    ctx.fillStyle = '#1d1f21';
    ctx.font = '600 13px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillText(title, 8, titleHeight / 2);
  }
  const layers = Array.from(root.querySelectorAll<HTMLCanvasElement | SVGSVGElement>('canvas, svg')).filter(
    (el) => !(el instanceof SVGSVGElement && el.parentElement?.closest('svg')) && !el.closest('[data-export-skip]'),
  );
  for (const el of layers) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const x = r.left - rootRect.left;
    const y = r.top - rootRect.top + titleHeight;
    if (el instanceof HTMLCanvasElement) ctx.drawImage(el, x, y, r.width, r.height);
    else ctx.drawImage(await loadSvgImage(el), x, y, r.width, r.height);
  }
  return out;
}

export async function exportPng(root: HTMLElement, fileName: string, title?: string): Promise<void> {
  const canvas = await composeView(root, title);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The browser could not encode the PNG.');
  downloadBlob(blob, fileName);
}

/** A file-name-safe slug: `encoder.layer.0.attention.self.query.weight` stays readable. */
export function exportFileName(parts: (string | number)[], ext: 'png' | 'svg'): string {
  return `${parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, '_')).join('-')}.${ext}`;
}
