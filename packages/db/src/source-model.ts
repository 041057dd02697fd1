/**
 * The typed source model: what an admin writes (CLI, import file, later the API) and what the
 * crawler reads. One zod schema validates all of those entry points.
 */
import { z } from 'zod';

/**
 * Cheerio selectors of a list page: one `item` per entry, a link inside it (default: the item
 * itself, or the first link in it), and optional fields. Whether the selectors compile is checked
 * by the crawler's list-page parser when a source is added.
 */
export const selectorsSchema = z
  .object({
    item: z.string().min(1),
    link: z.string().optional(),
    title: z.string().optional(),
    time: z.string().optional(),
    summary: z.string().optional(),
  })
  .strict();
export type Selectors = z.infer<typeof selectorsSchema>;

/** True for an absolute http(s) URL. */
function isHttpUrl(u: string): boolean {
  if (!/^https?:\/\//i.test(u)) return false;
  try {
    return Boolean(new URL(u).host);
  } catch {
    return false;
  }
}

/** The prefix of an `rsshub` source's `url`: `rsshub:/weibo/search/hot`. */
export const RSSHUB_SCHEME = 'rsshub:';

/**
 * Why an RSSHub route is unusable, or null. A route is the path RSSHub documents (`/weibo/search/hot`,
 * `/weibo/keyword/警方通报`), optionally with a query; the crawler appends it to each instance's base URL.
 */
export function routeProblem(route: string): string | null {
  if (!route.startsWith('/')) return 'an RSSHub route starts with / (e.g. /weibo/search/hot)';
  if (route.length > 1000) return 'an RSSHub route is at most 1000 characters';
  if (/\s/.test(route)) return 'an RSSHub route has no spaces (percent-encode them)';
  if (/[{}]/.test(route)) return 'the route still holds a template placeholder such as {uid}: fill it in';
  if (route.startsWith('//') || /(^|\/)\.\.?(\/|$|\?)/.test(route)) return 'an RSSHub route may not contain // at its start or . and .. segments';
  return null;
}

/** Accepts 600, "600", "10m", "2h", "90s" and returns seconds. */
export const intervalSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const m = /^\s*(\d+)\s*(s|m|h|d)?\s*$/i.exec(String(v));
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'expected seconds or a duration such as 90s, 10m, 2h' });
    return z.NEVER;
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  if (seconds < 10 || seconds > 7 * 86400) {
    ctx.addIssue({ code: 'custom', message: 'poll interval must be between 10 seconds and 7 days' });
    return z.NEVER;
  }
  return seconds;
});

const headerName = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** A source as written by an admin. Unknown keys are an error: a typo must not be silently ignored. */
export const sourceInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['rss', 'html', 'rsshub']).default('rss'),
    /** The feed or page (rss, html); for rsshub it may be given as `rsshub:/route` instead of route. */
    url: z.string().trim().max(2000).optional(),
    /** RSSHub sources: the route, resolved against the configured instances at crawl time. */
    route: z.string().trim().optional(),
    /** A forum board: each entry is a thread, opened for its posts (one item per 楼层). */
    threads: z.boolean().default(false),
    /** A ranked list (热榜): every poll keeps a snapshot of its ranks; national lists weigh more in warnings. */
    hotList: z.enum(['national', 'regional']).nullable().optional(),
    /** The catalogue entry the source was added from. */
    catalogueId: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a catalogue id such as weibo-hot').nullable().optional(),
    pollInterval: intervalSchema.default(600),
    enabled: z.boolean().default(true),
    authority: z.number().min(0).max(10).default(1),
    jurisdictionTags: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    charset: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{2,40}$/, 'a charset name such as gbk, gb18030, big5, utf-8')
      .nullable()
      .optional(),
    fullText: z.boolean().default(false),
    respectRobots: z.boolean().nullable().optional(),
    headers: z
      .record(z.string().regex(headerName, 'not a valid HTTP header name'), z.string().max(4096))
      .default({}),
    selectors: selectorsSchema.nullable().optional(),
  })
  .strict()
  .superRefine(
    (s, ctx) => {
      if (typeof (s as unknown) !== 'object' || s === null) return; // not an object: already reported
      if (s.kind === 'rsshub') {
        const route = s.route ?? (s.url?.startsWith(RSSHUB_SCHEME) ? s.url.slice(RSSHUB_SCHEME.length) : undefined);
        if (route === undefined) ctx.addIssue({ code: 'custom', path: ['route'], message: 'an rsshub source needs its route, e.g. /weibo/search/hot' });
        else {
          const problem = routeProblem(route);
          if (problem) ctx.addIssue({ code: 'custom', path: ['route'], message: problem });
        }
        if (s.route !== undefined && s.url !== undefined && s.url !== RSSHUB_SCHEME + s.route) {
          ctx.addIssue({ code: 'custom', path: ['url'], message: 'an rsshub source is given by its route; leave url out' });
        }
        if (s.fullText) ctx.addIssue({ code: 'custom', path: ['fullText'], message: 'full text is not fetched for rsshub sources: RSSHub already returns the article' });
      } else {
        if (s.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'Required' });
        else if (!isHttpUrl(s.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be an http(s) URL' });
        if (s.route !== undefined) ctx.addIssue({ code: 'custom', path: ['route'], message: 'only rsshub sources have a route' });
      }
      if (s.threads && s.fullText) ctx.addIssue({ code: 'custom', path: ['threads'], message: 'a forum source reads each thread page whole: leave fullText off' });
      if (s.threads && s.hotList) ctx.addIssue({ code: 'custom', path: ['threads'], message: 'a source is either a forum board or a hot list' });
      if (s.kind === 'rsshub' && s.selectors) {
        ctx.addIssue({ code: 'custom', path: ['selectors'], message: 'selectors only apply to html sources' });
      }
      if (s.kind === 'html' && !s.selectors) {
        ctx.addIssue({ code: 'custom', path: ['selectors'], message: 'an html source needs selectors (item, link, …)' });
      }
      if (s.kind === 'rss' && s.selectors) {
        ctx.addIssue({ code: 'custom', path: ['selectors'], message: 'selectors only apply to html sources' });
      }
    },
    // Run even when other fields failed, so the user sees every problem at once.
    { when: () => true },
  )
  .transform(({ route, url, catalogueId, ...rest }) => ({
    ...rest,
    // An rsshub source's unique key is its route, percent-encoded as it is requested (so
    // /weibo/keyword/警方通报 and its encoded form are one source); every other kind's is its URL.
    url: rest.kind === 'rsshub' ? RSSHUB_SCHEME + canonicalRoute(route ?? (url as string).slice(RSSHUB_SCHEME.length)) : (url as string),
    catalogueId: catalogueId ?? null,
    hotList: rest.hotList ?? null,
  }));

/** A route as a URL carries it: non-ASCII and spaces percent-encoded, existing escapes kept. */
function canonicalRoute(route: string): string {
  const u = new URL(route, 'http://rsshub.invalid');
  return u.pathname + u.search;
}
export type SourceInput = z.input<typeof sourceInputSchema>;
export type NewSource = z.output<typeof sourceInputSchema>;

/** The RSSHub route of an rsshub source (its url without the rsshub: prefix), else null. */
export function routeOf(s: { kind: string; url: string }): string | null {
  return s.kind === 'rsshub' && s.url.startsWith(RSSHUB_SCHEME) ? s.url.slice(RSSHUB_SCHEME.length) : null;
}

/** A stored source with its crawl state. */
export interface Source {
  id: number;
  name: string;
  kind: 'rss' | 'html' | 'rsshub';
  /** The feed or page; for rsshub, `rsshub:` and the route (routeOf). */
  url: string;
  pollIntervalSeconds: number;
  enabled: boolean;
  authority: number;
  jurisdictionTags: string[];
  charset: string | null;
  fullText: boolean;
  respectRobots: boolean | null;
  headers: Record<string, string>;
  selectors: Selectors | null;
  /** The catalogue entry it was added from, or null. */
  catalogueId: string | null;
  /** A ranked list (热榜), national or regional; null for an ordinary source. */
  hotList: 'national' | 'regional' | null;
  /** A forum board: its entries are threads, read post by post. */
  threads: boolean;
  status: 'ok' | 'failing';
  etag: string | null;
  lastModified: string | null;
  nextPollAt: Date;
  lastPolledAt: Date | null;
  lastSuccessAt: Date | null;
  consecutiveErrors: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date;
}

/** The portable form of a source, as `sources export` writes it and `sources import` reads it. */
export function toSourceInput(s: Source): z.input<typeof sourceInputSchema> {
  const route = routeOf(s);
  return {
    name: s.name,
    kind: s.kind,
    ...(route !== null ? { route } : { url: s.url }),
    ...(s.catalogueId ? { catalogueId: s.catalogueId } : {}),
    ...(s.hotList ? { hotList: s.hotList } : {}),
    ...(s.threads ? { threads: true } : {}),
    pollInterval: s.pollIntervalSeconds,
    enabled: s.enabled,
    authority: s.authority,
    jurisdictionTags: s.jurisdictionTags,
    charset: s.charset,
    fullText: s.fullText,
    respectRobots: s.respectRobots,
    headers: s.headers,
    ...(s.selectors ? { selectors: s.selectors } : {}),
  };
}
