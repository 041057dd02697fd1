/**
 * Items produced elsewhere (another crawler's JSON output, `yuqing ingest`, later the push API)
 * enter through here: validated, canonicalized, idempotent, and stored by the same code as
 * crawled items. Fields we do not know are kept in `extra`, never dropped.
 */
import type { NewItem } from '@yuqing/db';
import { z } from 'zod';
import { canonicalizeUrl, urlHash } from './parse/url';
import { guessLanguage } from './text/language';
import { parseLooseDate, publicationTime } from './text/time';
import { storeItems, type StoreDeps } from './store';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const shortText = z.string().trim().max(1000);

/** One pushed item. Either `url` or `id` identifies it; `text` or `title` carries its content. */
export const pushedItemSchema = z
  .looseObject({
    id: z.union([z.string().trim().min(1).max(500), z.number().int()]).optional(),
    url: z.string().trim().max(4000).optional(),
    title: z.string().max(2000).optional().nullable(),
    text: z.string().max(5_000_000).optional().nullable(),
    summary: z.string().max(100_000).optional().nullable(),
    author: z
      .union([
        shortText,
        z.looseObject({ name: shortText.optional(), followers: count.optional(), verified: z.boolean().optional() }),
      ])
      .optional()
      .nullable(),
    publishedAt: z.string().max(100).optional().nullable(),
    source: shortText.optional().nullable(),
    parentId: z.union([z.string().trim().min(1).max(500), z.number().int()]).optional().nullable(),
    parentUrl: z.string().trim().max(4000).optional().nullable(),
    metrics: z.looseObject({ reposts: count.optional(), comments: count.optional(), likes: count.optional() }).optional().nullable(),
    language: z.string().max(20).optional().nullable(),
  })
  .superRefine((v, ctx) => {
    if (!v.url && v.id == null) ctx.addIssue({ code: 'custom', message: 'an item needs a url or an id' });
    if (!v.text?.trim() && !v.title?.trim()) ctx.addIssue({ code: 'custom', path: ['text'], message: 'an item needs text or a title' });
    if (v.url && !canonicalizeUrl(v.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'not an absolute http(s) URL' });
    if (v.publishedAt && !parseLooseDate(v.publishedAt)) {
      ctx.addIssue({ code: 'custom', path: ['publishedAt'], message: 'not a date (ISO 8601, or 2024-03-05 10:20 read as Asia/Shanghai)' });
    }
  });
export type PushedItem = z.infer<typeof pushedItemSchema>;

const KNOWN = new Set(['id', 'url', 'title', 'text', 'summary', 'author', 'publishedAt', 'source', 'parentId', 'parentUrl', 'metrics', 'language']);

/** The identity of an item without a URL: a stable URN from its source and id. */
function itemKey(source: string | null | undefined, id: string | number): string {
  return `urn:yuqing:${encodeURIComponent(source?.trim() || 'ingest')}:${encodeURIComponent(String(id))}`;
}

/** Turns a validated pushed item into a storable item. */
export function toNewItem(v: PushedItem, origin: 'ingest' | 'push', fetchedAt: Date): NewItem {
  const url = (v.url && canonicalizeUrl(v.url)) || itemKey(v.source, v.id ?? '');
  const parentUrl = v.parentUrl ? canonicalizeUrl(v.parentUrl) : v.parentId != null ? itemKey(v.source, v.parentId) : null;
  const extraEntries = Object.entries(v).filter(([k]) => !KNOWN.has(k));
  const author = typeof v.author === 'string' ? v.author : (v.author?.name ?? null);
  const authorInfo = v.author && typeof v.author === 'object' ? v.author : null;
  const text = v.text?.trim() ? v.text : (v.title ?? '');
  return {
    sourceId: null,
    url,
    urlHash: urlHash(url),
    origin,
    externalId: v.id != null ? String(v.id) : null,
    parentUrlHash: parentUrl ? urlHash(parentUrl) : null,
    title: v.title?.trim() || null,
    summary: v.summary ?? null,
    text,
    author: author || null,
    authorInfo,
    metrics: v.metrics ?? null,
    language: v.language ?? guessLanguage(`${v.title ?? ''} ${text}`),
    sourceName: v.source ?? null,
    publishedAt: publicationTime(parseLooseDate(v.publishedAt), fetchedAt),
    fetchedAt,
    extra: extraEntries.length ? Object.fromEntries(extraEntries) : null,
  };
}

export interface IngestResult {
  received: number;
  inserted: number;
  duplicates: number;
  invalid: Array<{ index: number; error: string }>;
  /** Indexes of items that carried fields we do not know (kept in `extra`). */
  unknownFields: Array<{ index: number; fields: string[] }>;
}

/** Validates and stores a batch; a bad item is reported by index and the rest go on. */
export async function ingestItems(deps: StoreDeps, values: unknown[], opts: { origin: 'ingest' | 'push'; now?: Date; indexBase?: number }): Promise<IngestResult> {
  const now = opts.now ?? new Date();
  const base = opts.indexBase ?? 0;
  const result: IngestResult = { received: values.length, inserted: 0, duplicates: 0, invalid: [], unknownFields: [] };
  const byHash = new Map<string, NewItem>();
  values.forEach((value, i) => {
    const parsed = pushedItemSchema.safeParse(value);
    if (!parsed.success) {
      const msg = parsed.error.issues.map((iss) => `${iss.path.join('.') || '(item)'}: ${iss.message}`).join('; ');
      result.invalid.push({ index: base + i, error: msg });
      return;
    }
    const item = toNewItem(parsed.data, opts.origin, now);
    if (item.extra) result.unknownFields.push({ index: base + i, fields: Object.keys(item.extra) });
    if (byHash.has(item.urlHash)) result.duplicates++;
    else byHash.set(item.urlHash, item);
  });
  const inserted = await storeItems(deps, [...byHash.values()]);
  result.inserted = inserted.length;
  result.duplicates += byHash.size - inserted.length;
  return result;
}
