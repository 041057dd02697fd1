/**
 * The paper registers of a police PR section, as CSV for Excel (UTF-8 with BOM, Chinese headers,
 * RFC 4180, CRLF, times in 北京时间):
 * - GET /api/incidents.csv — the incident register (危机管理登记表), incidents opened in [from, to);
 * - GET /api/alerts.csv — the warning record (预警记录), opinion alerts first raised in [from, to)
 *   that the caller's role may see (source health alerts are operations, not warnings).
 */
import { INCIDENT_LEVEL_LABELS, INCIDENT_STATUS_LABELS, RESPONSE_DUE_STATUSES, type IncidentLevel } from '@yuqing/alerting';
import { listIncidentRegister, listWarningRecord, type IncidentRegisterRow, type Pool, type WarningRecordRow } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { beijingOrEmpty, csvDocument, csvFileName } from '../csv';
import { callerOf } from '../plugins/auth';
import { timeInput } from '../schemas';

const READ = { roles: ['admin', 'pr', 'analyst', 'leader'] } as const;

/** The most rows one export holds. */
export const REGISTER_CSV_MAX_ROWS = 100_000;

const rangeQuery = z
  .object({
    /** At or after this time (creation of the incident, first firing of the alert). */
    from: timeInput.optional(),
    /** Before this time. */
    to: timeInput.optional(),
  })
  .strict();

export const INCIDENT_CSV_HEADER = [
  '编号',
  '标题',
  '类别',
  '级别',
  '自动级别',
  '状态',
  '属地',
  '负责人',
  '创建时间',
  '应回应时间',
  '是否超时',
  '回应时间',
  '回应渠道',
  '回应内容',
  '结案时间',
  '结案说明',
  '标签',
  '关联预警',
  '关联话题',
  '创建人',
] as const;

export const ALERT_CSV_HEADER = ['编号', '级别', '状态', '标题', '规则', '话题', '首次预警时间', '确认人', '确认时间', '解除时间', '关联事件'] as const;

const levelWord = (l: string | null): string => (l === null ? '' : l === 'none' ? '无' : (INCIDENT_LEVEL_LABELS[l as IncidentLevel] ?? l));
const ids = (list: readonly number[]): string => list.join('、');

/**
 * 是否超时 as a register means it: while a response is due (new/assessing/handling — also after a
 * reopen, whose clock started again even though an earlier response is still on record), whether
 * the due time has passed, as the list, the digest and the overdue alert say; once responded or
 * closed, whether the response came after its due time. Closed after 研判 without one: never late.
 */
export function wasLate(i: Pick<IncidentRegisterRow, 'status' | 'dueAt' | 'responseAt'>, now: Date): boolean {
  if (RESPONSE_DUE_STATUSES.includes(i.status)) return now.getTime() > i.dueAt.getTime();
  return i.responseAt !== null && i.responseAt.getTime() > i.dueAt.getTime();
}

/** The incident register as CSV. */
export function incidentRegisterCsv(rows: readonly IncidentRegisterRow[], now: Date = new Date()): string {
  return csvDocument(
    INCIDENT_CSV_HEADER,
    rows.map((i) => [
      String(i.id),
      i.title,
      i.category,
      levelWord(i.level),
      levelWord(i.autoLevel),
      INCIDENT_STATUS_LABELS[i.status],
      i.jurisdiction,
      i.ownerName ?? '',
      beijingOrEmpty(i.createdAt),
      beijingOrEmpty(i.dueAt),
      wasLate(i, now) ? '是' : '否',
      beijingOrEmpty(i.responseAt),
      i.responseChannel ?? '',
      i.responseText ?? '',
      beijingOrEmpty(i.closedAt),
      i.closingSummary ?? '',
      [...i.tags, ...i.freeTags].join('、'),
      ids(i.alertIds),
      ids(i.topicIds),
      i.createdByName,
    ]),
  );
}

const ALERT_STATE_WORDS: Record<string, string> = { firing: '预警中', acknowledged: '已确认', resolved: '已解除' };

/** The warning record as CSV. */
export function warningRecordCsv(rows: readonly WarningRecordRow[]): string {
  return csvDocument(
    ALERT_CSV_HEADER,
    rows.map((a) => [
      String(a.id),
      `${levelWord(a.level)}预警`,
      ALERT_STATE_WORDS[a.state] ?? a.state,
      a.title,
      a.kind === 'incident' ? '事件超时' : (a.ruleName ?? ''),
      a.topicTitle ?? (a.topicId === null ? '' : `#${a.topicId}`),
      beijingOrEmpty(a.createdAt),
      a.acknowledgedByName ?? '',
      beijingOrEmpty(a.acknowledgedAt),
      beijingOrEmpty(a.resolvedAt),
      ids(a.incidentIds),
    ]),
  );
}

/** GET /api/incidents.csv, GET /api/alerts.csv. */
export const registerRoutes: FastifyPluginAsyncZod<{ db: Pool }> = async (app, { db }) => {
  app.get('/api/incidents.csv', { config: READ, schema: { querystring: rangeQuery } }, async (req, reply) => {
    // 关联预警 lists only the alerts the reader may see (their audience), as every other alert view.
    const rows = await listIncidentRegister(db, {
      ...(req.query.from ? { from: req.query.from } : {}),
      ...(req.query.to ? { to: req.query.to } : {}),
      limit: REGISTER_CSV_MAX_ROWS,
      role: callerOf(req).user.role,
    });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${csvFileName('incidents')}"`)
      .send(incidentRegisterCsv(rows));
  });

  app.get('/api/alerts.csv', { config: READ, schema: { querystring: rangeQuery } }, async (req, reply) => {
    const rows = await listWarningRecord(db, {
      ...(req.query.from ? { from: req.query.from } : {}),
      ...(req.query.to ? { to: req.query.to } : {}),
      role: callerOf(req).user.role,
      limit: REGISTER_CSV_MAX_ROWS,
    });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${csvFileName('alerts')}"`)
      .send(warningRecordCsv(rows));
  });
};
