/**
 * The terms of a keyword query, segmented exactly as the analyzer segments items (normalize →
 * nodejieba with the domain dictionary → content tokens), so a query matches the whole tokens
 * stored in item_analysis.search: 暴力执法 finds "派出所民警暴力执法引发热议", and 报警 does not
 * find 报警器 (a false friend the dictionary keeps whole).
 *
 * Why segment here rather than match the query as typed: a user's query is often a phrase
 * (民警打人, 派出所 不作为), and only the same segmenter splits it into the tokens the index
 * holds; as-typed terms would silently miss. The cost is nodejieba's dictionary (~220 MB per
 * process), so @yuqing/nlp is imported lazily, on the first search: an API process nobody
 * searches through never pays it.
 */
// A type-only import: erased at run time, so loading this module loads no dictionary.
import type * as Nlp from '@yuqing/nlp';

let nlp: Promise<typeof Nlp> | null = null;

/** Most terms a query may have (each is one more index lookup). */
export const MAX_TERMS = 16;

/** The distinct lower-cased content tokens of a query (empty when it has none, e.g. only stop words). */
export async function searchTerms(q: string): Promise<string[]> {
  nlp ??= import('@yuqing/nlp');
  const { normalize, tokenize, contentTokens } = await nlp;
  const tokens = contentTokens(tokenize(normalize(q).text));
  return [...new Set(tokens.map((t) => t.toLowerCase()))].slice(0, MAX_TERMS);
}
