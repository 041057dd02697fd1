/**
 * Plain text from the HTML fragments feeds and list pages carry (descriptions, summaries, titles).
 */
import * as cheerio from 'cheerio';

// Block-level tags: without a space at their edges, `<p>a</p><p>b</p>` would read as "ab".
const BLOCK_TAG = /<(\/?)(p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|footer|pre|hr|dd|dt|figcaption)\b/gi;

/** Collapses every run of whitespace (including NBSP and full-width spaces) to one space and trims. */
export function normalizeSpace(s: string): string {
  return s.replace(/[\s\u00a0\u3000\u200b\ufeff]+/g, ' ').trim();
}

/** Text of an HTML fragment: scripts and styles dropped, entities decoded, whitespace normalized. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return normalizeSpace(html);
  const $ = cheerio.load(html.replace(BLOCK_TAG, ' <$1$2'), null, false);
  $('script, style, noscript, template').remove();
  return normalizeSpace($.root().text());
}
