/**
 * Publication time. Meta tags are the most reliable when present; otherwise the date printed
 * in the article header (`发布时间：2024-03-05 10:20`, `2024年3月5日 10:20 来源：…`) just above
 * or at the top of the body. Dates in the footer (copyright, "更新于") and dates mentioned inside
 * the prose are what a naive "first date on the page" gets wrong, so position decides.
 */
import { parseLooseDate, shanghaiDate } from '../text/time';
import type { PageContext } from './context';

const META_DATE = [
  'article:published_time',
  'og:release_date',
  'og:published_time',
  'pubdate',
  'publishdate',
  'publish_date',
  'publishtime',
  'publish-date',
  'published_time',
  'datepublished',
  'dc.date',
  'dc.date.issued',
  'dc.date.created',
  'dcterms.created',
  'dcterms.issued',
  'sailthru.date',
  'weibo:article:create_at',
  'firstpublishedtime',
  'ptime',
  'releasedate',
  'createdate',
  'date',
];

// y-m-d with -, /, . or 年月日, optionally followed by h:m[:s] (also 时/分).
const YMD =
  /((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?/g;
// US order as printed by old ASP sites: 9/17/2004 5:54:13 AM.
const MDY = /(?<!\d)(\d{1,2})\/(\d{1,2})\/((?:19|20)\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?/gi;
// Magazine issues carry only a month: 1998年3月号.
const YM = /((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?!\s*\d)/g;

const LABEL = /(?:发布|发表|更新|出版|刊发|上传)(?:时间|日期|于)?\s*[:：]?\s*$|(?:时间|日期|日\s*期|时\s*间|Date|Posted|Published)\s*[:：]?\s*$/i;

/** A date found in the page text, with what we know about where it was. */
interface Candidate {
  date: Date;
  hasTime: boolean;
  hasDay: boolean;
  score: number;
}

/** Finds the publication time of the page; null when nothing credible is found. */
export function extractDate(ctx: PageContext): Date | null {
  const meta = metaDate(ctx);
  const text = bestTextDate(ctx);
  if (meta) {
    // Meta tags often carry the day only; the header line has the time of the same day.
    if (text?.hasTime && isMidnightShanghai(meta) && sameShanghaiDay(meta, text.date)) return text.date;
    return meta;
  }
  if (text) return text.date;
  return urlDate(ctx.url);
}

function metaDate({ $ }: PageContext): Date | null {
  const wanted = new Set(META_DATE);
  for (const el of $('meta').toArray()) {
    const m = $(el);
    const key = (m.attr('property') ?? m.attr('name') ?? m.attr('itemprop') ?? m.attr('http-equiv') ?? '').trim().toLowerCase();
    if (!wanted.has(key)) continue;
    const d = parseLooseDate(m.attr('content'));
    if (d) return d;
  }
  for (const el of $('script[type="application/ld+json"]').toArray()) {
    const m = /"datePublished"\s*:\s*"([^"]+)"/.exec($(el).text());
    const d = parseLooseDate(m?.[1]);
    if (d) return d;
  }
  for (const el of $('time[datetime], [itemprop="datePublished"]').toArray()) {
    const d = parseLooseDate($(el).attr('datetime') ?? $(el).attr('content') ?? $(el).text());
    if (d) return d;
  }
  return null;
}

function bestTextDate(ctx: PageContext): Candidate | null {
  const { paras, bodyStart } = ctx;
  const bodyEnd = bodyStart < 0 ? -1 : bodyStart + bodyLength(ctx);
  let best: Candidate | null = null;
  paras.forEach((p, i) => {
    // Inside long prose a date is something the article talks about, not when it was published.
    if (p.chars > 200) return;
    for (const found of datesIn(p.text)) {
      let score = 0;
      if (LABEL.test(p.text.slice(Math.max(0, found.index - 12), found.index))) score += 3;
      if (bodyStart >= 0) {
        const d = i - bodyStart;
        if (d < 0 && d >= -15) score += 2.5 - 0.1 * -d; // the article header
        else if (d >= 0 && d < 10 && i < bodyEnd) score += 1.5 - 0.1 * d; // header lines kept in the body
        else if (i < bodyEnd && i >= bodyEnd - 3) score += 0.8; // signature or source line: ——《某刊》1998年3月号
        else if (i >= bodyEnd && i < bodyEnd + 5) score += 0.5; // "posted at" footers of blogs
        else if (i > bodyEnd + 5) score -= 1;
      }
      // A date in a link list belongs to another article (related posts, archives).
      if (p.linkChars > p.chars / 2) score -= 2;
      if (found.hasTime) score += 0.7;
      if (p.chars <= 60) score += 0.5;
      // Only dates with something speaking for them (label, header position): a date with none
      // is more likely another article's than this one's, and the URL date is then better.
      // A month-only date (1998年3月号) is used only when no full date qualifies.
      const better = !best || (found.hasDay && !best.hasDay) || (found.hasDay === best.hasDay && score > best.score);
      if (score > 0 && better) best = { date: found.date, hasTime: found.hasTime, hasDay: found.hasDay, score };
    }
  });
  return best;
}

// The number of paras the body spans (from its first to its last line).
function bodyLength({ paras, body, bodyStart }: PageContext): number {
  const last = body[body.length - 1];
  return last ? paras.indexOf(last, bodyStart) - bodyStart + 1 : 0;
}

/** Every date-shaped string in a line, with its position. */
export function datesIn(text: string): { date: Date; hasTime: boolean; hasDay: boolean; index: number }[] {
  const out: { date: Date; hasTime: boolean; hasDay: boolean; index: number }[] = [];
  for (const m of text.matchAll(YMD)) {
    const [, y, mo, d, h, mi, s] = m;
    const date = shanghaiDate(Number(y), Number(mo), Number(d), h ? Number(h) : 0, mi ? Number(mi) : 0, s ? Number(s) : 0);
    if (date) out.push({ date, hasTime: h !== undefined, hasDay: true, index: m.index });
  }
  for (const m of text.matchAll(MDY)) {
    const [, mo, d, y, h, mi, s, ampm] = m;
    let hour = h ? Number(h) : 0;
    if (ampm && /pm/i.test(ampm) && hour < 12) hour += 12;
    if (ampm && /am/i.test(ampm) && hour === 12) hour = 0;
    const date = shanghaiDate(Number(y), Number(mo), Number(d), hour, mi ? Number(mi) : 0, s ? Number(s) : 0);
    if (date) out.push({ date, hasTime: h !== undefined, hasDay: true, index: m.index });
  }
  if (out.length === 0) {
    for (const m of text.matchAll(YM)) {
      const date = shanghaiDate(Number(m[1]), Number(m[2]), 1);
      if (date) out.push({ date, hasTime: false, hasDay: false, index: m.index });
    }
  }
  return out;
}

/** A date in the URL path (/2024/03/05/, /20240305/, /2024-03/05/). */
export function urlDate(url: string | null): Date | null {
  if (!url) return null;
  const m = /\/((?:19|20)\d{2})[-/_]?(\d{2})[-/_]?(\d{2})(?:\/|\d|_|\.)/.exec(url);
  return m ? shanghaiDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

function isMidnightShanghai(d: Date): boolean {
  return (d.getTime() + SHANGHAI_OFFSET_MS) % DAY_MS === 0;
}

function sameShanghaiDay(a: Date, b: Date): boolean {
  return Math.floor((a.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS) === Math.floor((b.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
}
