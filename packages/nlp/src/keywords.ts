/**
 * TF-IDF keywords over already segmented tokens, so the analyzer never segments a text twice.
 *
 * The IDF table is jieba's (cppjieba dict/idf.utf8, MIT) trimmed to words with idf < 11:
 * rarer words and words missing from it (most of our domain dictionary) get the table's mean
 * idf, which is what jieba itself does for unknown words, so the 180k rare entries add nothing.
 */
import { readFileSync } from 'node:fs';
import { contentTokens, tokenize } from './segment';

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

/** Top-k TF-IDF keywords (default 8) from tokens; stop words, punctuation, numbers and most single chars excluded. */
export function keywords(tokens: string[], k: number = DEFAULT_K): string[] {
  if (!Array.isArray(tokens) || !(k > 0)) return [];
  const tf = new Map<string, number>();
  for (const t of contentTokens(tokens)) {
    if (eligible(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
  }
  const table = getIdf();
  const words: string[] = [];
  const scores: number[] = [];
  for (const [word, n] of tf) {
    words.push(word);
    scores.push(n * (table.get(word) ?? DEFAULT_IDF));
  }
  // Partial selection: k is small, so k scans beat sorting every candidate. Strict '>' keeps
  // first-mention order among ties, so the result is deterministic and reads naturally.
  const out: string[] = [];
  const limit = Math.min(Math.floor(k), words.length);
  for (let r = 0; r < limit; r++) {
    let best = -1;
    for (let i = 0; i < scores.length; i++) if ((scores[i] as number) > (best < 0 ? -Infinity : (scores[best] as number))) best = i;
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
