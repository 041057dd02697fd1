/**
 * Finds the article body by text density, in the spirit of CETD ("Content Extraction via Text
 * Density", Sun et al., SIGIR 2011) and GNE: prose is long, punctuated and rarely linked;
 * navigation, link lists and footers are short, unpunctuated or mostly link text.
 *
 * Every paragraph gets a value — positive for prose, negative for boilerplate — and every
 * element the sum of the values inside it. The element with the largest sum is the body: a
 * wider element only wins if the prose it adds outweighs the boilerplate it drags in, which is
 * the maximum-subarray idea applied to the DOM.
 */
import type { Paragraph } from './paragraphs';
import type { El } from './tree';

/** How much a paragraph looks like article prose (>0) or page furniture (<0). */
export function paragraphValue(p: Paragraph): number {
  if (p.chars === 0) return 0;
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

/** The element whose paragraphs add up to the most prose; null when the page has none. */
export function bestContainer(paras: Paragraph[]): El | null {
  const sums = new Map<El, number>();
  for (const p of paras) {
    const v = paragraphValue(p);
    for (let el: El | null = p.owner; el; el = el.parent) sums.set(el, (sums.get(el) ?? 0) + v);
  }
  let best: El | null = null;
  let bestScore = 0;
  for (const [el, score] of sums) {
    // Ties go to the deeper element (visited later is not guaranteed, so compare depth).
    if (score > bestScore || (best && score === bestScore && depth(el) > depth(best))) {
      best = el;
      bestScore = score;
    }
  }
  return best;
}

function depth(el: El): number {
  let d = 0;
  for (let e = el.parent; e; e = e.parent) d++;
  return d;
}

/** True when `el` is `ancestor` or inside it. */
export function isInside(el: El, ancestor: El): boolean {
  for (let e: El | null = el; e; e = e.parent) if (e === ancestor) return true;
  return false;
}
