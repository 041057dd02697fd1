/**
 * Conversions between the stored rows (@yuqing/db) and the pure shapes of @yuqing/alerting, and
 * the notification a batch becomes. Kept apart from the alerter so routes (acknowledge, resolve,
 * preview) can use the same conversions.
 */
import {
  ruleSchema,
  silenceMatcherSchema,
  type AlertState,
  type Batch,
  type BatchReason,
  type Level,
  type Silence,
  type StoredRule,
  type TopicView,
} from '@yuqing/alerting';
import type { AlertRecord, AlertRecordInput, AlertRuleRow, SilenceRow, TopicForRules } from '@yuqing/db';
import { LEVEL_LABELS, type NotificationInput, type NotificationKind } from '../receivers/notification';

/** A stored alert as the lifecycle sees it. */
export function toAlertState(r: AlertRecord): AlertState {
  return {
    key: r.dedupKey,
    kind: r.kind,
    ruleId: r.ruleId,
    ruleName: r.ruleName,
    topicId: r.topicId,
    sourceId: r.sourceId,
    level: r.level,
    state: r.state,
    title: r.title,
    labels: r.labels,
    audienceRoles: r.audienceRoles,
    cause: r.cause,
    createdAt: r.createdAt.getTime(),
    updatedAt: r.updatedAt.getTime(),
    firedAt: r.firedAt.getTime(),
    reopenCount: r.reopenCount,
    manualLevel: r.manualLevel,
    acknowledgedBy: r.acknowledgedBy,
    acknowledgedAt: r.acknowledgedAt?.getTime() ?? null,
    resolvedBy: r.resolvedBy,
    resolvedAt: r.resolvedAt?.getTime() ?? null,
  };
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** The row to store for an alert state; `extra` are the columns the lifecycle does not decide. */
export function toAlertRecord(a: AlertState, extra: { summary: string; heat: number | null }): AlertRecordInput {
  return {
    kind: a.kind,
    dedupKey: a.key,
    ruleId: a.ruleId,
    ruleName: a.ruleName,
    topicId: a.topicId,
    sourceId: a.sourceId,
    level: a.level,
    state: a.state,
    title: a.title,
    summary: extra.summary,
    heat: extra.heat,
    labels: a.labels,
    audienceRoles: a.audienceRoles,
    cause: a.cause,
    createdAt: new Date(a.createdAt),
    updatedAt: new Date(a.updatedAt),
    firedAt: new Date(a.firedAt),
    reopenCount: a.reopenCount,
    // left out (a state built without it) keeps the stored manual level; null clears it
    ...(a.manualLevel !== undefined ? { manualLevel: a.manualLevel } : {}),
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: date(a.acknowledgedAt),
    resolvedBy: a.resolvedBy,
    resolvedAt: date(a.resolvedAt),
  };
}

const LEVELS = new Set<Level>(['none', 'blue', 'yellow', 'orange', 'red']);
/** A stored level text as a Level ('none' for anything unknown). */
export const asLevel = (v: string): Level => (LEVELS.has(v as Level) ? (v as Level) : 'none');

/** A topic row as rules see it. */
export function toTopicView(t: TopicForRules): TopicView {
  return {
    id: t.id,
    title: t.title,
    keywords: t.keywords,
    level: asLevel(t.level),
    policeNegativeShare: t.policeNegativeShare,
    categories: t.categories,
    places: t.places,
    jurisdictionHits: t.jurisdictionHits,
    sources: t.sources,
    schemes: t.schemes,
  };
}

/** What an alert's summary says about its topic. */
export function topicSummary(t: TopicForRules): string {
  return `共 ${t.items} 条信息，涉警负面占比 ${Math.round(t.policeNegativeShare * 100)}%${t.stage ? `，${t.stage}` : ''}${t.jurisdictionHits > 0 ? `，辖区命中 ${t.jurisdictionHits} 条` : ''}`;
}

/** A stored rule, parsed; null when its spec no longer parses (the caller logs it). */
export function toStoredRule(r: AlertRuleRow): StoredRule | null {
  const parsed = ruleSchema.safeParse(r.spec);
  return parsed.success ? { ...parsed.data, id: r.id } : null;
}

/** A stored silence as the scheduler matches it; null when a matcher is no longer valid. */
export function toSilence(s: SilenceRow): Silence | null {
  const matchers = s.matchers.map((m) => silenceMatcherSchema.safeParse(m));
  if (!matchers.length || matchers.some((m) => !m.success)) return null;
  return {
    id: s.id,
    matchers: matchers.map((m) => m.data!),
    startsAt: s.startsAt.getTime(),
    endsAt: s.endsAt.getTime(),
    // the creator may have been deleted since; the scheduler does not look at it
    createdBy: s.createdBy ?? 1,
    comment: s.comment,
  };
}

const REASON_WORDS: Record<BatchReason, string> = {
  firing: '新预警',
  escalated: '升级',
  reopened: '次生',
  resolved: '已解除',
  still_firing: '持续',
  repeat: '仍未确认',
};

function kindOf(alert: AlertState, reason: BatchReason): NotificationKind {
  if (reason === 'resolved') return 'resolved';
  if (alert.kind === 'source_health') return 'source_health';
  if (reason === 'escalated' || reason === 'reopened') return reason;
  return 'firing';
}

/**
 * One batch as one notification: the highest-level alert gives the headline, every alert of the
 * batch a line of the summary. `details` gives each alert's stored summary and heat.
 */
export function batchNotification(batch: Batch, details: (key: string) => { summary: string; heat: number | null } | undefined): NotificationInput {
  const top = batch.alerts[0]!;
  const n = batch.alerts.length;
  const topDetails = details(top.alert.key);
  const lines = batch.alerts.map((e) => `${LEVEL_LABELS[e.alert.level]}（${REASON_WORDS[e.reason]}）${e.alert.title}`);
  const summary = [topDetails?.summary, n > 1 ? lines.join('；') : batch.kind === 'repeat' ? '预警仍未确认，请及时处置' : ''].filter(Boolean).join('。');
  return {
    title: n > 1 ? `${top.alert.title} 等 ${n} 条预警` : top.alert.title,
    level: top.alert.level,
    summary: [...summary].slice(0, 4900).join(''),
    heat: Math.round((topDetails?.heat ?? 0) * 10) / 10,
    at: new Date(batch.at).toISOString(),
    kind: kindOf(top.alert, top.reason),
  };
}

/** The dedup key of a batch's delivery: one per (group, flush time, receiver), so a batch is never sent twice. */
export const batchDedupKey = (batch: Pick<Batch, 'groupKey' | 'at' | 'receiver'>): string => `batch:${batch.groupKey}:${batch.at}:${batch.receiver}`;

/** Reads a batch dedup key back (null for any other key). */
export function parseBatchDedupKey(key: string): { groupKey: string; at: number; receiver: number } | null {
  const parts = key.split(':');
  if (parts.length < 4 || parts[0] !== 'batch') return null;
  const receiver = Number(parts.at(-1));
  const at = Number(parts.at(-2));
  if (!Number.isInteger(receiver) || !Number.isInteger(at)) return null;
  return { groupKey: parts.slice(1, -2).join(':'), at, receiver };
}
