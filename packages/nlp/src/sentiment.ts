/**
 * Lexicon-and-rules sentiment of a tokenized text: negative / neutral / positive and a score in
 * [-1, 1]. Pure after the lexicons are loaded once; never throws.
 *
 * How a text is scored (weights live in data/lexicons, rules here):
 * - each sentiment word (domain lexicon first, then NTUSD converted to Simplified) adds its weight;
 *   phrases that the segmenter splits are found by joining up to three adjacent tokens;
 * - a negation within the 3 tokens before it flips it (a flipped negative word only counts a
 *   little positive: "不坏" is faint praise), degree adverbs there multiply it;
 * - clauses are cut at punctuation; an adversative (但是, 却, 不过 …) halves what came before and
 *   weighs its own clause 1.5× — Chinese puts the point after the turn;
 * - "！" amplifies its clause; a question clause and rhetorical markers (难道, 凭什么 …) lean
 *   negative, because in comments on public events they are nearly always reproach;
 * - a positive word inside short quotation marks (“权威”) is read as sarcasm;
 * - Weibo emoticons ([怒] → '怒') and emoji add their own weights.
 * The raw sum r becomes score = tanh(r / 3); the label is negative when r ≤ NEG_THRESHOLD.
 */
import { readSet, readWeighted } from './lexicon-files';

/** Result of sentiment scoring. */
export interface SentimentResult {
  label: 'negative' | 'neutral' | 'positive';
  /** tanh of the raw sum / 3, in [-1, 1]; negative means negative feeling. */
  score: number;
  /** The raw weighted sum (unbounded), kept for combining with a model. */
  raw: number;
}

/** Lexicons the scorer uses; loaded from data/lexicons on first use. */
export interface SentimentLexicon {
  polarity: Map<string, number>;
  /**
   * Phrases the segmenter may cut: for every split of an entry into head + rest, head → (rest →
   * weight, and every prefix of a rest). How an entry will be cut is unknown in advance, so all
   * splits are indexed; matching then needs no string building for two-token phrases.
   */
  phrases: Map<string, { rest: Map<string, number>; restPrefixes: Set<string> }>;
  negations: Set<string>;
  degree: Map<string, number>;
  adversatives: Set<string>;
  rhetorical: Map<string, number>;
  emoticons: Map<string, number>;
  mourning: Set<string>;
  /** Every rule word and punctuation mark → bit flags (R_*), so a token costs one lookup here. */
  roles: Map<string, number>;
}

const R_END = 1;
const R_OPEN = 2;
const R_CLOSE = 4;
const R_ADVERSATIVE = 8;
const R_RHETORICAL = 16;
const R_QUESTION = 32;
const R_MOURNING = 64;
const R_NEGATION = 128;
const R_DEGREE = 256;

/** Raw sum at or below which a text is negative, at or above POS_THRESHOLD positive. */
export const NEG_THRESHOLD = -0.5;
/** See NEG_THRESHOLD. */
export const POS_THRESHOLD = 0.8;

const NTUSD_WEIGHT = 0.8;
const WINDOW = 3;

let cached: SentimentLexicon | null = null;

/** Loads (once) and returns the sentiment lexicons. */
export function sentimentLexicon(): SentimentLexicon {
  if (cached) return cached;
  const polarity = new Map<string, number>();
  const ntusdPos = readSet('ntusd/positive.txt');
  const ntusdNeg = readSet('ntusd/negative.txt');
  // NTUSD first, then the hand-written lists override; words NTUSD lists on both sides are dropped.
  for (const w of ntusdPos) if (!ntusdNeg.has(w)) polarity.set(w, NTUSD_WEIGHT);
  for (const w of ntusdNeg) if (!ntusdPos.has(w)) polarity.set(w, -NTUSD_WEIGHT);
  for (const [w, v] of readWeighted('domain/positive.txt')) polarity.set(w, v);
  for (const [w, v] of readWeighted('domain/negative.txt')) polarity.set(w, -v);
  for (const w of readSet('domain/neutral.txt')) polarity.delete(w);
  const emoticons = readWeighted('domain/emoticons.txt');
  // Emoji can arrive as tokens of the text itself.
  for (const [w, v] of emoticons) if (!/^[\p{Script=Han}a-z]/u.test(w)) polarity.set(w, v);
  const phrases = new Map<string, { rest: Map<string, number>; restPrefixes: Set<string> }>();
  for (const [w, v] of polarity) {
    for (let i = 1; i < w.length; i++) {
      const head = w.slice(0, i);
      const rest = w.slice(i);
      let p = phrases.get(head);
      if (!p) phrases.set(head, (p = { rest: new Map(), restPrefixes: new Set() }));
      p.rest.set(rest, v);
      for (let j = 1; j < rest.length; j++) p.restPrefixes.add(rest.slice(0, j));
    }
  }
  const negations = readSet('domain/negations.txt');
  const degree = readWeighted('domain/degree.txt');
  const adversatives = readSet('domain/adversatives.txt');
  const rhetorical = readWeighted('domain/rhetorical.txt');
  const mourning = readSet('domain/mourning.txt');
  const roles = new Map<string, number>();
  const mark = (words: Iterable<string>, flag: number): void => {
    for (const w of words) roles.set(w, (roles.get(w) ?? 0) | flag);
  };
  mark(CLAUSE_END, R_END);
  mark(OPEN_QUOTE, R_OPEN);
  mark(CLOSE_QUOTE, R_CLOSE);
  mark(adversatives, R_ADVERSATIVE);
  mark(rhetorical.keys(), R_RHETORICAL);
  mark(QUESTION_WORDS, R_QUESTION);
  mark(mourning, R_MOURNING);
  mark(negations, R_NEGATION);
  mark(degree.keys(), R_DEGREE);
  cached = {
    roles,
    polarity,
    phrases,
    negations,
    degree,
    adversatives,
    rhetorical,
    emoticons,
    mourning,
  };
  return cached;
}

const CLAUSE_END = new Set(['，', ',', '。', '.', '；', ';', '！', '!', '？', '?', '…', '\n', '~', '～', '、', ' ', '：', ':']);
const QUESTION_WORDS = new Set(['为什么', '为何', '怎么', '怎么会', '怎么回事', '吗', '谁', '什么', '何', '哪', '哪里', '咋', '凭啥', '多少', '呢']);
const OPEN_QUOTE = new Set(['“', '「', '『']);
const CLOSE_QUOTE = new Set(['”', '」', '』', '"']);
const EMPTY: readonly string[] = [];

type Phrase = { rest: Map<string, number>; restPrefixes: Set<string> };

/** What the scorer needs to know about one token, independent of its neighbours. */
export interface SentimentFacts {
  /** R_* flags (0: no rule word). */
  readonly role: number;
  readonly polarity: number;
  /** Phrases starting with this token, when any. */
  readonly phrase: Phrase | undefined;
  /** Degree multiplier (1 when not a degree adverb). */
  readonly degree: number;
  /** Rhetorical weight (0 when not rhetorical). */
  readonly rhetorical: number;
}

/** Anything carrying sentiment facts (the analyzer's TokenInfo, or a bare wrapper). */
export interface SentimentInfo {
  readonly sent: SentimentFacts;
}

const NO_FACTS: SentimentFacts = { role: 0, polarity: 0, phrase: undefined, degree: 1, rhetorical: 0 };

/** The sentiment facts of one token. */
export function sentimentFacts(t: string): SentimentFacts {
  const lex = sentimentLexicon();
  const role = lex.roles.get(t) ?? 0;
  const polarity = lex.polarity.get(t) ?? 0;
  const phrase = lex.phrases.get(t);
  const degree = lex.degree.get(t) ?? 1;
  const rhetorical = lex.rhetorical.get(t) ?? 0;
  if (role === 0 && polarity === 0 && phrase === undefined && degree === 1 && rhetorical === 0) return NO_FACTS;
  return { role, polarity, phrase, degree, rhetorical };
}

// Tokens used by the last lookup() match; a module variable rather than a returned tuple, so
// the per-token hot path allocates nothing.
let matched = 1;

/** The polarity at token i, matching phrases of up to 3 tokens (sets `matched`). */
function lookup(tokens: readonly string[], infos: readonly SentimentInfo[], i: number): number {
  const f = (infos[i] as SentimentInfo).sent;
  let best = f.polarity;
  matched = 1;
  const p = i + 1 < tokens.length ? f.phrase : undefined;
  if (p) {
    const next = tokens[i + 1] as string;
    const w2 = p.rest.get(next);
    if (w2 !== undefined) {
      best = w2;
      matched = 2;
    }
    // Only the rare token that starts a longer rest pays for building a string.
    if (i + 2 < tokens.length && p.restPrefixes.has(next)) {
      const w3 = p.rest.get(next + (tokens[i + 2] as string));
      if (w3 !== undefined) {
        best = w3;
        matched = 3;
      }
    }
  }
  return best;
}

/** Scores tokens (from segment.tokenize, punctuation kept) plus emoticon names from normalize. */
export function scoreSentiment(tokens: readonly string[], emoticons: readonly string[] = EMPTY): SentimentResult {
  return sentimentOf(
    tokens,
    tokens.map((t) => ({ sent: sentimentFacts(t) })),
    emoticons,
  );
}

/** scoreSentiment over tokens already looked up (infos[i] belongs to tokens[i]). */
export function sentimentOf(tokens: readonly string[], infos: readonly SentimentInfo[], emoticons: readonly string[] = EMPTY): SentimentResult {
  const lex = sentimentLexicon();
  let total = 0;
  let clause = 0;
  let clauseWeight = 1;
  let clauseQuestion = false;
  let extra = 0;
  let questions = 0;
  let lastNeg = -100;
  let negCount = 0;
  let degree = 1;
  let lastDegree = -100;
  let quoteStart = -1;
  let praise = 0;
  let mourning = false;
  const n = tokens.length;

  // i === n closes the last clause (no end mark): the clause logic is written once, inline.
  for (let i = 0; i <= n; i++) {
    const f = i < n ? (infos[i] as SentimentInfo).sent : NO_FACTS;
    const role = f.role;
    if (i === n || role & R_END) {
      const end = i < n ? (tokens[i] as string) : '';
      if (end === '！' || end === '!') clause *= 1.3;
      if ((end === '？' || end === '?') && (clauseQuestion || clause <= 0)) questions++;
      total += clause * clauseWeight;
      clause = 0;
      clauseWeight = 1;
      clauseQuestion = false;
      negCount = 0;
      lastNeg = -100;
      lastDegree = -100;
      degree = 1;
      continue;
    }
    if (role !== 0) {
      const t = tokens[i] as string;
      if (t === '"') {
        // A straight quote (full-width ones are made half-width by normalize) opens or closes.
        quoteStart = quoteStart < 0 ? i : -1;
        continue;
      }
      if (role & R_OPEN) {
        if (quoteStart < 0) quoteStart = i;
        continue;
      }
      if (role & R_CLOSE) {
        quoteStart = -1;
        continue;
      }
      if (role & R_ADVERSATIVE) {
        // The turn: what came before counts half, the clause after it half again as much.
        total *= 0.5;
        clause *= 0.5;
        clauseWeight = 1.5;
        continue;
      }
      if (role & R_RHETORICAL) extra -= f.rhetorical;
      if (role & R_QUESTION) clauseQuestion = true;
      if (role & R_MOURNING) mourning = true;
      if (role & R_NEGATION) {
        negCount = i - lastNeg <= WINDOW ? negCount + 1 : 1;
        lastNeg = i;
        // A negation may also be a sentiment word itself (没有 as "lacking"); it is not counted twice.
        continue;
      }
      if (role & R_DEGREE && i + 1 < n && lookup(tokens, infos, i + 1) !== 0) {
        const d = f.degree;
        degree = i - lastDegree <= WINDOW ? degree * d : d;
        lastDegree = i;
        continue;
      }
    }
    // Most tokens are neither sentiment words nor phrase heads: skip them without a call.
    if (f.polarity === 0 && f.phrase === undefined) continue;
    const w = lookup(tokens, infos, i);
    const used = matched;
    if (w === 0) continue;
    let v = w;
    if (i - lastDegree <= WINDOW) v *= degree;
    if (i - lastNeg <= WINDOW && negCount % 2 === 1) v = v > 0 ? -v * 0.9 : -v * 0.4;
    // A praise word in short quotation marks is usually sarcasm: “权威”, “负责”.
    if (v > 0 && quoteStart >= 0 && i - quoteStart <= 3) v = -v;
    clause += v;
    if (v > 0) praise += v * clauseWeight;
    lastDegree = -100;
    negCount = 0;
    lastNeg = -100;
    i += used - 1;
  }
  for (const e of emoticons) {
    extra += lex.emoticons.get(e.toLowerCase()) ?? 0;
    if (lex.mourning.has(e)) mourning = true;
  }
  // A eulogy praises the dead, but its feeling is grief: most of the praise is taken back.
  if (mourning) total -= praise * 0.8 + 1;
  const raw = total + extra - Math.min(questions, 3) * 0.5;
  const score = Math.tanh(raw / 3);
  const label = raw <= NEG_THRESHOLD ? 'negative' : raw >= POS_THRESHOLD ? 'positive' : 'neutral';
  return { label, score, raw };
}
