import { describe, expect, it } from 'vitest';
import {
  inputForStageChange,
  inQuietHours,
  matchRule,
  nextAlertState,
  parseRule,
  previewRule,
  quietMutes,
  ruleSchema,
  shanghaiMinuteOfDay,
  type HistoryEntry,
  type LevelHistoryEntry,
  type RuleInput,
  type StageHistoryEntry,
  type TopicView,
} from '../src/index';
import { HOUR, levelInput, MIN, rule, shanghai, T0, topic } from './fixtures';

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
  const change = (topicId: number, level: TopicView['level'], previous: TopicView['level'], at: number, over: Partial<TopicView> = {}): LevelHistoryEntry => ({
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

describe('previewRule with stage changes (消散期, 次生)', () => {
  const level = (topicId: number, lv: TopicView['level'], previous: TopicView['level'], at: number, id?: number): LevelHistoryEntry => ({
    id,
    change: { topicId, level: lv, previous, at, reason: `${previous} → ${lv}` },
    topic: topic({ id: topicId, title: `事件${topicId}`, level: lv }),
  });
  const stage = (topicId: number, name: string, lv: TopicView['level'], at: number, over: { id?: number; closed?: boolean; topic?: Partial<TopicView> } = {}): StageHistoryEntry => ({
    kind: 'stage',
    id: over.id,
    change: { topicId, stage: name, level: lv, closed: over.closed ?? false, at, reason: `进入${name}` },
    topic: topic({ id: topicId, title: `事件${topicId}`, level: lv, ...over.topic }),
  });
  const r = rule({ minLevel: 'yellow', categories: ['执法争议'] });
  // Fires at yellow, fades, flares up again at the same (unchanged) level.
  const fadeThenFlare: HistoryEntry[] = [level(1, 'yellow', 'blue', T0, 10), stage(1, '消散期', 'yellow', T0 + HOUR, { id: 11 }), stage(1, '次生', 'yellow', T0 + 2 * HOUR, { id: 12 })];

  it('under faded, a fade then a 次生 at the same level reopens the alert (one more fire)', () => {
    const p = previewRule(r, fadeThenFlare, { autoResolve: 'faded' });
    expect(p.fires.map((f) => [f.topicId, f.type, f.level, f.at])).toEqual([
      [1, 'firing', 'yellow', T0],
      [1, 'reopened', 'yellow', T0 + 2 * HOUR],
    ]);
    expect(p.summary).toContain('事件1（次生）');
  });

  it('under closed (the default) or never, the fade resolves nothing and the 次生 is no news', () => {
    for (const p of [previewRule(r, fadeThenFlare), previewRule(r, fadeThenFlare, { autoResolve: 'closed' }), previewRule(r, fadeThenFlare, { autoResolve: 'never' })]) {
      expect(p.fires.map((f) => f.type)).toEqual(['firing']);
    }
  });

  it('under faded, a 次生 reopens only for a rule that matches the topic now', () => {
    const below = previewRule(r, [level(1, 'yellow', 'blue', T0), stage(1, '消散期', 'yellow', T0 + HOUR), stage(1, '次生', 'blue', T0 + 2 * HOUR)], { autoResolve: 'faded' });
    expect(below.fires.map((f) => f.type)).toEqual(['firing']);
    const otherCategory = [level(1, 'yellow', 'blue', T0), stage(1, '消散期', 'yellow', T0 + HOUR), stage(1, '次生', 'yellow', T0 + 2 * HOUR, { topic: { categories: ['交通'] } })];
    expect(previewRule(r, otherCategory, { autoResolve: 'faded' }).count).toBe(1);
    // A 次生 of a topic the rule never fired on creates nothing: there is no alert to reopen.
    expect(previewRule(r, [stage(2, '次生', 'orange', T0)], { autoResolve: 'faded' }).count).toBe(0);
  });

  it('replays changes at the same time by id, the order the alerter reads them in', () => {
    const at = T0 + HOUR;
    // Given flare first, but the fade has the lower id: fade, then flare — a reopen.
    const byId = [level(1, 'yellow', 'blue', T0, 1), stage(1, '次生', 'yellow', at, { id: 3 }), stage(1, '消散期', 'yellow', at, { id: 2 })];
    expect(previewRule(r, byId, { autoResolve: 'faded' }).fires.map((f) => f.type)).toEqual(['firing', 'reopened']);
    // The other way round the flare finds an open alert (nothing) and the fade resolves it.
    const swapped = [level(1, 'yellow', 'blue', T0, 1), stage(1, '次生', 'yellow', at, { id: 2 }), stage(1, '消散期', 'yellow', at, { id: 3 })];
    expect(previewRule(r, swapped, { autoResolve: 'faded' }).fires.map((f) => f.type)).toEqual(['firing']);
  });

  it('under closed, a close recorded as 消散期 resolves; a level rise (not the 次生) reopens', () => {
    const p = previewRule(r, [
      level(1, 'yellow', 'blue', T0),
      stage(1, '消散期', 'yellow', T0 + HOUR, { closed: true }),
      stage(1, '次生', 'yellow', T0 + 2 * HOUR),
      level(1, 'orange', 'yellow', T0 + 3 * HOUR),
    ]);
    expect(p.fires.map((f) => [f.type, f.level])).toEqual([
      ['firing', 'yellow'],
      ['reopened', 'orange'],
    ]);
  });
});

describe('inputForStageChange', () => {
  const r = rule({ minLevel: 'yellow' });
  const open = nextAlertState(null, levelInput('yellow', 'blue'), T0).alert!;
  const change = (stage: string, over: { closed?: boolean; level?: TopicView['level'] } = {}) => ({ topicId: 7, stage, level: over.level ?? 'yellow', closed: over.closed ?? false, at: T0 + HOUR, reason: stage });

  it('fades every alert of the topic on 消散期, with or without its rule and topic', () => {
    expect(inputForStageChange(null, null, change('消散期', { closed: true }), open)).toEqual({ type: 'faded', closed: true, reason: '消散期' });
    expect(inputForStageChange(r, topic(), change('消散期'), open)).toEqual({ type: 'faded', closed: false, reason: '消散期' });
  });

  it('gives a 次生 to the alert of a matching rule, at the level the stage change recorded', () => {
    const input = inputForStageChange(r, topic({ level: 'blue' }), change('次生', { level: 'orange' }), open);
    expect(input).toMatchObject({ type: 'flare', ruleId: 1, ruleName: '测试规则', topic: { id: 7, level: 'orange' } });
    expect(inputForStageChange(r, topic(), change('次生', { level: 'blue' }), open)).toBeNull();
    expect(inputForStageChange(null, topic(), change('次生'), open)).toBeNull();
    expect(inputForStageChange(r, null, change('次生'), open)).toBeNull();
  });

  it('is nothing without an alert, and for the other stages', () => {
    expect(inputForStageChange(r, topic(), change('消散期'), null)).toBeNull();
    expect(inputForStageChange(r, topic(), change('次生'), null)).toBeNull();
    for (const s of ['发生期', '扩散期', '高潮期']) expect(inputForStageChange(r, topic(), change(s), open)).toBeNull();
  });
});
