import { describe, expect, it } from 'vitest';
import {
  NotificationScheduler,
  nextAlertState,
  nextSourceHealthState,
  parseRule,
  type AlertInput,
  type AlertState,
  type Batch,
  type RouteTarget,
  type Silence,
} from '../src/index';
import { HOUR, levelInput, MIN, SEC, shanghai, T0 } from './fixtures';

const RECEIVER = 100;
const WAIT = 30 * SEC;
const INTERVAL = 5 * MIN;

/** A tiny alerter: applies lifecycle inputs and shows every new state to the scheduler. */
class Harness {
  readonly alerts = new Map<string, AlertState>();
  readonly scheduler: NotificationScheduler;
  readonly sent: Batch[] = [];
  constructor(route: (a: AlertState) => RouteTarget[] = () => [{ receiver: RECEIVER }]) {
    this.scheduler = new NotificationScheduler({ route });
  }
  apply(key: string, input: AlertInput, at: number): AlertState {
    const t = nextAlertState(this.alerts.get(key) ?? null, input, at);
    if (!t.alert) throw new Error('no alert');
    this.alerts.set(key, t.alert);
    this.scheduler.observe(t.alert, at);
    return t.alert;
  }
  /** Fires a level change of topic `topicId` for rule `ruleId`. */
  level(ruleId: number, topicId: number, level: 'blue' | 'yellow' | 'orange' | 'red' | 'none', previous: typeof level, at: number): AlertState {
    return this.apply(`rule:${ruleId}:topic:${topicId}`, levelInput(level, previous, { ruleId, topic: { id: topicId, title: `事件${topicId}` } }), at);
  }
  /** Wakes the scheduler whenever it asks to be woken, until `end`; returns what was sent meanwhile. */
  runUntil(end: number): Batch[] {
    const out: Batch[] = [];
    for (let w = this.scheduler.nextWakeAt(); w !== null && w <= end; w = this.scheduler.nextWakeAt()) out.push(...this.scheduler.due(w));
    this.sent.push(...out);
    return out;
  }
}

const summary = (b: Batch) => b.alerts.map((e) => `${e.alert.topicId ?? e.alert.sourceId}:${e.alert.level}:${e.reason}`);

describe('group_wait', () => {
  it('alerts that fire together within group_wait go out as one batch, not before', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(1, 11, 'orange', 'yellow', T0 + 10 * SEC);
    expect(h.scheduler.nextWakeAt()).toBe(T0 + WAIT);
    expect(h.scheduler.due(T0 + WAIT - 1)).toEqual([]);
    const batches = h.scheduler.due(T0 + WAIT);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ receiver: RECEIVER, groupKey: 'rule:1', at: T0 + WAIT, kind: 'notify' });
    // highest level first
    expect(summary(batches[0]!)).toEqual(['11:orange:firing', '10:yellow:firing']);
  });

  it('an alert that escalates during group_wait is announced once, at its latest level', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(1, 10, 'red', 'yellow', T0 + 20 * SEC);
    expect(h.runUntil(T0 + WAIT).map(summary)).toEqual([['10:red:firing']]);
  });

  it('an alert resolved before the group first flushes is never announced, firing or resolved', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.apply('rule:1:topic:10', { type: 'resolve', by: 1 }, T0 + 5 * SEC);
    expect(h.runUntil(T0 + HOUR)).toEqual([]);
    expect(h.scheduler.groupCount).toBe(0);
    expect(h.scheduler.nextWakeAt()).toBeNull();
  });

  it('different receivers and different group keys get separate batches', () => {
    const h = new Harness((a) => [{ receiver: 1 }, { receiver: a.ruleId === 1 ? 2 : 3 }]);
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(2, 10, 'yellow', 'blue', T0);
    const batches = h.runUntil(T0 + WAIT);
    expect(batches.map((b) => [b.receiver, b.groupKey, b.alerts.length])).toEqual([
      [1, 'rule:1', 1],
      [1, 'rule:2', 1],
      [2, 'rule:1', 1],
      [3, 'rule:2', 1],
    ]);
  });
});

describe('group_interval', () => {
  it('after the first batch, a new alert in the group waits for the next tick and comes with the others', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.level(1, 11, 'yellow', 'blue', T0 + 60 * SEC);
    expect(h.scheduler.nextWakeAt()).toBe(T0 + WAIT + INTERVAL);
    expect(h.scheduler.due(T0 + 60 * SEC)).toEqual([]);
    expect(h.scheduler.due(T0 + WAIT + INTERVAL - 1)).toEqual([]);
    const [b] = h.scheduler.due(T0 + WAIT + INTERVAL);
    expect(summary(b!)).toEqual(['10:yellow:still_firing', '11:yellow:firing']);
  });

  it('a tick with nothing new sends nothing', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    expect(h.runUntil(T0 + WAIT)).toHaveLength(1);
    expect(h.runUntil(T0 + HOUR)).toEqual([]);
  });

  it('an escalation after the first batch is announced as such at the next tick, and only once', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.level(1, 10, 'orange', 'yellow', T0 + 2 * MIN);
    const batches = h.runUntil(T0 + HOUR);
    expect(batches.map((b) => [b.at, summary(b)])).toEqual([[T0 + WAIT + INTERVAL, ['10:orange:escalated']]]);
  });

  it('a level lowered by a person and raised back is not news again', () => {
    const h = new Harness();
    h.level(1, 10, 'orange', 'yellow', T0);
    h.runUntil(T0 + WAIT);
    h.level(1, 10, 'yellow', 'orange', T0 + MIN);
    h.runUntil(T0 + 10 * MIN);
    h.level(1, 10, 'orange', 'yellow', T0 + 11 * MIN);
    expect(h.runUntil(T0 + HOUR)).toEqual([]);
  });
});

describe('repeat_interval', () => {
  it('an unacknowledged firing alert is repeated every 4 h, at the first group tick after that', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    const batches = h.runUntil(T0 + 9 * HOUR);
    expect(batches.map((b) => [b.at - T0, b.kind])).toEqual([
      [WAIT, 'notify'],
      [WAIT + 4 * HOUR, 'repeat'],
      [WAIT + 8 * HOUR, 'repeat'],
    ]);
    expect(summary(batches[1]!)).toEqual(['10:yellow:repeat']);
  });

  it('a notification in between restarts the repeat clock', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + HOUR);
    h.level(1, 11, 'yellow', 'blue', T0 + HOUR);
    const batches = h.runUntil(T0 + 6 * HOUR);
    const tick = T0 + WAIT + 12 * INTERVAL; // the first tick at or after T0 + 1 h
    expect(batches.map((b) => [b.at, b.kind])).toEqual([
      [tick, 'notify'],
      [tick + 4 * HOUR, 'repeat'],
    ]);
  });

  it('an acknowledged alert is not repeated', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.apply('rule:1:topic:10', { type: 'acknowledge', by: 7 }, T0 + MIN);
    expect(h.runUntil(T0 + 12 * HOUR)).toEqual([]);
  });

  it('only the unacknowledged alerts of a group are repeated', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(1, 11, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.apply('rule:1:topic:10', { type: 'acknowledge', by: 7 }, T0 + MIN);
    const [rep] = h.runUntil(T0 + 5 * HOUR);
    expect(rep!.kind).toBe('repeat');
    expect(summary(rep!)).toEqual(['11:yellow:repeat']);
  });
});

describe('resolved notifications', () => {
  it('are sent once, at the next tick, and the group then goes away', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.apply('rule:1:topic:10', { type: 'resolve', by: 7 }, T0 + 2 * MIN);
    const batches = h.runUntil(T0 + 10 * HOUR);
    expect(batches.map((b) => [b.at, b.kind, summary(b)])).toEqual([[T0 + WAIT + INTERVAL, 'notify', ['10:yellow:resolved']]]);
    expect(h.scheduler.groupCount).toBe(0);
    expect(h.scheduler.alert('rule:1:topic:10')).toBeUndefined();
  });

  it('an acknowledged alert that resolves is announced as resolved (it was announced firing)', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.apply('rule:1:topic:10', { type: 'acknowledge', by: 7 }, T0 + MIN);
    h.level(1, 10, 'none', 'yellow', T0 + 48 * HOUR);
    const batches = h.runUntil(T0 + 49 * HOUR);
    expect(batches.map(summary)).toEqual([['10:yellow:resolved']]);
  });

  it('a flare-up after resolution starts a new group and is announced as 次生 (reopened)', () => {
    const h = new Harness();
    h.level(1, 10, 'orange', 'yellow', T0);
    h.runUntil(T0 + WAIT);
    h.level(1, 10, 'none', 'orange', T0 + 48 * HOUR);
    h.runUntil(T0 + 49 * HOUR);
    h.level(1, 10, 'yellow', 'none', T0 + 60 * HOUR);
    expect(h.scheduler.nextWakeAt()).toBe(T0 + 60 * HOUR + WAIT);
    expect(h.runUntil(T0 + 61 * HOUR).map(summary)).toEqual([['10:yellow:reopened']]);
  });

  it('resolve and re-open between two ticks is announced as reopened, with no resolved notice', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.apply('rule:1:topic:10', { type: 'resolve', by: 7 }, T0 + MIN);
    h.level(1, 10, 'orange', 'yellow', T0 + 2 * MIN);
    expect(h.runUntil(T0 + 10 * MIN).map(summary)).toEqual([['10:orange:reopened']]);
  });
});

describe('inhibition in the scheduler', () => {
  it('a higher-level alert of the same topic mutes the lower one; when it resolves the lower one speaks', () => {
    const h = new Harness();
    // Rule 1 fired at yellow; rule 2 (orange and above) fires on the same topic within group_wait.
    // Rule 1's alert stays yellow because its rule no longer matches (no level input reaches it).
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(2, 10, 'orange', 'yellow', T0 + 5 * SEC);
    // Each group has its own timer: rule 1's flushes at T0+30 s (muted, so nothing), rule 2's at T0+35 s.
    expect(h.runUntil(T0 + WAIT + 5 * SEC).map((b) => [b.at - T0, b.groupKey, summary(b)])).toEqual([[WAIT + 5 * SEC, 'rule:2', ['10:orange:firing']]]);
    h.apply('rule:2:topic:10', { type: 'resolve', by: 7 }, T0 + MIN);
    const next = h.runUntil(T0 + 6 * MIN);
    expect(next.map((b) => [b.groupKey, summary(b)])).toEqual([
      ['rule:1', ['10:yellow:firing']],
      ['rule:2', ['10:orange:resolved']],
    ]);
  });

  it('alerts of different topics, and source health alerts, are not inhibited', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(2, 11, 'red', 'orange', T0);
    const src = nextSourceHealthState(null, { type: 'failing', sourceId: 4, sourceName: '某论坛' }, T0).alert!;
    h.scheduler.observe(src, T0);
    const batches = h.runUntil(T0 + WAIT);
    expect(batches.map((b) => [b.groupKey, summary(b)])).toEqual([
      ['rule:1', ['10:yellow:firing']],
      ['rule:2', ['11:red:firing']],
      ['source_health', ['4:yellow:firing']],
    ]);
  });
});

describe('silences in the scheduler', () => {
  const silence = (over: Partial<Silence> = {}): Silence => ({
    matchers: [{ field: 'topicId', op: '=', value: '10' }],
    startsAt: T0 - HOUR,
    endsAt: T0 + HOUR,
    createdBy: 1,
    comment: '已知事件，正在处置',
    ...over,
  });

  it('a silenced alert changes state but does not notify; when the silence ends it notifies at the next tick', () => {
    const h = new Harness();
    h.scheduler.setSilences([silence()]);
    h.level(1, 10, 'yellow', 'blue', T0);
    h.level(1, 11, 'yellow', 'blue', T0);
    expect(h.runUntil(T0 + WAIT).map(summary)).toEqual([['11:yellow:firing']]);
    const escalated = h.level(1, 10, 'red', 'yellow', T0 + 10 * MIN);
    expect(escalated.level).toBe('red');
    expect(h.scheduler.alert('rule:1:topic:10')?.level).toBe('red');
    expect(h.runUntil(T0 + HOUR - 1)).toEqual([]);
    const after = h.runUntil(T0 + 2 * HOUR);
    const firstTickAfterEnd = T0 + WAIT + 12 * INTERVAL; // T0 + 1 h 0 min 30 s
    expect(after.map((b) => [b.at, summary(b)])).toEqual([[firstTickAfterEnd, ['10:red:firing', '11:yellow:still_firing']]]);
  });

  it('an expired or not yet started silence does not mute', () => {
    for (const s of [silence({ startsAt: T0 - 2 * HOUR, endsAt: T0 - HOUR }), silence({ startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR })]) {
      const h = new Harness();
      h.scheduler.setSilences([s]);
      h.level(1, 10, 'yellow', 'blue', T0);
      expect(h.runUntil(T0 + WAIT)).toHaveLength(1);
    }
  });

  it('a regular-expression matcher silences what it matches, anchored at both ends', () => {
    const h = new Harness();
    h.scheduler.setSilences([silence({ matchers: [{ field: 'keyword', op: '=~', value: '暴力.*' }] })]);
    h.level(1, 10, 'yellow', 'blue', T0);
    expect(h.runUntil(T0 + WAIT)).toEqual([]);

    const h2 = new Harness();
    h2.scheduler.setSilences([silence({ matchers: [{ field: 'keyword', op: '=~', value: '暴力' }] })]);
    h2.level(1, 10, 'yellow', 'blue', T0);
    expect(h2.runUntil(T0 + WAIT)).toHaveLength(1);
  });

  it('a silenced resolution is dropped rather than sent later', () => {
    const h = new Harness();
    h.level(1, 10, 'yellow', 'blue', T0);
    h.runUntil(T0 + WAIT);
    h.scheduler.setSilences([silence()]);
    h.apply('rule:1:topic:10', { type: 'resolve', by: 7 }, T0 + MIN);
    expect(h.runUntil(T0 + 3 * HOUR)).toEqual([]);
    expect(h.scheduler.groupCount).toBe(0);
  });
});

describe('quiet hours in the scheduler', () => {
  const { quietHours } = parseRule({ name: 'x', quietHours: { start: '23:00', end: '07:00' } });
  const night = shanghai(2024, 3, 6, 2);

  it('at night a yellow alert waits for morning; an orange one goes out at once', () => {
    const h = new Harness(() => [{ receiver: RECEIVER, quietHours }]);
    h.level(1, 10, 'yellow', 'blue', night);
    h.level(1, 11, 'orange', 'yellow', night);
    expect(h.runUntil(night + WAIT).map(summary)).toEqual([['11:orange:firing']]);
    // Until 07:00 the yellow alert stays muted; the orange one is only repeated (4 h after 02:00).
    expect(h.runUntil(shanghai(2024, 3, 6, 6, 59)).map(summary)).toEqual([['11:orange:repeat']]);
    const morning = h.runUntil(shanghai(2024, 3, 6, 7, 10));
    expect(morning).toHaveLength(1);
    expect(morning[0]!.at).toBeGreaterThanOrEqual(shanghai(2024, 3, 6, 7));
    expect(morning[0]!.at).toBeLessThan(shanghai(2024, 3, 6, 7) + INTERVAL);
    expect(summary(morning[0]!)).toEqual(['11:orange:still_firing', '10:yellow:firing']);
  });
});

describe('scheduler timings', () => {
  it('are configurable and deterministic', () => {
    const run = () => {
      const s = new NotificationScheduler({ route: () => [{ receiver: 1 }], timings: { groupWaitMs: 1000, groupIntervalMs: 2000, repeatIntervalMs: 10_000 } });
      s.observe(nextAlertState(null, levelInput('yellow', 'blue'), 0).alert!, 0);
      const at: number[] = [];
      for (let w = s.nextWakeAt(); w !== null && w <= 30_000; w = s.nextWakeAt()) for (const b of s.due(w)) at.push(b.at);
      return at;
    };
    expect(run()).toEqual([1000, 11_000, 21_000]);
    expect(run()).toEqual(run());
  });
});
