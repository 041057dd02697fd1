/**
 * The configured sources (read), the shipped source catalogue (browse; admins add from it) and the
 * health of the RSSHub instances that serve `rsshub` sources.
 */
import type { Config } from '@yuqing/config';
import {
  CATALOGUE_CATEGORIES,
  CatalogueError,
  filterCatalogue,
  insertSource,
  isTemplate,
  listRsshubInstances,
  listSources,
  loadCatalogue,
  recordAudit,
  sourceFromEntry,
  sourceInputSchema,
  withTransaction,
  type NewSource,
  type Pool,
  type Source,
} from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { callerOf } from '../plugins/auth';

// Request headers of a source may carry a site's cookie or credentials: only admins see them.
function forRole(s: Source, isAdmin: boolean): Partial<Source> {
  if (isAdmin) return s;
  const { headers: _headers, ...rest } = s;
  return rest;
}

const catalogueQuery = z
  .object({
    category: z.enum(CATALOGUE_CATEGORIES).optional(),
    tier: z.coerce.number().int().min(1).max(4).optional(),
    hot: z.enum(['true', 'false']).optional(),
  })
  .strict();

const addBody = z
  .object({
    entries: z
      .array(
        z
          .object({
            id: z.string().min(1).max(80),
            /** Values of the entry's placeholders ({uid}, {keyword} …). */
            params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/), z.string().trim().min(1).max(200)).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
    enabled: z.boolean().default(true),
  })
  .strict();

/** GET /api/sources, GET/POST /api/sources/catalogue, GET /api/sources/rsshub. */
export const sourceRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  app.get('/api/sources', { config: { roles: ['admin', 'pr', 'analyst', 'leader'] } }, async (req) => {
    const isAdmin = callerOf(req).user.role === 'admin';
    return { sources: (await listSources(db)).map((s) => forRole(s, isAdmin)) };
  });

  // The catalogue is public knowledge (which sites exist); which of them the bureau watches is not
  // secret either, but adding is an admin's change.
  app.get('/api/sources/catalogue', { config: { roles: ['admin', 'analyst'] }, schema: { querystring: catalogueQuery } }, async (req) => {
    const cat = loadCatalogue();
    const q = req.query;
    const entries = filterCatalogue(cat, { ...(q.category ? { category: q.category } : {}), ...(q.tier ? { tier: q.tier } : {}), ...(q.hot ? { hotList: q.hot === 'true' } : {}) });
    const added = new Map<string, number[]>();
    for (const s of await listSources(db)) if (s.catalogueId) added.set(s.catalogueId, [...(added.get(s.catalogueId) ?? []), s.id]);
    return {
      version: cat.version,
      updated: cat.updated,
      entries: entries.map((e) => ({ ...e, template: isTemplate(e), sourceIds: added.get(e.id) ?? [] })),
    };
  });

  app.post('/api/sources/catalogue', { config: { roles: ['admin'] }, schema: { body: addBody } }, async (req, reply) => {
    const cat = loadCatalogue();
    const problems: Array<{ path: string; message: string }> = [];
    const inputs: NewSource[] = [];
    req.body.entries.forEach((want, i) => {
      const entry = cat.entries.find((e) => e.id === want.id);
      if (!entry) {
        problems.push({ path: `/entries/${i}/id`, message: `目录中没有 ${want.id}` });
        return;
      }
      try {
        const parsed = sourceInputSchema.safeParse({ ...sourceFromEntry(entry, want.params ?? {}), enabled: req.body.enabled });
        if (parsed.success) inputs.push(parsed.data);
        else problems.push(...parsed.error.issues.map((iss) => ({ path: `/entries/${i}/${iss.path.join('/')}`, message: iss.message })));
      } catch (err) {
        if (!(err instanceof CatalogueError)) throw err;
        problems.push({ path: `/entries/${i}/params`, message: err.message });
      }
    });
    if (problems.length) {
      return reply.code(400).send({ error: { code: 'CATALOGUE_ENTRY_INVALID', message: '目录条目无法添加为信息源', issues: problems } });
    }
    const results = await withTransaction(db, async (c) => {
      const out: Array<{ catalogueId: string | null; name: string; sourceId: number | null }> = [];
      for (const input of inputs) {
        const src = await insertSource(c, input);
        if (src) await recordAudit(c, { ...auditActor(req), action: 'source.add', entity: 'source', entityId: src.id, after: src });
        out.push({ catalogueId: input.catalogueId, name: input.name, sourceId: src?.id ?? null });
      }
      return out;
    });
    const needs = [...new Set(req.body.entries.flatMap((w) => cat.entries.find((e) => e.id === w.id)?.needs ?? []))];
    return reply.code(201).send({
      added: results.filter((r) => r.sourceId !== null),
      // Already watched (same URL or route): nothing changed for those.
      existing: results.filter((r) => r.sourceId === null).map(({ catalogueId, name }) => ({ catalogueId, name })),
      needs,
    });
  });

  app.get('/api/sources/rsshub', { config: { roles: ['admin'] } }, async () => {
    const known = await listRsshubInstances(db);
    if (cfg.RSSHUB_URL.length === 0 && known.length === 0) return { configured: [], instances: [] };
    return {
      configured: cfg.RSSHUB_URL,
      instances: [
        ...cfg.RSSHUB_URL.map((u) => ({ configured: true, ...(known.find((k) => k.baseUrl === u) ?? { baseUrl: u, status: 'untried' }) })),
        ...known.filter((k) => !cfg.RSSHUB_URL.includes(k.baseUrl)).map((k) => ({ configured: false, ...k })),
      ],
    };
  });
};
