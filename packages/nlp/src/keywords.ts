/**
 * TF-IDF keywords over already segmented tokens, so the analyzer never segments a text twice.
 *
 * The IDF table is jieba's (cppjieba dict/idf.utf8, MIT) trimmed to words with idf < 11:
 * rarer words and words missing from it (most of our domain dictionary) get the table's mean
 * idf, which is what jieba itself does for unknown words, so the 180k rare entries add nothing.
 */
import { readFileSync } from 'node:fs';
import { isContentToken, tokenize } from './segment';
import { B_ELIGIBLE } from './token-bits';

const IDF_FILE = new URL('../data/dict/idf.trimmed.utf8', import.meta.url);
// Mean idf of the full jieba table (258,826 entries), used for words the trimmed table lacks.
const DEFAULT_IDF = 11.74;
const DEFAULT_K = 8;

// Single Han chars are usually fragments, but these carry meaning on their own in incident texts.
const MEANINGFUL_SINGLE = new Set(['枪', '刀', '火', '毒', '死', '伤', '血', '炸', '砍', '偷', '抢', '骗', '打', '杀', '警', '狗']);

/**
 * The idf table, compact: the file's text is kept as one string and its words are found through
 * an open-addressing hash table of typed arrays (word offset, length, idf). A Map of 75 k entries
 * held ~7 MB of heap for what is read once per distinct token.
 */
interface IdfTable {
  text: string;
  slots: Int32Array; // entry + 1, 0: empty
  mask: number;
  offset: Int32Array;
  length: Int32Array;
  value: Float64Array;
}

let idf: IdfTable | undefined;

function wordHash(s: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** The slot of word s[from, to) in the table: its entry's slot, or the empty slot where it would go. */
function findSlot(t: IdfTable, s: string, from: number, to: number): number {
  const len = to - from;
  for (let slot = wordHash(s, from, to) & t.mask; ; slot = (slot + 1) & t.mask) {
    const e = (t.slots[slot] as number) - 1;
    if (e < 0) return slot;
    if (t.length[e] !== len) continue;
    const off = t.offset[e] as number;
    let k = 0;
    while (k < len && t.text.charCodeAt(off + k) === s.charCodeAt(from + k)) k++;
    if (k === len) return slot;
  }
}

function getIdf(): IdfTable {
  if (idf) return idf;
  const text = readFileSync(IDF_FILE, 'utf8');
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  let size = 1;
  while (size < lines * 2) size *= 2;
  const t: IdfTable = { text, slots: new Int32Array(size), mask: size - 1, offset: new Int32Array(lines), length: new Int32Array(lines), value: new Float64Array(lines) };
  let entries = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const sp = text.indexOf(' ', start);
    if (sp > start && sp < end) {
      const v = Number(text.slice(sp + 1, end));
      if (Number.isFinite(v)) {
        const slot = findSlot(t, text, start, sp);
        const e = (t.slots[slot] as number) - 1;
        if (e >= 0) t.value[e] = v; // a repeated word: the last line wins
        else {
          t.offset[entries] = start;
          t.length[entries] = sp - start;
          t.value[entries] = v;
          t.slots[slot] = ++entries;
        }
      }
    }
    start = end + 1;
  }
  idf = t;
  return t;
}

/** Inverse document frequency of a word (jieba's table; unknown words get the mean). */
export function idfOf(word: string): number {
  const t = getIdf();
  const e = (t.slots[findSlot(t, word, 0, word.length)] as number) - 1;
  return e >= 0 ? (t.value[e] as number) : DEFAULT_IDF;
}

function eligible(t: string): boolean {
  if (t.length === 1) return MEANINGFUL_SINGLE.has(t);
  // Short ASCII fragments (ok, rt, 2x) are noise; longer Latin words such as iPhone may stay.
  if (t.charCodeAt(0) < 0x80 && t.length < 3) return false;
  return true;
}

/**
 * Token facts as keywords reads them: token i is ids[i]; bits[id] has B_ELIGIBLE when it may be a
 * keyword, idf[id] is its idf; mark/count are scratch space indexed by id, for counting without
 * a Map per text (equal tokens must have equal ids).
 */
export interface KeywordTable {
  readonly bits: Uint32Array;
  readonly str: readonly string[];
  readonly idf: Float64Array;
  readonly mark: Uint32Array;
  readonly count: Uint32Array;
  /** The mark of the last keywordsOf call over this table. */
  kwEpoch: number;
}

/** True when a token may be a keyword; `content` is isContentToken(t) when the caller knows it. */
export function keywordEligible(t: string, content: boolean = isContentToken(t)): boolean {
  return content && eligible(t);
}

/** Top-k TF-IDF keywords (default 8) from tokens; stop words, punctuation, numbers and most single chars excluded. */
export function keywords(tokens: string[], k: number = DEFAULT_K): string[] {
  if (!Array.isArray(tokens) || !(k > 0)) return [];
  // One id per distinct token, as the analyzer's token table guarantees.
  const seen = new Map<string, number>();
  const str: string[] = [];
  const flags: number[] = [];
  const idfs: number[] = [];
  const ids = new Int32Array(tokens.length);
  tokens.forEach((t, i) => {
    let id = typeof t === 'string' ? seen.get(t) : undefined;
    if (id === undefined) {
      id = str.length;
      const ok = typeof t === 'string' && keywordEligible(t);
      str.push(typeof t === 'string' ? t : '');
      flags.push(ok ? B_ELIGIBLE : 0);
      idfs.push(ok ? idfOf(t) : 0);
      if (typeof t === 'string') seen.set(t, id);
    }
    ids[i] = id;
  });
  const tab: KeywordTable = { bits: Uint32Array.from(flags), str, idf: Float64Array.from(idfs), mark: new Uint32Array(str.length), count: new Uint32Array(str.length), kwEpoch: 0 };
  return keywordsOf(tab, ids, tokens.length, k);
}

// Scratch of keywordsOf: the candidates' ids and scores (grown as needed, never shrunk).
let candIds = new Int32Array(256);
let candScores = new Float64Array(256);

/** keywords over the n tokens ids[0, n) of a token table. */
export function keywordsOf(tab: KeywordTable, ids: Int32Array, n: number, k: number = DEFAULT_K): string[] {
  if (!(k > 0)) return [];
  if (++tab.kwEpoch > 0xfffffff0) {
    tab.mark.fill(0);
    tab.kwEpoch = 1;
  }
  const mark = tab.kwEpoch;
  const bits = tab.bits;
  const marks = tab.mark;
  const counts = tab.count;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (((bits[id] as number) & B_ELIGIBLE) === 0) continue;
    if (marks[id] !== mark) {
      marks[id] = mark;
      counts[id] = 0;
      if (m === candIds.length) {
        const grown = new Int32Array(m * 2);
        grown.set(candIds);
        candIds = grown;
        candScores = new Float64Array(m * 2);
      }
      candIds[m++] = id;
    }
    counts[id] = (counts[id] as number) + 1;
  }
  const scores = candScores;
  for (let i = 0; i < m; i++) {
    const id = candIds[i] as number;
    scores[i] = (counts[id] as number) * (tab.idf[id] as number);
  }
  // Partial selection: k is small, so k scans beat sorting every candidate. Strict '>' keeps
  // first-mention order among ties, so the result is deterministic and reads naturally.
  const out: string[] = [];
  const limit = Math.min(Math.floor(k), m);
  for (let r = 0; r < limit; r++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < m; i++) {
      if ((scores[i] as number) > bestScore) {
        best = i;
        bestScore = scores[i] as number;
      }
    }
    if (best < 0) break;
    out.push(tab.str[candIds[best] as number] as string);
    scores[best] = -Infinity;
  }
  return out;
}

/** Keywords of a normalized text (segments it first); prefer keywords(tokens) when tokens exist. */
export function keywordsFromText(text: string, k: number = DEFAULT_K): string[] {
  return keywords(tokenize(text), k);
}
