import { describe, expect, it } from 'vitest';
import { inQuietHours, matchRule, parseRule, previewRule, quietMutes, ruleSchema, shanghaiMinuteOfDay, type HistoryEntry, type RuleInput, type TopicView } from '../src/index';
import { HOUR, MIN, rule, shanghai, T0, topic } from './fixtures';

describe('rule schema', () => {
  it('fills in defaults from a name alone', () => {
    const r = parseRule({ name: '值班' });
    expect(r).toMatchObject({ enabled: true, minLevel: 'yellow', scope: 'police_negative', categories: [], quietHours: null, receivers: [] });
    expect(r.keywords).toEqual({ allOf: [], anyOf: [], noneOf: [] });
    expect(r.audienceRoles).toEqual(['admin', 'pr', 'leader', 'analyst']);
  });

  it('defaults the quiet-hours level to orange', () => {
    expect(parseRule({ name: 'x', quietHours: { start: '23:00', end: '07:00' } }).quietHours).toEqual({ start: '23:00', end: '07:00', minLevel: 'orange' });
  });

  it.each([
    ['no name', {}],
    ['level none', { name: 'x', minLevel: 'none' }],
    ['bad clock', { name: 'x', quietHours: { start: '24:00', end: '07:00' } }],
    ['empty quiet window', { name: 'x', quietHours: { start: '07:00', end: '07:00' } }],
    ['unknown role', { name: 'x', audienceRoles: ['ingest'] }],
    ['no audience', { name: 'x', audienceRoles: [] }],
    ['unknown field', { name: 'x', colour: 'red' }],
    ['receiver id not a positive integer', { name: 'x', receivers: [0] }],
  ])('rejects %s', (_label, input) => {
    expect(ruleSchema.safeParse(input).success).toBe(false);
  });
});

describe('matchRule: each criterion alone', () => {
  // Each row: a rule, a topic, and whether it matches. The base topic matches the base rule.
  const cases: Array<[string, RuleInput | Record<string, unknown>, Partial<TopicView>, boolean]> = [
    ['base rule, base topic', {}, {}, true],
    ['disabled', { enabled: false }, {}, false],
    ['level at minimum', { minLevel: 'yellow' }, { level: 'yellow' }, true],
    ['level above minimum', { minLevel: 'yellow' }, { level: 'red' }, true],
    ['level below minimum', { minLevel: 'orange' }, { level: 'yellow' }, false],
    ['level none never matches', { minLevel: 'blue' }, { level: 'none' }, false],
    ['police-negative only, share high', { scope: 'police_negative' }, { policeNegativeShare: 0.5 }, true],
    ['police-negative only, share low', { scope: 'police_negative' }, { policeNegativeShare: 0.49 }, false],
    ['all topics, share low', { scope: 'all' }, { policeNegativeShare: 0.1 }, true],
    ['category any-of hit', { categories: ['警民冲突', '执法争议'] }, {}, true],
    ['category miss', { categories: ['警民冲突'] }, {}, false],
    ['place any-of hit (a city above the district)', { places: ['广州市'] }, {}, true],
    ['place miss', { places: ['深圳市'] }, {}, false],
    ['jurisdiction only, hits', { jurisdictionOnly: true }, { jurisdictionHits: 1 }, true],
    ['jurisdiction only, no hits', { jurisdictionOnly: true }, { jurisdictionHits: 0 }, false],
    ['source any-of hit', { sources: ['微博'] }, {}, true],
    ['source miss', { sources: ['新华网'] }, {}, false],
    ['all-of, every term present', { keywords: { allOf: ['民警', '老人'] } }, {}, true],
    ['all-of, one term missing', { keywords: { allOf: ['民警', '学生'] } }, {}, false],
    ['any-of, one present', { keywords: { anyOf: ['学生', '老人'] } }, {}, true],
    ['any-of, none present', { keywords: { anyOf: ['学生', '教师'] } }, {}, false],
    ['none-of, absent', { keywords: { noneOf: ['演习'] } }, {}, true],
    ['none-of, present', { keywords: { noneOf: ['殴打'] } }, {}, false],
    ['keyword found inside a longer keyword', { keywords: { allOf: ['派出所'] } }, { title: '无关标题' }, true],
    ['keyword found in the title only', { keywords: { allOf: ['暴力'] } }, { keywords: [] }, true],
    ['full-width keyword matches half-width text', { keywords: { allOf: ['ＡＢＣ'] } }, { title: '民警abc事件' }, true],
  ];
  it.each(cases)('%s', (_label, over, topicOver, expected) => {
    const verdict = matchRule(rule(over as RuleInput), topic(topicOver));
    expect(verdict.matched).toBe(expected);
    expect(verdict.reasons.length).toBeGreaterThan(0);
  });
});

describe('matchRule: combined criteria', () => {
  const strict = rule({
    minLevel: 'orange',
    categories: ['执法争议'],
    places: ['天河区'],
    jurisdictionOnly: true,
    sources: ['微博'],
    keywords: { allOf: ['民警'], anyOf: ['殴打', '打人'], noneOf: ['演习'] },
  });

  it('matches only when every criterion holds, and says why', () => {
    const v = matchRule(strict, topic({ level: 'red' }));
    expect(v.matched).toBe(true);
    expect(v.reasons).toEqual(expect.arrayContaining(['级别 red ≥ orange', '类别：执法争议', '地域：天河区', '来源：微博', '包含任一关键词：殴打']));
  });

  it('lists every failing criterion, not just the first', () => {
    const v = matchRule(strict, topic({ level: 'yellow', sources: ['新华网'], keywords: ['民警', '演习'], title: '民警演习' }));
    expect(v.matched).toBe(false);
    expect(v.reasons).toEqual(['级别 yellow 低于 orange', '来源不符（需 微博）', '不含任一关键词：殴打、打人', '含排除词：演习']);
  });

  it.each<[string, Partial<TopicView>]>([
    ['level', { level: 'yellow' }],
    ['category', { categories: ['其他'] }],
    ['place', { places: ['北京市'] }],
    ['jurisdiction', { jurisdictionHits: 0 }],
    ['source', { sources: [] }],
    ['keyword', { keywords: ['民警'], title: '民警' }],
  ])('one failing criterion (%s) is enough to miss', (_label, over) => {
    expect(matchRule(strict, topic({ level: 'red', ...over })).matched).toBe(false);
  });
});

describe('quiet hours (Asia/Shanghai wall clock)', () => {
  const night = { start: '23:00', end: '07:00' };
  it.each<[string, number, boolean]>([
    ['22:59', shanghai(2024, 3, 5, 22, 59), false],
    ['23:00', shanghai(2024, 3, 5, 23, 0), true],
    ['00:30 after midnight', shanghai(2024, 3, 6, 0, 30), true],
    ['06:59', shanghai(2024, 3, 6, 6, 59), true],
    ['07:00', shanghai(2024, 3, 6, 7, 0), false],
    ['12:00', shanghai(2024, 3, 6, 12, 0), false],
  ])('23:00–07:00 at %s → %s', (_label, at, expected) => {
    expect(inQuietHours(night, at)).toBe(expected);
  });

  it('reads the Shanghai clock, not UTC: 23:30 UTC is 07:30 in Shanghai', () => {
    const at = Date.UTC(2024, 2, 5, 23, 30);
    expect(shanghaiMinuteOfDay(at)).toBe(7 * 60 + 30);
    expect(inQuietHours(night, at)).toBe(false);
    expect(inQuietHours(night, Date.UTC(2024, 2, 5, 16, 30))).toBe(true); // 00:30 Shanghai
  });

  it('handles a window that does not cross midnight', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(inQuietHours(lunch, shanghai(2024, 3, 5, 13))).toBe(true);
    expect(inQuietHours(lunch, shanghai(2024, 3, 5, 23))).toBe(false);
    expect(inQuietHours(lunch, shanghai(2024, 3, 5, 11, 59))).toBe(false);
  });

  it('mutes only levels below the configured minimum, and only inside the window', () => {
    const q = { ...night, minLevel: 'orange' as const };
    const at = shanghai(2024, 3, 6, 2);
    expect(quietMutes(q, 'yellow', at)).toBe(true);
    expect(quietMutes(q, 'orange', at)).toBe(false);
    expect(quietMutes(q, 'red', at)).toBe(false);
    expect(quietMutes(q, 'yellow', shanghai(2024, 3, 6, 9))).toBe(false);
    expect(quietMutes({ ...night, minLevel: 'red' }, 'orange', at)).toBe(true);
    expect(quietMutes(null, 'blue', at)).toBe(false);
  });
});

describe('previewRule', () => {
  const change = (topicId: number, level: TopicView['level'], previous: TopicView['level'], at: number, over: Partial<TopicView> = {}): HistoryEntry => ({
    change: { topicId, level, previous, at, reason: `${previous} → ${level}` },
    topic: topic({ id: topicId, title: `事件${topicId}`, level, ...over }),
  });

  const history: HistoryEntry[] = [
    change(1, 'blue', 'none', T0),
    change(1, 'yellow', 'blue', T0 + HOUR),
    change(1, 'orange', 'yellow', T0 + 2 * HOUR),
    change(2, 'yellow', 'none', T0 + 3 * HOUR, { categories: ['交通'] }),
    change(1, 'none', 'orange', T0 + 50 * HOUR),
    change(1, 'yellow', 'none', T0 + 60 * HOUR),
  ];

  it('counts firing, escalation and flare-up the way the live path would', () => {
    const p = previewRule(rule({ minLevel: 'yellow', categories: ['执法争议'] }), history);
    expect(p.fires.map((f) => [f.topicId, f.level, f.type])).toEqual([
      [1, 'yellow', 'firing'],
      [1, 'orange', 'escalated'],
      [1, 'yellow', 'reopened'],
    ]);
    expect(p.count).toBe(3);
    expect(p.summary).toMatch(/^此规则将触发 3 次：03-05 11:00 黄 事件1（新预警）；/);
    expect(p.summary).toContain('次生');
  });

  it('sorts an unordered history by time before replaying it', () => {
    const p = previewRule(rule({ minLevel: 'yellow', categories: ['执法争议'] }), [...history].reverse());
    expect(p.fires.map((f) => f.type)).toEqual(['firing', 'escalated', 'reopened']);
  });

  it('previews a disabled draft as if it were on, and a rule that never matches as zero', () => {
    expect(previewRule(rule({ enabled: false, minLevel: 'orange' }), history).count).toBe(1);
    const none = previewRule(rule({ minLevel: 'red' }), history);
    expect(none.count).toBe(0);
    expect(none.summary).toBe('此规则在所给历史中不会触发');
  });

  it('skips changes a person overrode, and flags fires inside quiet hours', () => {
    const night = shanghai(2024, 3, 6, 2);
    const p = previewRule(rule({ minLevel: 'yellow', quietHours: { start: '23:00', end: '07:00' } }), [
      { ...change(5, 'yellow', 'blue', T0), change: { ...change(5, 'yellow', 'blue', T0).change, applied: false } },
      change(6, 'yellow', 'blue', night),
      change(7, 'red', 'blue', night + MIN),
    ]);
    expect(p.fires.map((f) => [f.topicId, f.quiet])).toEqual([
      [6, true],
      [7, false],
    ]);
    expect(p.summary).toContain('静默时段');
  });
});
