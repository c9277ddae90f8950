// BERT WordPiece tokenizer (Hugging Face BertTokenizer semantics), pure TypeScript so the worker, the
// CLI and tests share it. Reference: BasicTokenizer (clean, CJK, lower-case, accents, punctuation)
// followed by WordpieceTokenizer (greedy longest match with `##` continuations).

export interface TokenizerOptions {
  /** Lower-case and (unless stripAccents === false) strip accents. Default true. */
  doLowerCase?: boolean;
  /** null/undefined: follow doLowerCase, as Hugging Face does. */
  stripAccents?: boolean | null;
  /** Put spaces around CJK ideographs so each is its own word. Default true. */
  tokenizeChineseChars?: boolean;
  /** Total length including [CLS] and [SEP]. Default 512. */
  maxLength?: number;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  /** Words longer than this (in code points) become [UNK], as in Hugging Face. Default 100. */
  maxInputCharsPerWord?: number;
}

export interface Encoding {
  /** Token ids: [CLS] tokens [SEP]. */
  inputIds: Int32Array;
  /** Token strings, for display. */
  tokens: string[];
  /** True when the sentence had more tokens than maxLength allows. */
  truncated: boolean;
}

/** vocab.txt: one token a line; the line number is the id (Hugging Face keeps everything but the newline). */
export function parseVocab(text: string): Map<string, number> {
  const lines = text.split('\n');
  // A final newline does not start another token.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((line, index) => {
    const token = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (!vocab.has(token)) vocab.set(token, index);
  });
  return vocab;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);

/** BERT's "control": any Unicode C* category except the three whitespace controls. */
const isControl = (ch: string): boolean => !(ch === '\t' || ch === '\n' || ch === '\r') && /^\p{C}$/u.test(ch);

/** BERT treats every non-alphanumeric ASCII symbol as punctuation (e.g. `$`, `^`, `` ` ``), plus Unicode P*. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** The CJK Unified Ideographs blocks BERT splits on (not Hangul, Hiragana or Katakana). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function cleanText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    out += isWhitespace(ch) ? ' ' : ch;
  }
  return out;
}

function spaceChineseChars(text: string): string {
  let out = '';
  for (const ch of text) out += isChineseChar(ch.codePointAt(0) ?? 0) ? ` ${ch} ` : ch;
  return out;
}

function stripAccentMarks(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '');
}

function splitOnPunctuation(word: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const ch of word) {
    if (isPunctuation(ch)) {
      if (current) pieces.push(current);
      pieces.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

const splitWhitespace = (text: string): string[] => text.split(' ').filter((word) => word.length > 0);

export class WordPieceTokenizer {
  readonly vocab: ReadonlyMap<string, number>;
  readonly doLowerCase: boolean;
  readonly stripAccents: boolean;
  readonly tokenizeChineseChars: boolean;
  readonly maxLength: number;
  readonly maxInputCharsPerWord: number;
  readonly unkToken: string;
  readonly clsId: number;
  readonly sepId: number;
  readonly unkId: number;
  readonly padId: number;
  /** Special tokens written literally in the text stay whole, as Hugging Face's added-token split does. */
  private readonly specialTokens: string[];

  constructor(vocab: ReadonlyMap<string, number>, options: TokenizerOptions = {}) {
    this.vocab = vocab;
    this.doLowerCase = options.doLowerCase ?? true;
    this.stripAccents = options.stripAccents ?? this.doLowerCase;
    this.tokenizeChineseChars = options.tokenizeChineseChars ?? true;
    this.maxLength = options.maxLength ?? 512;
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2) {
      throw new Error(`tokenizer: maxLength must be an integer >= 2 (room for [CLS] and [SEP]), got ${this.maxLength}`);
    }
    this.unkToken = options.unkToken ?? '[UNK]';
    const idOf = (token: string, role: string): number => {
      const id = vocab.get(token);
      if (id === undefined) throw new Error(`vocab.txt: the ${role} token ${token} is missing`);
      return id;
    };
    this.unkId = idOf(this.unkToken, 'unknown');
    this.clsId = idOf(options.clsToken ?? '[CLS]', 'classification');
    this.sepId = idOf(options.sepToken ?? '[SEP]', 'separator');
    this.padId = vocab.get(options.padToken ?? '[PAD]') ?? 0;
    this.specialTokens = [options.unkToken ?? '[UNK]', options.clsToken ?? '[CLS]', options.sepToken ?? '[SEP]', options.padToken ?? '[PAD]', options.maskToken ?? '[MASK]'].filter((token) => vocab.has(token));
  }

  /** BasicTokenizer: words and punctuation marks, lower-cased and accent-stripped when configured. */
  basicTokenize(text: string): string[] {
    let cleaned = cleanText(text);
    if (this.tokenizeChineseChars) cleaned = spaceChineseChars(cleaned);
    // NFC first so the same character written two ways is one word, as Hugging Face does.
    cleaned = cleaned.normalize('NFC');
    const out: string[] = [];
    for (const word of splitWhitespace(cleaned)) {
      if (this.specialTokens.includes(word)) {
        out.push(word);
        continue;
      }
      let normalized = word;
      if (this.doLowerCase) normalized = normalized.toLowerCase();
      if (this.stripAccents) normalized = stripAccentMarks(normalized);
      out.push(...splitOnPunctuation(normalized));
    }
    return out;
  }

  /** Greedy longest-match-first WordPiece of one word; a word with any unmatched part is [UNK]. */
  wordPiece(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) return [this.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let match: string | null = null;
      while (start < end) {
        const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.vocab.has(piece)) {
          match = piece;
          break;
        }
        end--;
      }
      if (match === null) return [this.unkToken];
      pieces.push(match);
      start = end;
    }
    return pieces;
  }

  tokenize(text: string): string[] {
    const tokens: string[] = [];
    for (const word of this.basicTokenize(text)) {
      if (this.specialTokens.includes(word)) tokens.push(word);
      else tokens.push(...this.wordPiece(word));
    }
    return tokens;
  }

  /** `[CLS] tokens [SEP]`, the tokens cut so the whole fits maxLength. */
  encode(text: string): Encoding {
    const pieces = this.tokenize(text);
    const room = this.maxLength - 2;
    const truncated = pieces.length > room;
    const kept = truncated ? pieces.slice(0, room) : pieces;
    const tokens = ['[CLS]', ...kept, '[SEP]'];
    const inputIds = new Int32Array(tokens.length);
    inputIds[0] = this.clsId;
    kept.forEach((token, index) => {
      inputIds[index + 1] = this.vocab.get(token) ?? this.unkId;
    });
    inputIds[tokens.length - 1] = this.sepId;
    return { inputIds, tokens, truncated };
  }
}

/**
 * Builds the tokenizer of a Hugging Face folder: vocab.txt, optional tokenizer_config.json, and the
 * model's config.json (max_position_embeddings caps the length).
 */
export function tokenizerFromFiles(
  vocabText: string,
  tokenizerConfig: Record<string, unknown> | undefined,
  modelConfig: Record<string, unknown> | undefined,
): WordPieceTokenizer {
  const cfg = tokenizerConfig ?? {};
  const str = (key: string): string | undefined => (typeof cfg[key] === 'string' ? (cfg[key] as string) : undefined);
  const positions = typeof modelConfig?.max_position_embeddings === 'number' ? modelConfig.max_position_embeddings : undefined;
  const modelMax = typeof cfg.model_max_length === 'number' && cfg.model_max_length < 1e9 ? cfg.model_max_length : undefined;
  const maxLength = Math.min(positions ?? 512, modelMax ?? Infinity);
  return new WordPieceTokenizer(parseVocab(vocabText), {
    doLowerCase: typeof cfg.do_lower_case === 'boolean' ? cfg.do_lower_case : true,
    stripAccents: typeof cfg.strip_accents === 'boolean' ? cfg.strip_accents : null,
    tokenizeChineseChars: typeof cfg.tokenize_chinese_chars === 'boolean' ? cfg.tokenize_chinese_chars : true,
    maxLength,
    unkToken: str('unk_token'),
    clsToken: str('cls_token'),
    sepToken: str('sep_token'),
    padToken: str('pad_token'),
    maskToken: str('mask_token'),
  });
}
