/**
 * TF-IDF keywords over already segmented tokens, so the analyzer never segments a text twice.
 *
 * The IDF table is jieba's (cppjieba dict/idf.utf8, MIT) trimmed to words with idf < 11:
 * rarer words and words missing from it (most of our domain dictionary) get the table's mean
 * idf, which is what jieba itself does for unknown words, so the 180k rare entries add nothing.
 */
import { readFileSync } from 'node:fs';
import { isContentToken, tokenize } from './segment';

const IDF_FILE = new URL('../data/dict/idf.trimmed.utf8', import.meta.url);
// Mean idf of the full jieba table (258,826 entries), used for words the trimmed table lacks.
const DEFAULT_IDF = 11.74;
const DEFAULT_K = 8;

// Single Han chars are usually fragments, but these carry meaning on their own in incident texts.
const MEANINGFUL_SINGLE = new Set(['枪', '刀', '火', '毒', '死', '伤', '血', '炸', '砍', '偷', '抢', '骗', '打', '杀', '警', '狗']);

let idf: Map<string, number> | undefined;

function getIdf(): Map<string, number> {
  if (!idf) {
    idf = new Map();
    for (const line of readFileSync(IDF_FILE, 'utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp <= 0) continue;
      const v = Number(line.slice(sp + 1));
      if (Number.isFinite(v)) idf.set(line.slice(0, sp), v);
    }
  }
  return idf;
}

/** Inverse document frequency of a word (jieba's table; unknown words get the mean). */
export function idfOf(word: string): number {
  return getIdf().get(word) ?? DEFAULT_IDF;
}

function eligible(t: string): boolean {
  if (t.length === 1) return MEANINGFUL_SINGLE.has(t);
  // Short ASCII fragments (ok, rt, 2x) are noise; longer Latin words such as iPhone may stay.
  if (t.charCodeAt(0) < 0x80 && t.length < 3) return false;
  return true;
}

/**
 * What keywords needs to know about one token. Tokens that can be keywords get their own object,
 * whose `mark`/`count` fields are scratch space for counting without a Map per text.
 */
export interface KeywordFacts {
  /** A content token that may be a keyword (see eligible). */
  readonly eligible: boolean;
  readonly idf: number;
  mark: number;
  count: number;
}

/** Anything carrying keyword facts (the analyzer's TokenInfo, or a bare wrapper). */
export interface KeywordInfo {
  readonly kw: KeywordFacts;
}

const NOT_ELIGIBLE: KeywordFacts = { eligible: false, idf: 0, mark: 0, count: 0 };

/** The keyword facts of one token; `content` is isContentToken(t) when the caller knows it. */
export function keywordFacts(t: string, content: boolean = isContentToken(t)): KeywordFacts {
  if (!content || !eligible(t)) return NOT_ELIGIBLE;
  return { eligible: true, idf: getIdf().get(t) ?? DEFAULT_IDF, mark: 0, count: 0 };
}

let epoch = 0;

/** Top-k TF-IDF keywords (default 8) from tokens; stop words, punctuation, numbers and most single chars excluded. */
export function keywords(tokens: string[], k: number = DEFAULT_K): string[] {
  if (!Array.isArray(tokens) || !(k > 0)) return [];
  // One facts object per distinct token, as the analyzer's token table guarantees.
  const seen = new Map<string, KeywordInfo>();
  const infos: KeywordInfo[] = [];
  for (const t of tokens) {
    let info = typeof t === 'string' ? seen.get(t) : undefined;
    if (!info) {
      info = { kw: typeof t === 'string' ? keywordFacts(t) : NOT_ELIGIBLE };
      if (typeof t === 'string') seen.set(t, info);
    }
    infos.push(info);
  }
  return keywordsOf(tokens, infos, k);
}

/**
 * keywords over tokens already looked up: infos[i] belongs to tokens[i], and equal tokens must
 * share one KeywordFacts object (they are counted on it).
 */
export function keywordsOf(tokens: readonly string[], infos: readonly KeywordInfo[], k: number = DEFAULT_K): string[] {
  if (!(k > 0)) return [];
  const mark = ++epoch;
  const words: string[] = [];
  const facts: KeywordFacts[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const f = (infos[i] as KeywordInfo).kw;
    if (!f.eligible) continue;
    if (f.mark !== mark) {
      f.mark = mark;
      f.count = 0;
      words.push(tokens[i] as string);
      facts.push(f);
    }
    f.count++;
  }
  const scores: number[] = new Array<number>(facts.length);
  for (let i = 0; i < facts.length; i++) scores[i] = (facts[i] as KeywordFacts).count * (facts[i] as KeywordFacts).idf;
  // Partial selection: k is small, so k scans beat sorting every candidate. Strict '>' keeps
  // first-mention order among ties, so the result is deterministic and reads naturally.
  const out: string[] = [];
  const limit = Math.min(Math.floor(k), words.length);
  for (let r = 0; r < limit; r++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < scores.length; i++) {
      if ((scores[i] as number) > bestScore) {
        best = i;
        bestScore = scores[i] as number;
      }
    }
    if (best < 0) break;
    out.push(words[best] as string);
    scores[best] = -Infinity;
  }
  return out;
}

/** Keywords of a normalized text (segments it first); prefer keywords(tokens) when tokens exist. */
export function keywordsFromText(text: string, k: number = DEFAULT_K): string[] {
  return keywords(tokenize(text), k);
}
