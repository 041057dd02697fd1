/**
 * The analysis of one item, used by `yuqing analyze`, the analyzer worker and the topic stage:
 * normalize → tokenize once → relevance, sentiment, police-negative, keywords, simhash,
 * categories, places — every stage reuses the same tokens, and the same per-token facts looked up
 * once in the token table (token-info.ts), because the whole engine must cost at most 40 % on top
 * of segmentation itself (pnpm bench:analyze). Pure after loading data files once; `analyze`
 * never throws (a failure inside a stage degrades that field, not the item).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { categorizeOf } from './categories';
import { keywordsOf } from './keywords';
import { loadModel, type Model, type ModelJson } from './model';
import { normalize, type Normalized, type NormalizeOptions } from './normalize';
import { createPlaceMatcher, type PlaceMatch } from './places';
import { NEGATIVE_THRESHOLD, policeNegativeOf } from './police-negative';
import { isPoliceAccount, RELATED_THRESHOLD, relevanceOf, type RelevanceResult } from './relevance';
import { ownWords, replyWords } from './repost';
import { stanceOf } from './stance';
import { cutRaw } from './segment';
import { NEG_THRESHOLD, POS_THRESHOLD, sentimentOf, type SentimentResult } from './sentiment';
import { simhashOf } from './simhash';
import { B_BLANK, B_CONTENT } from './token-bits';
import { tokenTable } from './token-info';

/** Version of the rules and lexicons; stored with every analysis so results can be recomputed. */
export const ENGINE_VERSION = 'yuqing-nlp-1.1.0';

/** One item to analyse. */
export interface AnalyzeInput {
  id: string;
  title?: string | null;
  text: string;
  publishedAt?: string | null;
  source?: string | null;
  /**
   * The item answers another (a forum reply, a comment pushed with its parent): all of its words
   * are its own, a reaction to the post it answers even when they name no police (the thread does).
   */
  reply?: boolean;
}

/** What the analysis says about one item. */
export interface AnalysisResult {
  id: string;
  policeRelated: boolean;
  policeScore: number;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
  policeNegative: boolean;
  keywords: string[];
  simhash: string;
  categories: string[];
  places: string[];
  policeNegativeScore: number;
  language: string;
  jurisdictionHits: string[];
  emoticons: string[];
  truncated: boolean;
  modelVersion: string | null;
  /**
   * Which stance cues toward police fired (misconduct, distrust, sarcasm, inaction, cover-up,
   * accountability, rhetorical, ridicule, clash, rumour …; model when the learned model carried the
   * decision), for the item page and the topic explanation. Empty for items not police-related.
   */
  policeNegativeCues: string[];
  /**
   * A repost's own words (the text before the quoted post), judged for their stance toward the
   * police when the item is police-related: what a reaction adds to its cascade. Null for an
   * original post, a bare repost, or an item that is not police-related.
   */
  reaction: { policeNegative: boolean; score: number; cues: string[] } | null;
  /**
   * The item's content tokens (title and body, as segmented for the stages above), each once, in
   * order of first appearance: what the keyword search index stores (item_analysis.search). Not
   * part of `yuqing analyze`'s output contract.
   */
  searchTokens: string[];
}

/** A configured analyzer. */
export interface Analyzer {
  analyze(input: AnalyzeInput): AnalysisResult;
  /**
   * What the police-negative model reads for an input (its words and the rules' markers), judged
   * as police-related: the tokens of a training example (stance-training.ts).
   */
  stanceTokens(input: AnalyzeInput): { tokens: string[]; ruleScore: number; chars: number };
  readonly engineVersion: string;
  readonly modelVersion: string | null;
  /** The police-negative threshold this analyzer flags at (the setting, the model's, or the default). */
  readonly policeNegativeThreshold: number;
}

/** Options of createAnalyzer. */
export interface AnalyzerOptions {
  /** A model from `yuqing train`; combined with the lexicon (see model.ts). */
  model?: ModelJson | null;
  /** Longest text analysed (normalize's maxChars). */
  maxChars?: number;
  /**
   * Police-negative score at or above which an item is flagged (default NEGATIVE_THRESHOLD): an
   * early-warning desk may trade precision for recall (eval:analyze prints the curve).
   */
  policeNegativeThreshold?: number;
  /**
   * False: no police-negative model unless `model` has that head (the rules alone, as yuqing ≤ 1.0
   * judged). Default true: the shipped model trained on the team's authored corpus.
   */
  defaultStanceModel?: boolean;
  /** Passed to createPlaceMatcher: the jurisdiction whose place names raise jurisdictionHits. */
  jurisdiction?: Parameters<typeof createPlaceMatcher>[0];
}

const KEYWORDS = 8;

/**
 * Default threshold of the combined police-negative score (rules and model), chosen on the
 * precision/recall curves eval:analyze prints: an early-warning desk would rather check a false
 * alarm than miss a real one, so recall ≥ 0.80 at precision ≥ 0.75 on both police sets. 0.55 is the
 * one point of the 0.05 grid that holds both (at 0.50 dev's precision is 0.747; at 0.60 dev2's recall
 * is 0.784). Without a model the rules' own NEGATIVE_THRESHOLD applies.
 */
export const POLICE_NEGATIVE_THRESHOLD = 0.55;

/**
 * How much the model's word is worth beside the rules, by text length: in full for a comment (≤ 60
 * characters), falling to half for a long post (≥ 160). The model reads a text as one bag of
 * n-grams; in a long post most of them are about something else (the crime, the accident, the
 * panda), while the rules read the sentences that name the police. Measured on both police sets:
 * at the default threshold it raises precision on posts and news without costing comments' recall.
 */
export function modelWeight(chars: number): number {
  return Math.min(1, Math.max(0.5, 1 - (chars - 60) / 200));
}

/** Where the shipped police-negative model is (written by `pnpm nlp:train-stance`). */
export const SHIPPED_STANCE_MODEL_FILE = fileURLToPath(new URL('../data/models/police-stance.json', import.meta.url));

let shippedStanceModel: Model | null | undefined;

/**
 * The shipped police-negative model, trained on the team's authored corpus (data/training/stance)
 * by scripts/train-stance.ts; loaded once. Null when the file is missing (the rules alone judge).
 */
export function defaultStanceModel(): Model | null {
  if (shippedStanceModel === undefined) {
    shippedStanceModel = existsSync(SHIPPED_STANCE_MODEL_FILE) ? loadModel(JSON.parse(readFileSync(SHIPPED_STANCE_MODEL_FILE, 'utf8'))) : null;
  }
  return shippedStanceModel;
}

/**
 * What the model reads besides the words: one marker per rule cue that fired and one for the
 * rules' score (in fifths), so a model trained on analysts' corrections learns how far to trust
 * each rule in the bureau's own texts instead of a fixed blend.
 */
export function stanceMarkers(ruleScore: number, cues: readonly string[]): string[] {
  const out = [`⟦r${Math.min(4, Math.max(0, Math.floor(ruleScore * 5)))}⟧`];
  for (const c of cues) out.push(`⟦${c}⟧`);
  return out;
}

const EMPTY_HASH = '0000000000000000';

/** Runs f, returning fallback when it throws: one stage's bug must not lose the item. */
function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** Lexicon sentiment adjusted by the model's `negative` head: log-odds are added (see model.ts). */
function combineSentiment(lex: SentimentResult, model: Model | null, tokens: readonly string[]): AnalysisResult['sentiment'] {
  const p = model ? model.probability('negative', tokens) : null;
  if (p === null) return { label: lex.label, score: lex.score };
  const clamped = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  const logOdds = Math.log(clamped / (1 - clamped)) + (NEG_THRESHOLD - lex.raw);
  const pNeg = 1 / (1 + Math.exp(-logOdds));
  // Score: the lexicon's, pulled toward the combined belief; label: negative when pNeg ≥ 0.5.
  const score = Math.max(-1, Math.min(1, (lex.score + (1 - 2 * pNeg)) / 2));
  const label = pNeg >= 0.5 ? 'negative' : lex.raw >= POS_THRESHOLD ? 'positive' : 'neutral';
  return { label, score };
}

const TITLE_OPTS: NormalizeOptions = { maxChars: 1000 };
const NO_RELEVANCE: RelevanceResult = { related: false, score: 0, hits: [], positions: [] };
/** A stance toward police: flag, score in [0, 1) and the cues that fired. */
interface Stance {
  negative: boolean;
  score: number;
  cues: string[];
  /** What the model read (words and rule markers); empty unless there is a model or they were asked for. */
  tokens: readonly string[];
  /** The rules' own score. */
  ruleScore: number;
}
const EMPTY_TOKENS: readonly string[] = [];
const NO_STANCE: Stance = { negative: false, score: 0, cues: [], tokens: EMPTY_TOKENS, ruleScore: 0 };
const REACTION_OPTS: NormalizeOptions = { maxChars: 2000 };
// Cues that speak against the police even when a reaction does not name them (not ridicule or
// fear words, not misconduct words that may describe the criminal).
// A reaction not aimed at the police scores below any threshold a setting may give.
const REACTION_UNAIMED_MAX = 0.2;
const AIMED_AT_POLICE = new Set(['distrust', 'sarcasm', 'inaction', 'coverup', 'accountability', 'rhetorical', 'question', 'fear', 'corruption', 'unfair']);
const NO_SENTIMENT: SentimentResult = { label: 'neutral', score: 0, raw: 0 };
const EMPTY: readonly string[] = [];

// The item's token ids (title, '。', body); module scratch, grown as needed, because analyze is
// synchronous and allocating it per item costs more than the stages that read it.
let ids = new Int32Array(1024);

/** Segments text and appends the ids of its non-blank tokens to ids from n; returns the new count. */
function appendTokens(text: string, n: number): number {
  const tab = tokenTable;
  for (const t of cutRaw(text)) {
    const id = tab.id(t);
    if ((tab.bits[id] as number) & B_BLANK) continue;
    n = pushId(id, n);
  }
  return n;
}

/** Sets ids[n] = id (growing ids when full); returns n + 1. */
function pushId(id: number, n: number): number {
  if (n === ids.length) {
    const grown = new Int32Array(n * 2);
    grown.set(ids);
    ids = grown;
  }
  ids[n] = id;
  return n + 1;
}

// The token ranges handed to the place matcher (reused: analyze is synchronous).
const ranges: { str: readonly string[]; ids: Int32Array; to1: number; from2: number; to2: number } = { str: [], ids, to1: 0, from2: 0, to2: 0 };

/**
 * The end (exclusive) of the body tokens ids[bodyFrom, n) that spell `prefix`, the opening of the
 * body's text; −1 when they do not (normalization differed, or a token straddles its end).
 */
function prefixTokens(prefix: string, bodyText: string, bodyFrom: number, n: number): number {
  if (!prefix || !bodyText.startsWith(prefix)) return -1;
  const str = tokenTable.str;
  let at = 0;
  let i = bodyFrom;
  while (i < n && at < prefix.length) {
    const t = str[ids[i] as number] as string;
    const found = bodyText.indexOf(t, at);
    if (found < 0 || found >= prefix.length) break;
    at = found + t.length;
    i++;
  }
  if (at > prefix.length) return -1;
  return at === prefix.length || prefix.slice(at).trim() === '' ? i : -1;
}

/** The tokens ids[from, to) as strings. */
function tokenStrings(from: number, to: number, out: string[] = []): string[] {
  const str = tokenTable.str;
  for (let i = from; i < to; i++) out.push(str[ids[i] as number] as string);
  return out;
}

/** The distinct content tokens of ids[0, n), in order of first appearance. */
function searchTokensOf(n: number): string[] {
  const tab = tokenTable;
  const seen = new Set<number>();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (!((tab.bits[id] as number) & B_CONTENT) || seen.has(id)) continue;
    seen.add(id);
    out.push(tab.str[id] as string);
  }
  return out;
}

/** Creates an analyzer; loads lexicons, dictionaries and the model once. Throws only on a bad model. */
export function createAnalyzer(opts: AnalyzerOptions = {}): Analyzer {
  const model = opts.model ? loadModel(opts.model) : null;
  // The police-negative head: the given model's when it has one, else the shipped default trained
  // on the team's authored corpus (unless switched off, to measure the rules alone).
  const stanceModel = model?.heads.includes('police_negative') ? model : opts.defaultStanceModel === false ? null : defaultStanceModel();
  const places = createPlaceMatcher(opts.jurisdiction);
  const normOpts: NormalizeOptions | undefined = opts.maxChars === undefined ? undefined : { maxChars: opts.maxChars };
  const modelVersion = model?.modelVersion ?? stanceModel?.modelVersion ?? null;

  // The setting wins; else the model's own operating point (calibrated on corrections); else the defaults.
  const threshold = opts.policeNegativeThreshold ?? stanceModel?.stance?.threshold ?? (stanceModel ? POLICE_NEGATIVE_THRESHOLD : NEGATIVE_THRESHOLD);
  const combineAlone = stanceModel?.stance?.combine === 'model';
  if (!(threshold > 0 && threshold < 1)) throw new Error(`policeNegativeThreshold must be in (0, 1), got ${threshold}`);
  // Set while stanceTokens runs: the words and rule markers of the item are kept for training.
  let wantTokens = false;
  let lastStanceTokens: readonly string[] = EMPTY_TOKENS;
  let lastRuleScore = 0;
  let lastChars = 0;

  /**
   * The stance toward police of the tokens ids[from, to) of a police-related text: the rules'
   * score and cues, combined with the model's police_negative head when there is one.
   */
  const judgeStance = (relevance: RelevanceResult, sentimentScore: number, from: number, to: number, text: string, emoticons: readonly string[], addressed: boolean, modelIf?: (ruleKinds: readonly string[]) => boolean): Stance => {
    const view = from === 0 ? ids : ids.subarray(from, to);
    const cues = stanceOf(text, emoticons, addressed);
    const pn = policeNegativeOf(relevance, sentimentScore, tokenTable, view, to - from, cues);
    const fired = pn.kinds.slice();
    // The model is asked only where its answer can matter (modelIf), because it costs about as much as all the rules.
    const useModel = stanceModel !== null && (modelIf === undefined || modelIf(pn.kinds));
    const tokens = useModel || wantTokens ? [...tokenStrings(from, to), ...stanceMarkers(pn.score, pn.kinds)] : EMPTY_TOKENS;
    const p = useModel ? (stanceModel as Model).probability('police_negative', tokens) : null;
    // Either judge may see what the other misses (a misconduct word the model never met; irony no
    // pattern lists), so they combine like independent detectors: 1 − (1 − rules)(1 − model). The
    // model has also read the rules' markers, so where its training says a rule misleads (in the
    // bureau's corrections, say) it can pull against that rule. Without a model the rules' score stands.
    // A model calibrated on the bureau's own corrections may have shown that it judges better alone.
    const score = p === null ? pn.score : combineAlone ? p : 1 - (1 - modelWeight(text.length) * p) * (1 - pn.score);
    if (p !== null && p >= threshold && pn.score < NEGATIVE_THRESHOLD) fired.push('model');
    return { negative: score >= threshold, score, cues: fired, tokens, ruleScore: pn.score };
  };

  /** The stance of a repost's own words (null for an original or a bare repost). */
  const reactionOf = (rawText: string, bodyText: string, bodyFrom: number, n: number, reply: boolean): AnalysisResult['reaction'] => {
    const own = reply ? replyWords(rawText) : ownWords(rawText);
    if (own === null) return null;
    const norm = normalize(own, REACTION_OPTS);
    // The reaction opens the body: its tokens are the body's first ones (segmented once), else
    // it is segmented on its own after the item's tokens.
    let from = bodyFrom;
    let to = prefixTokens(norm.text, bodyText, bodyFrom, n);
    if (to < 0) {
      from = n;
      to = appendTokens(norm.text, n);
    }
    if (to === from) return null;
    // The quoted post made the item police-related: the reaction is read as speaking of police.
    const view = ids.subarray(from, to);
    const rel = relevanceOf(tokenTable, view, 0, 0, to - from, norm.mentions, norm.text.length);
    const context: RelevanceResult = { related: true, score: Math.max(rel.score, RELATED_THRESHOLD), hits: rel.hits, positions: rel.positions };
    const sent = sentimentOf(tokenTable, view, to - from, norm.emoticons);
    // A reaction names no target as a rule ("吓死我了", "真的假的？", "人渣"): fear, shock, insults
    // may be at the criminal or the news itself. It speaks against the police only when it names
    // them, or when the rules read a stance that only the police can be the object of (distrust of
    // a statement, inaction, cover-up, demands of accountability …), not on the model's word alone.
    const aimedBy = (kinds: readonly string[]) => rel.score > 0 || kinds.some((c) => AIMED_AT_POLICE.has(c));
    const stance = judgeStance(context, sent.score, from, to, norm.text, norm.emoticons, true, aimedBy);
    const aimed = aimedBy(stance.cues);
    return { policeNegative: stance.negative && aimed, score: round(aimed ? stance.score : Math.min(stance.score, REACTION_UNAIMED_MAX)), cues: stance.cues };
  };

  // Each stage sits in its own try block (not a closure per stage: this runs for every item).
  const analyze = (input: AnalyzeInput): AnalysisResult => {
    const id = typeof input?.id === 'string' ? input.id : String(input?.id ?? '');
    const rawText = typeof input?.text === 'string' ? input.text : '';
    const rawTitle = typeof input?.title === 'string' ? input.title : '';
    let norm: Normalized | null = null;
    let title: Normalized | null = null;
    try {
      norm = normalize(rawText, normOpts);
    } catch {
      norm = null;
    }
    if (rawTitle) {
      try {
        title = normalize(rawTitle, TITLE_OPTS);
      } catch {
        title = null;
      }
    }
    const text = norm?.text ?? '';
    const tab = tokenTable;
    tab.beginItem();

    // ids[0, n) = title tokens, '。', body tokens (the full stop so no clause or phrase spans the
    // two; without a title just the body tokens), interned in the token table.
    let n = 0;
    let titleCount = 0;
    if (title) {
      try {
        titleCount = appendTokens(title.text, 0);
      } catch {
        titleCount = 0;
      }
      n = titleCount;
      if (titleCount > 0) n = pushId(tab.id('。'), n);
    }
    const bodyFrom = n;
    try {
      n = appendTokens(text, n);
    } catch {
      n = bodyFrom;
    }
    // The model reads the tokens as strings: made only when there is a model.
    let tokens: string[] | null = null;
    const emoticons = title && title.emoticons.length > 0 ? [...title.emoticons, ...(norm?.emoticons ?? EMPTY)] : (norm?.emoticons ?? []);
    const mentions = title && title.mentions.length > 0 ? [...title.mentions, ...(norm?.mentions ?? EMPTY)] : (norm?.mentions ?? EMPTY);

    let relevance = NO_RELEVANCE;
    try {
      relevance = relevanceOf(tab, ids, titleCount, bodyFrom, n, mentions, text.length);
    } catch {
      relevance = NO_RELEVANCE;
    }
    let lexSentiment = NO_SENTIMENT;
    try {
      lexSentiment = sentimentOf(tab, ids, n, emoticons);
    } catch {
      lexSentiment = NO_SENTIMENT;
    }
    // Without a model the lexicon's label and score are the sentiment.
    let sentiment: { label: AnalysisResult['sentiment']['label']; score: number } = lexSentiment;
    if (model) {
      try {
        sentiment = combineSentiment(lexSentiment, model, (tokens ??= tokenStrings(0, n)));
      } catch {
        sentiment = lexSentiment;
      }
    }
    // police-negative sees the combined sentiment and all tokens (relevance positions index
    // them). Unrelated items are never police-negative.
    let stance = NO_STANCE;
    // For training (stanceTokens) an item is judged as if related: the analyst's label says it is.
    if (relevance.related || wantTokens) {
      try {
        const judged = relevance.related ? relevance : { ...relevance, related: true, score: RELATED_THRESHOLD };
        stance = judgeStance(judged, sentiment.score, 0, n, title ? `${title.text}。${text}` : text, emoticons, mentions.some(isPoliceAccount));
      } catch {
        stance = NO_STANCE;
      }
    }
    lastStanceTokens = stance.tokens;
    lastRuleScore = stance.ruleScore;
    lastChars = (title ? title.text.length + 1 : 0) + text.length;
    // A repost's own words, judged in the police context its quoted post gives them; a reply's,
    // in the context of the post it answers (it need not name the police itself).
    let reaction: AnalysisResult['reaction'] = null;
    const reply = input.reply === true;
    if (relevance.related || reply) {
      try {
        reaction = reactionOf(rawText, text, bodyFrom, n, reply);
      } catch {
        reaction = null;
      }
    }
    let keywords: string[] = [];
    try {
      keywords = keywordsOf(tab, ids, n, KEYWORDS);
    } catch {
      keywords = [];
    }
    let simhash = EMPTY_HASH;
    try {
      simhash = simhashOf(tab, ids, n);
    } catch {
      simhash = EMPTY_HASH;
    }
    const titleText = title?.text ?? '';
    let categories: string[] = [];
    try {
      categories = categorizeOf(tab, ids, n, titleText, text);
    } catch {
      categories = [];
    }
    // Places see the tokens of the very text they scan (title, space, body), so short names only
    // match on token boundaries (大同小异 names no 大同市); the title/body full stop is not in it.
    let placeHits: PlaceMatch;
    try {
      ranges.str = tab.str;
      ranges.ids = ids;
      ranges.to2 = n;
      if (title) {
        ranges.to1 = titleCount;
        ranges.from2 = bodyFrom;
        placeHits = places.findRanges(`${titleText} ${text}`, ranges);
      } else {
        // No title: the leading space of ' ' + text can start no name, so the body is scanned as is.
        ranges.to1 = 0;
        ranges.from2 = 0;
        placeHits = places.findRanges(text, ranges);
      }
    } catch {
      placeHits = { places: [], jurisdictionHits: [] };
    }
    let searchTokens: string[] = [];
    try {
      searchTokens = searchTokensOf(n);
    } catch {
      searchTokens = [];
    }
    return {
      id,
      // A reply that speaks against the police is about them, though only its thread names them.
      policeRelated: relevance.related || (reply && reaction !== null && reaction.policeNegative),
      policeScore: round(relevance.score),
      sentiment: { label: sentiment.label, score: round(sentiment.score) },
      policeNegative: relevance.related && stance.negative,
      keywords,
      simhash,
      categories,
      places: placeHits.places,
      policeNegativeScore: round(relevance.related ? stance.score : 0),
      language: norm?.language ?? 'unknown',
      jurisdictionHits: placeHits.jurisdictionHits,
      emoticons,
      truncated: norm?.truncated ?? false,
      modelVersion,
      policeNegativeCues: stance.cues,
      reaction,
      searchTokens,
    };
  };

  return {
    analyze: (input) => {
      try {
        return analyze(input);
      } catch {
        return fallbackResult(input, modelVersion);
      }
    },
    stanceTokens: (input) => {
      wantTokens = true;
      lastStanceTokens = EMPTY_TOKENS;
      lastRuleScore = 0;
      try {
        analyze(input);
        return { tokens: [...lastStanceTokens], ruleScore: lastRuleScore, chars: lastChars };
      } finally {
        wantTokens = false;
      }
    },
    engineVersion: ENGINE_VERSION,
    modelVersion,
    policeNegativeThreshold: threshold,
  };
}

/** Rounds to 4 decimals, so output is stable and compact. */
function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0;
}

/** The empty analysis, for an input that could not be analysed at all. */
function fallbackResult(input: AnalyzeInput, modelVersion: string | null): AnalysisResult {
  const id = safe(() => (typeof input?.id === 'string' ? input.id : String(input?.id ?? '')), '');
  return {
    id,
    policeRelated: false,
    policeScore: 0,
    sentiment: { label: 'neutral', score: 0 },
    policeNegative: false,
    keywords: [],
    simhash: EMPTY_HASH,
    categories: [],
    places: [],
    policeNegativeScore: 0,
    language: 'unknown',
    jurisdictionHits: [],
    emoticons: [],
    truncated: false,
    modelVersion,
    policeNegativeCues: [],
    reaction: null,
    searchTokens: [],
  };
}
