/**
 * The shipped source catalogue (data/source-catalogue.yaml): real Chinese sources a bureau can add
 * with one command or one click instead of hunting for feed URLs. Each entry says what it is (kind,
 * category, authority tier, poll interval, whether it is a hot list), what RSSHub needs to serve it
 * (cookies, keys), and, for templates, which values the bureau fills in (`/weibo/user/{uid}`).
 *
 * This module reads and checks the catalogue and turns an entry (with its template values) into a
 * source input for the source model; storing it is the caller's business.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { selectorsSchema, type SourceInput } from './source-model';

export const CATALOGUE_FILE = new URL('../data/source-catalogue.yaml', import.meta.url);

export const CATALOGUE_CATEGORIES = ['central', 'police-legal', 'commercial', 'regional', 'platform'] as const;
export type CatalogueCategory = (typeof CATALOGUE_CATEGORIES)[number];

/** Chinese names of the categories, for lists and the page. */
export const CATEGORY_NAMES: Record<CatalogueCategory, string> = {
  central: '中央媒体',
  'police-legal': '公安政法',
  commercial: '商业媒体',
  regional: '地方及港澳台媒体',
  platform: '平台与热榜',
};

// A template placeholder: {uid}, {keyword}.
const PLACEHOLDER = /\{([a-z][a-zA-Z0-9_]*)\}/g;

const entrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'a lowercase slug such as weibo-hot'),
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['rss', 'html', 'rsshub']),
    route: z.string().startsWith('/').optional(),
    url: z.string().regex(/^https?:\/\//, 'an http(s) URL').optional(),
    selectors: selectorsSchema.optional(),
    charset: z.string().optional(),
    category: z.enum(CATALOGUE_CATEGORIES),
    region: z.enum(['mainland', 'hk', 'tw', 'sg', 'intl']).default('mainland'),
    tier: z.number().int().min(1).max(4),
    pollInterval: z.union([z.string(), z.number()]),
    hotList: z.boolean().default(false),
    needs: z.array(z.string().min(1)).default([]),
    params: z.record(z.string(), z.string()).optional(),
    confidence: z.enum(['high', 'medium', 'low']),
    checked: z.string().min(1),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.kind === 'rsshub' && (!e.route || e.url)) ctx.addIssue({ code: 'custom', message: `${e.id}: an rsshub entry has a route and no url` });
    if (e.kind !== 'rsshub' && (!e.url || e.route)) ctx.addIssue({ code: 'custom', message: `${e.id}: an ${e.kind} entry has a url and no route` });
    if (e.kind === 'html' && !e.selectors) ctx.addIssue({ code: 'custom', message: `${e.id}: an html entry needs selectors` });
    const used = placeholders(e.route ?? e.url ?? '');
    const described = Object.keys(e.params ?? {});
    for (const p of used) if (!described.includes(p)) ctx.addIssue({ code: 'custom', message: `${e.id}: placeholder {${p}} is not described in params` });
    for (const p of described) if (!used.includes(p)) ctx.addIssue({ code: 'custom', message: `${e.id}: params.${p} is not a placeholder of the entry` });
  });

export type CatalogueEntry = z.output<typeof entrySchema>;

const catalogueSchema = z
  .object({
    version: z.literal(1),
    updated: z.string(),
    entries: z.array(entrySchema).min(1),
  })
  .superRefine(
    (c, ctx) => {
      const seen = new Set<string>();
      for (const e of Array.isArray(c?.entries) ? (c.entries as unknown[]) : []) {
        const id = (e as { id?: unknown } | null)?.id;
        if (typeof id !== 'string') continue;
        if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `duplicate catalogue id ${id}` });
        seen.add(id);
      }
    },
    // Run even when an entry failed, so every problem is listed at once.
    { when: () => true },
  );

export interface Catalogue {
  version: 1;
  updated: string;
  entries: CatalogueEntry[];
}

/** The placeholders of a route or URL template, in order, each once. */
export function placeholders(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) if (!out.includes(m[1] as string)) out.push(m[1] as string);
  return out;
}

/** True when the entry needs values filled in (`{uid}` …) before it can be added. */
export function isTemplate(e: CatalogueEntry): boolean {
  return placeholders(e.route ?? e.url ?? '').length > 0;
}

/** Parses and checks a catalogue document; throws an Error listing every problem. */
export function parseCatalogue(text: string): Catalogue {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new Error(`source catalogue is not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const parsed = catalogueSchema.safeParse(doc);
  if (!parsed.success) throw new Error(`source catalogue is invalid:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(catalogue)'}: ${i.message}`).join('\n')}`);
  return parsed.data as Catalogue;
}

let shipped: Catalogue | null = null;

/** The catalogue shipped with this version (read and checked once). */
export function loadCatalogue(): Catalogue {
  shipped ??= parseCatalogue(readFileSync(CATALOGUE_FILE, 'utf8'));
  return shipped;
}

/** Entries filtered by category and tier (either may be omitted). */
export function filterCatalogue(c: Catalogue, f: { category?: string; tier?: number; hotList?: boolean }): CatalogueEntry[] {
  return c.entries.filter((e) => (f.category === undefined || e.category === f.category) && (f.tier === undefined || e.tier === f.tier) && (f.hotList === undefined || e.hotList === f.hotList));
}

// How much one item weighs in reach and heat, by tier: central and police media count most.
const AUTHORITY_BY_TIER: Record<number, number> = { 1: 3, 2: 2, 3: 1.5, 4: 1 };

// Control characters, and a surrogate without its pair: matching control characters is the point.
// eslint-disable-next-line no-control-regex
const UNFIT_VALUE = new RegExp('[\\u0000-\\u001f\\u007f]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]');

/** Raised when an entry cannot become a source as asked (unknown id, missing or extra values). */
export class CatalogueError extends Error {}

/**
 * The source input for a catalogue entry, its placeholders filled with `values` (each value is
 * percent-encoded into the route or URL; a keyword may be Chinese). The name gets the values
 * appended so two sources from one template stay apart (微博博主·2803301701).
 */
export function sourceFromEntry(e: CatalogueEntry, values: Record<string, string> = {}): SourceInput {
  const template = (e.kind === 'rsshub' ? e.route : e.url) as string;
  const wanted = placeholders(template);
  const missing = wanted.filter((p) => !values[p]?.trim());
  if (missing.length) throw new CatalogueError(`${e.id} needs ${missing.map((p) => `${p} (${e.params?.[p] ?? p})`).join(', ')}`);
  const extra = Object.keys(values).filter((k) => !wanted.includes(k));
  if (extra.length) throw new CatalogueError(`${e.id} has no placeholder ${extra.map((k) => `{${k}}`).join(', ')}`);
  // A value is a word, an id or a name: no control characters, no broken UTF-16 (it would not
  // survive percent-encoding or PostgreSQL).
  const bad = wanted.filter((p) => UNFIT_VALUE.test(values[p] as string));
  if (bad.length) throw new CatalogueError(`${e.id}: ${bad.join(', ')} holds control characters or malformed text`);
  const filled = template.replace(PLACEHOLDER, (_, p: string) => encodeURIComponent((values[p] as string).trim()));
  const suffix = wanted.map((p) => (values[p] as string).trim()).join('·');
  const name = suffix ? `${e.name.replace(/\s*[（(]模板[)）]\s*$/, '')}·${suffix}` : e.name;
  return {
    // The name is for people; a long keyword must not make the source invalid.
    name: name.length > 200 ? `${name.slice(0, 199)}…` : name,
    kind: e.kind,
    ...(e.kind === 'rsshub' ? { route: filled } : { url: filled }),
    pollInterval: e.pollInterval,
    authority: AUTHORITY_BY_TIER[e.tier] ?? 1,
    ...(e.selectors ? { selectors: e.selectors } : {}),
    ...(e.charset ? { charset: e.charset } : {}),
    // A platform's list is what the whole country sees; a newspaper's most-read list is not.
    ...(e.hotList ? { hotList: e.category === 'platform' ? ('national' as const) : ('regional' as const) } : {}),
    catalogueId: e.id,
  };
}
