// `kenviz eval` end to end in Node (its default wasm backend) on the first rows of the demo eval set:
// the JSON line, the predictions file against the reference logits, and errors that name the line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runEvalCommand } from '../../src/cli/eval-command';
import { parseReferenceLogits } from '../../src/eval/reference';

const path = (relative: string) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
const ROWS = 40;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('kenviz eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kenviz-eval-'));
  const lines = readFileSync(path('public/demo/eval.tsv'), 'utf8').split('\n').slice(0, ROWS);
  const reference = parseReferenceLogits(readFileSync(path('test/fixtures/tiny-bert/eval_reference_logits.tsv'), 'utf8')).slice(0, ROWS);

  it('prints {"accuracy","correct","total"} last and writes row, prediction and logits per row', async () => {
    const data = join(dir, 'first.tsv');
    const predictions = join(dir, 'predictions.tsv');
    writeFileSync(data, lines.join('\n') + '\n');
    const io = capture();
    const code = await runEvalCommand(['--model', path('public/demo/finetuned'), '--data', data, '--predictions', predictions]);
    vi.restoreAllMocks();
    expect(code, io.err.join('')).toBe(0);
    const labels = lines.map((line) => Number(line.split('\t')[1]));
    const expectedCorrect = reference.filter((row, index) => row.predicted === labels[index]).length;
    const last = io.out.join('').trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toEqual({ accuracy: expectedCorrect / ROWS, correct: expectedCorrect, total: ROWS });
    expect(io.err.join('')).toContain(`${ROWS}/${ROWS} rows`);
    const written = readFileSync(predictions, 'utf8').trim().split('\n');
    expect(written).toHaveLength(ROWS);
    written.forEach((line, index) => {
      const [row, predicted, logits] = line.split('\t');
      expect(Number(row)).toBe(index);
      expect(Number(predicted)).toBe(reference[index].predicted);
      logits.split(' ').map(Number).forEach((value, j) => expect(Math.abs(value - reference[index].logits[j])).toBeLessThan(1e-3));
    });
  }, 120_000);

  it('names the file and line of a malformed row', async () => {
    const data = join(dir, 'bad.tsv');
    writeFileSync(data, `${lines[0]}\n${lines[1]}\nmissing label\n`);
    const io = capture();
    const code = await runEvalCommand(['--model', path('public/demo/finetuned'), '--data', data]);
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(io.err.join('')).toContain(`${data}, line 3: expected 2 tab-separated fields (sentence, label), found 1`);
    expect(io.out.join('')).toBe('');
  });

  it('refuses a missing --data and an unknown flag with usage', async () => {
    const io = capture();
    expect(await runEvalCommand(['--model', 'x'])).toBe(2);
    expect(await runEvalCommand(['--model', 'x', '--data', 'y', '--bogus', '1'])).toBe(2);
    vi.restoreAllMocks();
    expect(io.err.join('')).toContain('--data <TSV> is required');
    expect(io.err.join('')).toContain('unknown argument --bogus');
  });
});
