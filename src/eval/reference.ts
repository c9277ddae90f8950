// Reader for test/fixtures/tiny-bert/eval_reference_logits.tsv (`row, predicted, logits, input ids`).
// Pure, so unit tests and the bench share it.

export interface ReferenceRow {
  row: number;
  predicted: number;
  logits: number[];
  inputIds: number[];
}

export function parseReferenceLogits(text: string): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const fields = line.split('\t');
    if (fields.length !== 4) throw new Error(`eval_reference_logits.tsv, line ${index + 1}: expected 4 tab-separated fields, found ${fields.length}`);
    const numbers = (field: string) => field.trim().split(/\s+/).map(Number);
    rows.push({ row: Number(fields[0]), predicted: Number(fields[1]), logits: numbers(fields[2]), inputIds: numbers(fields[3]) });
  });
  return rows;
}
