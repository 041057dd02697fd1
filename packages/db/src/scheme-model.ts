/**
 * Monitoring schemes (监测方案): the typed model (one zod schema for the API, the CLI and stored
 * rows), the matcher an analysed item goes through, and the keyword searches a scheme generates.
 * Pure: no I/O here (the repository stores schemes; the analyzer and the API call the matcher).
 *
 * Matching is substring matching over NFKC-normalised, lower-cased text (title + text). Substring,
 * not segmented words: a scheme's words are names and short phrases (青石, 东湖派出所, 暴力执法) that a
 * segmenter may split or glue differently in every sentence (青石区公安分局 holds 青石; a new
 * station's name is in no dictionary), and an analyst expects 「包含」 to mean contains. NFKC folds
 * full-width letters and digits and compatibility forms (ＡＢＣ１１０ → ABC110), lower-casing folds
 * Latin case, so a word matches however a post typed it.
 */
import { z } from 'zod';
import { sourceFromEntry, type CatalogueEntry } from './catalogue';
import { sourceInputSchema, type NewSource } from './source-model';

/** The bounds of a scheme. */
export const SCHEME_LIMITS = {
  /** Words per list. */
  words: 200,
  /** Characters (code points) per word. */
  wordChars: 40,
  name: 100,
  description: 1000,
  /** Keyword searches generated per route; the rest are reported as left out. */
  searchesPerRoute: 20,
} as const;

/**
 * The keyword-search routes a scheme can generate sources for: the shipped catalogue's templates
 * (packages/db/data/source-catalogue.yaml) and the placeholder each fills.
 */
export const SEARCH_ROUTES = {
  weibo: { catalogueId: 'weibo-keyword', param: 'keyword', label: '微博关键词搜索' },
  tieba: { catalogueId: 'tieba-search', param: 'qw', label: '百度贴吧搜索' },
} as const;
export type SearchRouteKey = keyof typeof SEARCH_ROUTES;
export const SEARCH_ROUTE_KEYS = Object.keys(SEARCH_ROUTES) as SearchRouteKey[];

/** The four word lists, in the order the page shows them, with their Chinese names. */
export const WORD_LISTS = {
  placeWords: '地域词',
  subjectWords: '主体词',
  eventWords: '事件词',
  excludeWords: '排除词',
} as const;
export type WordListKey = keyof typeof WORD_LISTS;

/** Text as the matcher compares it: NFKC, lower case. */
export function normalizeForMatch(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

// Control characters (C0, DEL, C1) and a surrogate without its pair: they would not survive
// percent-encoding into a route or PostgreSQL, and no word a person types holds them.
// eslint-disable-next-line no-control-regex
const UNFIT = new RegExp('[\\u0000-\\u001f\\u007f-\\u009f]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]');

const shown = (w: string) => (w.length > 20 ? `${w.slice(0, 20)}…` : w);

/** A list of words: trimmed, each checked, duplicates (after normalisation) dropped, first kept. */
function wordList(label: string) {
  return z
    .array(z.string({ error: `${label}须为文字` }), { error: `${label}须为词语列表` })
    .max(SCHEME_LIMITS.words, `${label}最多 ${SCHEME_LIMITS.words} 个`)
    .default([])
    .transform((words, ctx) => {
      const out: string[] = [];
      const seen = new Set<string>();
      words.forEach((raw, i) => {
        const problem = (message: string) => ctx.addIssue({ code: 'custom', path: [i], message });
        if (UNFIT.test(raw)) return problem(`${label}「${shown(raw.replace(UNFIT, '').trim())}」含有控制字符`);
        const w = raw.trim();
        if (!w) return problem(`${label}不能为空`);
        if ([...w].length > SCHEME_LIMITS.wordChars) return problem(`${label}「${shown(w)}」超过 ${SCHEME_LIMITS.wordChars} 个字`);
        // One word per tag: a space would silently mean "both words" in a Weibo search and a literal space in matching.
        if (/\s/.test(w)) return problem(`${label}「${shown(w)}」中有空格：每个词单独填写`);
        const key = normalizeForMatch(w);
        if (seen.has(key)) return;
        seen.add(key);
        out.push(w);
      });
      return out;
    });
}

const schemeFields = {
  name: z.string({ error: '请填写方案名称' }).trim().min(1, '请填写方案名称').max(SCHEME_LIMITS.name, `方案名称最多 ${SCHEME_LIMITS.name} 字`),
  description: z.string().trim().max(SCHEME_LIMITS.description, `说明最多 ${SCHEME_LIMITS.description} 字`).default(''),
  enabled: z.boolean().default(true),
  /** A scheme of the bureau's own jurisdiction: its place words found in an item count as jurisdiction hits. */
  jurisdiction: z.boolean().default(false),
  /** all: every non-empty list of place/subject/event words needs a hit; any: a hit in any of them. */
  match: z.enum(['all', 'any']).default('all'),
  placeWords: wordList(WORD_LISTS.placeWords),
  subjectWords: wordList(WORD_LISTS.subjectWords),
  eventWords: wordList(WORD_LISTS.eventWords),
  excludeWords: wordList(WORD_LISTS.excludeWords),
  /** The keyword-search routes to generate sources for. */
  sources: z
    .array(z.enum(SEARCH_ROUTE_KEYS as [SearchRouteKey, ...SearchRouteKey[]], { error: `检索渠道只能是 ${SEARCH_ROUTE_KEYS.join('、')}` }))
    .max(SEARCH_ROUTE_KEYS.length)
    .default([])
    .transform((r) => SEARCH_ROUTE_KEYS.filter((k) => r.includes(k))),
};

type Lists = Record<WordListKey, string[]>;

/** A scheme needs words to look for, and an excluded word may not also be one it looks for. */
function checkLists(s: Lists, ctx: z.RefinementCtx): void {
  if (typeof (s as unknown) !== 'object' || s === null) return;
  const lists = [s.placeWords, s.subjectWords, s.eventWords];
  if (lists.some((l) => !Array.isArray(l))) return; // reported already
  if (lists.every((l) => l.length === 0)) {
    ctx.addIssue({ code: 'custom', path: ['placeWords'], message: '地域词、主体词、事件词至少填写一类' });
  }
  if (!Array.isArray(s.excludeWords)) return;
  const wanted = new Set(lists.flat().map(normalizeForMatch));
  s.excludeWords.forEach((w, i) => {
    if (wanted.has(normalizeForMatch(w))) ctx.addIssue({ code: 'custom', path: ['excludeWords', i], message: `「${shown(w)}」既是排除词又是要监测的词` });
  });
}

/** A scheme as an analyst writes it (POST/PUT /api/schemes). Unknown fields are an error. */
export const schemeInputSchema = z
  .object(schemeFields)
  .strict()
  .superRefine((s, ctx) => checkLists(s, ctx));
export type SchemeInput = z.input<typeof schemeInputSchema>;
export type NewScheme = z.output<typeof schemeInputSchema>;

/** What a preview needs: a scheme's words (the name and the rest may be given too, and are ignored). */
export const schemePreviewSchema = z
  .object({ ...schemeFields, name: schemeFields.name.optional() })
  .strict()
  .superRefine((s, ctx) => checkLists(s, ctx));
export type SchemePreviewInput = z.output<typeof schemePreviewSchema>;

/** The words of a scheme the matcher needs. */
export interface SchemeWords {
  match: 'all' | 'any';
  placeWords: readonly string[];
  subjectWords: readonly string[];
  eventWords: readonly string[];
  excludeWords: readonly string[];
}

/** The words of a scheme found in an item. */
export interface SchemeHit {
  place: string[];
  subject: string[];
  event: string[];
}

/** A scheme ready to match many items: words normalised once. */
export interface CompiledScheme {
  id: number;
  jurisdiction: boolean;
  match: 'all' | 'any';
  place: ReadonlyArray<readonly [string, string]>;
  subject: ReadonlyArray<readonly [string, string]>;
  event: ReadonlyArray<readonly [string, string]>;
  exclude: readonly string[];
}

/** Raised for a scheme the matcher cannot use (no words to look for). */
export class SchemeError extends Error {}

const pairs = (words: readonly string[]) => words.map((w) => [w, normalizeForMatch(w)] as const).filter(([, n]) => n !== '');

/** Normalises a scheme's words once; throws SchemeError when it has no place, subject or event word. */
export function compileScheme(s: SchemeWords & { id?: number; jurisdiction?: boolean }): CompiledScheme {
  const c: CompiledScheme = {
    id: s.id ?? 0,
    jurisdiction: s.jurisdiction ?? false,
    match: s.match,
    place: pairs(s.placeWords),
    subject: pairs(s.subjectWords),
    event: pairs(s.eventWords),
    exclude: pairs(s.excludeWords).map(([, n]) => n),
  };
  if (!c.place.length && !c.subject.length && !c.event.length) throw new SchemeError('a scheme needs place, subject or event words');
  return c;
}

/** The text of an item as the matcher reads it: title and text, normalised. */
export function itemMatchText(item: { title?: string | null; text?: string | null }): string {
  return normalizeForMatch(`${item.title ?? ''}\n${item.text ?? ''}`);
}

/**
 * Whether an item (its itemMatchText) matches a compiled scheme, and with which words; null when
 * it does not. `all`: at least one word of every non-empty list of place, subject and event words;
 * `any`: at least one word of any of them; in both, no exclusion word.
 */
export function matchCompiled(c: CompiledScheme, text: string): SchemeHit | null {
  for (const x of c.exclude) if (text.includes(x)) return null;
  const found = (list: CompiledScheme['place']) => list.filter(([, n]) => text.includes(n)).map(([w]) => w);
  const hit: SchemeHit = { place: found(c.place), subject: found(c.subject), event: found(c.event) };
  if (c.match === 'any') return hit.place.length + hit.subject.length + hit.event.length > 0 ? hit : null;
  if (c.place.length && !hit.place.length) return null;
  if (c.subject.length && !hit.subject.length) return null;
  if (c.event.length && !hit.event.length) return null;
  return hit;
}

/** Whether an item matches a scheme (see matchCompiled); throws SchemeError for a scheme with no words. */
export function matchScheme(s: SchemeWords, item: { title?: string | null; text?: string | null }): SchemeHit | null {
  return matchCompiled(compileScheme(s), itemMatchText(item));
}

/** The searches of one route: the keywords generated, and those left out by the cap. */
export interface SearchPlan {
  keywords: string[];
  omitted: string[];
}

/**
 * The keyword searches a scheme asks the platforms for (the same for every route). Weibo's keyword
 * search takes space-separated words as all of them (Tieba's search gets the same words; however it
 * reads the space, the matcher filters what comes back),
 * so for `all` the first two non-empty lists of place, subject and event words are paired (place ×
 * subject: 青石 派出所), place-major, and the third list and the exclusions are checked on what comes
 * back (the matcher); with one non-empty list its words are searched alone. For `any` every word is
 * searched alone. At most SCHEME_LIMITS.searchesPerRoute; the rest are `omitted`.
 */
export function searchKeywords(s: SchemeWords): SearchPlan {
  const lists = [s.placeWords, s.subjectWords, s.eventWords].filter((l) => l.length > 0);
  let all: string[];
  if (s.match === 'any') all = lists.flat();
  else if (lists.length >= 2) all = (lists[0] ?? []).flatMap((a) => (lists[1] ?? []).map((b) => `${a} ${b}`));
  else all = [...(lists[0] ?? [])];
  const unique = [...new Set(all)];
  return { keywords: unique.slice(0, SCHEME_LIMITS.searchesPerRoute), omitted: unique.slice(SCHEME_LIMITS.searchesPerRoute) };
}

/** A source a scheme wants: which route and keyword, and the source input for it. */
export interface PlannedSource {
  search: SearchRouteKey;
  keyword: string;
  source: NewSource;
}

/**
 * The sources a scheme generates through the catalogue's keyword templates (sourceFromEntry: the
 * keyword percent-encoded into the route), named after the scheme (「方案名·微博关键词搜索·青石 派出所」).
 * `entries` is the catalogue's entries (loadCatalogue().entries); a route whose template is missing
 * from it is an error, not silently skipped.
 */
export function plannedSources(
  s: SchemeWords & { name: string; enabled: boolean; sources: readonly SearchRouteKey[] },
  entries: readonly CatalogueEntry[],
): { sources: PlannedSource[]; omitted: Partial<Record<SearchRouteKey, string[]>> } {
  const plan = searchKeywords(s);
  const out: PlannedSource[] = [];
  const omitted: Partial<Record<SearchRouteKey, string[]>> = {};
  for (const key of s.sources) {
    const r = SEARCH_ROUTES[key];
    const entry = entries.find((e) => e.id === r.catalogueId);
    if (!entry) throw new SchemeError(`the source catalogue has no ${r.catalogueId} template`);
    if (plan.omitted.length) omitted[key] = plan.omitted;
    for (const keyword of plan.keywords) {
      const base = sourceFromEntry(entry, { [r.param]: keyword });
      const name = `${s.name}·${r.label}·${keyword}`;
      out.push({
        search: key,
        keyword,
        source: sourceInputSchema.parse({ ...base, name: name.length > 200 ? `${name.slice(0, 199)}…` : name, enabled: s.enabled }),
      });
    }
  }
  return { sources: out, omitted };
}
