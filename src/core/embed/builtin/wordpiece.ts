/**
 * A BERT WordPiece tokenizer read from a Hugging Face tokenizer.json (the format bge, arctic-embed
 * and MiniLM ship): BertNormalizer (clean text, CJK characters apart, lowercase, accents stripped
 * when lowercasing unless the file says otherwise), BertPreTokenizer (whitespace, then every
 * punctuation character alone), greedy longest-match WordPiece with "##" continuations, then
 * [CLS] ... [SEP]. Inputs longer than the model reads are cut, and the cut is counted.
 */
export interface Encoding {
  ids: number[];
  /** Word pieces dropped to fit maxTokens (0 when the text fitted). */
  cut: number;
}

interface TokenizerJson {
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null; clean_text?: boolean; handle_chinese_chars?: boolean } | null;
  model?: { type?: string; vocab?: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
}

export class WordPiece {
  private readonly vocab: Map<string, number>;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly cleanText: boolean;
  private readonly chineseChars: boolean;
  private readonly prefix: string;
  private readonly maxWordChars: number;
  readonly unk: number;
  readonly cls: number;
  readonly sep: number;
  readonly pad: number;

  constructor(json: TokenizerJson) {
    const m = json.model;
    if (!m || (m.type && m.type !== 'WordPiece') || !m.vocab) throw new Error(`not a WordPiece tokenizer (model type ${m?.type ?? 'missing'})`);
    this.vocab = new Map(Object.entries(m.vocab));
    const n = json.normalizer ?? {};
    this.lowercase = n.lowercase ?? true;
    this.stripAccents = n.strip_accents ?? this.lowercase;
    this.cleanText = n.clean_text ?? true;
    this.chineseChars = n.handle_chinese_chars ?? true;
    this.prefix = m.continuing_subword_prefix ?? '##';
    this.maxWordChars = m.max_input_chars_per_word ?? 100;
    const id = (t: string) => {
      const v = this.vocab.get(t);
      if (v === undefined) throw new Error(`the vocabulary has no ${t}`);
      return v;
    };
    this.unk = id(m.unk_token ?? '[UNK]');
    this.cls = id('[CLS]');
    this.sep = id('[SEP]');
    this.pad = this.vocab.get('[PAD]') ?? 0;
  }

  static fromJson(text: string): WordPiece {
    return new WordPiece(JSON.parse(text) as TokenizerJson);
  }

  /** [CLS] pieces [SEP], at most maxTokens ids. */
  encode(text: string, maxTokens: number): Encoding {
    const pieces = this.pieces(text);
    const room = Math.max(0, maxTokens - 2);
    const cut = Math.max(0, pieces.length - room);
    return { ids: [this.cls, ...(cut ? pieces.slice(0, room) : pieces), this.sep], cut };
  }

  /** The word-piece ids of a text (no special tokens). */
  pieces(text: string): number[] {
    const out: number[] = [];
    for (const word of this.words(this.normalise(text))) this.wordPieces(word, out);
    return out;
  }

  private normalise(text: string): string {
    let s = text;
    if (this.cleanText) s = s.replace(/[\u0000\ufffd]|[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? ' ' : ''));
    if (this.chineseChars) s = s.replace(CJK, ' $& ');
    if (this.lowercase) s = s.toLowerCase();
    if (this.stripAccents) s = s.normalize('NFD').replace(/\p{Mn}/gu, '');
    return s;
  }

  private *words(s: string): Generator<string> {
    for (const chunk of s.split(/\s+/)) {
      if (!chunk) continue;
      let start = 0;
      for (let i = 0; i < chunk.length; ) {
        const cp = chunk.codePointAt(i)!;
        const len = cp > 0xffff ? 2 : 1;
        if (isPunctuation(cp)) {
          if (i > start) yield chunk.slice(start, i);
          yield chunk.slice(i, i + len);
          start = i + len;
        }
        i += len;
      }
      if (start < chunk.length) yield chunk.slice(start);
    }
  }

  private wordPieces(word: string, out: number[]): void {
    if ([...word].length > this.maxWordChars) {
      out.push(this.unk);
      return;
    }
    const found: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let id: number | undefined;
      while (end > start) {
        const sub = (start > 0 ? this.prefix : '') + word.slice(start, end);
        id = this.vocab.get(sub);
        if (id !== undefined) break;
        end--;
        // never split a surrogate pair
        if (end > start && isLowSurrogate(word.charCodeAt(end))) end--;
      }
      if (id === undefined) {
        out.push(this.unk);
        return;
      }
      found.push(id);
      start = end;
    }
    for (const id of found) out.push(id);
  }
}

const CJK = /[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u{20000}-\u{2a6df}\u{2a700}-\u{2b73f}\u{2b740}-\u{2b81f}\u{2b820}-\u{2ceaf}\u{2f800}-\u{2fa1f}]/gu;

/** BERT's punctuation: the ASCII symbol ranges and every Unicode P* character. */
function isPunctuation(cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return cp > 127 && /\p{P}/u.test(String.fromCodePoint(cp));
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
