// Labelled evaluation sets: `sentence<TAB>label` (TSV) or `sentence,label` (CSV, RFC 4180 quoting).
// Pure TypeScript. Every malformed line is reported by file name and 1-based line number.

export interface LabelledExample {
  text: string;
  /** Label id (index into the classifier's logits). */
  label: number;
  /** 1-based line in the source file, for messages. */
  line: number;
}

export interface Dataset {
  name: string;
  examples: LabelledExample[];
  /** Label names by id, when known (config id2label). */
  labelNames: string[];
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export type DatasetFormat = 'tsv' | 'csv';

/** `.csv` is CSV; everything else (.tsv, .txt) is TSV unless the first line has commas and no tab. */
export function guessFormat(name: string, text: string): DatasetFormat {
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.tsv$/i.test(name)) return 'tsv';
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  return !firstLine.includes('\t') && firstLine.includes(',') ? 'csv' : 'tsv';
}

/** config.json's id2label as an array indexed by id; [] when absent or not dense 0..n-1. */
export function labelNamesFromConfig(config: Record<string, unknown> | undefined): string[] {
  const id2label = config?.id2label;
  if (!id2label || typeof id2label !== 'object') return [];
  const entries = Object.entries(id2label as Record<string, unknown>);
  const names: string[] = new Array<string>(entries.length);
  for (const [key, value] of entries) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id >= entries.length || typeof value !== 'string') return [];
    names[id] = value;
  }
  return names;
}

interface RawRow {
  fields: string[];
  line: number;
}

/** TSV rows: fields are literal (a `"` is text, never quoting), so sentences with quotes pass unchanged. */
function tsvRows(text: string): RawRow[] {
  const rows: RawRow[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const lineText = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (lineText.trim() === '') return;
    rows.push({ fields: lineText.split('\t'), line: index + 1 });
  });
  return rows;
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
function csvRows(text: string, name: string): RawRow[] {
  const rows: RawRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let inQuotes = false;
  let fieldWasQuoted = false;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '' && !fieldWasQuoted)) rows.push({ fields, line: rowLine });
    fields = [];
    field = '';
    fieldWasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.length > 0) throw new DatasetError(`${name}, line ${line}: a quote inside an unquoted CSV field; quote the whole field and double inner quotes`);
      inQuotes = true;
      fieldWasQuoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldWasQuoted = false;
    } else if (ch === '\n') {
      if (field.endsWith('\r')) field = field.slice(0, -1);
      endRow();
      line++;
      rowLine = line;
    } else {
      if (fieldWasQuoted && ch !== '\r') {
        throw new DatasetError(`${name}, line ${line}: text after a closing quote in a CSV field`);
      }
      field += ch;
    }
  }
  if (inQuotes) throw new DatasetError(`${name}, line ${rowLine}: a quoted CSV field is never closed`);
  if (field.endsWith('\r')) field = field.slice(0, -1);
  endRow();
  return rows;
}

/** Column names that mark a first row as a header rather than a mislabelled example. */
const HEADER_LABELS = new Set(['label', 'labels', 'label_id', 'class', 'category', 'target', 'y']);

function parseLabel(raw: string, labelNames: readonly string[]): number | null {
  const value = raw.trim();
  if (/^\d+$/.test(value)) {
    const id = Number(value);
    return labelNames.length === 0 || id < labelNames.length ? id : null;
  }
  const byName = labelNames.indexOf(value);
  return byName >= 0 ? byName : null;
}

/**
 * Parses a labelled set. Each row is `sentence, label` where label is an id or a name from
 * `labelNames`. A first row whose label is not valid is taken as a header when it looks like one
 * (e.g. `sentence<TAB>label`); any other bad row is an error naming its line.
 */
export function parseDataset(
  text: string,
  name: string,
  labelNames: readonly string[] = [],
  format: DatasetFormat = guessFormat(name, text),
): Dataset {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows = format === 'csv' ? csvRows(body, name) : tsvRows(body);
  const examples: LabelledExample[] = [];
  const separator = format === 'csv' ? 'comma' : 'tab';
  const expected = labelNames.length > 0 ? `an id 0-${labelNames.length - 1} or one of ${labelNames.join(', ')}` : 'a non-negative integer id';
  rows.forEach((row, index) => {
    if (row.fields.length !== 2) {
      throw new DatasetError(
        `${name}, line ${row.line}: expected 2 ${separator}-separated fields (sentence, label), found ${row.fields.length}`,
      );
    }
    const [sentence, rawLabel] = row.fields;
    const label = parseLabel(rawLabel, labelNames);
    if (label === null) {
      if (index === 0 && HEADER_LABELS.has(rawLabel.trim().toLowerCase())) return; // a header row such as `text,label`
      throw new DatasetError(`${name}, line ${row.line}: label "${rawLabel.trim()}" is not ${expected}`);
    }
    if (sentence.trim() === '') throw new DatasetError(`${name}, line ${row.line}: the sentence is empty`);
    examples.push({ text: sentence, label, line: row.line });
  });
  if (examples.length === 0) throw new DatasetError(`${name}: no labelled rows found`);
  return { name, examples, labelNames: [...labelNames] };
}
