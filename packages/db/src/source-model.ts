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

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

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
    kind: z.enum(['rss', 'html']).default('rss'),
    url: httpUrl,
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
      if (s.kind === 'html' && !s.selectors) {
        ctx.addIssue({ code: 'custom', path: ['selectors'], message: 'an html source needs selectors (item, link, …)' });
      }
      if (s.kind === 'rss' && s.selectors) {
        ctx.addIssue({ code: 'custom', path: ['selectors'], message: 'selectors only apply to html sources' });
      }
    },
    // Run even when other fields failed, so the user sees every problem at once.
    { when: () => true },
  );
export type SourceInput = z.input<typeof sourceInputSchema>;
export type NewSource = z.output<typeof sourceInputSchema>;

/** A stored source with its crawl state. */
export interface Source {
  id: number;
  name: string;
  kind: 'rss' | 'html';
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
  return {
    name: s.name,
    kind: s.kind,
    url: s.url,
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
