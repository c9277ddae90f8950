// Natural order for tensor names, so `layer.2` sorts before `layer.10`.

const CHUNK = /(\d+)|(\D+)/g;

function chunks(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of text.matchAll(CHUNK)) out.push(match[1] !== undefined ? Number(match[1]) : match[2]);
  return out;
}

/**
 * Compares digit runs by value and everything else by code point (so `LayerNorm` < `dense`, as Python's
 * sorted() orders safetensors headers); ties (e.g. `01` vs `1`) fall back to plain code-point order.
 */
export function naturalCompare(a: string, b: string): number {
  if (a === b) return 0;
  return compareChunks(chunks(a), chunks(b), a, b);
}

/** Sorts by naturalCompare of key(item), splitting each key once (not once per comparison). */
export function naturalSortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const decorated = items.map((item) => {
    const text = key(item);
    return { item, text, parts: chunks(text) };
  });
  decorated.sort((x, y) => (x.text === y.text ? 0 : compareChunks(x.parts, y.parts, x.text, y.text)));
  return decorated.map((entry) => entry.item);
}

function compareChunks(left: (string | number)[], right: (string | number)[], a: string, b: string): number {
  const count = Math.min(left.length, right.length);
  for (let i = 0; i < count; i++) {
    const x = left[i];
    const y = right[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // A number before text at the same position, the way '0'-'9' precede letters in code points.
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a < b ? -1 : 1;
}
