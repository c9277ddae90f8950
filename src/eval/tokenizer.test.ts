import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer, parseVocab, tokenizerFromFiles } from './tokenizer';
import { parseDataset } from './dataset';
import { parseReferenceLogits } from './reference';

const demo = (path: string) => readFileSync(new URL(`../../public/demo/${path}`, import.meta.url), 'utf8');
const fixture = (path: string) => readFileSync(new URL(`../../test/fixtures/tiny-bert/${path}`, import.meta.url), 'utf8');

function demoTokenizer() {
  return tokenizerFromFiles(demo('finetuned/vocab.txt'), JSON.parse(demo('finetuned/tokenizer_config.json')), JSON.parse(demo('finetuned/config.json')));
}

/** A tiny vocabulary whose ids are easy to read: the token's position in this list. */
const SMALL_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'un', '##aff', '##able', 'cafe', '$', '^', '`', '~', '中', '文', 'hello', 'world', '!', 'a', '##a', ',', '.'];
const small = (maxLength = 16) => new WordPieceTokenizer(parseVocab(SMALL_VOCAB.join('\n') + '\n'), { maxLength });

describe('WordPiece tokenizer on the tiny-bert vocabulary', () => {
  it('reproduces the README example', () => {
    const encoding = demoTokenizer().encode('mathematics based puzzle game');
    expect(encoding.tokens).toEqual(['[CLS]', 'math', '##em', '##atic', '##s', 'based', 'puzzle', 'game', '[SEP]']);
    expect(Array.from(encoding.inputIds)).toEqual([2, 1657, 4586, 5505, 114, 225, 2451, 446, 3]);
  });

  it('reproduces the reference input ids of all 717 eval sentences exactly', () => {
    const tokenizer = demoTokenizer();
    const dataset = parseDataset(demo('eval.tsv'), 'eval.tsv', ['games', 'science', 'sound']);
    const reference = parseReferenceLogits(fixture('eval_reference_logits.tsv'));
    expect(dataset.examples).toHaveLength(717);
    expect(reference).toHaveLength(717);
    const mismatches: string[] = [];
    dataset.examples.forEach((example, row) => {
      expect(reference[row].row).toBe(row);
      const ids = Array.from(tokenizer.encode(example.text).inputIds);
      if (ids.join(' ') !== reference[row].inputIds.join(' ')) mismatches.push(`row ${row}: ${example.text}`);
    });
    expect(mismatches).toEqual([]);
  });

  it('takes its length cap from max_position_embeddings', () => {
    expect(demoTokenizer().maxLength).toBe(128);
  });
});

describe('WordPiece tokenizer rules', () => {
  it('matches greedy longest-first with ## continuations', () => {
    expect(small().tokenize('unaffable')).toEqual(['un', '##aff', '##able']);
  });

  it('maps a word with an unmatched remainder to a single [UNK]', () => {
    expect(small().tokenize('unaffablez hello')).toEqual(['[UNK]', 'hello']);
  });

  it('maps words longer than 100 characters to [UNK]', () => {
    expect(small().tokenize('a'.repeat(100))).toEqual(['a', ...Array<string>(99).fill('##a')]);
    expect(small().tokenize('a'.repeat(101))).toEqual(['[UNK]']);
  });

  it('lower-cases and strips accents (NFD, combining marks dropped)', () => {
    expect(small().tokenize('CAFÉ Café cafe\u0301')).toEqual(['cafe', 'cafe', 'cafe']);
  });

  it('keeps case and accents when do_lower_case is false', () => {
    const cased = new WordPieceTokenizer(parseVocab(['[UNK]', '[CLS]', '[SEP]', 'Café', 'cafe'].join('\n')), { doLowerCase: false });
    expect(cased.tokenize('Café')).toEqual(['Café']);
  });

  it('splits on ASCII symbols BERT counts as punctuation and on Unicode punctuation', () => {
    expect(small().tokenize('hello$world^a`a~hello!')).toEqual(['hello', '$', 'world', '^', 'a', '`', 'a', '~', 'hello', '!']);
    expect(small().tokenize('hello\u201cworld\u201d')).toEqual(['hello', '[UNK]', 'world', '[UNK]']);
  });

  it('splits CJK ideographs into single characters', () => {
    expect(small().tokenize('hello中文world')).toEqual(['hello', '中', '文', 'world']);
  });

  it('drops control characters and treats tabs, newlines and no-break spaces as spaces', () => {
    expect(small().tokenize('hel\u0000lo\u200b\tworld\u00a0a\nhello\u0007')).toEqual(['hello', 'world', 'a', 'hello']);
  });

  it('keeps special tokens written in the text whole', () => {
    expect(small().tokenize('hello [MASK] world')).toEqual(['hello', '[MASK]', 'world']);
  });

  it('wraps in [CLS] ... [SEP] and truncates to maxLength', () => {
    const encoding = small(5).encode('hello world hello world');
    expect(encoding.tokens).toEqual(['[CLS]', 'hello', 'world', 'hello', '[SEP]']);
    expect(Array.from(encoding.inputIds)).toEqual([2, 15, 16, 15, 3]);
    expect(encoding.truncated).toBe(true);
    expect(small(5).encode('hello').truncated).toBe(false);
  });

  it('refuses a vocabulary without [CLS]', () => {
    expect(() => new WordPieceTokenizer(parseVocab('[UNK]\n[SEP]\n'))).toThrow(/\[CLS\] is missing/);
  });
});
