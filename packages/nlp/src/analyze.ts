/**
 * The analysis of one item, used by `yuqing analyze`, the analyzer worker and the topic stage:
 * normalize → tokenize once → relevance, sentiment, police-negative, keywords, simhash,
 * categories, places — every stage reuses the same tokens. Pure after loading data files once;
 * `analyze` never throws (a failure inside a stage degrades that field, not the item).
 */
import { categorize } from './categories';
import { keywords } from './keywords';
import { loadModel, type Model, type ModelJson } from './model';
import { normalize } from './normalize';
import { createPlaceMatcher } from './places';
import { policeNegative } from './police-negative';
import { policeRelevance } from './relevance';
import { contentTokens, tokenize } from './segment';
import { NEG_THRESHOLD, POS_THRESHOLD, scoreSentiment, type SentimentResult } from './sentiment';
import { simhash } from './simhash';

/** Version of the rules and lexicons; stored with every analysis so results can be recomputed. */
export const ENGINE_VERSION = 'yuqing-nlp-1.0.0';

/** One item to analyse. */
export interface AnalyzeInput {
  id: string;
  title?: string | null;
  text: string;
  publishedAt?: string | null;
  source?: string | null;
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
}

/** A configured analyzer. */
export interface Analyzer {
  analyze(input: AnalyzeInput): AnalysisResult;
  readonly engineVersion: string;
  readonly modelVersion: string | null;
}

/** Options of createAnalyzer. */
export interface AnalyzerOptions {
  /** A model from `yuqing train`; combined with the lexicon (see model.ts). */
  model?: ModelJson | null;
  /** Longest text analysed (normalize's maxChars). */
  maxChars?: number;
  /** Passed to createPlaceMatcher: the jurisdiction whose place names raise jurisdictionHits. */
  jurisdiction?: Parameters<typeof createPlaceMatcher>[0];
}

const KEYWORDS = 8;
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

/** Creates an analyzer; loads lexicons, dictionaries and the model once. Throws only on a bad model. */
export function createAnalyzer(opts: AnalyzerOptions = {}): Analyzer {
  const model = opts.model ? loadModel(opts.model) : null;
  const places = createPlaceMatcher(opts.jurisdiction);
  const maxChars = opts.maxChars;
  const modelVersion = model?.modelVersion ?? null;

  const analyze = (input: AnalyzeInput): AnalysisResult => {
    const id = typeof input?.id === 'string' ? input.id : String(input?.id ?? '');
    const rawText = typeof input?.text === 'string' ? input.text : '';
    const rawTitle = typeof input?.title === 'string' ? input.title : '';
    const norm = safe(() => normalize(rawText, maxChars === undefined ? undefined : { maxChars }), null);
    const title = rawTitle ? safe(() => normalize(rawTitle, { maxChars: 1000 }), null) : null;
    const text = norm?.text ?? '';
    const bodyTokens = safe(() => tokenize(text), [] as string[]);
    const titleTokens = title ? safe(() => tokenize(title.text), [] as string[]) : [];
    // Title first, then a full stop so no clause or phrase spans the two.
    const tokens = titleTokens.length ? [...titleTokens, '。', ...bodyTokens] : bodyTokens;
    const content = safe(() => contentTokens(tokens), [] as string[]);
    const emoticons = [...(title?.emoticons ?? []), ...(norm?.emoticons ?? [])];
    const mentions = [...(title?.mentions ?? []), ...(norm?.mentions ?? [])];

    const relevance = safe(() => policeRelevance(bodyTokens, titleTokens, { mentions, textLength: text.length }), { related: false, score: 0, hits: [], positions: [] });
    const lexSentiment = safe(() => scoreSentiment(tokens, emoticons), { label: 'neutral' as const, score: 0, raw: 0 });
    const sentiment = safe(() => combineSentiment(lexSentiment, model, tokens), { label: lexSentiment.label, score: lexSentiment.score });
    // police-negative sees the combined sentiment and all tokens; relevance positions index the
    // body tokens, so they are shifted past the title.
    const offset = titleTokens.length ? titleTokens.length + 1 : 0;
    const shifted = offset ? { ...relevance, positions: relevance.positions.map((p) => p + offset) } : relevance;
    const pn = safe(() => policeNegative(shifted, { ...lexSentiment, score: sentiment.score }, tokens), { negative: false, score: 0, kinds: [] });
    let pnScore = pn.score;
    let pnFlag = pn.negative;
    if (model && relevance.related) {
      const p = safe(() => model.probability('police_negative', tokens), null);
      if (p !== null) {
        // The rules carry most of the weight: police-negative training sets are small.
        pnScore = 0.75 * pn.score + 0.25 * p;
        pnFlag = pnScore >= 0.5;
      }
    }
    const placeHits = safe(() => places.find(`${title?.text ?? ''} ${text}`), { places: [] as string[], jurisdictionHits: [] as string[] });
    return {
      id,
      policeRelated: relevance.related,
      policeScore: round(relevance.score),
      sentiment: { label: sentiment.label, score: round(sentiment.score) },
      policeNegative: relevance.related && pnFlag,
      keywords: safe(() => keywords(tokens, KEYWORDS), []),
      simhash: safe(() => simhash(content), EMPTY_HASH),
      categories: safe(() => categorize(tokens, `${title?.text ?? ''} ${text}`), []),
      places: placeHits.places,
      policeNegativeScore: round(relevance.related ? pnScore : 0),
      language: norm?.language ?? 'unknown',
      jurisdictionHits: placeHits.jurisdictionHits,
      emoticons,
      truncated: norm?.truncated ?? false,
      modelVersion,
    };
  };

  return {
    analyze: (input) => safe(() => analyze(input), fallbackResult(input, modelVersion)),
    engineVersion: ENGINE_VERSION,
    modelVersion,
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
  };
}
