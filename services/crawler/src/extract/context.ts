/** What the metadata extractors (date, author) may look at besides the DOM. */
import type { CheerioAPI } from 'cheerio';
import type { Paragraph } from './paragraphs';

/** One page as the extractor sees it once the body has been found. */
export interface PageContext {
  $: CheerioAPI;
  /** Every rendered line of the page, in document order. */
  paras: Paragraph[];
  /** The lines chosen as the article body (a subsequence of paras). */
  body: Paragraph[];
  /** Index in paras of the first body line, -1 when no body was found. */
  bodyStart: number;
  title: string | null;
  url: string | null;
}
