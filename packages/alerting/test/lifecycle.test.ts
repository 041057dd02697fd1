import { describe, expect, it } from 'vitest';
import { inputForLevelChange, nextAlertState, nextSourceHealthState, type AlertState, type AlertTransition } from '../src/index';
import { HOUR, levelInput, MIN, rule, T0, topic } from './fixtures';

/** Applies steps in order, returning every transition. */
function run(steps: Array<[Parameters<typeof nextAlertState>[1], number]>, start: AlertState | null = null, opts?: Parameters<typeof nextAlertState>[3]): AlertTransition[] {
  let cur = start;
  return steps.map(([input, at]) => {
    const t = nextAlertState(cur, input, at, opts);
    cur = t.alert;
    return t;
  });
}

describe('topic alert lifecycle', () => {
  it('a first matching level change opens a firing alert keyed by rule and topic, and notifies', () => {
    const t = nextAlertState(null, levelInput('yellow', 'blue'), T0);
    expect(t.alert).toMatchObject({ key: 'rule:1:topic:7', kind: 'topic', state: 'firing', level: 'yellow', ruleId: 1, topicId: 7, createdAt: T0, firedAt: T0 });
    expect(t.notify).toBe(true);
    expect(t.events).toEqual([
      expect.objectContaining({ type: 'firing', level: 'yellow', at: T0, audienceRoles: ['pr', 'leader'], payload: expect.objectContaining({ from: 'blue', to: 'yellow', topicId: 7 }) }),
    ]);
    expect(t.alert?.labels.categories).toEqual(['执法争议']);
  });

  it('a rise escalates the same alert instead of opening a second one', () => {
    const [a, b] = run([
      [levelInput('yellow', 'blue'), T0],
      [levelInput('orange', 'yellow'), T0 + HOUR],
    ]);
    expect(b!.alert!.key).toBe(a!.alert!.key);
    expect(b!.alert).toMatchObject({ level: 'orange', state: 'firing', createdAt: T0, updatedAt: T0 + HOUR, cause: 'escalated' });
    expect(b!.events.map((e) => [e.type, e.level])).toEqual([['escalated', 'orange']]);
    expect(b!.events[0]!.payload).toMatchObject({ from: 'yellow', to: 'orange' });
    expect(b!.notify).toBe(true);
  });

  it('the same or a lower level while firing is recorded as updated, without a notification', () => {
    const [, same, lower] = run([
      [levelInput('orange', 'yellow'), T0],
      [levelInput('orange', 'orange'), T0 + MIN],
      [levelInput('yellow', 'orange'), T0 + 2 * MIN],
    ]);
    for (const t of [same!, lower!]) {
      expect(t.events.map((e) => e.type)).toEqual(['updated']);
      expect(t.notify).toBe(false);
      expect(t.alert!.state).toBe('firing');
    }
    expect(lower!.alert!.level).toBe('yellow');
  });

  it('records who acknowledged and when; acknowledging twice changes nothing', () => {
    const [, ack, again] = run([
      [levelInput('yellow', 'blue'), T0],
      [{ type: 'acknowledge', by: 42 }, T0 + 5 * MIN],
      [{ type: 'acknowledge', by: 43 }, T0 + 6 * MIN],
    ]);
    expect(ack!.alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 42, acknowledgedAt: T0 + 5 * MIN });
    expect(ack!.events.map((e) => [e.type, e.payload.by])).toEqual([['acknowledged', 42]]);
    expect(ack!.notify).toBe(false);
    expect(again).toMatchObject({ changed: false, events: [], notify: false });
    expect(again!.alert!.acknowledgedBy).toBe(42);
  });

  it('an acknowledged alert that escalates fires again and needs a new acknowledgment', () => {
    const [, , up] = run([
      [levelInput('yellow', 'blue'), T0],
      [{ type: 'acknowledge', by: 42 }, T0 + MIN],
      [levelInput('red', 'yellow'), T0 + HOUR],
    ]);
    expect(up!.alert).toMatchObject({ state: 'firing', level: 'red', acknowledgedBy: null });
    expect(up!.events[0]).toMatchObject({ type: 'escalated', payload: { previouslyAcknowledgedBy: 42 } });
    expect(up!.notify).toBe(true);
  });

  it('an acknowledged alert stays acknowledged on a sideways change', () => {
    const [, , side] = run([
      [levelInput('orange', 'yellow'), T0],
      [{ type: 'acknowledge', by: 42 }, T0 + MIN],
      [levelInput('orange', 'orange'), T0 + HOUR],
    ]);
    expect(side!.alert!.state).toBe('acknowledged');
    expect(side!.notify).toBe(false);
  });

  it('records who resolved; receivers hear of it; resolving twice changes nothing', () => {
    const [, res, again] = run([
      [levelInput('yellow', 'blue'), T0],
      [{ type: 'resolve', by: 9, comment: '已处置' }, T0 + HOUR],
      [{ type: 'resolve', by: 10 }, T0 + 2 * HOUR],
    ]);
    expect(res!.alert).toMatchObject({ state: 'resolved', resolvedBy: 9, resolvedAt: T0 + HOUR });
    expect(res!.events[0]).toMatchObject({ type: 'resolved', payload: { by: 9, auto: false, comment: '已处置' } });
    expect(res!.notify).toBe(true);
    expect(again!.changed).toBe(false);
  });

  it('acknowledge and resolve without an alert are no-ops', () => {
    expect(nextAlertState(null, { type: 'acknowledge', by: 1 }, T0)).toEqual({ alert: null, events: [], notify: false, changed: false });
    expect(nextAlertState(null, { type: 'faded', closed: true, reason: 'x' }, T0).alert).toBeNull();
  });

  it('auto-resolves by the system when the topic closes (level → none), by default', () => {
    const [, closed] = run([
      [levelInput('yellow', 'blue'), T0],
      [levelInput('none', 'yellow'), T0 + 48 * HOUR],
    ]);
    expect(closed!.alert).toMatchObject({ state: 'resolved', resolvedBy: null, resolvedAt: T0 + 48 * HOUR, level: 'yellow' });
    expect(closed!.events[0]).toMatchObject({ type: 'resolved', payload: { auto: true, by: null, topicClosed: true } });
    expect(closed!.notify).toBe(true);
  });

  it('auto-resolve is configurable: faded resolves on 消散期, closed waits, never leaves it to people', () => {
    const open = nextAlertState(null, levelInput('yellow', 'blue'), T0).alert;
    const fade = { type: 'faded' as const, closed: false, reason: '话题进入消散期' };
    expect(nextAlertState(open, fade, T0 + HOUR, { autoResolve: 'faded' }).alert!.state).toBe('resolved');
    // A mere fade is nothing to `closed` (nor `never`): no event, nothing to store or announce.
    const waits = nextAlertState(open, fade, T0 + HOUR, { autoResolve: 'closed' });
    expect(waits).toEqual({ alert: open, events: [], notify: false, changed: false });
    expect(nextAlertState(open, fade, T0 + HOUR, { autoResolve: 'never' }).changed).toBe(false);
    const never = nextAlertState(open, { type: 'faded', closed: true, reason: '关闭' }, T0 + HOUR, { autoResolve: 'never' });
    expect(never.alert!.state).toBe('firing');
    expect(never.events.map((e) => e.type)).toEqual(['updated']);
    expect(never.notify).toBe(false);
  });

  it('with faded, a fade resolves an open (also an acknowledged) alert by the system, once', () => {
    const faded = { autoResolve: 'faded' as const };
    const fade = { type: 'faded' as const, closed: false, reason: '话题进入消散期' };
    const [, acked, resolved, again] = run(
      [
        [levelInput('orange', 'yellow'), T0],
        [{ type: 'acknowledge', by: 3 }, T0 + MIN],
        [fade, T0 + 5 * HOUR],
        [fade, T0 + 6 * HOUR],
      ],
      null,
      faded,
    );
    expect(acked!.alert!.state).toBe('acknowledged');
    expect(resolved!.alert).toMatchObject({ state: 'resolved', resolvedBy: null, resolvedAt: T0 + 5 * HOUR, level: 'orange', acknowledgedBy: 3 });
    expect(resolved!.events).toEqual([expect.objectContaining({ type: 'resolved', level: 'orange', payload: expect.objectContaining({ auto: true, by: null, reason: '话题进入消散期', topicClosed: false }) })]);
    expect(resolved!.notify).toBe(true);
    expect(again!.changed).toBe(false);
    expect(again!.events).toEqual([]);
  });

  it('with faded, a later flare (次生) at the same level reopens what the fade resolved; a level rise does too', () => {
    const faded = { autoResolve: 'faded' as const };
    const fade = { type: 'faded' as const, closed: false, reason: '话题进入消散期' };
    const flare = { type: 'flare' as const, ruleId: 1, ruleName: '测试规则', topic: topic({ level: 'orange' }), reason: '话题再度升温（次生）', audienceRoles: ['pr' as const] };
    const [first, , re, refade, rise] = run(
      [
        [levelInput('orange', 'yellow'), T0],
        [fade, T0 + 5 * HOUR],
        [flare, T0 + 8 * HOUR],
        [fade, T0 + 12 * HOUR],
        [levelInput('red', 'orange'), T0 + 20 * HOUR],
      ],
      null,
      faded,
    );
    expect(re!.alert).toMatchObject({ key: first!.alert!.key, state: 'firing', level: 'orange', cause: 'reopened', reopenCount: 1, firedAt: T0 + 8 * HOUR, resolvedBy: null, resolvedAt: null, audienceRoles: ['pr'] });
    expect(re!.events).toEqual([expect.objectContaining({ type: 'reopened', payload: expect.objectContaining({ secondary: true, label: '次生', stage: '次生', previouslyResolvedAt: T0 + 5 * HOUR }) })]);
    expect(re!.notify).toBe(true);
    expect(refade!.alert!.state).toBe('resolved');
    expect(rise!.alert).toMatchObject({ state: 'firing', level: 'red', cause: 'reopened', reopenCount: 2 });
  });

  it('a flare reopens nothing a person resolved, nothing open, and nothing unless auto-resolve is faded', () => {
    const flare = { type: 'flare' as const, ruleId: 1, topic: topic({ level: 'orange' }), reason: '次生', audienceRoles: ['pr' as const] };
    const open = nextAlertState(null, levelInput('orange', 'yellow'), T0).alert!;
    expect(nextAlertState(open, flare, T0 + HOUR, { autoResolve: 'faded' }).changed).toBe(false);
    const byPerson = nextAlertState(open, { type: 'resolve', by: 4 }, T0 + HOUR).alert!;
    expect(nextAlertState(byPerson, flare, T0 + 2 * HOUR, { autoResolve: 'faded' }).changed).toBe(false);
    const closed = nextAlertState(open, { type: 'faded', closed: true, reason: '关闭' }, T0 + HOUR, { autoResolve: 'closed' }).alert!;
    expect(closed.state).toBe('resolved');
    expect(nextAlertState(closed, flare, T0 + 2 * HOUR, { autoResolve: 'closed' }).changed).toBe(false);
    expect(nextAlertState(closed, flare, T0 + 2 * HOUR, { autoResolve: 'faded' }).alert!.state).toBe('firing');
    expect(nextAlertState(null, flare, T0, { autoResolve: 'faded' }).alert).toBeNull();
  });

  it('a resolved alert re-opens as a flare-up (次生) when the topic rises again, on the same key', () => {
    const [first, , re] = run([
      [levelInput('orange', 'yellow'), T0],
      [levelInput('none', 'orange'), T0 + 48 * HOUR],
      [levelInput('yellow', 'none'), T0 + 72 * HOUR],
    ]);
    expect(re!.alert).toMatchObject({ key: first!.alert!.key, state: 'firing', level: 'yellow', cause: 'reopened', reopenCount: 1, firedAt: T0 + 72 * HOUR, createdAt: T0, resolvedBy: null });
    expect(re!.events[0]).toMatchObject({ type: 'reopened', level: 'yellow', payload: { secondary: true, label: '次生', from: 'orange', previouslyResolvedAt: T0 + 48 * HOUR } });
    expect(re!.notify).toBe(true);
  });

  it('a resolved alert does not re-open on a change that is not a rise', () => {
    const resolved = run([
      [levelInput('orange', 'yellow'), T0],
      [{ type: 'resolve', by: 3 }, T0 + HOUR],
    ])[1]!.alert;
    const t = nextAlertState(resolved, levelInput('orange', 'orange'), T0 + 2 * HOUR);
    expect(t).toMatchObject({ changed: false, notify: false, events: [] });
    expect(t.alert!.state).toBe('resolved');
  });
});

describe('inputForLevelChange (what a level change means for a rule)', () => {
  const r = rule({ minLevel: 'orange' }, 5);
  it('gives a level input only when the rule matches the topic at its new level', () => {
    expect(inputForLevelChange(r, topic(), { topicId: 7, level: 'yellow', previous: 'blue', at: T0, reason: '' })).toBeNull();
    expect(inputForLevelChange(r, topic(), { topicId: 7, level: 'orange', previous: 'yellow', at: T0, reason: 'r' })).toMatchObject({
      type: 'level',
      ruleId: 5,
      topic: { level: 'orange' },
      audienceRoles: r.audienceRoles,
    });
  });
  it('a close reaches every rule; a change a person overrode reaches none', () => {
    expect(inputForLevelChange(r, topic(), { topicId: 7, level: 'none', previous: 'orange', at: T0, reason: '平息' })).toEqual({ type: 'faded', closed: true, reason: '平息' });
    expect(inputForLevelChange(r, topic(), { topicId: 7, level: 'red', previous: 'orange', at: T0, reason: '', applied: false })).toBeNull();
  });
});

describe('source health alerts', () => {
  const failing = { type: 'failing' as const, sourceId: 3, sourceName: '人民网社会', consecutiveErrors: 5, error: 'HTTP 503' };
  const recovered = { type: 'recovered' as const, sourceId: 3, sourceName: '人民网社会' };

  it('failing raises an alert of its own kind, keyed by source, for admins only', () => {
    const t = nextSourceHealthState(null, failing, T0);
    expect(t.alert).toMatchObject({ key: 'source:3', kind: 'source_health', sourceId: 3, ruleId: null, topicId: null, state: 'firing', audienceRoles: ['admin'] });
    expect(t.events).toEqual([expect.objectContaining({ type: 'firing', audienceRoles: ['admin'], payload: expect.objectContaining({ error: 'HTTP 503', consecutiveErrors: 5 }) })]);
    expect(t.notify).toBe(true);
  });

  it('recovered resolves it automatically; a later failure fires the same key again', () => {
    const open = nextSourceHealthState(null, failing, T0).alert;
    const again = nextSourceHealthState(open, failing, T0 + MIN);
    expect(again.notify).toBe(false);
    expect(again.events.map((e) => e.type)).toEqual(['updated']);
    const ok = nextSourceHealthState(again.alert, recovered, T0 + HOUR);
    expect(ok.alert).toMatchObject({ state: 'resolved', resolvedBy: null, resolvedAt: T0 + HOUR });
    expect(ok.events[0]).toMatchObject({ type: 'resolved', audienceRoles: ['admin'], payload: { auto: true } });
    expect(ok.notify).toBe(true);
    const next = nextSourceHealthState(ok.alert, failing, T0 + 2 * HOUR);
    expect(next.alert).toMatchObject({ key: 'source:3', state: 'firing', cause: 'firing', createdAt: T0, firedAt: T0 + 2 * HOUR, reopenCount: 1 });
    expect(next.events[0]!.type).toBe('firing');
  });

  it('recovered without an open alert changes nothing; admins can acknowledge it like any alert', () => {
    expect(nextSourceHealthState(null, recovered, T0).changed).toBe(false);
    const open = nextSourceHealthState(null, failing, T0).alert;
    expect(nextAlertState(open, { type: 'acknowledge', by: 1 }, T0 + MIN).alert!.state).toBe('acknowledged');
  });
});

describe('a level set by hand (manual level)', () => {
  const manual = (level: 'blue' | 'yellow' | 'orange' | 'red', by = 42, reason = '研判：影响有限') => ({ type: 'manual_level' as const, level, by, reason });

  it('raising the level by hand escalates: the alert fires again, needs a new acknowledgment, and records who and why', () => {
    const [, ack, up] = run([
      [levelInput('yellow', 'blue'), T0],
      [{ type: 'acknowledge', by: 7 }, T0 + MIN],
      [manual('red', 42, '涉及重大警情'), T0 + 2 * MIN],
    ]);
    expect(ack!.alert!.state).toBe('acknowledged');
    expect(up!.alert).toMatchObject({ level: 'red', manualLevel: 'red', state: 'firing', cause: 'escalated', acknowledgedBy: null, acknowledgedAt: null, updatedAt: T0 + 2 * MIN });
    expect(up!.events.map((e) => [e.type, e.level])).toEqual([['escalated', 'red']]);
    expect(up!.events[0]!.payload).toMatchObject({ manual: true, reason: '涉及重大警情', by: 42, previous: 'yellow', previouslyAcknowledgedBy: 7 });
    expect(up!.notify).toBe(true);
  });

  it('lowering it by hand is an update: no notification, the acknowledgment stays', () => {
    const [, , down] = run([
      [levelInput('orange', 'yellow'), T0],
      [{ type: 'acknowledge', by: 7 }, T0 + MIN],
      [manual('blue'), T0 + 2 * MIN],
    ]);
    expect(down!.alert).toMatchObject({ level: 'blue', manualLevel: 'blue', state: 'acknowledged', acknowledgedBy: 7 });
    expect(down!.events.map((e) => [e.type, e.level])).toEqual([['updated', 'blue']]);
    expect(down!.events[0]!.payload).toMatchObject({ manual: true, previous: 'orange', by: 42 });
    expect(down!.notify).toBe(false);
  });

  it('automatic changes at or below the manual level keep it: updated with the automatic level, never a second escalated', () => {
    const steps = run([
      [levelInput('yellow', 'blue'), T0],
      [manual('red'), T0 + MIN],
      [levelInput('orange', 'yellow'), T0 + HOUR],
      [levelInput('red', 'orange'), T0 + 2 * HOUR],
      [levelInput('yellow', 'red'), T0 + 3 * HOUR],
    ]);
    for (const [t, auto] of [
      [steps[2]!, 'orange'],
      [steps[3]!, 'red'],
      [steps[4]!, 'yellow'],
    ] as const) {
      expect(t.alert).toMatchObject({ level: 'red', manualLevel: 'red', state: 'firing' });
      expect(t.events.map((e) => [e.type, e.level])).toEqual([['updated', 'red']]);
      expect(t.events[0]!.payload).toMatchObject({ autoLevel: auto, manualLevel: 'red' });
      expect(t.notify).toBe(false);
    }
  });

  it('an automatic rise above a lowered manual level escalates and clears the manual level', () => {
    const [, , , up, after] = run([
      [levelInput('yellow', 'blue'), T0],
      [{ type: 'acknowledge', by: 7 }, T0 + MIN],
      [manual('blue'), T0 + 2 * MIN],
      [levelInput('orange', 'yellow'), T0 + HOUR],
      [levelInput('yellow', 'orange'), T0 + 2 * HOUR],
    ]);
    expect(up!.alert).toMatchObject({ level: 'orange', manualLevel: null, state: 'firing', cause: 'escalated', acknowledgedBy: null });
    expect(up!.events.map((e) => [e.type, e.level])).toEqual([['escalated', 'orange']]);
    expect(up!.events[0]!.payload).toMatchObject({ from: 'blue', to: 'orange', autoLevel: 'orange', manualLevelCleared: 'blue' });
    expect(up!.notify).toBe(true);
    // With the manual level gone, the automatic level moves the alert again.
    expect(after!.alert).toMatchObject({ level: 'yellow', manualLevel: null });
  });

  it('an automatic level above the manual one that is falling is no escalation: the manual level stays', () => {
    const [, , fall] = run([
      [levelInput('orange', 'yellow'), T0],
      [manual('blue'), T0 + MIN],
      [levelInput('yellow', 'orange'), T0 + HOUR],
    ]);
    expect(fall!.alert).toMatchObject({ level: 'blue', manualLevel: 'blue' });
    expect(fall!.events.map((e) => [e.type, e.level])).toEqual([['updated', 'blue']]);
    expect(fall!.events[0]!.payload).toMatchObject({ autoLevel: 'yellow' });
  });

  it('setting the manual level it already has, or changing a resolved alert, changes nothing', () => {
    const [, set, again] = run([
      [levelInput('yellow', 'blue'), T0],
      [manual('orange'), T0 + MIN],
      [manual('orange', 43, '再次确认'), T0 + 2 * MIN],
    ]);
    expect(set!.changed).toBe(true);
    expect(again).toMatchObject({ changed: false, events: [], notify: false });
    // Pinning the current automatic level is a change: it now stands against automatic moves.
    const [, pin] = run([
      [levelInput('yellow', 'blue'), T0],
      [manual('yellow'), T0 + MIN],
    ]);
    expect(pin!.alert).toMatchObject({ level: 'yellow', manualLevel: 'yellow' });
    expect(pin!.events.map((e) => e.type)).toEqual(['updated']);
    const [, resolved, change] = run([
      [levelInput('yellow', 'blue'), T0],
      [{ type: 'resolve', by: 7 }, T0 + MIN],
      [manual('red'), T0 + 2 * MIN],
    ]);
    expect(change).toMatchObject({ changed: false, events: [] });
    expect(change!.alert).toEqual(resolved!.alert);
    expect(nextAlertState(null, manual('red'), T0)).toMatchObject({ alert: null, changed: false });
  });

  it('a re-open (次生) starts at the automatic level and clears the manual level', () => {
    const steps = run([
      [levelInput('yellow', 'blue'), T0],
      [manual('red'), T0 + MIN],
      [{ type: 'resolve', by: 7 }, T0 + HOUR],
      [levelInput('orange', 'yellow'), T0 + 2 * HOUR],
    ]);
    const reopened = steps[3]!;
    expect(reopened.alert).toMatchObject({ state: 'firing', cause: 'reopened', level: 'orange', manualLevel: null });
    expect(reopened.events[0]).toMatchObject({ type: 'reopened', payload: { manualLevelCleared: 'red' } });
  });
});
