/**
 * Finds the article body by text density, in the spirit of CETD ("Content Extraction via Text
 * Density", Sun et al., SIGIR 2011) and GNE: prose is long, punctuated and rarely linked;
 * navigation, link lists and footers are short, unpunctuated or mostly link text.
 *
 * Every paragraph gets a value — positive for prose, negative for boilerplate — and the body
 * is the run of consecutive paragraphs with the largest total (maximum subarray). A run only
 * grows past a menu or link list if the prose beyond it outweighs it. A run rather than a DOM
 * element because old table layouts put the article's <p>s straight into a <td> that also holds
 * the navigation, so no element holds the article alone; and any element's paragraphs are a run,
 * so the best run is never worse than the best element.
 */
import { isFooter } from './noise';
import type { Paragraph } from './paragraphs';

/** How much a paragraph looks like article prose (>0) or page furniture (<0). */
export function paragraphValue(p: Paragraph): number {
  if (p.chars === 0) return 0;
  // A footer is a wall: the run must not reach across it into the next block of site text.
  if (isFooter(p)) return -2 * p.chars - 50;
  const own = p.chars - p.linkChars;
  const linkDensity = p.linkChars / p.chars;
  if (linkDensity > 0.5) return -p.chars;
  if (p.punct >= 1 && own >= 10) {
    // Punctuation density separates prose from long unpunctuated strings (tag clouds, menus
    // written as plain text): prose has a mark every 10–30 characters.
    const density = Math.min(1, (p.punct * 25) / own);
    return own * (0.3 + 0.7 * density) * (1 - linkDensity);
  }
  if (own >= 40) return own * 0.3;
  return -0.5 * p.chars;
}

/** The contiguous run of paragraphs [start, end) with the largest total value; null when none is positive. */
export function bestRun(paras: Paragraph[]): { start: number; end: number } | null {
  let best: { start: number; end: number; sum: number } | null = null;
  let start = 0;
  let sum = 0;
  paras.forEach((p, i) => {
    if (sum <= 0) {
      start = i;
      sum = 0;
    }
    sum += paragraphValue(p);
    if (sum > 0 && (!best || sum > best.sum)) best = { start, end: i + 1, sum };
  });
  const found = best as { start: number; end: number; sum: number } | null;
  return found ? { start: found.start, end: found.end } : null;
}
