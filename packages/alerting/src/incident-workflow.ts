/**
 * The incident workflow (危机管理登记): the statuses an incident goes through, which transitions
 * exist, who may make each, what each needs (the official response, a closing summary, a reason to
 * reopen), the response clock (when the response is due, and when an incident is overdue), the rule
 * for a manual level, and the alert an overdue incident raises. Pure: routes and the alerter store
 * what these functions decide.
 *
 *   新建 new → 研判中 assessing → 处置中 handling → 已回应 responded → 已结案 closed
 *   研判中 → 已结案 (研判后无需处置)
 *   已结案 → 研判中 (重新打开) · 已回应 → 处置中 (回应后舆情反弹)
 */
import { alertEvent } from './lifecycle';
import { ALERT_LEVELS, type AlertLevel, type AlertState, type AlertTransition, type AudienceRole, type Level } from './types';

export const INCIDENT_STATUSES = ['new', 'assessing', 'handling', 'responded', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The words on every screen and export. */
export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = {
  new: '新建',
  assessing: '研判中',
  handling: '处置中',
  responded: '已回应',
  closed: '已结案',
};

/** The statuses in which the official response is still due (the response clock runs). */
export const RESPONSE_DUE_STATUSES: readonly IncidentStatus[] = ['new', 'assessing', 'handling'];

/** An incident's level: the warning scale without 'none' (an incident is always something). */
export const INCIDENT_LEVELS = ALERT_LEVELS;
export type IncidentLevel = AlertLevel;

export const INCIDENT_LEVEL_LABELS: Record<IncidentLevel, string> = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };

/** Roles as the API knows them (declared again: this package does not import the database layer). */
export type IncidentRole = 'admin' | 'pr' | 'leader' | 'analyst' | 'ingest';

export const ROLE_LABELS: Record<IncidentRole, string> = { admin: '管理员', pr: '值班员', leader: '领导', analyst: '分析员', ingest: '采集接口' };

/** What a transition needs besides the target status. */
export type TransitionNeed = 'response' | 'closingSummary' | 'reason' | null;

/** One allowed transition. */
export interface IncidentTransitionDef {
  from: IncidentStatus;
  to: IncidentStatus;
  /** The action's words (a button, a timeline line). */
  label: string;
  needs: TransitionNeed;
  /** Who may make it. */
  roles: readonly IncidentRole[];
  /** A step back (reopen): needs a reason; from 已结案 it counts as a reopen. */
  reopen: boolean;
}

// Analysts run the register and admins can do anything; the duty officer (pr) moves an incident
// forward up to recording the response; closing and reopening are the leader's approval (领导审批结案).
const WORKERS: readonly IncidentRole[] = ['admin', 'analyst', 'pr'];
const APPROVERS: readonly IncidentRole[] = ['admin', 'analyst', 'leader'];

/** Every transition there is; any other (from, to) is refused. */
export const INCIDENT_TRANSITIONS: readonly IncidentTransitionDef[] = [
  { from: 'new', to: 'assessing', label: '开始研判', needs: null, roles: WORKERS, reopen: false },
  { from: 'assessing', to: 'handling', label: '转入处置', needs: null, roles: WORKERS, reopen: false },
  { from: 'handling', to: 'responded', label: '登记回应', needs: 'response', roles: WORKERS, reopen: false },
  { from: 'responded', to: 'closed', label: '结案', needs: 'closingSummary', roles: APPROVERS, reopen: false },
  { from: 'assessing', to: 'closed', label: '研判后结案（无需处置）', needs: 'closingSummary', roles: APPROVERS, reopen: false },
  { from: 'closed', to: 'assessing', label: '重新打开', needs: 'reason', roles: APPROVERS, reopen: true },
  { from: 'responded', to: 'handling', label: '舆情反弹，重新处置', needs: 'reason', roles: APPROVERS, reopen: true },
];

const statusLabel = (s: IncidentStatus): string => `「${INCIDENT_STATUS_LABELS[s]}」`;

/** The transitions `role` may make from `from` (for the buttons a caller is shown). */
export function allowedTransitions(from: IncidentStatus, role: IncidentRole): Array<{ to: IncidentStatus; label: string; needs: TransitionNeed }> {
  return INCIDENT_TRANSITIONS.filter((t) => t.from === from && t.roles.includes(role)).map((t) => ({ to: t.to, label: t.label, needs: t.needs }));
}

/** What a caller sends with a transition. */
export interface TransitionInput {
  reason?: string | null | undefined;
  response?: { at?: number | undefined; channel: string; text: string } | null | undefined;
  closingSummary?: string | null | undefined;
}

/** The fields a transition sets on the incident. */
export interface TransitionChanges {
  status: IncidentStatus;
  /** Set with 已回应. */
  response?: { at: number; channel: string; text: string };
  /** Set with 已结案. */
  closed?: { at: number; summary: string };
  /** A reopen from 已结案: closed_at and the closing summary are cleared, reopen_count + 1. */
  reopened: boolean;
  /** A step back (either reopen): the response clock starts again. */
  restartClock: boolean;
  /** The reason or comment given (recorded on the timeline). */
  reason: string | null;
}

/** Why a transition was refused: 409 not from this status, 403 not this role, 400 something missing. */
export type TransitionRefusal = { ok: false; status: 400 | 403 | 409; code: 'INCIDENT_TRANSITION_NOT_ALLOWED' | 'INCIDENT_TRANSITION_FORBIDDEN' | 'INCIDENT_TRANSITION_INCOMPLETE'; message: string };

export type TransitionDecision = { ok: true; def: IncidentTransitionDef; changes: TransitionChanges } | TransitionRefusal;

/** How far ahead of `now` a recorded response time may lie (clock skew between a phone and the server). */
export const RESPONSE_FUTURE_TOLERANCE_MS = 5 * 60_000;

const text = (v: string | null | undefined): string => (v ?? '').trim();

/** Decides a transition: allowed from this status, by this role, with what it needs. */
export function decideTransition(from: IncidentStatus, to: IncidentStatus, role: IncidentRole, input: TransitionInput, now: number): TransitionDecision {
  const def = INCIDENT_TRANSITIONS.find((t) => t.from === from && t.to === to);
  if (!def) {
    const options = INCIDENT_TRANSITIONS.filter((t) => t.from === from).map((t) => statusLabel(t.to));
    return {
      ok: false,
      status: 409,
      code: 'INCIDENT_TRANSITION_NOT_ALLOWED',
      message:
        from === to
          ? `事件已是${statusLabel(from)}状态`
          : `事件当前为${statusLabel(from)}，不能转为${statusLabel(to)}${options.length ? `（可转为：${options.join('、')}）` : ''}`,
    };
  }
  if (!def.roles.includes(role)) {
    return {
      ok: false,
      status: 403,
      code: 'INCIDENT_TRANSITION_FORBIDDEN',
      message: `${ROLE_LABELS[role]}无权将事件从${statusLabel(from)}转为${statusLabel(to)}（可由${def.roles.map((r) => ROLE_LABELS[r]).join('、')}办理）`,
    };
  }
  const incomplete = (message: string): TransitionRefusal => ({ ok: false, status: 400, code: 'INCIDENT_TRANSITION_INCOMPLETE', message });
  const reason = text(input.reason) || null;
  const changes: TransitionChanges = { status: to, reopened: def.reopen && from === 'closed', restartClock: def.reopen, reason };
  switch (def.needs) {
    case 'reason':
      if (!reason) return incomplete(`从${statusLabel(from)}转为${statusLabel(to)}须填写原因`);
      break;
    case 'response': {
      const r = input.response;
      const channel = text(r?.channel);
      const body = text(r?.text);
      if (!r || !channel || !body) return incomplete(`转为${statusLabel(to)}须登记官方回应：回应渠道和回应内容`);
      const at = r.at ?? now;
      if (!Number.isFinite(at)) return incomplete('回应时间无效');
      if (at > now + RESPONSE_FUTURE_TOLERANCE_MS) return incomplete('回应时间不能晚于当前时间');
      changes.response = { at, channel, text: body };
      break;
    }
    case 'closingSummary': {
      const summary = text(input.closingSummary);
      if (!summary) return incomplete(`转为${statusLabel(to)}须填写结案说明`);
      changes.closed = { at: now, summary };
      break;
    }
    case null:
      break;
  }
  return { ok: true, def, changes };
}

// --- response clock ---

/** Response clocks per level in ms (INCIDENT_RESPONSE_CLOCKS). */
export type ResponseClocks = Record<IncidentLevel, number>;

const ms = (t: Date | number): number => (typeof t === 'number' ? t : t.getTime());

/** When the official response is due for an incident of `level` opened (or reopened) at `from`. */
export function dueAtFor(level: IncidentLevel, from: Date | number, clocks: ResponseClocks): Date {
  return new Date(ms(from) + clocks[level]);
}

/** Overdue: the response is still due (新建/研判中/处置中) and its time has passed. */
export function isOverdue(incident: { status: IncidentStatus; dueAt: Date | number }, now: Date | number): boolean {
  return RESPONSE_DUE_STATUSES.includes(incident.status) && ms(now) > ms(incident.dueAt);
}

// --- levels ---

/** The level an incident takes from the automatic level of what it was opened from ('none' → blue). */
export function levelFromAuto(auto: Level | null | undefined): IncidentLevel {
  return auto && auto !== 'none' ? auto : 'blue';
}

/**
 * Whether a level needs a reason: at creation (previous null), one differing from the automatic
 * level (none counts as blue); afterwards, any change. Who changed it and why is recorded.
 */
export function levelReasonRequired(change: { previous: IncidentLevel | null; next: IncidentLevel; autoLevel: Level | null }): boolean {
  if (change.previous !== null) return change.next !== change.previous;
  return change.autoLevel !== null && change.next !== levelFromAuto(change.autoLevel);
}

/** The refusal for a level set without the reason it needs, or null when it is fine. */
export function levelChangeError(change: { previous: IncidentLevel | null; next: IncidentLevel; autoLevel: Level | null; reason?: string | null | undefined }): string | null {
  if (!levelReasonRequired(change) || text(change.reason)) return null;
  const target = `${INCIDENT_LEVEL_LABELS[change.next]}级`;
  if (change.previous === null) {
    return `级别${target}与自动研判级别${INCIDENT_LEVEL_LABELS[levelFromAuto(change.autoLevel)]}级不同，须填写调整原因`;
  }
  return `将级别由${INCIDENT_LEVEL_LABELS[change.previous]}级调整为${target}须填写原因`;
}

// --- defaults from what an incident is opened from ---

const ranked = (counts: Record<string, number> | null | undefined): Array<[string, number]> =>
  Object.entries(counts ?? {})
    .filter(([k, n]) => k.trim() && Number.isFinite(n) && n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

/**
 * The jurisdiction (属地) a topic's places make obvious: its only place, or one mentioned at least
 * twice as often as any other; '' when it is not obvious (a province, city and district named
 * equally often, two cities) — better empty than a wrong guess in the register.
 */
export function obviousPlace(places: Record<string, number> | null | undefined): string {
  const [first, second] = ranked(places);
  if (!first) return '';
  return !second || first[1] >= 2 * second[1] ? first[0] : '';
}

/** The category a topic's categories suggest: the most frequent one ('' when there is none). */
export function mainCategory(categories: Record<string, number> | null | undefined): string {
  return ranked(categories)[0]?.[0] ?? '';
}

// --- the overdue alert ---

/** Who hears of an overdue incident. */
export const INCIDENT_ALERT_AUDIENCE: readonly AudienceRole[] = ['admin', 'pr', 'analyst', 'leader'];

/** The dedup key of an incident's overdue alert: one per due time, so a new due time can alert again. */
export const incidentOverdueKey = (incidentId: number, dueAt: Date | number): string => `incident:${incidentId}:overdue:${ms(dueAt)}`;

/** Reads the incident id and due time back from an overdue alert's key (null for any other key). */
export function parseIncidentOverdueKey(key: string): { incidentId: number; dueAt: number } | null {
  const m = /^incident:(\d+):overdue:(-?\d+)$/.exec(key);
  return m ? { incidentId: Number(m[1]), dueAt: Number(m[2]) } : null;
}

/** `2024-05-01 14:03` in Beijing time. */
const beijingMinute = (t: number): string => new Date(t + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

/** The alert title of an overdue incident. */
export const incidentOverdueTitle = (title: string): string => `事件超时未回应：${title}`;

/** The summary line of an overdue incident's alert. */
export function incidentOverdueSummary(inc: { status: IncidentStatus; dueAt: Date | number }): string {
  return `应于 ${beijingMinute(ms(inc.dueAt))}（北京时间）前回应，当前状态：${INCIDENT_STATUS_LABELS[inc.status]}`;
}

/**
 * The alert an overdue incident raises: a firing alert keyed by incident and due time, at the
 * incident's level, heard by everyone who reads alerts. An alert with that key, in any state,
 * changes nothing: one alert per due time, and one a person resolved stays resolved.
 */
export function incidentOverdueAlert(
  current: AlertState | null,
  inc: { id: number; title: string; level: IncidentLevel; status: IncidentStatus; dueAt: Date | number; category?: string; jurisdiction?: string },
  now: number,
): AlertTransition {
  if (current) return { alert: current, events: [], notify: false, changed: false };
  const alert: AlertState = {
    key: incidentOverdueKey(inc.id, inc.dueAt),
    kind: 'incident',
    ruleId: null,
    ruleName: null,
    topicId: null,
    sourceId: null,
    level: inc.level,
    state: 'firing',
    title: incidentOverdueTitle(inc.title),
    labels: { categories: inc.category ? [inc.category] : [], places: inc.jurisdiction ? [inc.jurisdiction] : [], sources: [], keywords: [] },
    audienceRoles: [...INCIDENT_ALERT_AUDIENCE],
    cause: 'firing',
    createdAt: now,
    updatedAt: now,
    firedAt: now,
    reopenCount: 0,
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
  };
  const payload = { incidentId: inc.id, dueAt: ms(inc.dueAt), status: inc.status, overdueMs: Math.max(0, now - ms(inc.dueAt)) };
  return { alert, events: [alertEvent(alert, 'firing', now, payload)], notify: true, changed: true };
}

/**
 * Why an open overdue alert should be resolved now, or null while it still stands: the incident was
 * responded to or closed, or its due time moved (a new due time is a new alert).
 */
export function incidentOverdueResolution(key: string, inc: { status: IncidentStatus; dueAt: Date | number } | null): string | null {
  const parsed = parseIncidentOverdueKey(key);
  if (!inc || !parsed) return '事件已不存在';
  if (inc.status === 'responded') return '事件已回应';
  if (inc.status === 'closed') return '事件已结案';
  if (ms(inc.dueAt) !== parsed.dueAt) return '应回应时间已调整';
  return null;
}
