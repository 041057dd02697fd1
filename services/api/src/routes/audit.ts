/**
 * The audit log, read-only (admin): GET /api/audit (newest first, cursor paging) and
 * GET /api/audit.csv for Excel (UTF-8 with BOM, Chinese headers, RFC 4180 quoting). There is no
 * route that edits or deletes an entry, and the database refuses it anyway (migration 011).
 */
import { listAudit, type AuditFilter, type AuditRecord, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { beijing, csvDocument, csvFileName } from '../csv';
import { timeParam } from '../schemas';

// Kept exported from here too: csvField lived in this module before csv.ts.
export { csvField } from '../csv';

const ADMIN = { roles: ['admin'] } as const;

/** The most rows one CSV export holds. */
export const AUDIT_CSV_MAX_ROWS = 100_000;


const filterQuery = {
  /** At or after this time. */
  from: timeParam.optional(),
  /** Before this time. */
  to: timeParam.optional(),
  /** Actor name (a user's login name, 'system', or 'cli:<os user>'). */
  actor: z.string().trim().min(1).max(200).optional(),
  /** An action (rule.update) or an entity prefix (rule). */
  action: z.string().trim().min(1).max(100).optional(),
  entity: z.string().trim().min(1).max(100).optional(),
};

export const auditListQuery = z
  .object({
    ...filterQuery,
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** nextCursor of the previous page. */
    cursor: z.coerce.number().int().positive().optional(),
  })
  .strict();

export const auditOut = z.object({
  id: z.number(),
  at: z.date(),
  actorId: z.number().nullable(),
  actorName: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
});

function filterOf(q: { from?: Date | undefined; to?: Date | undefined; actor?: string | undefined; action?: string | undefined; entity?: string | undefined }): AuditFilter {
  return {
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.entity ? { entity: q.entity } : {}),
  };
}

const json = (v: unknown): string => (v === null || v === undefined ? '' : JSON.stringify(v));

export const AUDIT_CSV_HEADER = ['时间(北京时间)', '操作人', '操作', '对象', '对象ID', '变更前', '变更后'] as const;

/** The CSV text: BOM, header row, one row per entry, CRLF line ends. */
export function auditCsv(rows: readonly AuditRecord[]): string {
  return csvDocument(
    AUDIT_CSV_HEADER,
    rows.map((r) => [beijing(r.at), r.actorName, r.action, r.entity, r.entityId ?? '', json(r.before), json(r.after)]),
  );
}

/** GET /api/audit, GET /api/audit.csv. */
export const auditRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get(
    '/api/audit',
    { config: ADMIN, schema: { querystring: auditListQuery, response: { 200: z.object({ entries: z.array(auditOut), nextCursor: z.number().nullable() }) } } },
    async (req) => {
      const { limit, cursor } = req.query;
      const entries = await listAudit(db, { ...filterOf(req.query), limit, ...(cursor ? { cursor } : {}) });
      const last = entries.at(-1);
      return { entries, nextCursor: entries.length === limit && last ? last.id : null };
    },
  );

  app.get('/api/audit.csv', { config: ADMIN, schema: { querystring: z.object(filterQuery).strict() } }, async (req, reply) => {
    const rows = await listAudit(db, { ...filterOf(req.query), limit: AUDIT_CSV_MAX_ROWS });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${csvFileName('audit')}"`)
      .send(auditCsv(rows));
  });
};
