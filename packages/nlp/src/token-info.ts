/**
 * Everything the analysis stages need to know about one token, looked up once per distinct token
 * and cached: the analyzer then pays one Map lookup per token instead of one per stage and
 * lexicon (stop words, relevance tables, sentiment roles and polarity, risk words, idf, category
 * terms, simhash words). The facts depend only on the token and the shipped lexicons, which are
 * loaded once per process, so a cached entry never goes stale.
 *
 * A TokenInfo is one flat object (the stages read `info.sent`, `info.rel` … which are the object
 * itself): following a pointer per stage to a separate facts object cost a cache miss each.
 *
 * The cache is bounded: two generations of at most GENERATION entries each; a token found in the
 * old generation moves to the current one, and when the current one fills up the old one is
 * dropped. Frequent tokens therefore stay, and a stream of new names and numbers costs at most
 * 2 × GENERATION entries (~ 15 MB). An entry keeps its identity while an item is analysed (an
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
export class TokenInfo
  implements RelevanceInfo, SentimentInfo, RiskInfo, KeywordInfo, SimhashInfo, CategoryInfo, RelevanceFacts, SentimentFacts, RiskFacts, KeywordFacts
{
  // segment
  readonly blank: boolean;
  readonly content: boolean;
  // sentiment
  readonly role: number;
  readonly polarity: number;
  readonly phrase: SentimentFacts['phrase'];
  readonly degree: number;
  readonly rhetorical: number;
  // relevance
  readonly weight: number;
  readonly flags: number;
  readonly medium: number;
  // police-negative
  readonly hit: RiskFacts['hit'];
  readonly prefix: boolean;
  readonly negator: boolean;
  readonly opinion: boolean;
  // keywords (mark/count: keywordsOf's scratch)
  readonly eligible: boolean;
  readonly idf: number;
  mark = 0;
  count = 0;
  // simhash
  readonly hashHi: number;
  readonly hashLo: number;
  // categories (default rules)
  readonly cat: CategoryInfo['cat'];
  // The stages' views: this object itself.
  readonly sent: SentimentFacts;
  readonly rel: RelevanceFacts;
  readonly risk: RiskFacts;
  readonly kw: KeywordFacts;

  constructor(token: string) {
    this.blank = isBlankToken(token);
    this.content = isContentToken(token);
    const s = sentimentFacts(token);
    this.role = s.role;
    this.polarity = s.polarity;
    this.phrase = s.phrase;
    this.degree = s.degree;
    this.rhetorical = s.rhetorical;
    const r = relevanceFacts(token);
    this.weight = r.weight;
    this.flags = r.flags;
    this.medium = r.medium;
    const k = riskFacts(token);
    this.hit = k.hit;
    this.prefix = k.prefix;
    this.negator = k.negator;
    this.opinion = k.opinion;
    const kw = keywordFacts(token, this.content);
    this.eligible = kw.eligible;
    this.idf = kw.idf;
    const h = tokenHash(token);
    this.hashHi = h.hi;
    this.hashLo = h.lo;
    this.cat = categoryTerm(token);
    this.sent = this;
    this.rel = this;
    this.risk = this;
    this.kw = this;
  }
}

const GENERATION = 40_000;
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
