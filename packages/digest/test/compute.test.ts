import { describe, expect, it } from 'vitest';
import { computeDigest, periodBuckets, topicLevels, addLocalDays, fromWallTime, wallTime } from '../src/index';
import { at, FROM, HOUR, incidentRow, input, TO, topic } from './fixtures';

describe('computeDigest: headline figures', () => {
  it('counts against the previous period; the share is police-negative ÷ police-related', () => {
    const d = computeDigest(input());
    expect(d.headline.items).toEqual({ value: 120, previous: 100, change: 20, changeRatio: 0.2 });
    expect(d.headline.policeRelated).toEqual({ value: 30, previous: 25, change: 5, changeRatio: 0.2 });
    expect(d.headline.policeNegative).toEqual({ value: 9, previous: 5, change: 4, changeRatio: 0.8 });
    // 9/30 = 30 %, 5/25 = 20 %: +10 points.
    expect(d.headline.negativeShare).toMatchObject({ value: 0.3, previous: 0.2, changePoints: 10, numerator: 'policeNegative', denominator: 'policeRelated' });
    expect(d.headline.negativeShare.definition).toContain('涉警负面条目数 ÷ 涉警条目数');
    expect(d.headline.analyzed).toBe(118);
  });

  it('no previous items: no relative change; no police-related items: no share', () => {
    const d = computeDigest(
      input({ totals: { current: { items: 3, analyzed: 3, policeRelated: 0, policeNegative: 0 }, previous: { items: 0, analyzed: 0, policeRelated: 0, policeNegative: 0 } } }),
    );
    expect(d.headline.items).toEqual({ value: 3, previous: 0, change: 3, changeRatio: null });
    expect(d.headline.negativeShare.value).toBeNull();
    expect(d.headline.negativeShare.changePoints).toBeNull();
  });

  it('names the period in Beijing time and the previous period of equal length', () => {
    const d = computeDigest(input());
    expect(d.title).toBe('舆情日报（2026-11-29）');
    expect(d.period.label).toBe('2026-11-28 08:00 至 2026-11-29 08:00（北京时间）');
    expect(d.previousPeriod).toEqual({ from: '2026-11-27T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z' });
  });
});

describe('computeDigest: volume buckets', () => {
  it('a day: 24 hourly buckets labelled in local hours', () => {
    const d = computeDigest(input());
    expect(d.volume.unit).toBe('hour');
    expect(d.volume.buckets).toHaveLength(24);
    expect(d.volume.buckets[0]?.label).toBe('08时');
    expect(d.volume.buckets[23]?.label).toBe('07时');
    expect(d.volume.buckets.map((b) => b.items)).toEqual(Array.from({ length: 24 }, (_, i) => (i === 0 ? 10 : i === 5 ? 50 : i === 23 ? 60 : 0)));
    expect(d.volume.buckets.reduce((s, b) => s + b.policeNegative, 0)).toBe(9);
  });

  it('a week: 7 local days from the period start, hours folded into them', () => {
    const from = new Date('2026-11-23T00:00:00Z');
    const to = new Date('2026-11-30T00:00:00Z');
    const d = computeDigest(
      input({
        kind: 'weekly',
        from,
        to,
        hourly: [
          { at: new Date(from.getTime() + 23 * HOUR), items: 4, policeRelated: 1, policeNegative: 0 },
          { at: new Date(from.getTime() + 24 * HOUR), items: 6, policeRelated: 2, policeNegative: 1 },
          { at: new Date(from.getTime() + 167 * HOUR), items: 1, policeRelated: 0, policeNegative: 0 },
        ],
        topicHourly: [],
      }),
    );
    expect(d.volume.unit).toBe('day');
    expect(d.volume.buckets.map((b) => b.label)).toEqual(['11-23', '11-24', '11-25', '11-26', '11-27', '11-28', '11-29']);
    expect(d.volume.buckets.map((b) => b.items)).toEqual([4, 6, 0, 0, 0, 0, 1]);
    // The dates the period touches: Monday 08:00 to the next Monday 08:00.
    expect(d.title).toBe('舆情周报（2026-11-23 至 2026-11-30）');
  });

  it('day buckets follow local days across a daylight-saving change', () => {
    const tz = 'America/New_York';
    const from = fromWallTime({ year: 2026, month: 3, day: 5, hour: 8 }, tz);
    const to = addLocalDays(from, 7, tz);
    const b = periodBuckets(from, to, tz);
    expect(b.edges).toHaveLength(8);
    for (const e of b.edges) expect(wallTime(e, tz).hour).toBe(8);
    // The week holds one 23-hour day (8 March 2026).
    expect(to.getTime() - from.getTime()).toBe(7 * 24 * HOUR - HOUR);
  });
});

describe('computeDigest: warnings', () => {
  it('counts new, escalated, reopened and resolved warnings by level; other event types do not count', () => {
    const d = computeDigest(input());
    const row = (l: string) => d.warnings.byLevel.find((r) => r.level === l);
    expect(d.warnings.byLevel.map((r) => r.level)).toEqual(['red', 'orange', 'yellow', 'blue']);
    expect(row('red')).toMatchObject({ opened: 1, escalated: 0, reopened: 0, resolved: 0, label: '红色' });
    expect(row('orange')).toMatchObject({ opened: 0, escalated: 2 });
    expect(row('yellow')).toMatchObject({ opened: 3, reopened: 1 });
    expect(row('blue')).toMatchObject({ opened: 0, resolved: 4 });
    expect(d.warnings.totals).toEqual({ opened: 4, escalated: 2, reopened: 1, resolved: 4 });
    expect(d.warnings.previousTotals).toEqual({ opened: 5, escalated: 0, reopened: 0, resolved: 0 });
  });
});

describe('computeDigest: topics', () => {
  it('ranks by heat (items in the period), then police-negative items, then id', () => {
    const d = computeDigest(input());
    expect(d.topics.top.map((t) => t.id)).toEqual([2, 3, 1]);
    expect(d.topics.top.map((t) => t.rank)).toEqual([1, 2, 3]);
    expect(d.topics.top[0]).toMatchObject({ heat: 40, items: 40, policeNegative: 3, firstSource: '微博', stage: '扩散期' });
    expect(d.topics.count).toBe(3);
    expect(d.topics.heatDefinition).toContain('条目数');
  });

  it('a sparkline series per topic over the same buckets', () => {
    const d = computeDigest(input());
    const t2 = d.topics.top.find((t) => t.id === 2);
    expect(t2?.series).toHaveLength(24);
    expect(t2?.series[0]).toBe(10);
    expect(t2?.series[5]).toBe(30);
    expect(t2?.series.reduce((a, b) => a + b, 0)).toBe(40);
    expect(d.topics.top.find((t) => t.id === 3)?.series.every((v) => v === 0)).toBe(true);
  });

  it('lists at most ten topics', () => {
    const many = Array.from({ length: 25 }, (_, i) => topic(i + 1, { items: 100 - i }));
    const d = computeDigest(input({ topics: many, topicCount: 25 }));
    expect(d.topics.top.map((t) => t.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(d.topics.count).toBe(25);
  });

  it('level: the one applied last before the period end; peak: the highest held during the period', () => {
    expect(topicLevels(topic(1, { levelAtStart: 'red', levelAtEnd: 'yellow', levelsInPeriod: ['orange', 'yellow'] }))).toEqual({ level: 'yellow', peakLevel: 'red' });
    expect(topicLevels(topic(1, { levelAtStart: null, levelAtEnd: 'orange', levelsInPeriod: ['blue', 'red', 'orange'] }))).toEqual({ level: 'orange', peakLevel: 'red' });
    // Changes exist but none before the end: no level yet.
    expect(topicLevels(topic(1, { levelAtStart: null, levelAtEnd: null, levelsInPeriod: [] }))).toEqual({ level: 'none', peakLevel: 'none' });
    // No history at all: the stored level.
    expect(topicLevels(topic(1, { hasLevelHistory: false, levelAtEnd: null, currentLevel: 'yellow' }))).toEqual({ level: 'yellow', peakLevel: 'yellow' });
  });

  it('representative items: the best item of each top topic, in topic order; only http(s) links', () => {
    const d = computeDigest(input());
    expect(d.representativeItems.map((i) => i.id)).toEqual([501, 503]);
    expect(d.representativeItems[0]).toMatchObject({ url: 'https://weibo.example.com/1', topicTitle: '事件 2', reposts: 300, policeNegative: true });
    expect(d.representativeItems[1]).toMatchObject({ url: null, title: '（无标题）' });
  });
});

describe('computeDigest: incidents, places, sources', () => {
  it('incidents: counts with the previous period; overdue minutes at the period end', () => {
    const d = computeDigest(input());
    expect(d.incidents.opened).toMatchObject({ count: 2, previous: 4 });
    expect(d.incidents.opened.list.map((i) => [i.id, i.statusLabel])).toEqual([
      [7, '处置中'],
      [8, '新建'],
    ]);
    expect(d.incidents.closed).toMatchObject({ count: 1, previous: 0 });
    expect(d.incidents.overdue.count).toBe(1);
    expect(d.incidents.overdue.list[0]).toMatchObject({ id: 7, overdueMinutes: 90, levelLabel: '橙色' });
    expect(d.incidents.overdue.definition).toContain('应回应时间早于统计时段结束');
  });

  it('places and jurisdictions sorted by items', () => {
    const d = computeDigest(input());
    expect(d.places.topPlaces.map((p) => p.name)).toEqual(['东城区', '某市']);
    expect(d.places).toMatchObject({ policeRelated: 30, withPlace: 12, withJurisdiction: 4 });
  });

  it('sources: shares of all items and the rest', () => {
    const d = computeDigest(input());
    expect(d.sources.top.map((s) => [s.name, s.items, s.share])).toEqual([
      ['微博', 70, 0.5833],
      ['新闻网', 40, 0.3333],
    ]);
    expect(d.sources.otherItems).toBe(10);
    expect(d.sourceHealth.erroring.list.map((e) => e.sourceId)).toEqual([9, 4]);
    expect(d.sourceHealth.failingAtEnd.list[0]).toMatchObject({ name: '论坛', since: at(20).toISOString() });
  });

  it('is plain JSON: a round trip changes nothing', () => {
    const d = computeDigest(input({ incidents: { opened: { count: 1, rows: [incidentRow(1)] }, closed: { count: 0, rows: [] }, overdue: { count: 0, rows: [] }, previousOpened: 0, previousClosed: 0 } }));
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d.period.from).toBe(FROM.toISOString());
    expect(d.period.to).toBe(TO.toISOString());
  });
});
