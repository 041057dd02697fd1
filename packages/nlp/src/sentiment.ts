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
import { B_HEAD, B_SENT, ROLE_MASK } from './token-bits';

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
   * Phrases the segmenter may cut: every proper prefix of a polarity entry. A token t in it may
   * start a split entry: t + next is looked up in polarity, and when t + next is in here too,
   * t + next + the token after (how an entry will be cut is unknown in advance).
   */
  prefixes: Set<string>;
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
  const prefixes = new Set<string>();
  for (const w of polarity.keys()) for (let i = 1; i < w.length; i++) prefixes.add(w.slice(0, i));
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
    prefixes,
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


/** What the scorer needs to know about one token, independent of its neighbours. */
export interface SentimentFacts {
  /** R_* flags (0: no rule word). */
  readonly role: number;
  readonly polarity: number;
  /** True when the token is a proper prefix of a polarity entry (may start a split phrase). */
  readonly head: boolean;
  /** Degree multiplier (1 when not a degree adverb). */
  readonly degree: number;
  /** Rhetorical weight (0 when not rhetorical). */
  readonly rhetorical: number;
}

/**
 * Token facts as the scorer reads them: token i of a text is ids[i]; bits[id] holds its role
 * (ROLE_MASK) and B_SENT, str[id] the token, sent[id] its facts. The analyzer passes the shared
 * token table (token-info.ts); scoreSentiment a table of its own tokens.
 */
export interface SentimentTable {
  readonly bits: Uint32Array;
  readonly str: readonly string[];
  readonly sent: readonly SentimentFacts[];
  /** polarity[id] = sent[id].polarity, read without following a pointer. */
  readonly polarity: Float64Array;
}

const NO_FACTS: SentimentFacts = { role: 0, polarity: 0, head: false, degree: 1, rhetorical: 0 };

/** The sentiment facts of one token. */
export function sentimentFacts(t: string): SentimentFacts {
  const lex = sentimentLexicon();
  const role = lex.roles.get(t) ?? 0;
  const polarity = lex.polarity.get(t) ?? 0;
  const head = lex.prefixes.has(t);
  const degree = lex.degree.get(t) ?? 1;
  const rhetorical = lex.rhetorical.get(t) ?? 0;
  if (role === 0 && polarity === 0 && !head && degree === 1 && rhetorical === 0) return NO_FACTS;
  return { role, polarity, head, degree, rhetorical };
}

/** The token-table bits of sentiment facts: the role flags, B_SENT for a word or phrase head, B_HEAD for a phrase head. */
export function sentimentBits(f: SentimentFacts): number {
  return (f.role & ROLE_MASK) | (f.polarity !== 0 || f.head ? B_SENT : 0) | (f.head ? B_HEAD : 0);
}

// Tokens used by the last lookup() match; a module variable rather than a returned tuple, so
// the per-token hot path allocates nothing.
let matched = 1;

// A Bloom filter (two bits per string) of the polarity entries and their proper prefixes: the
// only strings a phrase head and its next token can join to. Nearly every other token is a head
// (不, 好 …), and 9 heads in 10 join their neighbour to nothing: the filter tells so from a hash
// of the two tokens' chars, without building the joined string and looking it up twice.
const BLOOM_BITS = 20;
let bloom: Uint32Array | undefined;

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** True when a + b may be a polarity entry or a proper prefix of one (false: certainly not). */
export function mayJoin(a: string, b: string): boolean {
  const f = (bloom ??= buildBloom());
  const h = fnv(fnv(0x811c9dc5, a), b);
  const h1 = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> (32 - BLOOM_BITS);
  const h2 = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> (32 - BLOOM_BITS);
  return ((f[h1 >>> 5] as number) & (1 << (h1 & 31))) !== 0 && ((f[h2 >>> 5] as number) & (1 << (h2 & 31))) !== 0;
}

function buildBloom(): Uint32Array {
  const f = new Uint32Array(1 << (BLOOM_BITS - 5));
  const lex = sentimentLexicon();
  const add = (w: string): void => {
    const h = fnv(0x811c9dc5, w);
    const h1 = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> (32 - BLOOM_BITS);
    const h2 = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> (32 - BLOOM_BITS);
    f[h1 >>> 5] = (f[h1 >>> 5] as number) | (1 << (h1 & 31));
    f[h2 >>> 5] = (f[h2 >>> 5] as number) | (1 << (h2 & 31));
  };
  for (const w of lex.polarity.keys()) add(w);
  for (const w of lex.prefixes) add(w);
  return f;
}

/** The polarity at token i (of n), matching phrases of up to 3 tokens (sets `matched`). */
function lookup(tab: SentimentTable, ids: Int32Array, n: number, i: number): number {
  const id = ids[i] as number;
  let best = tab.polarity[id] as number;
  matched = 1;
  if (i + 1 < n && (tab.bits[id] as number) & B_HEAD) {
    const head = tab.str[id] as string;
    const next = tab.str[ids[i + 1] as number] as string;
    // (An empty next token would make the joined string the head itself: no phrase.)
    if (next.length > 0 && mayJoin(head, next)) {
      const lex = sentimentLexicon();
      const joined = head + next;
      const w2 = lex.polarity.get(joined);
      if (w2 !== undefined) {
        best = w2;
        matched = 2;
      }
      // Only a head + next that starts a longer entry pays for a third token.
      if (i + 2 < n && lex.prefixes.has(joined)) {
        const w3 = lex.polarity.get(joined + (tab.str[ids[i + 2] as number] as string));
        if (w3 !== undefined) {
          best = w3;
          matched = 3;
        }
      }
    }
  }
  return best;
}

/** Scores tokens (from segment.tokenize, punctuation kept) plus emoticon names from normalize. */
export function scoreSentiment(tokens: readonly string[], emoticons: readonly string[] = EMPTY): SentimentResult {
  const n = tokens.length;
  const sent = tokens.map((t) => sentimentFacts(t));
  const bits = new Uint32Array(n);
  const polarity = new Float64Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    bits[i] = sentimentBits(sent[i] as SentimentFacts);
    polarity[i] = (sent[i] as SentimentFacts).polarity;
    ids[i] = i;
  }
  return sentimentOf({ bits, str: tokens, sent, polarity }, ids, n, emoticons);
}

/** scoreSentiment over the n tokens ids[0, n) of a token table. */
export function sentimentOf(tab: SentimentTable, ids: Int32Array, n: number, emoticons: readonly string[] = EMPTY): SentimentResult {
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
  const bits = tab.bits;

  // i === n closes the last clause (no end mark): the clause logic is written once, inline.
  for (let i = 0; i <= n; i++) {
    const b = i < n ? (bits[ids[i] as number] as number) : 0;
    const role = b & ROLE_MASK;
    if (i === n || role & R_END) {
      const end = i < n ? (tab.str[ids[i] as number] as string) : '';
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
      const f = tab.sent[ids[i] as number] as SentimentFacts;
      const t = tab.str[ids[i] as number] as string;
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
      if (role & R_DEGREE && i + 1 < n && lookup(tab, ids, n, i + 1) !== 0) {
        const d = f.degree;
        degree = i - lastDegree <= WINDOW ? degree * d : d;
        lastDegree = i;
        continue;
      }
    }
    // Most tokens are neither sentiment words nor phrase heads: skip them without a call.
    if ((b & B_SENT) === 0) continue;
    const w = lookup(tab, ids, n, i);
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
