/**
 * The article title. <title> carries the site name (`标题_新华网`, `标题-人民网`, `标题 | 站名`),
 * og:title and article meta tags usually do not, and the page's own heading (h1) is the
 * cleanest when it agrees with <title>.
 */
import type { CheerioAPI } from 'cheerio';
import { normalizeSpace } from './paragraphs';

const META_TITLE = [
  'meta[property="og:title"]',
  'meta[name="og:title"]',
  'meta[name="ArticleTitle"]',
  'meta[name="articletitle"]',
  'meta[name="title"]',
  'meta[name="twitter:title"]',
  'meta[itemprop="headline"]',
];

// A trailing "site name" segment: after _ | ｜ or a spaced dash, or after a bare dash/—— when
// the rest is short enough to be a site or channel name.
const SUFFIX = /\s*(?:[_|｜]|\s[-–—]\s|——|--|-(?=[^-]{1,16}$))\s*[^_|｜]{1,30}$/;

/** Strips site-name suffixes (`_新华网`, `-人民网`, ` | 站名`) while a real title remains. */
export function stripSiteSuffix(title: string): string {
  let t = normalizeSpace(title);
  for (let i = 0; i < 3; i++) {
    const m = SUFFIX.exec(t);
    if (!m || m.index < 4) break;
    t = t.slice(0, m.index).trim();
  }
  return t;
}

/** Finds the article title; null when the page has none. */
export function extractTitle($: CheerioAPI): string | null {
  const docTitle = normalizeSpace($('title').first().text());
  const headings = $('h1, h2')
    .toArray()
    .map((h) => normalizeSpace($(h).text()))
    .filter((t) => t.length >= 4 && t.length <= 120);
  // A heading that <title> starts with or contains is the article's own title.
  const agreed = docTitle ? headings.find((h) => docTitle.includes(h)) : undefined;
  if (agreed) return agreed;
  for (const sel of META_TITLE) {
    const v = normalizeSpace(stripTags($(sel).attr('content') ?? ''));
    if (v) return stripSiteSuffix(v);
  }
  if (docTitle) return stripSiteSuffix(docTitle) || null;
  return headings[0] ?? null;
}

// Some CMSs put markup inside meta content (`标题<div>——副标题</div>`).
function stripTags(s: string): string {
  return s.replace(/<[^>]*>/g, ' ');
}
