/**
 * Plain text from the HTML fragments feeds and list pages carry (descriptions, summaries, titles).
 * A streaming htmlparser2 pass, not a DOM: every feed entry goes through here (twice, summary and
 * content), and building a cheerio document for each cost ~250 µs an entry — the largest share of
 * a feed's processing in bench:ingest. htmlparser2 is the tokenizer cheerio itself uses for XML.
 */
import { Parser } from 'htmlparser2';

// Block-level tags: without a space at their edges, `<p>a</p><p>b</p>` would read as "ab".
const BLOCK_TAG = /<(\/?)(p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|footer|pre|hr|dd|dt|figcaption)\b/gi;

/** Collapses every run of whitespace (including NBSP and full-width spaces) to one space and trims. */
export function normalizeSpace(s: string): string {
  return s.replace(/[\s\u00a0\u3000\u200b\ufeff]+/g, ' ').trim();
}

/** Text of an HTML fragment: scripts and styles dropped, entities decoded, whitespace normalized. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return normalizeSpace(html);
  const parts: string[] = [];
  // Inside <script>, <style>, <noscript> or <template> (nested ones counted): their text is not the page's.
  let hidden = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (HIDDEN_TAG.has(name)) hidden++;
      },
      onclosetag(name) {
        if (HIDDEN_TAG.has(name) && hidden > 0) hidden--;
      },
      ontext(text) {
        if (hidden === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(html.replace(BLOCK_TAG, ' <$1$2'));
  return normalizeSpace(parts.join(''));
}

const HIDDEN_TAG = new Set(['script', 'style', 'noscript', 'template']);
