/**
 * A trainable text classifier that `yuqing train` writes and the analyzer combines with the
 * lexicon engine. One model file holds up to three heads, each trained on the examples that carry
 * its label:
 * - `negative`: negative vs not (from `negative`, or from `sentiment` === 'negative');
 * - `sentiment`: negative / neutral / positive (from `sentiment`);
 * - `police_negative`: police-negative vs not (from `police_negative`).
 *
 * Two formats, both plain JSON with a format name and version:
 * - `yuqing-lr` version 1 (what `train` writes by default): L2-regularized logistic regression
 *   (softmax for the 3-way head) over hashed binary features — word unigrams and bigrams,
 *   character unigrams and bigrams, negation-scoped words (`不 … 好` gives NOT:好) and a length
 *   bucket — trained by Adagrad SGD for a few epochs in a seeded order, so the same input gives
 *   the same model; classes are balanced in the loss by default (a rare class is not drowned
 *   by the prior). Weights are float32 arrays of 2^bits entries stored as little-endian base64.
 * - `yuqing-nb` version 1 (the former default, still loaded and trainable with
 *   `algorithm: 'nb'`): multinomial naive Bayes over token, bigram and character-bigram features.
 * Predicting is pure and never throws.
 *
 * How analyze.ts combines a model with the lexicon engine: the lexicon's raw sentiment sum r is
 * turned into log-odds of negativity, (NEG_THRESHOLD − r), and added to the model's log-odds,
 * so a confident model outvotes a weak lexicon hit and vice versa. For police-negative the
 * score is 0.75 × rule score + 0.25 × model probability, and only for police-related items
 * (police-negative training sets are small; the rules stay in charge).
 */

/** Model heads this module knows. */
export type Head = 'negative' | 'sentiment' | 'police_negative';

/** One training example: tokens plus any of the labels. */
export interface TrainingExample {
  tokens: readonly string[];
  /** The rules' police-negative score of the text (stance-training.ts calibrates the decision with it). */
  ruleScore?: number;
  /** Characters of the judged text (the model's weight beside the rules depends on it). */
  chars?: number;
  /**
   * What the police_negative head reads, when it differs from tokens: the words plus the rules'
   * markers (Analyzer.stanceTokens). The analyzer asks that head with the same.
   */
  stanceTokens?: readonly string[];
  negative?: boolean;
  sentiment?: 'negative' | 'neutral' | 'positive';
  police_negative?: boolean;
}

/** A naive Bayes head: class counts and per-class token counts. */
export interface NbHeadJson {
  classes: string[];
  /** Documents per class. */
  docs: number[];
  /** Total feature occurrences per class. */
  totals: number[];
  /** feature → count per class. */
  counts: Record<string, number[]>;
}

/** A logistic-regression head. */
export interface LrHeadJson {
  classes: string[];
  /** Training documents per class. */
  docs: number[];
  /**
   * Biases: one (the log-odds of classes[1]) for a two-class head, one per class (softmax)
   * otherwise.
   */
  bias: number[];
  /** Weight vectors matching `bias`, each 2^bits float32 as little-endian base64. */
  weights: string[];
}

/** A trained head of either format. */
export type HeadJson = NbHeadJson | LrHeadJson;

/** The serialized naive Bayes model (format of yuqing ≤ 1.0, still loaded). */
export interface NbModelJson {
  format: 'yuqing-nb';
  /** Format version of this JSON; loadModel refuses other versions. */
  version: 1;
  /** Identifies the trained model (stored with each analysis). */
  modelVersion: string;
  createdAt: string;
  alpha: number;
  minCount: number;
  heads: Partial<Record<Head, NbHeadJson>>;
}

/** Feature settings of a logistic-regression model (stored so prediction matches training). */
export interface LrFeatureSpec {
  /** log2 of the hashed feature space. */
  bits: number;
  /** Longest character n-gram (1 or 2 …). */
  charNgrams: number;
  /** Word bigrams on or off. */
  wordBigrams: boolean;
  /** Tokens after a negation word (within a clause) that also give a NOT: feature; 0 = off. */
  negationScope: number;
}

/** The serialized logistic-regression model. */
export interface LrModelJson {
  format: 'yuqing-lr';
  /** Format version of this JSON; loadModel refuses other versions. */
  version: 1;
  /** Identifies the trained model (stored with each analysis); a hash of the weights. */
  modelVersion: string;
  createdAt: string;
  features: LrFeatureSpec;
  /** Training settings, for the record. */
  training: { epochs: number; l2: number; learningRate: number; seed: number; classWeights: 'balanced' | 'none'; examples: number };
  heads: Partial<Record<Head, LrHeadJson>>;
  /** How the analyzer turns the police_negative head into a decision (stance-training.ts); absent: the defaults. */
  stance?: StanceDecision;
}

/**
 * How the police_negative head's probability p and the rules' score s make the decision: 'or' is
 * 1 − (1 − p)(1 − s), 'model' is p alone (the model has read the rules' markers); flagged at
 * threshold. Chosen by cross-validation on analysts' corrections when there are enough of them.
 */
export interface StanceDecision {
  combine: 'or' | 'model';
  threshold: number;
  /** Why: the figures the choice was made on, for the record (models list shows them). */
  chosenBy: string;
}

/** The serialized model, any supported format. */
export type ModelJson = LrModelJson | NbModelJson;

/** Training options. */
export interface TrainOptions {
  /** 'lr' (default): logistic regression; 'nb': the former naive Bayes. */
  algorithm?: 'lr' | 'nb';
  /** NB only: Laplace smoothing (default 1). */
  alpha?: number;
  /** NB only: features seen fewer times in the training data are dropped (default 2; 1 keeps all). */
  minCount?: number;
  /** LR only: passes over the data (default 8). */
  epochs?: number;
  /** LR only: L2 regularization per update (default 1e-4). */
  l2?: number;
  /** LR only: Adagrad learning rate (default 0.2). */
  learningRate?: number;
  /** LR only: longest character n-gram (default DEFAULT_FEATURES.charNgrams, 1…4). */
  charNgrams?: number;
  /** LR only: log2 of the hashed feature space (default 18, 12…24). */
  bits?: number;
  /** LR only: 'balanced' (default) weighs each class alike in the loss; 'none' by frequency. */
  classWeights?: 'balanced' | 'none';
  /** LR only: seed of the example order (default 1). */
  seed?: number;
  /** Timestamp written into the model (default now); tests pin it. */
  createdAt?: string;
}

/** A loaded model ready to predict. */
export interface Model {
  readonly modelVersion: string;
  readonly heads: readonly Head[];
  /** Class probabilities of one head for the tokens, or null when the model lacks the head. */
  predict(head: Head, tokens: readonly string[]): Record<string, number> | null;
  /** P(positive class) of a binary head ('negative', 'police_negative'), or null. */
  probability(head: 'negative' | 'police_negative', tokens: readonly string[]): number | null;
  /** The model's police-negative decision rule, when it carries one. */
  readonly stance: StanceDecision | null;
}

const HEADS = ['negative', 'sentiment', 'police_negative'] as const;
const CLASS_ORDER: Record<Head, string[]> = { negative: ['false', 'true'], sentiment: ['negative', 'neutral', 'positive'], police_negative: ['false', 'true'] };

// Punctuation and symbols carry signal (？！) but bare spaces do not.
function isFeature(t: string): boolean {
  return t.length > 0 && t.length <= 16 && t.trim() !== '';
}

/**
 * Naive Bayes features of a token list: unigrams, bigrams "a|b" of adjacent tokens, and character
 * bigrams "#ab" inside and across tokens (short Weibo text: they catch words the segmenter cut
 * oddly). Binarized: each feature once.
 */
export function features(tokens: readonly string[]): string[] {
  const out: string[] = [];
  let prev: string | null = null;
  let lastChar = '';
  for (const t of tokens) {
    if (!isFeature(t)) continue;
    out.push(t);
    if (prev !== null) out.push(`${prev}|${t}`);
    prev = t;
    for (const ch of t) {
      if (lastChar) out.push(`#${lastChar}${ch}`);
      lastChar = ch;
    }
  }
  // Binarized: a feature counts once per text (Wang & Manning 2012: better for short texts).
  return [...new Set(out)];
}

/** Label of an example for a head, or undefined when it carries none. */
function labelOf(e: TrainingExample, head: Head): string | undefined {
  if (head === 'negative') {
    if (typeof e.negative === 'boolean') return e.negative ? 'true' : 'false';
    if (e.sentiment) return e.sentiment === 'negative' ? 'true' : 'false';
    return undefined;
  }
  if (head === 'sentiment') return e.sentiment;
  return typeof e.police_negative === 'boolean' ? (e.police_negative ? 'true' : 'false') : undefined;
}

/** FNV-1a, 32 bits, of a string continuing from h. */
function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A short deterministic hash for the model version. */
function fnv(s: string): string {
  return fnv1a(s).toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// Logistic regression over hashed features

/** Negation words that open a NOT: scope (a subset of data/lexicons/domain/negations.txt). */
const NEGATIONS = new Set(['不', '没', '没有', '无', '非', '别', '未', '并非', '并不', '并没有', '不是', '毫无', '从未', '从不', '不太', '绝非', '不要', '不必', '不用', '不会', '不能', '难以', '甭', '勿', '莫', '未必']);
/** Tokens that end a clause, and with it a negation scope. */
const CLAUSE_END = new Set(['，', ',', '。', '.', '；', ';', '！', '!', '？', '?', '…', '\n', '~', '～', '、', '：', ':']);

export const DEFAULT_FEATURES: LrFeatureSpec = { bits: 18, charNgrams: 2, wordBigrams: true, negationScope: 3 };

// Seeds of the feature kinds, so 好 as a word, a character and a negated word hash apart.
const SEED_WORD = fnv1a('w');
const SEED_BIGRAM = fnv1a('b');
const SEED_NOT = fnv1a('n');
const SEED_CHAR = fnv1a('c');
const SEED_LEN = fnv1a('l');

/** First character of a rule marker token (⟦). */
export const MARKER_START = 0x27e6;

// Scratch of hashedFeatures (it is synchronous): the code units of the text's characters, where
// each character starts among them, and the feature hashes found. Grown as needed, because
// allocating them per call cost more than the hashing itself.
let units = new Uint16Array(1024);
let charStart = new Int32Array(1024);
let found = new Uint32Array(4096);
// Per feature index, the call that last saw it: each feature once without sorting.
let stamps = new Uint32Array(0);
let call = 0;

function grown<T extends Uint16Array | Int32Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

const FNV_PRIME = 0x01000193;

/**
 * What a token contributes on its own, whatever its neighbours: its word hash, and the hashes of
 * the character n-grams (n ≤ charNgrams) that lie inside it. Texts repeat their words, so these are
 * cached per token (one cache per charNgrams; emptied when it grows past CACHE_LIMIT).
 */
const tokenCaches = new Map<number, Map<string, Uint32Array>>();
const CACHE_LIMIT = 200_000;

function ownFeatures(t: string, maxN: number): Uint32Array {
  let cache = tokenCaches.get(maxN);
  if (!cache) tokenCaches.set(maxN, (cache = new Map()));
  const hit = cache.get(t);
  if (hit) return hit;
  const out: number[] = [fnv1a(t, SEED_WORD)];
  const starts: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0)) starts.push(i);
  }
  starts.push(t.length);
  const chars = starts.length - 1;
  for (let i = 0; i < chars; i++) {
    let h = SEED_CHAR;
    for (let n = 1; n <= maxN && i + n <= chars; n++) {
      for (let u = starts[i + n - 1] as number; u < (starts[i + n] as number); u++) h = Math.imul(h ^ t.charCodeAt(u), FNV_PRIME);
      out.push(Math.imul(h ^ (48 + n), FNV_PRIME) >>> 0);
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  const features = Uint32Array.from(out);
  cache.set(t, features);
  return features;
}

/**
 * Hashed, deduplicated feature indices of a token list, in a fixed order: words, word bigrams,
 * negation-scoped words, character n-grams across the text (those inside a token come cached with
 * it; those across a token boundary are hashed here), a length bucket, and rule markers. The
 * indices are the ones FNV-1a of the feature strings gives, so models trained by earlier versions
 * read the same features.
 */
export function hashedFeatures(tokens: readonly string[], spec: LrFeatureSpec = DEFAULT_FEATURES): Uint32Array {
  const mask = (1 << spec.bits) - 1;
  const maxN = spec.charNgrams;
  let nFound = 0;
  let total = 0;
  for (const t of tokens) total += t.length;
  found = grown(found, 3 * tokens.length + maxN * total + 2);
  units = grown(units, total + 1);
  charStart = grown(charStart, total + 2);
  let prev = '^';
  let negLeft = 0;
  let nUnits = 0;
  let nChars = 0;
  for (const t of tokens) {
    // A rule marker (⟦distrust⟧, ⟦r3⟧: see stanceMarkers in analyze.ts) is one feature of its own,
    // never part of a bigram or of the character n-grams of the text.
    if (t.charCodeAt(0) === MARKER_START) {
      found[nFound++] = fnv1a(t, SEED_WORD);
      continue;
    }
    if (!isFeature(t)) {
      prev = '^';
      continue;
    }
    const own = ownFeatures(t, maxN);
    for (let i = 0; i < own.length; i++) found[nFound++] = own[i] as number;
    if (spec.wordBigrams) found[nFound++] = fnv1a(t, fnv1a('|', fnv1a(prev, SEED_BIGRAM)));
    if (negLeft > 0) found[nFound++] = fnv1a(t, SEED_NOT);
    if (CLAUSE_END.has(t)) negLeft = 0;
    else if (NEGATIONS.has(t)) negLeft = spec.negationScope;
    else if (negLeft > 0) negLeft--;
    prev = t;
    // The n-grams that start in the last maxN − 1 characters before this token and reach into it.
    const first = nChars;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (!(c >= 0xdc00 && c <= 0xdfff && i > 0)) charStart[nChars++] = nUnits;
      units[nUnits++] = c;
    }
    charStart[nChars] = nUnits;
    for (let i = Math.max(0, first - (maxN - 1)); i < first; i++) {
      let h = SEED_CHAR;
      for (let n = 1; n <= maxN && i + n <= nChars; n++) {
        for (let u = charStart[i + n - 1] as number, end = charStart[i + n] as number; u < end; u++) h = Math.imul(h ^ (units[u] as number), FNV_PRIME);
        if (i + n > first) found[nFound++] = Math.imul(h ^ (48 + n), FNV_PRIME) >>> 0;
      }
    }
  }
  if (spec.wordBigrams && prev !== '^') found[nFound++] = fnv1a('$', fnv1a('|', fnv1a(prev, SEED_BIGRAM)));
  const len = nChars;
  found[nFound++] = fnv1a(String(len < 10 ? 0 : len < 20 ? 1 : len < 40 ? 2 : len < 80 ? 3 : 4), SEED_LEN);
  if (stamps.length !== mask + 1) stamps = new Uint32Array(mask + 1);
  call = (call + 1) >>> 0 || 1;
  if (call === 1) stamps.fill(0);
  let k = 0;
  for (let i = 0; i < nFound; i++) {
    const f = (found[i] as number) & mask;
    if (stamps[f] === call) continue;
    stamps[f] = call;
    found[k++] = f;
  }
  return found.slice(0, k);
}

/** xorshift32: a small seeded generator, so the shuffle (and the model) is reproducible. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function encodeWeights(w: Float32Array): string {
  const buf = Buffer.alloc(w.length * 4);
  for (let i = 0; i < w.length; i++) buf.writeFloatLE(w[i] as number, i * 4);
  return buf.toString('base64');
}

function decodeWeights(s: string, size: number, what: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.length !== size * 4) throw new Error(`model: ${what} has ${buf.length} bytes, expected ${size * 4}`);
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = buf.readFloatLE(i * 4);
  return w;
}

interface LrSettings {
  epochs: number;
  l2: number;
  learningRate: number;
  seed: number;
  size: number;
  balanced: boolean;
}

/**
 * Adagrad SGD on the (softmax) log loss with L2, applied lazily to the active features. A
 * two-class head has one weight vector (the log-odds of class 1); K classes have K vectors.
 * Each text's features are scaled by 1/√n, so long reviews and short comments weigh alike.
 */
function trainLrHead(X: readonly Uint32Array[], y: readonly number[], nClasses: number, s: LrSettings, classWeight: readonly number[]): { bias: number[]; weights: Float32Array[] } {
  const nVec = nClasses === 2 ? 1 : nClasses;
  const w = Array.from({ length: nVec }, () => new Float32Array(s.size));
  const g2 = Array.from({ length: nVec }, () => new Float32Array(s.size));
  const bias = new Array<number>(nVec).fill(0);
  const gb = new Array<number>(nVec).fill(1e-8);
  const order = X.map((_, i) => i);
  const rand = xorshift(s.seed);
  const z = new Array<number>(nVec).fill(0);
  const grad = new Array<number>(nVec).fill(0);
  for (let ep = 0; ep < s.epochs; ep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (const i of order) {
      const x = X[i] as Uint32Array;
      const yi = y[i] as number;
      const scale = x.length ? 1 / Math.sqrt(x.length) : 0;
      for (let k = 0; k < nVec; k++) {
        const wk = w[k] as Float32Array;
        let v = bias[k] as number;
        for (const f of x) v += (wk[f] as number) * scale;
        z[k] = v;
      }
      if (nVec === 1) {
        grad[0] = (1 / (1 + Math.exp(-(z[0] as number))) - yi) * (classWeight[yi] as number);
      } else {
        const max = Math.max(...z);
        let sum = 0;
        for (let k = 0; k < nVec; k++) sum += grad[k] = Math.exp((z[k] as number) - max);
        for (let k = 0; k < nVec; k++) grad[k] = ((grad[k] as number) / sum - (k === yi ? 1 : 0)) * (classWeight[yi] as number);
      }
      for (let k = 0; k < nVec; k++) {
        const g = grad[k] as number;
        const wk = w[k] as Float32Array;
        const gk = g2[k] as Float32Array;
        for (const f of x) {
          const gf = g * scale + s.l2 * (wk[f] as number);
          gk[f] = (gk[f] as number) + gf * gf;
          wk[f] = (wk[f] as number) - (s.learningRate * gf) / Math.sqrt((gk[f] as number) + 1e-8);
        }
        gb[k] = (gb[k] as number) + g * g;
        bias[k] = (bias[k] as number) - (s.learningRate * g) / Math.sqrt(gb[k] as number);
      }
    }
  }
  return { bias, weights: w };
}

function trainLr(examples: readonly TrainingExample[], opts: TrainOptions): LrModelJson {
  const bits = opts.bits ?? DEFAULT_FEATURES.bits;
  if (!Number.isInteger(bits) || bits < 12 || bits > 24) throw new Error(`train: bits must be a whole number 12…24, got ${bits}`);
  const charNgrams = opts.charNgrams ?? DEFAULT_FEATURES.charNgrams;
  if (!Number.isInteger(charNgrams) || charNgrams < 1 || charNgrams > 4) throw new Error(`train: charNgrams must be a whole number 1…4, got ${charNgrams}`);
  const spec: LrFeatureSpec = { ...DEFAULT_FEATURES, bits, charNgrams };
  const settings: LrSettings = { epochs: opts.epochs ?? 8, l2: opts.l2 ?? 1e-4, learningRate: opts.learningRate ?? 0.2, seed: opts.seed ?? 1, size: 1 << bits, balanced: opts.classWeights !== 'none' };
  for (const [k, v] of [['epochs', settings.epochs], ['l2', settings.l2], ['learningRate', settings.learningRate]] as const) {
    if (!Number.isFinite(v) || v < 0 || (k !== 'l2' && v <= 0) || (k === 'epochs' && !Number.isInteger(v))) throw new Error(`train: bad ${k} ${v}`);
  }
  const feats = examples.map((e) => hashedFeatures(e.tokens, spec));
  const heads: Partial<Record<Head, LrHeadJson>> = {};
  for (const head of HEADS) {
    const classes = CLASS_ORDER[head];
    const docs = classes.map(() => 0);
    const X: Uint32Array[] = [];
    const y: number[] = [];
    examples.forEach((e, i) => {
      const label = labelOf(e, head);
      const c = label === undefined ? -1 : classes.indexOf(label);
      if (c < 0) return;
      docs[c] = (docs[c] ?? 0) + 1;
      X.push(head === 'police_negative' && e.stanceTokens ? hashedFeatures(e.stanceTokens, spec) : (feats[i] as Uint32Array));
      y.push(c);
    });
    if (docs.filter((d) => d > 0).length < 2) continue;
    // Balanced: each class weighs as much in the loss as the others, so a rare class (police-
    // negative is one item in six) is not drowned by the prior.
    const classWeight = settings.balanced ? docs.map((d) => (d ? X.length / (classes.length * d) : 1)) : docs.map(() => 1);
    const { bias, weights } = trainLrHead(X, y, classes.length, settings, classWeight);
    heads[head] = { classes, docs, bias: bias.map((b) => Math.fround(b)), weights: weights.map(encodeWeights) };
  }
  const summary = JSON.stringify([spec, Object.entries(heads).map(([h, j]) => [h, j.docs, j.bias, j.weights.map((s) => fnv(s))])]);
  return {
    format: 'yuqing-lr',
    version: 1,
    modelVersion: `lr1-${fnv(summary)}`,
    createdAt: opts.createdAt ?? new Date().toISOString(),
    features: spec,
    training: { epochs: settings.epochs, l2: settings.l2, learningRate: settings.learningRate, seed: settings.seed, classWeights: settings.balanced ? 'balanced' : 'none', examples: examples.length },
    heads,
  };
}

// ---------------------------------------------------------------------------------------------
// Naive Bayes (the former format)

function trainNb(examples: readonly TrainingExample[], opts: TrainOptions): NbModelJson {
  const alpha = opts.alpha ?? 1;
  const minCount = opts.minCount ?? 2;
  const heads: Partial<Record<Head, NbHeadJson>> = {};
  const feats = examples.map((e) => features(e.tokens));
  // Document frequency across all examples decides which features are kept.
  const seen = new Map<string, number>();
  for (const f of feats) for (const x of f) seen.set(x, (seen.get(x) ?? 0) + 1);
  for (const head of HEADS) {
    const classes = CLASS_ORDER[head];
    const docs = classes.map(() => 0);
    const totals = classes.map(() => 0);
    const counts: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
    examples.forEach((e, i) => {
      const label = labelOf(e, head);
      const c = label === undefined ? -1 : classes.indexOf(label);
      if (c < 0) return;
      docs[c] = (docs[c] ?? 0) + 1;
      for (const x of feats[i] ?? []) {
        if ((seen.get(x) ?? 0) < minCount) continue;
        const row = (counts[x] ??= classes.map(() => 0));
        row[c] = (row[c] ?? 0) + 1;
        totals[c] = (totals[c] ?? 0) + 1;
      }
    });
    if (docs.filter((d) => d > 0).length >= 2) heads[head] = { classes, docs, totals, counts };
  }
  const summary = JSON.stringify(Object.entries(heads).map(([h, j]) => [h, j.docs, j.totals]));
  return {
    format: 'yuqing-nb',
    version: 1,
    modelVersion: `nb1-${fnv(summary)}`,
    createdAt: opts.createdAt ?? new Date().toISOString(),
    alpha,
    minCount,
    heads,
  };
}

/**
 * Trains every head for which at least two classes have examples: logistic regression by default,
 * naive Bayes with `algorithm: 'nb'`. Deterministic: the same examples and options give the same
 * model (and modelVersion); only createdAt differs unless pinned.
 */
export function train(examples: readonly TrainingExample[], opts: TrainOptions = {}): ModelJson {
  return opts.algorithm === 'nb' ? trainNb(examples, opts) : trainLr(examples, opts);
}

// ---------------------------------------------------------------------------------------------
// Loading

type Scorer = (tokens: readonly string[]) => number[];

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

function loadNbHeads(m: Partial<NbModelJson>): Map<Head, { classes: string[]; score: Scorer }> {
  const alpha = typeof m.alpha === 'number' && m.alpha > 0 ? m.alpha : 1;
  const out = new Map<Head, { classes: string[]; score: Scorer }>();
  for (const head of HEADS) {
    const h = m.heads?.[head];
    if (!h) continue;
    if (!Array.isArray(h.classes) || !Array.isArray(h.docs) || !Array.isArray(h.totals) || !h.counts || typeof h.counts !== 'object') {
      throw new Error(`model: head ${head} is malformed`);
    }
    // Log-likelihoods are computed once here, so predicting is a Map lookup and additions per feature.
    const vocab = Object.keys(h.counts).length;
    const nDocs = h.docs.reduce((a, b) => a + b, 0);
    const denom = h.totals.map((t) => Math.log(t + alpha * (vocab + 1)));
    const logLik = new Map<string, number[]>();
    for (const [x, row] of Object.entries(h.counts)) {
      if (Array.isArray(row)) logLik.set(x, denom.map((d, c) => Math.log((Number(row[c]) || 0) + alpha) - d));
    }
    const logPrior = h.docs.map((d) => Math.log((d + 1) / (nDocs + h.classes.length)));
    const score: Scorer = (tokens) => {
      const logp = logPrior.slice();
      for (const x of features(tokens)) {
        const row = logLik.get(x);
        if (!row) continue; // unseen features carry no evidence
        for (let c = 0; c < logp.length; c++) logp[c] = (logp[c] as number) + (row[c] as number);
      }
      return softmax(logp);
    };
    out.set(head, { classes: h.classes, score });
  }
  return out;
}

function loadLrHeads(m: Partial<LrModelJson>): Map<Head, { classes: string[]; score: Scorer }> {
  const f = m.features;
  if (!f || typeof f !== 'object' || !Number.isInteger(f.bits) || f.bits < 12 || f.bits > 24 || !Number.isInteger(f.charNgrams) || f.charNgrams < 0 || f.charNgrams > 4 || typeof f.wordBigrams !== 'boolean' || !Number.isInteger(f.negationScope) || f.negationScope < 0) {
    throw new Error('model: missing or malformed features');
  }
  const spec: LrFeatureSpec = { bits: f.bits, charNgrams: f.charNgrams, wordBigrams: f.wordBigrams, negationScope: f.negationScope };
  const size = 1 << spec.bits;
  const out = new Map<Head, { classes: string[]; score: Scorer }>();
  for (const head of HEADS) {
    const h = m.heads?.[head];
    if (!h) continue;
    const nVec = Array.isArray(h.classes) ? (h.classes.length === 2 ? 1 : h.classes.length) : -1;
    if (nVec < 1 || h.classes.length < 2 || !h.classes.every((c) => typeof c === 'string') || !Array.isArray(h.bias) || h.bias.length !== nVec || !h.bias.every((b) => typeof b === 'number' && Number.isFinite(b)) || !Array.isArray(h.weights) || h.weights.length !== nVec || !h.weights.every((w) => typeof w === 'string')) {
      throw new Error(`model: head ${head} is malformed`);
    }
    const bias = h.bias.slice();
    const weights = h.weights.map((w, k) => decodeWeights(w, size, `head ${head} weights[${k}]`));
    const score: Scorer = (tokens) => {
      const x = hashedFeatures(tokens, spec);
      const scale = x.length ? 1 / Math.sqrt(x.length) : 0;
      const z = bias.map((b, k) => {
        const wk = weights[k] as Float32Array;
        let v = b;
        for (const i of x) v += (wk[i] as number) * scale;
        return v;
      });
      if (nVec === 1) {
        const p = 1 / (1 + Math.exp(-(z[0] as number)));
        return [1 - p, p];
      }
      return softmax(z);
    };
    out.set(head, { classes: h.classes, score });
  }
  return out;
}

/** Checks a parsed JSON value and returns a Model; throws a plain Error saying what is wrong. */
export function loadModel(json: unknown): Model {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('model: not a JSON object');
  const m = json as Partial<LrModelJson> | Partial<NbModelJson>;
  if (m.format !== 'yuqing-lr' && m.format !== 'yuqing-nb') throw new Error(`model: unknown format ${JSON.stringify(m.format)} (expected "yuqing-lr" or "yuqing-nb")`);
  if (m.version !== 1) throw new Error(`model: unsupported ${m.format} version ${JSON.stringify(m.version)} (expected 1); retrain with this version's \`yuqing train\``);
  if (typeof m.modelVersion !== 'string' || !m.heads || typeof m.heads !== 'object') throw new Error('model: missing modelVersion or heads');
  const loaded = m.format === 'yuqing-lr' ? loadLrHeads(m as Partial<LrModelJson>) : loadNbHeads(m as Partial<NbModelJson>);
  const modelVersion = m.modelVersion;
  const predict = (head: Head, tokens: readonly string[]): Record<string, number> | null => {
    const h = loaded.get(head);
    if (!h) return null;
    let p: number[];
    try {
      p = h.score(Array.isArray(tokens) ? tokens : []);
    } catch {
      return null;
    }
    const out: Record<string, number> = {};
    h.classes.forEach((c, i) => (out[c] = p[i] ?? 0));
    return out;
  };
  const sd = (m as Partial<LrModelJson>).stance;
  const stance: StanceDecision | null =
    sd && (sd.combine === 'or' || sd.combine === 'model') && typeof sd.threshold === 'number' && sd.threshold > 0 && sd.threshold < 1 ? { combine: sd.combine, threshold: sd.threshold, chosenBy: String(sd.chosenBy ?? '') } : null;
  return {
    modelVersion,
    heads: [...loaded.keys()],
    stance,
    predict,
    probability: (head, tokens) => {
      const p = predict(head, tokens);
      return p ? (p['true'] ?? 0) : null;
    },
  };
}
