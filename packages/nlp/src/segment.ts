/**
 * Word segmentation: nodejieba with the default jieba dictionaries plus our domain user
 * dictionary (police units, ranks, enforcement controversy terms; false friends such as 警惕,
 * 预警, 报警器 kept whole so a relevance detector never sees a bare 警).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodejieba from 'nodejieba';

const USER_DICT = fileURLToPath(new URL('../data/dict/user.dict.utf8', import.meta.url));
const STOP_WORDS = new URL('../data/dict/stopwords.txt', import.meta.url);
// nodejieba also loads an IDF table for its own keyword extractor, which we never call (keywords.ts
// has its own): a one-line stub saves ~13 MB per analyzer thread and leaves cut() unchanged.
const JIEBA_IDF_STUB = fileURLToPath(new URL('../data/dict/jieba-idf.stub.utf8', import.meta.url));

let loaded = false;
let stopWords: Set<string> | undefined;
let numberWords: Set<string> | undefined;

function ensureLoaded(): void {
  if (loaded) return;
  // load() replaces the whole config, but omitted fields fall back to nodejieba's defaults.
  nodejieba.load({ userDict: USER_DICT, idfDict: JIEBA_IDF_STUB });
  loaded = true;
}

function readLines(url: URL): string[] {
  return readFileSync(url, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function getStopWords(): Set<string> {
  stopWords ??= new Set(readLines(STOP_WORDS));
  return stopWords;
}

// Numbers such as 110 and 12345 are domain words in the user dictionary and must survive contentTokens.
function getNumberWords(): Set<string> {
  if (!numberWords) {
    numberWords = new Set();
    for (const line of readFileSync(USER_DICT, 'utf8').split('\n')) {
      const w = line.split(' ')[0] ?? '';
      if (/^\d+$/.test(w)) numberWords.add(w);
    }
  }
  return numberWords;
}

/**
 * nodejieba.cut (HMM on) with the domain user dictionary, whitespace tokens included: for callers
 * that filter them while they look tokens up anyway (the analyzer's token table).
 */
export function cutRaw(text: string): string[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  ensureLoaded();
  return nodejieba.cut(text, true);
}

/** Segments text with nodejieba (HMM on) and the domain user dictionary; drops whitespace tokens. */
export function tokenize(text: string): string[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  ensureLoaded();
  const tokens = nodejieba.cut(text, true);
  // The filter allocates only when needed: most normalized texts have a few spaces at most.
  let hasSpace = false;
  for (const t of tokens) {
    if (t.trim() === '') {
      hasSpace = true;
      break;
    }
  }
  return hasSpace ? tokens.filter((t) => t.trim() !== '') : tokens;
}

/** True for function words and punctuation listed in data/dict/stopwords.txt (negators such as 不/没有 are not stop words). */
export function isStopWord(token: string): boolean {
  return getStopWords().has(token);
}

const PUNCT_OR_SYMBOL = /^[\p{P}\p{S}\p{Z}\p{C}]+$/u;
const NUMBER = /^[-+]?[\d.,:%]+$/;

/** True for a whitespace-only token (tokenize drops them). */
export function isBlankToken(token: string): boolean {
  return token.trim() === '';
}

/** True when contentTokens keeps the token: not a stop word, punctuation/symbol, single ASCII char or plain number (dictionary numbers like 110 stay). */
export function isContentToken(t: string): boolean {
  if (typeof t !== 'string' || t.length === 0 || getStopWords().has(t)) return false;
  const c = t.charCodeAt(0);
  // Tokens starting with a Han char are words: skip the regex tests that most tokens would pay.
  if (c >= 0x4e00 && c <= 0x9fff) return true;
  if ((t.length === 1 && c < 0x80) || PUNCT_OR_SYMBOL.test(t)) return false;
  if (NUMBER.test(t) && !getNumberWords().has(t)) return false;
  return true;
}

/** Keeps content tokens: removes stop words, punctuation/symbols, single ASCII chars and pure numbers (except dictionary numbers like 110). */
export function contentTokens(tokens: string[]): string[] {
  if (!Array.isArray(tokens)) return [];
  const out: string[] = [];
  for (const t of tokens) if (isContentToken(t)) out.push(t);
  return out;
}
