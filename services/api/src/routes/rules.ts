/**
 * Alert rules: list, create, replace, delete, and preview a rule against the stored level and
 * stage changes of the last N days ("此规则将触发 3 次：…") before saving it, under the
 * ALERT_AUTO_RESOLVE the live alerter runs with. A rule is stored as the validated
 * output of @yuqing/alerting's ruleSchema, the one definition the alerter reads too.
 */
import { previewRule, ruleSchema, type HistoryEntry, type Level, type TopicView } from '@yuqing/alerting';
import type { Config } from '@yuqing/config';
import {
  deleteAdminRule,
  getAdminRule,
  insertAdminRule,
  levelChangesForPreview,
  listAdminRules,
  listSchemes,
  recordAudit,
  replaceAdminRule,
  stageChangesForPreview,
  withTransaction,
  type AdminRule,
  type Pool,
  type PreviewHistoryRow,
  type PreviewStageRow,
} from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';
import { callerOf } from '../plugins/auth';
import { idParams } from '../schemas';

const READ = { roles: ['admin', 'pr', 'analyst'] } as const;
const WRITE = { roles: ['admin', 'pr'] } as const;

/** A stored rule as the API shows it. */
export const ruleOut = z.object({
  id: z.number(),
  name: z.string(),
  enabled: z.boolean(),
  spec: ruleSchema,
  createdBy: z.number().nullable(),
  createdAt: z.date(),
  updatedBy: z.number().nullable(),
  updatedAt: z.date(),
});

/** The body of a preview: a rule (as for saving it) and how many days of history to replay. */
export const previewBodySchema = ruleSchema.extend({ days: z.number().int().min(1, '天数至少为 1').max(90, '天数最多为 90').default(7) });

const LEVELS: readonly Level[] = ['none', 'blue', 'yellow', 'orange', 'red'];
const asLevel = (v: string): Level => ((LEVELS as readonly string[]).includes(v) ? (v as Level) : 'none');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The topic as previewRule sees it at a change. Its counters are today's; where the change
 * recorded its indicators (police-negative share, jurisdiction hits) those of that moment win.
 */
function previewTopic(r: PreviewHistoryRow | PreviewStageRow, indicators: Record<string, unknown> | null): TopicView {
  const share = num(indicators?.['policeNegativeShare']) ?? (r.items > 0 ? r.policeNegative / r.items : 0);
  return {
    id: r.topicId,
    title: r.title,
    keywords: r.keywords,
    level: asLevel(r.level),
    policeNegativeShare: share,
    categories: Object.keys(r.categories ?? {}),
    places: Object.keys(r.places ?? {}),
    jurisdictionHits: num(indicators?.['jurisdictionHits']) ?? r.jurisdictionHits,
    sources: r.sources,
    schemes: r.schemes,
  };
}

/** A stored level change as previewRule takes it. */
export function historyEntry(r: PreviewHistoryRow): HistoryEntry {
  return {
    kind: 'level',
    id: r.id,
    change: { topicId: r.topicId, level: asLevel(r.level), previous: asLevel(r.previous), at: r.at.getTime(), reason: r.reason, applied: true, indicators: r.indicators },
    topic: previewTopic(r, r.indicators),
  };
}

/** A stored stage change (消散期, 次生) as previewRule takes it. */
export function stageHistoryEntry(r: PreviewStageRow): HistoryEntry {
  return {
    kind: 'stage',
    id: r.id,
    change: { topicId: r.topicId, stage: r.stage, level: asLevel(r.level), closed: r.closed, at: r.at.getTime(), reason: r.reason },
    topic: previewTopic(r, null),
  };
}

/** A rule may only name monitoring schemes that exist (a typo would make it never fire). */
async function checkSchemes(db: Pool, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const known = new Set((await listSchemes(db)).map((s) => s.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) throw new ApiError(400, 'SCHEME_NOT_FOUND', `监测方案 ${unknown.join('、')} 不存在`);
}

// Stored specs went through ruleSchema; parsing again fills defaults added since they were saved.
const shown = (r: AdminRule) => ({ ...r, spec: ruleSchema.parse(r.spec) });

/** GET/POST /api/rules, PUT/DELETE /api/rules/:id, POST /api/rules/preview. */
export const ruleRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  app.get('/api/rules', { config: READ, schema: { response: { 200: z.object({ rules: z.array(ruleOut) }) } } }, async () => ({
    rules: (await listAdminRules(db)).map(shown),
  }));

  app.post('/api/rules', { config: WRITE, schema: { body: ruleSchema, response: { 201: z.object({ rule: ruleOut }) } } }, async (req, reply) => {
    await checkSchemes(db, req.body.schemes);
    const rule = await withTransaction(db, async (c) => {
      const r = await insertAdminRule(c, { spec: req.body, by: callerOf(req).user.id });
      if (r) await recordAudit(c, { ...auditActor(req), action: 'rule.create', entity: 'rule', entityId: r.id, after: r });
      return r;
    });
    if (!rule) throw new ApiError(409, 'RULE_EXISTS', `规则「${req.body.name}」已存在`);
    return reply.code(201).send({ rule: shown(rule) });
  });

  app.put(
    '/api/rules/:id',
    { config: WRITE, schema: { params: idParams, body: ruleSchema, response: { 200: z.object({ rule: ruleOut }) } } },
    async (req) => {
      await checkSchemes(db, req.body.schemes);
      const rule = await withTransaction(db, async (c) => {
        const before = await getAdminRule(c, req.params.id);
        const r = await replaceAdminRule(c, req.params.id, { spec: req.body, by: callerOf(req).user.id });
        if (r && r !== 'name_taken') await recordAudit(c, { ...auditActor(req), action: 'rule.update', entity: 'rule', entityId: r.id, before, after: r });
        return r;
      });
      if (rule === 'name_taken') throw new ApiError(409, 'RULE_EXISTS', `规则「${req.body.name}」已存在`);
      if (!rule) throw new ApiError(404, 'RULE_NOT_FOUND', `规则 ${req.params.id} 不存在`);
      return { rule: shown(rule) };
    },
  );

  app.delete('/api/rules/:id', { config: WRITE, schema: { params: idParams, response: { 200: z.object({ rule: ruleOut }) } } }, async (req) => {
    const rule = await withTransaction(db, async (c) => {
      const r = await deleteAdminRule(c, req.params.id);
      if (r) await recordAudit(c, { ...auditActor(req), action: 'rule.delete', entity: 'rule', entityId: r.id, before: r });
      return r;
    });
    if (!rule) throw new ApiError(404, 'RULE_NOT_FOUND', `规则 ${req.params.id} 不存在`);
    return { rule: shown(rule) };
  });

  app.post(
    '/api/rules/preview',
    {
      config: READ,
      schema: {
        body: previewBodySchema,
        response: {
          200: z.object({
            count: z.number(),
            fires: z.array(
              z.object({
                topicId: z.number(),
                title: z.string(),
                level: z.string(),
                at: z.number(),
                type: z.enum(['firing', 'escalated', 'reopened']),
                quiet: z.boolean(),
                reasons: z.array(z.string()),
              }),
            ),
            summary: z.string(),
            days: z.number(),
            /** How many stored level and stage changes were replayed. */
            replayed: z.number(),
          }),
        },
      },
    },
    async (req) => {
      const { days, ...rule } = req.body;
      const since = new Date(Date.now() - days * 86_400_000);
      // Level and stage changes, replayed in one order (time, then their shared id) as the alerter reads them.
      const history = [...(await levelChangesForPreview(db, since)).map(historyEntry), ...(await stageChangesForPreview(db, since)).map(stageHistoryEntry)];
      const preview = previewRule(rule, history, { autoResolve: cfg.ALERT_AUTO_RESOLVE });
      return { ...preview, days, replayed: history.length };
    },
  );
};
