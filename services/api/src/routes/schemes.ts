/**
 * Monitoring schemes (监测方案): named sets of place, subject, event and exclusion words that analysts
 * keep. Saving a scheme generates its keyword-search sources through RSSHub (the catalogue's keyword
 * templates, one per keyword combination, capped), disabling or deleting it disables or removes them;
 * every change, the scheme's and each source's, is audited in the transaction that makes it. A
 * preview shows what a scheme would have matched in the last 7 days before it is saved; the list and
 * one scheme show the generated sources' health and how many items matched (the analyzer records
 * matches as it analyses). The jurisdiction gazetteer (JURISDICTION_FILE) is offered as place words.
 *
 * Analysts may save schemes although only admins manage sources: what a scheme adds is bounded to
 * keyword searches of the shipped catalogue's templates (no URL, no header, no selector of theirs).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '@yuqing/config';
import {
  deleteScheme,
  getScheme,
  insertScheme,
  listSchemeItems,
  listSchemes,
  listSchemeSources,
  loadCatalogue,
  plannedSources,
  previewScheme,
  PreviewTimeoutError,
  recordAudit,
  schemeInputSchema,
  schemeMatchStats,
  schemePreviewSchema,
  SCHEME_LIMITS,
  SEARCH_ROUTE_KEYS,
  SEARCH_ROUTES,
  searchKeywords,
  syncSchemeSources,
  updateScheme,
  withTransaction,
  type NewScheme,
  type Pool,
  type PoolClient,
  type Scheme,
  type SchemeMatchStats,
  type SchemeSourceChange,
  type SchemeSourceView,
} from '@yuqing/db';
import { parseJurisdiction } from '@yuqing/nlp/jurisdiction';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams } from '../schemas';

const READ = { roles: ['admin', 'analyst', 'pr', 'leader'] } as const;
const EDIT = { roles: ['admin', 'analyst'] } as const;

/** The source audit action of each change a scheme makes to a source (links change no source). */
const SOURCE_ACTIONS: Partial<Record<SchemeSourceChange['action'], string>> = {
  add: 'source.add',
  remove: 'source.remove',
  enable: 'source.enable',
  disable: 'source.disable',
  rename: 'source.update',
};

const notFound = (id: number) => new ApiError(404, 'SCHEME_NOT_FOUND', `监测方案 ${id} 不存在`);
const nameTaken = (name: string) => new ApiError(409, 'SCHEME_EXISTS', `监测方案「${name}」已存在`);

/** The keyword-search routes a scheme can use, as the page offers them. */
function searchRoutes() {
  const entries = loadCatalogue().entries;
  return SEARCH_ROUTE_KEYS.map((key) => {
    const r = SEARCH_ROUTES[key];
    const e = entries.find((x) => x.id === r.catalogueId);
    return { key, label: r.label, catalogueId: r.catalogueId, route: e?.route ?? null, needs: e?.needs ?? [] };
  });
}

/** A scheme with its sources and matches, as the list and the detail show it. */
function schemeView(s: Scheme, sources: SchemeSourceView[], matches: SchemeMatchStats) {
  return { ...s, searches: searchKeywords(s), generated: sources, matches };
}

/** A change to a source as the answer lists it. */
const changeView = (c: SchemeSourceChange) => ({
  action: c.action,
  search: c.search,
  keyword: c.keyword,
  sourceId: c.sourceId,
  name: (c.after ?? c.before)?.name ?? null,
});

/** Syncs a scheme's sources and audits the scheme's change and every source's, in `c`'s transaction. */
async function syncAndAudit(
  c: PoolClient,
  req: FastifyRequest,
  action: 'scheme.create' | 'scheme.update' | 'scheme.delete',
  before: Scheme | null,
  after: Scheme | null,
  subject: Scheme,
): Promise<{ changes: SchemeSourceChange[]; omitted: Partial<Record<string, string[]>> }> {
  const plan = after ? plannedSources(after, loadCatalogue().entries) : { sources: [], omitted: {} };
  const changes = await syncSchemeSources(c, subject, plan.sources, { enabledChanged: before === null || after === null || before.enabled !== after.enabled });
  const via = { scheme: { id: subject.id, name: subject.name } };
  for (const ch of changes) {
    const a = SOURCE_ACTIONS[ch.action];
    if (!a) continue;
    await recordAudit(c, { ...auditActor(req), action: a, entity: 'source', entityId: ch.sourceId, before: ch.before, after: ch.after ? { ...ch.after, ...via } : null });
  }
  await recordAudit(c, {
    ...auditActor(req),
    action,
    entity: 'scheme',
    entityId: subject.id,
    before,
    after: after ? { ...after, sourceChanges: changes.map(changeView), omitted: plan.omitted } : null,
  });
  return { changes, omitted: plan.omitted };
}

/** The gazetteer's places as suggestions for place words (read once; a bad file is reported, not fatal). */
function gazetteer(cfg: Config): { configured: boolean; entries: Array<{ name: string; aliases: string[]; kind: string }>; error: string | null } {
  if (!cfg.JURISDICTION_FILE) return { configured: false, entries: [], error: null };
  try {
    const entries = parseJurisdiction(JSON.parse(readFileSync(cfg.JURISDICTION_FILE, 'utf8')));
    return { configured: true, entries: entries.map((e) => ({ name: e.name, aliases: e.aliases ?? [], kind: e.kind ?? 'other' })), error: null };
  } catch (err) {
    return { configured: true, entries: [], error: `辖区地名库无法读取：${err instanceof Error ? err.message : String(err)}` };
  }
}

/** GET/POST /api/schemes, GET /api/schemes/gazetteer, POST /api/schemes/preview, GET/PUT/DELETE /api/schemes/:id. */
export const schemeRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  let places: ReturnType<typeof gazetteer> | null = null;

  app.get(
    '/api/schemes',
    { config: READ, schema: { description: '监测方案列表：词语、生成的关键词检索信息源及其健康状况、近 24 小时与近 7 日（北京时间）命中条目数。' } },
    async () => {
      const schemes = await listSchemes(db);
      const ids = schemes.map((s) => s.id);
      const [sources, { days, stats }] = await Promise.all([listSchemeSources(db, ids), schemeMatchStats(db, ids)]);
      return {
        days,
        limits: SCHEME_LIMITS,
        searchRoutes: searchRoutes(),
        schemes: schemes.map((s) => schemeView(s, sources.get(s.id) ?? [], stats.get(s.id) ?? { items24h: 0, items7d: 0, daily: days.map(() => 0) })),
      };
    },
  );

  app.get('/api/schemes/gazetteer', { config: EDIT, schema: { description: '辖区地名库（JURISDICTION_FILE）中的地名与别名，供填写地域词。' } }, async () => {
    places ??= gazetteer(cfg);
    return places;
  });

  app.get(
    '/api/schemes/:id',
    { config: READ, schema: { params: idParams, description: '一个监测方案：词语、生成的信息源及健康状况、命中统计与最近命中的 20 条。' } },
    async (req) => {
      const s = await getScheme(db, req.params.id);
      if (!s) throw notFound(req.params.id);
      const [sources, { days, stats }, items] = await Promise.all([listSchemeSources(db, [s.id]), schemeMatchStats(db, [s.id]), listSchemeItems(db, s.id, 20)]);
      return { days, scheme: schemeView(s, sources.get(s.id) ?? [], stats.get(s.id) ?? { items24h: 0, items7d: 0, daily: days.map(() => 0) }), recentItems: items };
    },
  );

  app.post(
    '/api/schemes',
    { config: EDIT, schema: { body: schemeInputSchema, description: '新建监测方案，并按所选检索渠道生成关键词检索信息源（名称已存在时 409）。' } },
    async (req, reply) => {
      const by = { id: callerOf(req).user.id, name: callerOf(req).user.name };
      const out = await withTransaction(db, async (c) => {
        const s = await insertScheme(c, req.body, by);
        if (!s) return null;
        return { scheme: s, ...(await syncAndAudit(c, req, 'scheme.create', null, s, s)) };
      });
      if (!out) throw nameTaken(req.body.name);
      return reply.code(201).send({ scheme: out.scheme, sourceChanges: out.changes.map(changeView), omitted: out.omitted });
    },
  );

  app.put(
    '/api/schemes/:id',
    { config: EDIT, schema: { params: idParams, body: schemeInputSchema, description: '修改监测方案（整体替换）；生成的信息源随之增删、启停。' } },
    async (req) => {
      const by = { id: callerOf(req).user.id, name: callerOf(req).user.name };
      const body: NewScheme = req.body;
      const out = await withTransaction(db, async (c) => {
        const before = await getScheme(c, req.params.id, { lock: true });
        if (!before) return null;
        const s = await updateScheme(c, before.id, body, by);
        if (s === 'name_taken' || s === null) return s;
        return { scheme: s, ...(await syncAndAudit(c, req, 'scheme.update', before, s, s)) };
      });
      if (out === 'name_taken') throw nameTaken(body.name);
      if (!out) throw notFound(req.params.id);
      return { scheme: out.scheme, sourceChanges: out.changes.map(changeView), omitted: out.omitted };
    },
  );

  app.delete(
    '/api/schemes/:id',
    { config: EDIT, schema: { params: idParams, description: '删除监测方案；只由方案生成、且不再被其他方案使用的信息源随之删除（已采集的条目保留）。' } },
    async (req) => {
      const out = await withTransaction(db, async (c) => {
        const before = await getScheme(c, req.params.id, { lock: true });
        if (!before) return null;
        const synced = await syncAndAudit(c, req, 'scheme.delete', before, null, before);
        await deleteScheme(c, before.id);
        return { scheme: before, ...synced };
      });
      if (!out) throw notFound(req.params.id);
      return { scheme: out.scheme, sourceChanges: out.changes.map(changeView) };
    },
  );

  app.post(
    '/api/schemes/preview',
    {
      config: EDIT,
      schema: {
        body: schemePreviewSchema,
        description: '预览：此方案在近 7 日（北京时间，按发布时间）会命中的条目数、每日条数与最新 50 条，以及将生成的关键词检索。不保存。',
      },
    },
    async (req) => {
      try {
        const p = await previewScheme(db, req.body);
        return { ...p, searches: searchKeywords(req.body), sources: req.body.sources };
      } catch (err) {
        if (err instanceof PreviewTimeoutError) throw new ApiError(503, 'PREVIEW_TIMEOUT', '预览超时：近 7 日条目过多，请稍后再试');
        throw err;
      }
    },
  );
};
