/**
 * A trainable token classifier: multinomial naive Bayes with Laplace smoothing over token unigrams
 * and adjacent-token bigrams (bigrams keep "不|好" apart from "好"). One model file holds up to
 * three heads, each trained on the examples that carry its label:
 * - `negative`: negative vs not (from `negative`, or from `sentiment` === 'negative');
 * - `sentiment`: negative / neutral / positive (from `sentiment`);
 * - `police_negative`: police-negative vs not (from `police_negative`).
 * Serializable as plain JSON with a format version; pure, never throws when predicting.
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
  negative?: boolean;
  sentiment?: 'negative' | 'neutral' | 'positive';
  police_negative?: boolean;
}

/** A trained head: class counts and per-class token counts. */
export interface HeadJson {
  classes: string[];
  /** Documents per class. */
  docs: number[];
  /** Total feature occurrences per class. */
  totals: number[];
  /** feature → count per class. */
  counts: Record<string, number[]>;
}

/** The serialized model. */
export interface ModelJson {
  format: 'yuqing-nb';
  /** Format version of this JSON; loadModel refuses other versions. */
  version: 1;
  /** Identifies the trained model (stored with each analysis). */
  modelVersion: string;
  createdAt: string;
  alpha: number;
  minCount: number;
  heads: Partial<Record<Head, HeadJson>>;
}

/** Training options. */
export interface TrainOptions {
  /** Laplace smoothing (default 1). */
  alpha?: number;
  /** Features seen fewer times in the training data are dropped (default 2; 1 keeps all). */
  minCount?: number;
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
}

const MODEL_VERSION_PREFIX = 'nb1-';

// Punctuation and symbols carry signal (？！) but bare spaces do not.
function isFeature(t: string): boolean {
  return t.length > 0 && t.length <= 16 && t.trim() !== '';
}

/**
 * Features of a token list: unigrams, bigrams "a|b" of adjacent tokens, and character bigrams
 * "#ab" inside and across tokens (short Weibo text: they catch words the segmenter cut oddly).
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

const CLASS_ORDER: Record<Head, string[]> = { negative: ['false', 'true'], sentiment: ['negative', 'neutral', 'positive'], police_negative: ['false', 'true'] };

/** A short deterministic hash (FNV-1a, 32 bits) for the model version. */
function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Trains every head for which at least two classes have examples. */
export function train(examples: readonly TrainingExample[], opts: TrainOptions = {}): ModelJson {
  const alpha = opts.alpha ?? 1;
  const minCount = opts.minCount ?? 2;
  const heads: Partial<Record<Head, HeadJson>> = {};
  const feats = examples.map((e) => features(e.tokens));
  // Document frequency across all examples decides which features are kept.
  const seen = new Map<string, number>();
  for (const f of feats) for (const x of f) seen.set(x, (seen.get(x) ?? 0) + 1);
  for (const head of ['negative', 'sentiment', 'police_negative'] as const) {
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
    modelVersion: `${MODEL_VERSION_PREFIX}${fnv(summary)}`,
    createdAt: opts.createdAt ?? new Date().toISOString(),
    alpha,
    minCount,
    heads,
  };
}

/** Checks a parsed JSON value and returns a Model; throws a plain Error saying what is wrong. */
export function loadModel(json: unknown): Model {
  if (!json || typeof json !== 'object') throw new Error('model: not a JSON object');
  const m = json as Partial<ModelJson>;
  if (m.format !== 'yuqing-nb') throw new Error(`model: unknown format ${JSON.stringify(m.format)}`);
  if (m.version !== 1) throw new Error(`model: unsupported version ${JSON.stringify(m.version)} (expected 1)`);
  if (typeof m.modelVersion !== 'string' || !m.heads || typeof m.heads !== 'object') throw new Error('model: missing modelVersion or heads');
  const alpha = typeof m.alpha === 'number' && m.alpha > 0 ? m.alpha : 1;
  // Log-likelihoods are computed once here, so predicting is a Map lookup and additions per feature.
  const loaded = new Map<Head, { classes: string[]; logPrior: number[]; logLik: Map<string, number[]> }>();
  for (const head of ['negative', 'sentiment', 'police_negative'] as const) {
    const h = m.heads[head];
    if (!h) continue;
    if (!Array.isArray(h.classes) || !Array.isArray(h.docs) || !Array.isArray(h.totals) || typeof h.counts !== 'object') {
      throw new Error(`model: head ${head} is malformed`);
    }
    const vocab = Object.keys(h.counts).length;
    const nDocs = h.docs.reduce((a, b) => a + b, 0);
    const denom = h.totals.map((t) => Math.log(t + alpha * (vocab + 1)));
    const logLik = new Map<string, number[]>();
    for (const [x, row] of Object.entries(h.counts)) {
      if (Array.isArray(row)) logLik.set(x, denom.map((d, c) => Math.log((Number(row[c]) || 0) + alpha) - d));
    }
    loaded.set(head, { classes: h.classes, logPrior: h.docs.map((d) => Math.log((d + 1) / (nDocs + h.classes.length))), logLik });
  }
  const modelVersion = m.modelVersion;
  const predict = (head: Head, tokens: readonly string[]): Record<string, number> | null => {
    const h = loaded.get(head);
    if (!h) return null;
    const logp = h.logPrior.slice();
    for (const x of features(tokens)) {
      const row = h.logLik.get(x);
      if (!row) continue; // unseen features carry no evidence
      for (let c = 0; c < logp.length; c++) logp[c] = (logp[c] as number) + (row[c] as number);
    }
    const max = Math.max(...logp);
    const exp = logp.map((v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const out: Record<string, number> = {};
    h.classes.forEach((c, i) => (out[c] = (exp[i] as number) / sum));
    return out;
  };
  return {
    modelVersion,
    heads: [...loaded.keys()],
    predict,
    probability: (head, tokens) => {
      const p = predict(head, tokens);
      return p ? (p['true'] ?? 0) : null;
    },
  };
}
