/**
 * Everything the analysis stages need to know about one token, looked up once per distinct token
 * and cached: the analyzer then pays one Map lookup per token instead of one per stage and
 * lexicon (stop words, relevance tables, sentiment roles and polarity, risk words, idf, category
 * terms, simhash words). The facts depend only on the token and the shipped lexicons, which are
 * loaded once per process, so a cached entry never goes stale.
 *
 * The cache is bounded: two generations of at most GENERATION entries each; a token found in the
 * old generation moves to the current one, and when the current one fills up the old one is
 * dropped. Frequent tokens therefore stay, and a stream of new names and numbers costs at most
 * 2 × GENERATION entries (~ 20 MB). An entry keeps its identity while an item is analysed (an
 * item has far fewer tokens than GENERATION), which keywordsOf relies on to count on it.
 */
import { categoryTerm, type CategoryInfo } from './categories';
import { keywordFacts, type KeywordFacts, type KeywordInfo } from './keywords';
import { riskFacts, type RiskFacts, type RiskInfo } from './police-negative';
import { relevanceFacts, type RelevanceFacts, type RelevanceInfo } from './relevance';
import { isBlankToken, isContentToken } from './segment';
import { sentimentFacts, type SentimentFacts, type SentimentInfo } from './sentiment';
import { tokenHash, type SimhashInfo } from './simhash';

/** The cached facts of one token. */
export class TokenInfo implements RelevanceInfo, SentimentInfo, RiskInfo, KeywordInfo, SimhashInfo, CategoryInfo {
  readonly blank: boolean;
  readonly content: boolean;
  readonly kw: KeywordFacts;
  readonly hash: { readonly hi: number; readonly lo: number };
  readonly rel: RelevanceFacts;
  readonly sent: SentimentFacts;
  readonly risk: RiskFacts;
  readonly cat: CategoryInfo['cat'];

  constructor(token: string) {
    this.blank = isBlankToken(token);
    this.content = isContentToken(token);
    this.kw = keywordFacts(token, this.content);
    this.hash = tokenHash(token);
    this.rel = relevanceFacts(token);
    this.sent = sentimentFacts(token);
    this.risk = riskFacts(token);
    this.cat = categoryTerm(token);
  }
}

const GENERATION = 50_000;
let current = new Map<string, TokenInfo>();
let old = new Map<string, TokenInfo>();

/** The facts of one token (cached). */
export function tokenInfo(token: string): TokenInfo {
  let info = current.get(token);
  if (info !== undefined) return info;
  info = old.get(token) ?? new TokenInfo(token);
  if (current.size >= GENERATION) {
    old = current;
    current = new Map();
  }
  current.set(token, info);
  return info;
}

/** Entries held by the cache (for tests and the benchmark). */
export function tokenInfoCacheSize(): number {
  return current.size + old.size;
}
