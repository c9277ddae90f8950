import { describe, expect, it } from 'vitest';
import { DatasetError, labelNamesFromConfig, parseDataset } from './dataset';
import { accuracyFromLogits, argmax, formatPredictions } from './metrics';

const NAMES = ['games', 'science', 'sound'];

describe('parseDataset', () => {
  it('reads TSV with literal quotes, ids and label names, CRLF and blank lines', () => {
    const data = parseDataset('"Dead Water" campaign\t0\r\nsynth, drums\tsound\n\nstar maps\t1\n', 'x.tsv', NAMES);
    expect(data.examples.map((e) => [e.text, e.label, e.line])).toEqual([
      ['"Dead Water" campaign', 0, 1],
      ['synth, drums', 2, 2],
      ['star maps', 1, 4],
    ]);
  });

  it('reads CSV with a header and quoted fields holding commas, quotes and newlines', () => {
    const data = parseDataset('sentence,label\n"a ""quoted"", text",science\nplain,0\n"two\nlines",2\n', 'x.csv', NAMES);
    expect(data.examples.map((e) => [e.text, e.label, e.line])).toEqual([
      ['a "quoted", text', 1, 2],
      ['plain', 0, 3],
      ['two\nlines', 2, 4],
    ]);
  });

  it('names the line of a row with the wrong number of fields', () => {
    expect(() => parseDataset('ok\t0\nno label here\n', 'bad.tsv', NAMES)).toThrow('bad.tsv, line 2: expected 2 tab-separated fields (sentence, label), found 1');
  });

  it('names the line of an unknown label', () => {
    expect(() => parseDataset('ok\t0\nnope\t7\n', 'bad.tsv', NAMES)).toThrow(/bad\.tsv, line 2: label "7" is not an id 0-2 or one of games, science, sound/);
    expect(() => parseDataset('ok\tgamez\n', 'bad.tsv', NAMES)).toThrow(DatasetError);
  });

  it('names the line of an unclosed CSV quote', () => {
    expect(() => parseDataset('a,0\n"open,1\n', 'bad.csv', NAMES)).toThrow('bad.csv, line 2: a quoted CSV field is never closed');
  });

  it('refuses an empty file', () => {
    expect(() => parseDataset('\n\n', 'empty.tsv', NAMES)).toThrow('empty.tsv: no labelled rows found');
  });

  it('reads id2label from a config', () => {
    expect(labelNamesFromConfig({ id2label: { '1': 'b', '0': 'a' } })).toEqual(['a', 'b']);
    expect(labelNamesFromConfig({})).toEqual([]);
  });
});

describe('metrics', () => {
  it('argmax takes the first of equal maxima', () => {
    expect(argmax([1, 3, 3])).toBe(1);
  });

  it('computes accuracy, predictions and the confusion matrix', () => {
    const logits = new Float32Array([2, 1, 0, 0, 1, 2, 0, 3, 1]);
    const result = accuracyFromLogits(logits, 3, [0, 1, 1]);
    expect(result.correct).toBe(2);
    expect(result.total).toBe(3);
    expect(Array.from(result.predictions)).toEqual([0, 2, 1]);
    expect(Array.from(result.confusion)).toEqual([1, 0, 0, 0, 1, 1, 0, 0, 0]);
    expect(formatPredictions(logits.subarray(0, 3), 3, result.predictions.subarray(0, 1))).toBe('0\t0\t2.000000 1.000000 0.000000\n');
  });
});
