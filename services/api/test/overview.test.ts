/**
 * 态势总览 against a seeded database: every figure is checked against counts this test makes itself
 * from what it seeded — today against the same hours last week (Beijing days), the 30-day series,
 * open warnings by level, rising topics with their hourly series, jurisdiction places, incidents with
 * the overdue ones, failing sources — and the route's roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { beijingMidnight, insertAlert, insertSource, loadOverview, sourceInputSchema } from '@yuqing/db';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole } from './auth-fixtures';
import { seedAnalysis, seedItem } from './read-fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 15:00 in Beijing: the day began at 16:00 UTC the day before.
const AT = new Date('2026-12-07T07:00:00Z');
let t: TestEnv;

async function item(at: Date, a: { related?: boolean; negative?: boolean; sentiment?: 'negative' | 'neutral'; places?: string[] } = {}): Promise<number> {
  const id = await seedItem(t.db, { publishedAt: at, fetchedAt: at });
  await seedAnalysis(t.db, id, { policeRelated: a.related ?? false, policeNegative: a.negative ?? false, sentiment: a.sentiment ?? 'neutral', jurisdictionHits: a.places ?? [] });
  return id;
}

/** A topic whose one story holds these items. */
async function topic(id: number, status: string, level: string, itemIds: number[]): Promise<void> {
  await t.db.query(
    `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
       jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
     VALUES ($1, $2, $3, ARRAY['民警'], $4, $4, $5, 1, $5, 1, 1, 1, 0, ARRAY['微博'], '{}', '{}', '扩散期', $6, $6, '{}')`,
    [id, status, `话题${id}`, AT, itemIds.length, level],
  );
  await t.db.query(`INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, last_at, items) VALUES ($1, $2, 'r', $1, '0', $3, $4, $4, $5)`, [
    id * 10,
    id,
    itemIds[0],
    AT,
    itemIds.length,
  ]);
  for (const i of itemIds) await t.db.query('INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $2, $3)', [i, id * 10, id]);
}

beforeAll(async () => {
  t = await createTestEnv('overview');
  const midnight = beijingMidnight(AT);
  expect(midnight.toISOString()).toBe('2026-12-06T16:00:00.000Z');
  // Today (Beijing): five items, three police-related (two police-negative), two negative in sentiment.
  const todayIds = [
    await item(new Date(midnight.getTime() + 60_000), { related: true, negative: true, sentiment: 'negative', places: ['城关区'] }),
    await item(new Date(AT.getTime() - 5 * HOUR), { related: true, negative: true, sentiment: 'negative', places: ['城关区', '七里河区'] }),
    await item(new Date(AT.getTime() - 2 * HOUR), { related: true }),
    await item(new Date(AT.getTime() - 90 * 60_000)),
    await item(new Date(AT.getTime() - 10 * 60_000), { places: ['七里河区'] }),
  ];
  await item(new Date(AT.getTime() + HOUR), { related: true, negative: true }); // after `at`: not yet said
  // The same hours a week ago: two items, one police-related; one more after those hours.
  await item(new Date(midnight.getTime() - 7 * DAY + HOUR), { related: true });
  await item(new Date(AT.getTime() - 7 * DAY - HOUR));
  await item(new Date(AT.getTime() - 7 * DAY + HOUR), { related: true, negative: true });
  // Yesterday (Beijing) and 40 days ago (outside the 30 days).
  const yesterday = await item(new Date(midnight.getTime() - HOUR), { related: true, negative: true, places: ['城关区'] });
  await item(new Date(AT.getTime() - 40 * DAY), { related: true });

  // Topics: an open one with items in the last 24 h, a closed one, an open one quiet for 3 days.
  await topic(9001, 'open', 'yellow', [todayIds[0]!, todayIds[1]!, todayIds[2]!, yesterday]);
  await topic(9002, 'closed', 'none', [todayIds[3]!]);
  const old = await item(new Date(AT.getTime() - 3 * DAY), { related: true });
  await topic(9003, 'open', 'blue', [old]);

  // Warnings: two yellow firing, one red acknowledged, one orange resolved.
  for (const [k, level] of (['yellow', 'yellow', 'red', 'orange'] as const).entries()) await insertAlert(t.db, { kind: 'topic', dedupKey: `ov-${k}`, level, title: `预警${k}` });
  await t.db.query(`UPDATE alerts SET state = 'acknowledged' WHERE dedup_key = 'ov-2'`);
  await t.db.query(`UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE dedup_key = 'ov-3'`);
  // A source-health alert is not an opinion warning: it has its own panel.
  await insertAlert(t.db, { kind: 'source_health', dedupKey: 'ov-source', level: 'orange', title: '信源异常' });

  // Incidents: one overdue (new, due two hours ago), one handling not yet due, one responded past due, one closed.
  for (const [title, status, due] of [
    ['逾期未回应', 'new', -2],
    ['处置中', 'handling', 5],
    ['已回应', 'responded', -10],
    ['已结案', 'closed', -20],
  ] as const) {
    await t.db.query(
      `INSERT INTO incidents (title, status, level, due_at, response_at, closed_at, created_by_name) VALUES ($1, $2, 'yellow', $3, $4, $5, 'test')`,
      [title, status, new Date(AT.getTime() + due * HOUR), status === 'responded' || status === 'closed' ? AT : null, status === 'closed' ? AT : null],
    );
  }

  // Sources: one failing, one failing but disabled (not shown), one fine.
  for (const [name, status, enabled] of [
    ['坏掉的源', 'failing', true],
    ['停用的坏源', 'failing', false],
    ['正常的源', 'ok', true],
  ] as const) {
    const s = await insertSource(t.db, sourceInputSchema.parse({ name, url: `https://ov.example.cn/${encodeURIComponent(name)}.xml`, enabled }));
    await t.db.query(`UPDATE sources SET status = $2, last_error = CASE WHEN $2 = 'failing' THEN '连接超时' END, last_error_at = $3, consecutive_errors = CASE WHEN $2 = 'failing' THEN 6 ELSE 0 END WHERE id = $1`, [
      s!.id,
      status,
      AT,
    ]);
  }
});
afterAll(async () => t?.cleanup());

describe('the overview', () => {
  it('counts today against the same hours last week', async () => {
    const o = await loadOverview(t.db, AT);
    expect(o.today).toMatchObject({ items: 5, policeRelated: 3, policeNegative: 2, negativeShare: 0.4 });
    expect(o.today.from.toISOString()).toBe('2026-12-06T16:00:00.000Z');
    expect(o.lastWeek).toMatchObject({ items: 2, policeRelated: 1, policeNegative: 0, negativeShare: 0 });
    expect(o.lastWeek.to.toISOString()).toBe('2026-11-30T07:00:00.000Z');
  });

  it('gives 30 Beijing days, today last, the older ones left out', async () => {
    const o = await loadOverview(t.db, AT);
    expect(o.daily).toHaveLength(30);
    expect(o.daily.at(-1)).toEqual({ day: '2026-12-07', items: 5, policeRelated: 3, policeNegative: 2 });
    expect(o.daily.at(-2)).toEqual({ day: '2026-12-06', items: 1, policeRelated: 1, policeNegative: 1 });
    expect(o.daily[0]?.day).toBe('2026-11-08');
    const total = o.daily.reduce((n, d) => n + d.items, 0);
    expect(total).toBe(5 + 1 + 3 + 1); // today, yesterday, the week-ago three, three days ago
  });

  it('counts open warnings by level, rising topics with their last 24 hours, and jurisdiction places', async () => {
    const o = await loadOverview(t.db, AT);
    expect(o.openAlerts).toEqual({ blue: 0, yellow: 2, orange: 0, red: 1, total: 3 });
    expect(o.risingTopics.map((x) => x.id)).toEqual([9001]);
    const rising = o.risingTopics[0]!;
    // Items of the last 24 h: the three of today in the topic and yesterday's (15 hours before AT).
    expect(rising).toMatchObject({ items24h: 4, itemsPrev24h: 0, level: 'yellow', stage: '扩散期', heat: 1 });
    expect(rising.hourly).toHaveLength(24);
    expect(rising.hourly.reduce((a, b) => a + b, 0)).toBe(4);
    expect(rising.hourly[23 - 2]).toBe(1); // the item two hours before AT
    expect(o.places).toEqual([
      { place: '城关区', items: 3, policeNegative: 3 },
      { place: '七里河区', items: 2, policeNegative: 1 },
    ]);
  });

  it('lists the newest open warnings, opinion warnings only, the latest change first', async () => {
    const o = await loadOverview(t.db, AT);
    expect(o.latestAlerts.map((a) => a.title).sort()).toEqual(['预警0', '预警1', '预警2']);
    expect(o.latestAlerts.find((a) => a.title === '预警2')).toMatchObject({ level: 'red', state: 'acknowledged', topicId: null });
    const times = o.latestAlerts.map((a) => a.updatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await loadOverview(t.db, AT, { alerts: 2 })).latestAlerts).toHaveLength(2);
  });

  it('lists incidents by status with the overdue ones, and the failing sources that are enabled', async () => {
    const o = await loadOverview(t.db, AT);
    expect(o.incidents.byStatus).toEqual({ new: 1, assessing: 0, handling: 1, responded: 1, closed: 1 });
    expect(o.incidents.overdue.map((i) => i.title)).toEqual(['逾期未回应']);
    expect(o.incidents.overdueCount).toBe(1);
    // Awaiting their response, by due time: the overdue one first, then the one not yet due; the
    // responded one (past its due time, but answered) and the closed one are not awaiting anything.
    expect(o.incidents.awaiting.map((i) => i.title)).toEqual(['逾期未回应', '处置中']);
    expect(o.failingSources.map((s) => [s.name, s.lastError, s.consecutiveErrors])).toEqual([['坏掉的源', '连接超时', 6]]);
    expect(o.failingCount).toBe(1);
  });

  it('counts every overdue incident and failing source even beyond the rows it lists', async () => {
    const o = await loadOverview(t.db, AT, { overdue: 0, awaiting: 1, sources: 0 });
    expect(o.incidents.overdue).toEqual([]);
    expect(o.incidents.overdueCount).toBe(1);
    expect(o.incidents.awaiting.map((i) => i.title)).toEqual(['逾期未回应']);
    expect(o.failingSources).toEqual([]);
    // Without a row there is no window count to read: the count must not silently become 0.
    expect(o.failingCount).toBe(1);
  });

  it('is served to leaders, the duty room and analysts', async () => {
    const callers = await callerPerRole(t.db);
    const app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    try {
      for (const role of ['admin', 'pr', 'analyst', 'leader'] as const) {
        const r = await app.inject({ method: 'GET', url: '/api/overview', headers: bearer(callers[role].token) });
        expect(r.statusCode, role).toBe(200);
        expect(r.json().overview.daily).toHaveLength(30);
      }
      expect((await app.inject({ method: 'GET', url: '/api/overview', headers: bearer(callers.ingest.token) })).statusCode).toBe(403);
      expect((await app.inject({ method: 'GET', url: '/api/overview' })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
