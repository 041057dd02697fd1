import { describe, expect, it } from 'vitest';
import {
  allowedTransitions,
  decideTransition,
  dueAtFor,
  INCIDENT_STATUS_LABELS,
  INCIDENT_STATUSES,
  incidentOverdueAlert,
  incidentOverdueKey,
  incidentOverdueResolution,
  isOverdue,
  levelChangeError,
  levelFromAuto,
  levelReasonRequired,
  mainCategory,
  obviousPlace,
  parseIncidentOverdueKey,
  type IncidentRole,
  type IncidentStatus,
  type TransitionInput,
} from '../src/index';
import { HOUR, MIN, T0 } from './fixtures';

const ROLES: IncidentRole[] = ['admin', 'pr', 'leader', 'analyst', 'ingest'];

/**
 * The policy as the issue states it, written out independently of the module: every transition
 * that exists, who may make it and what it needs. Anything not listed is refused with 409.
 */
const POLICY: Record<string, { roles: IncidentRole[]; needs: 'response' | 'closingSummary' | 'reason' | null }> = {
  'new>assessing': { roles: ['admin', 'analyst', 'pr'], needs: null },
  'assessing>handling': { roles: ['admin', 'analyst', 'pr'], needs: null },
  'handling>responded': { roles: ['admin', 'analyst', 'pr'], needs: 'response' },
  'responded>closed': { roles: ['admin', 'analyst', 'leader'], needs: 'closingSummary' },
  'assessing>closed': { roles: ['admin', 'analyst', 'leader'], needs: 'closingSummary' },
  'closed>assessing': { roles: ['admin', 'analyst', 'leader'], needs: 'reason' },
  'responded>handling': { roles: ['admin', 'analyst', 'leader'], needs: 'reason' },
};

/** A complete input for whatever a transition needs. */
const FULL: TransitionInput = {
  reason: '回应后舆情反弹',
  response: { at: T0 - 10 * MIN, channel: '官方微博', text: '警情通报：……' },
  closingSummary: '已妥善处置，舆情平息',
};

const table = INCIDENT_STATUSES.flatMap((from) => INCIDENT_STATUSES.flatMap((to) => ROLES.map((role) => ({ from, to, role }))));

describe('incident transitions: every (from, to, role)', () => {
  it('covers 5 × 5 × 5 cases', () => expect(table).toHaveLength(125));

  it.each(table)('$from → $to as $role', ({ from, to, role }) => {
    const policy = POLICY[`${from}>${to}`];
    const d = decideTransition(from, to, role, FULL, T0);
    if (!policy) {
      expect(d).toMatchObject({ ok: false, status: 409, code: 'INCIDENT_TRANSITION_NOT_ALLOWED' });
      // The message names the statuses in Chinese.
      if (!d.ok) expect(d.message).toContain(INCIDENT_STATUS_LABELS[from]);
      if (!d.ok && from !== to) expect(d.message).toContain(INCIDENT_STATUS_LABELS[to]);
      return;
    }
    if (!policy.roles.includes(role)) {
      expect(d).toMatchObject({ ok: false, status: 403, code: 'INCIDENT_TRANSITION_FORBIDDEN' });
      if (!d.ok) expect(d.message).toContain(`从「${INCIDENT_STATUS_LABELS[from]}」转为「${INCIDENT_STATUS_LABELS[to]}」`);
      return;
    }
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.changes.status).toBe(to);
    expect(d.def.needs).toBe(policy.needs);
    // Without what it needs, the allowed transition is refused with 400.
    if (policy.needs) {
      const bare = decideTransition(from, to, role, {}, T0);
      expect(bare).toMatchObject({ ok: false, status: 400, code: 'INCIDENT_TRANSITION_INCOMPLETE' });
    } else {
      expect(decideTransition(from, to, role, {}, T0).ok).toBe(true);
    }
  });

  it.each(INCIDENT_STATUSES.flatMap((from) => ROLES.map((role) => ({ from, role }))))('allowed transitions from $from for $role match the policy', ({ from, role }) => {
    const expected = Object.entries(POLICY)
      .filter(([k, p]) => k.startsWith(`${from}>`) && p.roles.includes(role))
      .map(([k, p]) => ({ to: k.split('>')[1], needs: p.needs }))
      .sort((a, b) => a.to!.localeCompare(b.to!));
    const got = allowedTransitions(from, role)
      .map((t) => ({ to: t.to, needs: t.needs }))
      .sort((a, b) => a.to.localeCompare(b.to));
    expect(got).toEqual(expected);
    for (const t of allowedTransitions(from, role)) expect(t.label.length).toBeGreaterThan(0);
  });

  it('ingest may do nothing at all', () => {
    for (const from of INCIDENT_STATUSES) expect(allowedTransitions(from, 'ingest')).toEqual([]);
  });
});

describe('what transitions set', () => {
  it('已回应 records the response (time, channel, text); the time defaults to now and may not lie ahead', () => {
    const d = decideTransition('handling', 'responded', 'pr', { response: { at: T0 - HOUR, channel: ' 官方微博 ', text: ' 通报 ' } }, T0);
    expect(d).toMatchObject({ ok: true, changes: { status: 'responded', response: { at: T0 - HOUR, channel: '官方微博', text: '通报' }, reopened: false, restartClock: false } });
    const now = decideTransition('handling', 'responded', 'pr', { response: { channel: '新闻发布会', text: '通报' } }, T0);
    expect(now.ok && now.changes.response?.at).toBe(T0);
    expect(decideTransition('handling', 'responded', 'pr', { response: { at: T0 + HOUR, channel: '微博', text: '通报' } }, T0)).toMatchObject({ ok: false, status: 400 });
    expect(decideTransition('handling', 'responded', 'pr', { response: { channel: '微博', text: '   ' } }, T0)).toMatchObject({ ok: false, status: 400 });
  });

  it('已结案 needs a closing summary and records the closing time', () => {
    const d = decideTransition('responded', 'closed', 'leader', { closingSummary: '  舆情平息  ' }, T0);
    expect(d).toMatchObject({ ok: true, changes: { status: 'closed', closed: { at: T0, summary: '舆情平息' } } });
    expect(decideTransition('assessing', 'closed', 'analyst', { closingSummary: ' ' }, T0)).toMatchObject({ ok: false, status: 400 });
  });

  it('reopening from 已结案 counts as a reopen; a rebound after 已回应 restarts the clock but is no reopen', () => {
    const reopen = decideTransition('closed', 'assessing', 'leader', { reason: '出现新的质疑' }, T0);
    expect(reopen).toMatchObject({ ok: true, changes: { reopened: true, restartClock: true, reason: '出现新的质疑' } });
    const rebound = decideTransition('responded', 'handling', 'analyst', { reason: '回应后舆情反弹' }, T0);
    expect(rebound).toMatchObject({ ok: true, changes: { reopened: false, restartClock: true } });
    expect(decideTransition('closed', 'assessing', 'leader', { reason: '  ' }, T0)).toMatchObject({ ok: false, status: 400 });
  });

  it('a refusal for the status comes before one for the role', () => {
    expect(decideTransition('new', 'closed', 'ingest', FULL, T0)).toMatchObject({ status: 409 });
    expect(decideTransition('new', 'new', 'admin', FULL, T0)).toMatchObject({ status: 409, message: '事件已是「新建」状态' });
  });
});

describe('response clock', () => {
  const clocks = { red: HOUR, orange: 4 * HOUR, yellow: 24 * HOUR, blue: 72 * HOUR };

  it('the response is due one clock after opening, per level', () => {
    expect(dueAtFor('red', T0, clocks).getTime()).toBe(T0 + HOUR);
    expect(dueAtFor('orange', new Date(T0), clocks).getTime()).toBe(T0 + 4 * HOUR);
    expect(dueAtFor('blue', T0, { ...clocks, blue: 90 * MIN }).getTime()).toBe(T0 + 90 * MIN);
  });

  it.each<[IncidentStatus, number, boolean]>([
    ['new', T0 + 1, true],
    ['assessing', T0 + HOUR, true],
    ['handling', T0 + 1, true],
    ['handling', T0, false],
    ['new', T0 - 1, false],
    ['responded', T0 + HOUR, false],
    ['closed', T0 + HOUR, false],
  ])('%s at due + %d ms → overdue %s', (status, now, expected) => {
    expect(isOverdue({ status, dueAt: new Date(T0) }, now)).toBe(expected);
    expect(isOverdue({ status, dueAt: T0 }, new Date(now))).toBe(expected);
  });
});

describe('level changes', () => {
  it('an automatic level of none opens a blue incident', () => {
    expect(levelFromAuto('none')).toBe('blue');
    expect(levelFromAuto(null)).toBe('blue');
    expect(levelFromAuto('orange')).toBe('orange');
  });

  it('at creation a level differing from the automatic one needs a reason', () => {
    expect(levelReasonRequired({ previous: null, next: 'yellow', autoLevel: 'yellow' })).toBe(false);
    expect(levelReasonRequired({ previous: null, next: 'blue', autoLevel: 'none' })).toBe(false);
    expect(levelReasonRequired({ previous: null, next: 'red', autoLevel: 'yellow' })).toBe(true);
    // Opened from items only: no automatic level to differ from.
    expect(levelReasonRequired({ previous: null, next: 'red', autoLevel: null })).toBe(false);
    expect(levelChangeError({ previous: null, next: 'red', autoLevel: 'yellow' })).toContain('须填写调整原因');
    expect(levelChangeError({ previous: null, next: 'red', autoLevel: 'yellow', reason: '涉及人员伤亡' })).toBeNull();
  });

  it('later, any change of level needs a reason; keeping it does not', () => {
    expect(levelChangeError({ previous: 'yellow', next: 'orange', autoLevel: 'yellow' })).toBe('将级别由黄色级调整为橙色级须填写原因');
    expect(levelChangeError({ previous: 'yellow', next: 'orange', autoLevel: 'yellow', reason: '  ' })).not.toBeNull();
    expect(levelChangeError({ previous: 'yellow', next: 'orange', autoLevel: 'yellow', reason: '媒体跟进' })).toBeNull();
    expect(levelChangeError({ previous: 'orange', next: 'orange', autoLevel: 'yellow' })).toBeNull();
  });
});

describe('the overdue alert', () => {
  const inc = { id: 42, title: '某路段交通事故处置争议', level: 'orange' as const, status: 'handling' as const, dueAt: T0, category: '执法争议', jurisdiction: '天河区' };

  it('fires once per due time at the incident level, for every reader of alerts', () => {
    const t = incidentOverdueAlert(null, inc, T0 + 5 * MIN);
    expect(t).toMatchObject({ changed: true, notify: true });
    expect(t.alert).toMatchObject({
      key: `incident:42:overdue:${T0}`,
      kind: 'incident',
      level: 'orange',
      state: 'firing',
      title: '事件超时未回应：某路段交通事故处置争议',
      labels: { categories: ['执法争议'], places: ['天河区'] },
    });
    expect([...t.alert!.audienceRoles].sort()).toEqual(['admin', 'analyst', 'leader', 'pr']);
    expect(t.events).toEqual([expect.objectContaining({ type: 'firing', level: 'orange', payload: expect.objectContaining({ incidentId: 42, dueAt: T0, overdueMs: 5 * MIN }) })]);
    // Stored already (firing, or resolved by a person): nothing more.
    expect(incidentOverdueAlert(t.alert, inc, T0 + 10 * MIN)).toMatchObject({ changed: false, events: [] });
    expect(incidentOverdueAlert({ ...t.alert!, state: 'resolved' }, inc, T0 + 10 * MIN)).toMatchObject({ changed: false, events: [] });
  });

  it('keys round-trip', () => {
    expect(parseIncidentOverdueKey(incidentOverdueKey(7, new Date(T0)))).toEqual({ incidentId: 7, dueAt: T0 });
    expect(parseIncidentOverdueKey('rule:1:topic:2')).toBeNull();
  });

  it('resolves when the incident is responded to or closed, or its due time moved', () => {
    const key = incidentOverdueKey(42, T0);
    expect(incidentOverdueResolution(key, { status: 'handling', dueAt: T0 })).toBeNull();
    expect(incidentOverdueResolution(key, { status: 'responded', dueAt: T0 })).toBe('事件已回应');
    expect(incidentOverdueResolution(key, { status: 'closed', dueAt: T0 })).toBe('事件已结案');
    expect(incidentOverdueResolution(key, { status: 'assessing', dueAt: T0 + HOUR })).toBe('应回应时间已调整');
    expect(incidentOverdueResolution(key, null)).not.toBeNull();
  });
});

describe('defaults from a topic', () => {
  it('takes a place only when it is obvious', () => {
    expect(obviousPlace({ 天河区: 4 })).toBe('天河区');
    expect(obviousPlace({ 天河区: 6, 越秀区: 3 })).toBe('天河区');
    expect(obviousPlace({ 天河区: 5, 越秀区: 3 })).toBe('');
    expect(obviousPlace({ 广东省: 3, 广州市: 3, 天河区: 3 })).toBe('');
    expect(obviousPlace({})).toBe('');
    expect(obviousPlace(null)).toBe('');
  });

  it('takes the most frequent category', () => {
    expect(mainCategory({ 执法争议: 5, 交通事故: 2 })).toBe('执法争议');
    expect(mainCategory({})).toBe('');
  });
});
