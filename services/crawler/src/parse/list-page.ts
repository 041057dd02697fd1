/**
 * List pages (news indexes, forum boards, tieba) read with per-source CSS selectors.
 *
 * A source of kind `html` names the repeated item and, inside it, the link, title, time and summary.
 * Selectors are checked when the source is saved (listSelectorsSchema) rather than at crawl time,
 * so a typo is reported to whoever typed it instead of failing every crawl silently.
 */
import * as cheerio from 'cheerio';
import { z } from 'zod';
import { normalizeSpace } from './html-text';
import { parseListTime } from './list-time';
import { canonicalizeUrl } from './url';

export { parseListTime } from './list-time';

// A tiny document is enough: cheerio (css-select) compiles the selector before matching anything.
const probe = cheerio.load('<div></div>');

/** The error cheerio raises for a selector, or null when it compiles. */
function selectorError(selector: string): string | null {
  try {
    probe('div').find(selector);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const selector = z
  .string()
  .trim()
  .min(1, 'selector must not be empty')
  .superRefine((s, ctx) => {
    const err = selectorError(s);
    if (err) ctx.addIssue({ code: 'custom', message: `invalid CSS selector "${s}": ${err}` });
  });

/** Selectors of an `html` source; `link` is `"self"` or empty when the item element carries the href. */
export const listSelectorsSchema = z.object({
  item: selector,
  link: z.union([z.literal(''), z.literal('self'), selector]).default('self'),
  title: selector.optional(),
  time: selector.optional(),
  summary: selector.optional(),
});

/** Selectors of an `html` source (see listSelectorsSchema). */
export type ListSelectors = z.input<typeof listSelectorsSchema>;

/** One entry of a list page. */
export interface ListEntry {
  /** Canonical absolute URL. */
  url: string;
  title: string;
  summary: string | null;
  publishedAt: Date | null;
}

/**
 * Entries of a list page, in page order, de-duplicated by canonical URL.
 * Items without an http(s) link or without any title text are dropped (icons, "more" buttons).
 * Selectors should have passed listSelectorsSchema; an invalid one throws cheerio's error here.
 */
export function parseListPage(html: string, selectors: ListSelectors, opts: { pageUrl: string; now: Date }): ListEntry[] {
  const $ = cheerio.load(html);
  // <base href> changes what relative links mean (Discuz boards set it).
  const baseHref = $('base[href]').first().attr('href');
  const base = (baseHref ? canonicalizeUrl(baseHref, opts.pageUrl) : null) ?? opts.pageUrl;
  const byUrl = new Map<string, ListEntry>();

  $(selectors.item).each((_, el) => {
    const item = $(el);
    const linkEl = !selectors.link || selectors.link === 'self' ? item : item.find(selectors.link).first();
    if (!linkEl.length) return;
    const href = linkEl.attr('href') ?? linkEl.find('a[href]').first().attr('href');
    const url = href ? canonicalizeUrl(href, base) : null;
    if (!url) return;

    const entry: ListEntry = {
      url,
      title: titleOf(item, linkEl, selectors.title),
      summary: selectors.summary ? normalizeSpace(item.find(selectors.summary).first().text()) || null : null,
      publishedAt: selectors.time ? timeOf(item.find(selectors.time).first(), opts.now) : null,
    };
    const seen = byUrl.get(url);
    if (!seen) {
      byUrl.set(url, entry);
      return;
    }
    // The same article often appears twice in one item list (thumbnail + headline): keep the first, fill its gaps.
    seen.title ||= entry.title;
    seen.summary ??= entry.summary;
    seen.publishedAt ??= entry.publishedAt;
  });

  return [...byUrl.values()].filter((e) => e.title !== '');
}

// cheerio does not re-export domhandler's AnyNode (and domhandler is not our dependency); recover it from load().
type AnyNode = Exclude<Parameters<typeof cheerio.load>[0], string | Buffer | unknown[]>;
type Selection = cheerio.Cheerio<AnyNode>;

function titleOf(item: Selection, linkEl: Selection, titleSelector: string | undefined): string {
  if (titleSelector) {
    const t = item.find(titleSelector).first();
    const text = normalizeSpace(t.text()) || normalizeSpace(t.attr('title') ?? '');
    if (text) return text;
  }
  return (
    normalizeSpace(linkEl.text()) ||
    normalizeSpace(linkEl.attr('title') ?? '') ||
    normalizeSpace(linkEl.find('img[alt]').first().attr('alt') ?? '') ||
    normalizeSpace(item.find('img[alt]').first().attr('alt') ?? '')
  );
}

/** A machine-readable `datetime` wins, then the visible text, then a `title` tooltip (Discuz puts the full time there). */
function timeOf(el: Selection, now: Date): Date | null {
  if (!el.length) return null;
  for (const candidate of [el.attr('datetime'), el.text(), el.attr('title')]) {
    const d = parseListTime(candidate, now);
    if (d) return d;
  }
  return null;
}
