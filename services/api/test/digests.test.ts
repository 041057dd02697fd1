/**
 * Digests against real PostgreSQL and Redis: a seeded world with explicit timestamps across the
 * period and the one before it; the scheduled run of a fire time stores exactly that period, once;
 * every figure is recounted here from the seeded rows with this file's own code (not computeDigest)
 * and compared — incidents by replaying their timelines up to the period end; a digest made again
 * after incidents moved on keeps its figures (closed then reopened, overdue then responded); the job schedulers fire at 08:00 Beijing time (00:00 UTC); the routes and roles;
 * pushes to DingTalk / WeCom / Feishu receivers carry the Markdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { createIncident, insertReceiver, transitionIncident, updateIncident, withTransaction, type IncidentActor, type Pool } from '@yuqing/db';
import type { Digest } from '@yuqing/digest';
import { digestSchedulerId } from '@yuqing/queue';
import type { FastifyInstance } from 'fastify';
import { createDeliveryQueue, dingtalkBody, feishuBody, notificationSchema, wecomBody, WECOM_MAX_BYTES } from '../src/receivers';
import { catchUpDigests, createDigestQueue, fireTimeOf, runScheduledDigest, startDigests, upsertDigestSchedulers, type ScheduledRunDeps } from '../src/digests';
import { buildDigest, generateDigest } from '../src/digests/generate';
import { lastFireTime, lastFireTimeOnDate, scheduledPeriod } from '../src/digests/period';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { buildWorld, DAY, HOUR, seedWorld, type World, type WIncident, type WItem } from './digest-fixtures';

const FIRE = new Date('2026-11-29T00:00:00Z'); // 2026-11-29 08:00 Beijing time
const WEEK_FIRE = new Date('2026-11-30T00:00:00Z'); // Monday 2026-11-30 08:00
const FROM = new Date(FIRE.getTime() - DAY);
const BASE_URL = 'http://10.1.2.3:3000';

let t: TestEnv;
let world: World;
let callers: Record<string, Caller>;
let receiverIds: number[];

beforeAll(async () => {
  t = await createTestEnv('digests', { PUBLIC_BASE_URL: BASE_URL, DIGEST_TIMEZONE: 'Asia/Shanghai', DIGEST_DAILY_CRON: '0 8 * * *', DIGEST_WEEKLY_CRON: '0 8 * * 1' });
  world = buildWorld({
    seed: 20261129,
    start: new Date(WEEK_FIRE.getTime() - 9 * DAY),
    end: new Date(WEEK_FIRE.getTime() + DAY),
    items: 900,
    topics: 14,
    alerts: 60,
    incidents: 40,
    fetches: 300,
    // Items exactly on the edges: the start belongs to the period, the end to the next one.
    edgeTimes: [FROM, FIRE, new Date(FIRE.getTime() - 1000), new Date(FROM.getTime() - DAY)],
    // Incidents closed, reopened, overdue, responded and moved around the daily period's edges.
    focus: { from: FROM, to: FIRE },
  });
  await seedWorld(t.db, world);
  callers = await callerPerRole(t.db);
  receiverIds = [];
  for (const kind of ['dingtalk', 'wecom', 'feishu'] as const) {
    const r = await insertReceiver(t.db, { name: `领导群-${kind}`, kind, url: `https://robot.example.com/${kind}` });
    receiverIds.push(r!.id);
  }
});
afterAll(async () => {
  await t.cleanup();
});

// --- The recount: this file's own reading of the rules the digest states ---

const inRange = (d: Date, from: Date, to: Date): boolean => d.getTime() >= from.getTime() && d.getTime() < to.getTime();
const RANK: Record<string, number> = { none: 0, blue: 1, yellow: 2, orange: 3, red: 4 };
const byCountThenName = (a: { items: number; name: string }, b: { items: number; name: string }): number => b.items - a.items || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
const repostsOf = (i: WItem): number => (typeof i.reposts === 'number' ? i.reposts : 0);

/**
 * An incident as it stood just before `at`: its timeline replayed from the creation entry, in the
 * order written (by time; entries of one time in array order), up to `at`. Null when not created yet.
 */
function replay(n: WIncident, at: Date): { status: string; level: string; dueAt: Date; closedAt: Date | null } | null {
  if (n.createdAt.getTime() >= at.getTime()) return null;
  const s = { status: 'new', level: '', dueAt: new Date(NaN), closedAt: null as Date | null };
  const ordered = n.timeline.map((e, i) => ({ e, i })).sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i);
  for (const { e } of ordered) {
    if (e.at.getTime() >= at.getTime()) break;
    const d = e.data as { from?: string; to?: string; level?: string; dueAt?: string };
    if (e.kind === 'created') {
      s.level = d.level!;
      s.dueAt = new Date(d.dueAt!);
    } else if (e.kind === 'status') {
      s.status = d.to!;
      s.closedAt = d.to === 'closed' ? e.at : null;
      if (d.dueAt) s.dueAt = new Date(d.dueAt);
    } else if (e.kind === 'level') s.level = d.to!;
    else if (e.kind === 'due') s.dueAt = new Date(d.to!);
  }
  return s;
}

/** The times an incident was closed in [from, to). */
const closesIn = (n: WIncident, from: Date, to: Date): Date[] => n.timeline.filter((e) => e.kind === 'status' && e.data['to'] === 'closed' && inRange(e.at, from, to)).map((e) => e.at);

function recount(w: World, from: Date, to: Date) {
  const span = to.getTime() - from.getTime();
  const prevFrom = new Date(from.getTime() - span);
  const cur = w.items.filter((i) => inRange(i.publishedAt, from, to));
  const prev = w.items.filter((i) => inRange(i.publishedAt, prevFrom, from));
  const totals = (list: WItem[]) => ({
    items: list.length,
    analyzed: list.filter((i) => i.analysed).length,
    policeRelated: list.filter((i) => i.policeRelated).length,
    policeNegative: list.filter((i) => i.policeNegative).length,
  });

  // Buckets: hours for a day, days (of 24 h: Beijing has no daylight saving) for a week.
  const step = span <= 2 * DAY ? HOUR : DAY;
  const nBuckets = Math.ceil(span / step);
  const bucketOf = (d: Date): number => Math.floor((d.getTime() - from.getTime()) / step);
  const volume = Array.from({ length: nBuckets }, () => ({ items: 0, policeRelated: 0, policeNegative: 0 }));
  for (const i of cur) {
    const b = volume[bucketOf(i.publishedAt)]!;
    b.items++;
    if (i.policeRelated) b.policeRelated++;
    if (i.policeNegative) b.policeNegative++;
  }

  // Warnings: events of topic alerts, by type and the event's level.
  const field: Record<string, 'opened' | 'escalated' | 'reopened' | 'resolved'> = { firing: 'opened', escalated: 'escalated', reopened: 'reopened', resolved: 'resolved' };
  const warnings: Record<string, { opened: number; escalated: number; reopened: number; resolved: number }> = {};
  for (const l of ['red', 'orange', 'yellow', 'blue']) warnings[l] = { opened: 0, escalated: 0, reopened: 0, resolved: 0 };
  const previousWarnings = { opened: 0, escalated: 0, reopened: 0, resolved: 0 };
  for (const e of w.events) {
    const f = field[e.type];
    if (!f || w.alerts[e.alert]?.kind !== 'topic') continue;
    if (inRange(e.at, from, to)) warnings[e.level]![f]++;
    if (inRange(e.at, prevFrom, from)) previousWarnings[f]++;
  }

  // Topics: an item belongs to its story's topic now (merges followed); heat = its items in the period.
  const storyTopic = new Map(w.stories.map((s) => [s.id, s.topicId]));
  const perTopic = new Map<number, WItem[]>();
  for (const i of cur) {
    if (i.storyId === null) continue;
    const tid = storyTopic.get(i.storyId)!;
    perTopic.set(tid, [...(perTopic.get(tid) ?? []), i]);
  }
  const ranked = [...perTopic.entries()]
    .map(([id, list]) => ({ id, items: list.length, policeRelated: list.filter((i) => i.policeRelated).length, policeNegative: list.filter((i) => i.policeNegative).length, list }))
    .sort((a, b) => b.items - a.items || b.policeNegative - a.policeNegative || a.id - b.id)
    .slice(0, 10);
  const topics = ranked.map((r) => {
    const topic = w.topics.find((x) => x.id === r.id)!;
    const changes = w.levelChanges.filter((c) => c.topicId === r.id); // insertion order = id order
    const applied = changes.filter((c) => c.applied);
    const lastBefore = (d: Date) => [...applied].filter((c) => c.at.getTime() < d.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime()).at(-1)?.level ?? null;
    const level = changes.length ? (lastBefore(to) ?? 'none') : topic.level;
    const held = changes.length ? [level, lastBefore(from) ?? 'none', ...applied.filter((c) => inRange(c.at, from, to)).map((c) => c.level)] : [level];
    const peakLevel = held.reduce((a, b) => (RANK[b]! > RANK[a]! ? b : a), 'none');
    const series = new Array<number>(nBuckets).fill(0);
    for (const i of r.list) series[bucketOf(i.publishedAt)]!++;
    const best = [...r.list].sort(
      (a, b) => Number(b.policeNegative) - Number(a.policeNegative) || repostsOf(b) - repostsOf(a) || a.publishedAt.getTime() - b.publishedAt.getTime() || a.id! - b.id!,
    )[0]!;
    return { id: r.id, heat: r.items, items: r.items, policeRelated: r.policeRelated, policeNegative: r.policeNegative, level, peakLevel, stage: topic.stage, firstSource: topic.firstSource, series, best };
  });
  const representative = topics.slice(0, 8).map((x) => ({
    id: x.best.id,
    topicId: x.id,
    url: /^https?:\/\//.test(x.best.url) ? x.best.url : null,
    title: x.best.title?.trim() || '（无标题）',
    reposts: repostsOf(x.best),
    policeNegative: x.best.policeNegative,
  }));

  // Incidents: opened by creation time; closed = closed at least once in the period (listed at the
  // last close in it); overdue = still to be responded to at the end, past the due time it had then.
  const inc = w.incidents;
  const opened = inc.filter((n) => inRange(n.createdAt, from, to)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id! - b.id!);
  const closed = inc
    .map((n) => ({ n, last: closesIn(n, from, to).reduce<Date | null>((m, d) => (m && m.getTime() >= d.getTime() ? m : d), null) }))
    .filter((x) => x.last !== null)
    .sort((a, b) => a.last!.getTime() - b.last!.getTime() || a.n.id! - b.n.id!);
  const overdue = inc
    .map((n) => ({ n, s: replay(n, to) }))
    .filter((x) => x.s !== null && ['new', 'assessing', 'handling'].includes(x.s.status) && x.s.dueAt.getTime() < to.getTime())
    .map((x) => ({ n: x.n, s: x.s! }))
    .sort((a, b) => a.s.dueAt.getTime() - b.s.dueAt.getTime() || a.n.id! - b.n.id!);
  const asAtEnd = (n: WIncident) => {
    const s = replay(n, to)!;
    return { id: n.id, level: s.level, status: s.status, dueAt: s.dueAt.toISOString() };
  };

  // Places and jurisdictions of police-related items.
  const pr = cur.filter((i) => i.policeRelated);
  const tally = (names: (i: WItem) => string[]) => {
    const m = new Map<string, number>();
    for (const i of pr) for (const n of new Set(names(i))) m.set(n, (m.get(n) ?? 0) + 1);
    return [...m.entries()].map(([name, items]) => ({ name, items })).sort(byCountThenName).slice(0, 10);
  };

  // Sources: a configured source by its name, a pushed item by the name it carried.
  const groups = new Map<string, { sourceId: number | null; name: string; items: number }>();
  for (const i of cur) {
    const src = i.source === null ? null : w.sources[i.source]!;
    const key = src ? `id:${src.id}` : `name:${i.sourceName ?? '未知来源'}`;
    const g = groups.get(key) ?? { sourceId: src?.id ?? null, name: src ? src.name : (i.sourceName ?? '未知来源'), items: 0 };
    g.items++;
    groups.set(key, g);
  }

  // Source health.
  const ok = (o: string) => o === 'ok' || o === 'not_modified';
  const fetches = w.fetches.filter((f) => inRange(f.at, from, to));
  const errorSources = [0, 1, 2]
    .map((s) => {
      const mine = fetches.filter((f) => f.source === s);
      const failed = mine.filter((f) => !ok(f.outcome));
      const last = [...failed].sort((a, b) => a.at.getTime() - b.at.getTime()).at(-1);
      return { sourceId: w.sources[s]!.id!, name: w.sources[s]!.name, fetches: mine.length, errors: failed.length, lastError: last ? (last.error ?? last.outcome) : null };
    })
    .filter((x) => x.errors > 0)
    .sort((a, b) => b.errors - a.errors || a.sourceId - b.sourceId);
  const failingAtEnd = [0, 1, 2]
    .map((s) => ({ s, last: w.health.filter((h) => h.source === s && h.at.getTime() < to.getTime()).at(-1) }))
    .filter((x) => x.last?.kind === 'failing')
    .map((x) => ({ sourceId: w.sources[x.s]!.id!, name: w.sources[x.s]!.name, since: x.last!.at.toISOString(), consecutiveErrors: x.last!.errors, error: '连续超时' }))
    .sort((a, b) => a.since.localeCompare(b.since) || a.sourceId - b.sourceId);

  const c = totals(cur);
  const p = totals(prev);
  return {
    totals: { current: c, previous: p },
    share: c.policeRelated ? round4(c.policeNegative / c.policeRelated) : null,
    previousShare: p.policeRelated ? round4(p.policeNegative / p.policeRelated) : null,
    volume,
    warnings,
    previousWarnings,
    topicCount: perTopic.size,
    topics,
    representative,
    incidents: {
      opened: { count: opened.length, ids: opened.slice(0, 10).map((n) => n.id), previous: inc.filter((n) => inRange(n.createdAt, prevFrom, from)).length },
      closed: { count: closed.length, ids: closed.slice(0, 10).map((x) => x.n.id), previous: inc.filter((n) => closesIn(n, prevFrom, from).length > 0).length },
      closedAt: closed.slice(0, 10).map((x) => x.last!.toISOString()),
      overdue: {
        count: overdue.length,
        ids: overdue.slice(0, 10).map((x) => x.n.id),
        minutes: overdue.slice(0, 10).map((x) => Math.floor((to.getTime() - x.s.dueAt.getTime()) / 60_000)),
        owners: overdue.slice(0, 10).map((x) => (x.n.owner ? w.ownerName : null)),
      },
      // Level, status and due time of every listed incident, at the period end.
      asAtEnd: {
        opened: opened.slice(0, 10).map(asAtEnd),
        closed: closed.slice(0, 10).map((x) => asAtEnd(x.n)),
        overdue: overdue.slice(0, 10).map((x) => asAtEnd(x.n)),
      },
    },
    places: {
      policeRelated: pr.length,
      withPlace: pr.filter((i) => i.places.length > 0).length,
      withJurisdiction: pr.filter((i) => i.jurisdictionHits.length > 0).length,
      topPlaces: tally((i) => i.places),
      topJurisdictions: tally((i) => i.jurisdictionHits),
    },
    sources: { activeCount: groups.size, top: [...groups.values()].sort((a, b) => byCountThenName(a, b) || (a.sourceId ?? Infinity) - (b.sourceId ?? Infinity)).slice(0, 10) },
    health: {
      enabledSources: w.sources.filter((s) => s.enabled).length,
      fetches: fetches.length,
      fetchErrors: fetches.filter((f) => !ok(f.outcome)).length,
      failingEvents: w.health.filter((h) => h.kind === 'failing' && inRange(h.at, from, to)).length,
      recoveredEvents: w.health.filter((h) => h.kind === 'recovered' && inRange(h.at, from, to)).length,
      failingAtEnd,
      erroring: errorSources,
    },
  };
}

/** Compares every figure of a stored digest with the recount of its period. */
function expectFiguresMatch(d: Digest, w: World, from: Date, to: Date): void {
  const e = recount(w, from, to);
  expect(d.period.from).toBe(from.toISOString());
  expect(d.period.to).toBe(to.toISOString());
  const h = d.headline;
  expect([h.items.value, h.items.previous]).toEqual([e.totals.current.items, e.totals.previous.items]);
  expect([h.policeRelated.value, h.policeRelated.previous]).toEqual([e.totals.current.policeRelated, e.totals.previous.policeRelated]);
  expect([h.policeNegative.value, h.policeNegative.previous]).toEqual([e.totals.current.policeNegative, e.totals.previous.policeNegative]);
  expect(h.items.change).toBe(e.totals.current.items - e.totals.previous.items);
  expect(h.analyzed).toBe(e.totals.current.analyzed);
  expect([h.negativeShare.value, h.negativeShare.previous]).toEqual([e.share, e.previousShare]);
  expect(h.negativeShare.denominator).toBe('policeRelated');

  expect(d.volume.buckets.map((b) => [b.items, b.policeRelated, b.policeNegative])).toEqual(e.volume.map((b) => [b.items, b.policeRelated, b.policeNegative]));

  for (const row of d.warnings.byLevel) expect({ level: row.level, opened: row.opened, escalated: row.escalated, reopened: row.reopened, resolved: row.resolved }).toEqual({ level: row.level, ...e.warnings[row.level] });
  expect(d.warnings.previousTotals).toEqual(e.previousWarnings);

  expect(d.topics.count).toBe(e.topicCount);
  expect(
    d.topics.top.map((x) => ({ id: x.id, heat: x.heat, items: x.items, policeRelated: x.policeRelated, policeNegative: x.policeNegative, level: x.level, peakLevel: x.peakLevel, stage: x.stage, firstSource: x.firstSource, series: x.series })),
  ).toEqual(e.topics.map(({ best: _best, ...x }) => x));
  expect(d.representativeItems.map((i) => ({ id: i.id, topicId: i.topicId, url: i.url, title: i.title, reposts: i.reposts, policeNegative: i.policeNegative }))).toEqual(e.representative);

  expect({ count: d.incidents.opened.count, ids: d.incidents.opened.list.map((i) => i.id), previous: d.incidents.opened.previous }).toEqual(e.incidents.opened);
  expect({ count: d.incidents.closed.count, ids: d.incidents.closed.list.map((i) => i.id), previous: d.incidents.closed.previous }).toEqual(e.incidents.closed);
  expect(d.incidents.closed.list.map((i) => i.closedAt)).toEqual(e.incidents.closedAt);
  const asAtEnd = (list: Digest['incidents']['opened']['list']) => list.map((i) => ({ id: i.id, level: i.level, status: i.status, dueAt: i.dueAt }));
  expect({ opened: asAtEnd(d.incidents.opened.list), closed: asAtEnd(d.incidents.closed.list), overdue: asAtEnd(d.incidents.overdue.list) }).toEqual(e.incidents.asAtEnd);
  expect({
    count: d.incidents.overdue.count,
    ids: d.incidents.overdue.list.map((i) => i.id),
    minutes: d.incidents.overdue.list.map((i) => i.overdueMinutes),
    owners: d.incidents.overdue.list.map((i) => i.ownerName),
  }).toEqual(e.incidents.overdue);

  expect(d.places).toEqual(e.places);
  expect({ activeCount: d.sources.activeCount, top: d.sources.top.map(({ share: _s, ...x }) => x) }).toEqual(e.sources);
  expect(d.sources.otherItems).toBe(e.totals.current.items - e.sources.top.reduce((s, x) => s + x.items, 0));
  expect({
    enabledSources: d.sourceHealth.enabledSources,
    fetches: d.sourceHealth.fetches,
    fetchErrors: d.sourceHealth.fetchErrors,
    failingEvents: d.sourceHealth.failingEvents,
    recoveredEvents: d.sourceHealth.recoveredEvents,
    failingAtEnd: d.sourceHealth.failingAtEnd.list,
    erroring: d.sourceHealth.erroring.list,
  }).toEqual(e.health);
}

function deps(extra: Partial<ScheduledRunDeps> = {}): ScheduledRunDeps & { close(): Promise<void> } {
  const queue = createDeliveryQueue(t.cfg, t.redis);
  return {
    cfg: { ...t.cfg, DIGEST_RECEIVERS: receiverIds },
    db: t.db,
    notifier: { db: t.db, queue },
    now: () => new Date('2026-11-29T00:03:00Z'),
    ...extra,
    close: () => queue.close(),
  };
}

const countRows = async (db: Pool, kind: string, from: Date, to: Date): Promise<number> =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM digests WHERE kind = $1 AND period_start = $2 AND period_end = $3', [kind, from, to])).rows[0]!.n;

describe('scheduled digests of the seeded world', () => {
  it('the world is busy enough to mean something', () => {
    const e = recount(world, FROM, FIRE);
    expect(e.totals.current.items).toBeGreaterThan(60);
    expect(e.totals.previous.items).toBeGreaterThan(60);
    expect(e.topicCount).toBeGreaterThan(5);
    expect(e.incidents.overdue.count).toBeGreaterThan(0);
    expect(Object.values(e.warnings).some((x) => x.opened > 0)).toBe(true);
    expect(e.health.fetchErrors).toBeGreaterThan(0);
    // The merged topic's items count for the topic it went into.
    expect(world.topics.some((x) => x.status === 'merged')).toBe(true);
  });

  it('incident timelines agree with the incidents as stored, and the period reads differently from now', () => {
    const END_OF_TIME = new Date(8.64e15);
    for (const n of world.incidents) {
      const s = replay(n, END_OF_TIME)!;
      expect({ key: n.key, status: s.status, level: s.level, dueAt: s.dueAt.getTime(), closedAt: s.closedAt?.getTime() ?? null }).toEqual({
        key: n.key,
        status: n.status,
        level: n.level,
        dueAt: n.dueAt.getTime(),
        closedAt: n.closedAt?.getTime() ?? null,
      });
    }
    const inc = world.incidents;
    const open = ['new', 'assessing', 'handling'];
    // Closed in the period and not closed now; closed twice in it; overdue at its end and not now.
    expect(inc.some((n) => closesIn(n, FROM, FIRE).length > 0 && n.status !== 'closed')).toBe(true);
    expect(inc.some((n) => closesIn(n, FROM, FIRE).length > 1)).toBe(true);
    const overdueAtEnd = inc.filter((n) => {
      const s = replay(n, FIRE);
      return s !== null && open.includes(s.status) && s.dueAt.getTime() < FIRE.getTime();
    });
    expect(overdueAtEnd.some((n) => !open.includes(n.status))).toBe(true);
    // Due times moved by hand and by level changes, in the random walks too.
    const dues = inc.slice(0, 40).flatMap((n) => n.timeline.filter((x) => x.kind === 'due'));
    expect(dues.some((x) => x.data['manual'] === true) && dues.some((x) => x.data['manual'] === false)).toBe(true);
    expect(inc.slice(0, 40).some((n) => n.reopenCount > 0)).toBe(true);
    // Counting by the current status and due time would give other incidents for this period.
    const closedNowRule = inc.filter((n) => n.status === 'closed' && n.closedAt && inRange(n.closedAt, FROM, FIRE)).map((n) => n.id);
    const overdueNowRule = inc.filter((n) => open.includes(n.status) && n.dueAt.getTime() < FIRE.getTime() && n.createdAt.getTime() < FIRE.getTime()).map((n) => n.id);
    expect(inc.filter((n) => closesIn(n, FROM, FIRE).length > 0).map((n) => n.id)).not.toEqual(closedNowRule);
    expect(overdueAtEnd.map((n) => n.id).sort()).not.toEqual([...overdueNowRule].sort());
  });

  it('the daily run of 2026-11-29 08:00 covers 11-28 08:00 → 11-29 08:00 and every figure recounts', async () => {
    const d = deps();
    const r = await runScheduledDigest(d, 'daily', FIRE);
    await d.close();
    expect(r.created).toBe(true);
    expect(r.digest.periodStart.toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(r.digest.periodEnd.toISOString()).toBe('2026-11-29T00:00:00.000Z');
    expect(r.digest.generatedBy).toBe('system');
    expect(r.digest.generatedAt.toISOString()).toBe('2026-11-29T00:03:00.000Z');
    const data = r.digest.data as Digest;
    expect(data.volume.buckets).toHaveLength(24);
    expectFiguresMatch(data, world, FROM, FIRE);
    // The stored renderings are of the same digest.
    expect(r.digest.html).toContain('2026-11-28 08:00 至 2026-11-29 08:00（北京时间）');
    expect(r.digest.markdown).toContain(`(${BASE_URL}/#/digests/${r.digest.id})`);
    expect(Buffer.byteLength(r.digest.markdown, 'utf8')).toBeLessThanOrEqual(3500);
  });

  it('the weekly run of Monday 2026-11-30 08:00 covers the seven days before; every figure recounts', async () => {
    const d = deps();
    const r = await runScheduledDigest(d, 'weekly', WEEK_FIRE);
    await d.close();
    const from = new Date('2026-11-23T00:00:00Z');
    expect(r.digest.periodStart.toISOString()).toBe(from.toISOString());
    const data = r.digest.data as Digest;
    expect(data.volume.unit).toBe('day');
    expect(data.volume.buckets).toHaveLength(7);
    expectFiguresMatch(data, world, from, WEEK_FIRE);
  });

  it('the day after (11-29 08:00 → 11-30 08:00) recounts too: what was closed or overdue the day before has moved on', async () => {
    const to = new Date(FIRE.getTime() + DAY);
    const data = await buildDigest(t.db, { kind: 'daily', from: FIRE, to, now: new Date(), timeZone: 'Asia/Shanghai' });
    expectFiguresMatch(data, world, FIRE, to);
  });

  it('a second run of the same fire time stores nothing new and sends nothing more', async () => {
    const d = deps({ now: () => new Date('2026-11-29T02:00:00Z') });
    const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries')).rows[0]!.n;
    const again = await runScheduledDigest(d, 'daily', FIRE);
    await d.close();
    expect(again.created).toBe(false);
    expect(again.digest.generatedAt.toISOString()).toBe('2026-11-29T00:03:00.000Z');
    expect(await countRows(t.db, 'daily', FROM, FIRE)).toBe(1);
    const after = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM deliveries')).rows[0]!.n;
    expect(after).toBe(before);
    // One delivery per receiver for the daily digest, with the rendered Markdown.
    const { rows } = await t.db.query<{ receiver_id: number; payload: { kind: string; markdown: string; title: string; link?: string } }>(
      'SELECT receiver_id, payload FROM deliveries WHERE dedup_key LIKE $1 ORDER BY receiver_id',
      [`digest:${again.digest.id}:%`],
    );
    expect(rows.map((r) => r.receiver_id)).toEqual([...receiverIds].sort((a, b) => a - b));
    for (const r of rows) {
      expect(r.payload.kind).toBe('digest');
      expect(r.payload.markdown).toBe(again.digest.markdown);
      expect(r.payload.title).toBe('舆情日报（2026-11-29）');
      expect(r.payload.link).toBe(`${BASE_URL}/#/digests/${again.digest.id}`);
    }
  });

  it('two runs at once (two API processes): one stores, the other finds it', async () => {
    const from = new Date('2026-11-25T00:00:00Z');
    const to = new Date('2026-11-26T00:00:00Z');
    const run = () => generateDigest(t.db, { kind: 'daily', from, to, now: new Date(), by: 'system', replace: false, timeZone: 'Asia/Shanghai' });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.stored.id).toBe(b.stored.id);
    expect(await countRows(t.db, 'daily', from, to)).toBe(1);
  });

  it('a regeneration on demand replaces the content, keeps the id and records who did it', async () => {
    const first = await generateDigest(t.db, {
      kind: 'daily',
      from: FROM,
      to: FIRE,
      now: new Date('2026-11-29T09:00:00Z'),
      by: 'role-leader',
      baseUrl: BASE_URL,
      audit: { actorId: callers.leader!.user.id, actorName: 'role-leader', requestId: null },
    });
    expect(first.created).toBe(false);
    expect(first.stored.generatedBy).toBe('role-leader');
    expect(await countRows(t.db, 'daily', FROM, FIRE)).toBe(1);
    expectFiguresMatch(first.stored.data as Digest, world, FROM, FIRE);
    const audit = await t.db.query<{ action: string; actor_name: string; entity_id: string; before: { generatedBy: string }; after: { generatedBy: string } }>(
      `SELECT * FROM audit_log WHERE action = 'digest.generate' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.rows[0]).toMatchObject({ actor_name: 'role-leader', entity_id: String(first.stored.id), before: { generatedBy: 'system' }, after: { generatedBy: 'role-leader' } });
  });
});

describe('periods and job schedulers (Asia/Shanghai)', () => {
  it('daily: the day before the fire time; weekly: the seven days before', () => {
    expect(scheduledPeriod('daily', FIRE, 'Asia/Shanghai')).toEqual({ from: FROM, to: FIRE });
    expect(scheduledPeriod('weekly', WEEK_FIRE, 'Asia/Shanghai')).toEqual({ from: new Date('2026-11-23T00:00:00Z'), to: WEEK_FIRE });
    // The latest run at or before a moment, and on a date.
    expect(lastFireTime('0 8 * * *', 'Asia/Shanghai', new Date('2026-11-29T03:00:00Z'))).toEqual(FIRE);
    expect(lastFireTime('0 8 * * *', 'Asia/Shanghai', new Date('2026-11-28T23:59:59Z'))).toEqual(new Date('2026-11-28T00:00:00Z'));
    expect(lastFireTime('0 8 * * *', 'Asia/Shanghai', FIRE)).toEqual(FIRE);
    expect(lastFireTimeOnDate('0 8 * * *', 'Asia/Shanghai', '2026-11-29')).toEqual(FIRE);
    expect(lastFireTimeOnDate('0 8 * * 1', 'Asia/Shanghai', '2026-12-02')).toEqual(WEEK_FIRE);
  });

  it('the schedulers run at 08:00 Beijing time (00:00 UTC), daily and on Mondays; upserting again changes nothing', async () => {
    const queue = createDigestQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      await upsertDigestSchedulers(queue, t.cfg);
      await upsertDigestSchedulers(queue, t.cfg);
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual([digestSchedulerId('daily'), digestSchedulerId('weekly')]);
      const now = Date.now();
      const today = new Date(now);
      const nextMidnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1);
      const daysToMonday = (8 - new Date(nextMidnight).getUTCDay()) % 7; // Monday = 1
      const daily = schedulers.find((s) => s.key === digestSchedulerId('daily'))!;
      const weekly = schedulers.find((s) => s.key === digestSchedulerId('weekly'))!;
      expect(daily).toMatchObject({ pattern: '0 8 * * *', tz: 'Asia/Shanghai', next: nextMidnight, template: { data: { kind: 'daily' } } });
      expect(weekly).toMatchObject({ pattern: '0 8 * * 1', tz: 'Asia/Shanghai', next: nextMidnight + daysToMonday * DAY, template: { data: { kind: 'weekly' } } });
      expect(new Date(weekly.next!).getUTCDay()).toBe(1);
      // The job waiting for the next run carries its scheduled time.
      const delayed = await queue.getDelayed();
      const dailyJob = delayed.find((j) => j.repeatJobKey === digestSchedulerId('daily'))!;
      expect(fireTimeOf(dailyJob).getTime()).toBe(nextMidnight);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('at start, a missed run whose digest is not stored is queued for its own fire time, once; a stored one is not', async () => {
    const queue = createDigestQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      // A week after the seeded world: neither that morning's daily nor that Monday's weekly is stored.
      const now = new Date('2026-12-08T03:00:00Z'); // Tuesday 11:00 in Beijing
      const queued = await catchUpDigests(queue, t.db, t.cfg, now);
      expect(queued.map((q) => [q.kind, q.fireTime.toISOString()])).toEqual([
        ['daily', '2026-12-08T00:00:00.000Z'],
        ['weekly', '2026-12-07T00:00:00.000Z'],
      ]);
      // A second process starting at the same time adds no second job.
      await catchUpDigests(queue, t.db, t.cfg, now);
      const waiting = await queue.getWaiting();
      expect(waiting.map((j) => fireTimeOf(j).toISOString()).sort()).toEqual(['2026-12-07T00:00:00.000Z', '2026-12-08T00:00:00.000Z']);
      // The job makes the digest of its own period.
      const dailyJob = waiting.find((j) => j.data.kind === 'daily')!;
      const d = deps({ now: () => now });
      const r = await runScheduledDigest(d, 'daily', fireTimeOf(dailyJob));
      await d.close();
      expect([r.digest.periodStart.toISOString(), r.digest.periodEnd.toISOString()]).toEqual(['2026-12-07T00:00:00.000Z', '2026-12-08T00:00:00.000Z']);
      // Once stored, nothing more to catch up for the daily.
      await queue.obliterate({ force: true });
      expect((await catchUpDigests(queue, t.db, t.cfg, now)).map((q) => q.kind)).toEqual(['weekly']);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('a scheduled job run early or late makes the digest of its own fire time, not of the worker clock', async () => {
    const cfg = { ...t.cfg, DIGEST_RECEIVERS: [] };
    const schedule = await startDigests(cfg, { db: t.db, log: silentLog() });
    try {
      const delayed = await schedule.queue.getDelayed();
      const job = delayed.find((j) => j.repeatJobKey === digestSchedulerId('daily'))!;
      const fire = fireTimeOf(job);
      expect(fire.getTime()).toBeGreaterThan(Date.now());
      await job.promote(); // run it now, hours before its time
      await until(async () => (await countRows(t.db, 'daily', new Date(fire.getTime() - DAY), fire)) === 1, 'the digest of the fire time', 20_000);
    } finally {
      await schedule.queue.obliterate({ force: true });
      await schedule.close();
    }
  });
});

describe('incident figures are of the period, whatever happened to the incidents since', () => {
  // Its own schema: the incidents are written now, by the incidents repository as the API writes
  // them, and the seeded world's incidents around now would crowd the lists.
  let h: TestEnv;
  beforeAll(async () => {
    h = await createTestEnv('digesthistory');
  });
  afterAll(async () => {
    await h.cleanup();
  });

  const actor: IncidentActor = { actorId: null, actorName: 'test-analyst', displayName: '李研判' };
  /** The database's clock (the timeline's times are its). */
  const dbNow = async (): Promise<Date> => (await h.db.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
  const create = (title: string, dueAt: Date) =>
    withTransaction(h.db, (c) =>
      createIncident(
        c,
        { title, category: '', level: 'red', autoLevel: null, levelReason: null, jurisdiction: '城东分局', ownerId: null, dueAt, dueAtManual: false, clockFrom: new Date(), tags: [], freeTags: [], summary: '', links: {} },
        actor,
      ),
    );
  type Status = 'new' | 'assessing' | 'handling' | 'responded' | 'closed';
  const move = (id: number, from: Status, to: Status, extra: Partial<Parameters<typeof transitionIncident>[2]> = {}) =>
    withTransaction(h.db, (c) => transitionIncident(c, id, { from, to, reason: null, reopened: false, ...extra }, actor));
  const incidentFigures = (d: Digest) => {
    const row = (i: Digest['incidents']['closed']['list'][number]) => ({ id: i.id, status: i.status, dueAt: i.dueAt, closedAt: i.closedAt, overdueMinutes: i.overdueMinutes });
    return {
      closed: { count: d.incidents.closed.count, list: d.incidents.closed.list.map(row) },
      overdue: { count: d.incidents.overdue.count, list: d.incidents.overdue.list.map(row) },
    };
  };

  it('closed in the period and reopened after it counts as closed then, not in the next period; overdue at its end and responded after counts as overdue then', async () => {
    const t0 = await dbNow();
    const reopened = await create('期内结案、期后重开', new Date(t0.getTime() + HOUR));
    const responded = await create('期末超期、期后回应', new Date(t0.getTime() - HOUR));
    await move(reopened.id, 'new', 'assessing');
    await move(reopened.id, 'assessing', 'closed', { closed: { at: new Date(), summary: '已平息' } });
    await move(responded.id, 'new', 'assessing');
    await move(responded.id, 'assessing', 'handling');
    const t1 = await dbNow();
    const period = { kind: 'custom' as const, from: t0, to: t1, timeZone: 'Asia/Shanghai' };
    const then = await buildDigest(h.db, { ...period, now: t1 });

    // After the period: the closed one is reopened (a new clock), the overdue one gets a later due
    // time by hand and is responded to.
    await move(reopened.id, 'closed', 'assessing', { reason: '舆情反弹', reopened: true, restartClock: { from: new Date(), dueAt: new Date(Date.now() + HOUR) } });
    await withTransaction(h.db, (c) => updateIncident(c, responded.id, { dueAt: new Date(t1.getTime() + 10 * DAY) }, actor));
    await move(responded.id, 'handling', 'responded', { response: { at: new Date(), channel: '官方微博', text: '警情通报' } });
    const t2 = await dbNow();

    // The period's digest made again now says what it said then.
    const now = await buildDigest(h.db, { ...period, now: t2 });
    expect(incidentFigures(now)).toEqual(incidentFigures(then));
    const closeAt = (await h.db.query<{ at: Date }>(`SELECT at FROM incident_timeline WHERE incident_id = $1 AND kind = 'status' AND data ->> 'to' = 'closed'`, [reopened.id])).rows[0]!.at;
    expect(incidentFigures(now).closed).toEqual({ count: 1, list: [{ id: reopened.id, status: 'closed', dueAt: reopened.dueAt.toISOString(), closedAt: closeAt.toISOString(), overdueMinutes: 0 }] });
    expect(now.incidents.overdue.count).toBe(1);
    expect(now.incidents.overdue.list.map((i) => [i.id, i.status, i.dueAt])).toEqual([[responded.id, 'handling', responded.dueAt.toISOString()]]);
    expect(now.incidents.overdue.list[0]!.overdueMinutes).toBe(Math.floor((t1.getTime() - responded.dueAt.getTime()) / 60_000));

    // The next period: nothing closed in it (a reopen is no close), nothing overdue at its end.
    const next = await buildDigest(h.db, { kind: 'custom', from: t1, to: t2, now: t2, timeZone: 'Asia/Shanghai' });
    expect([next.incidents.closed.count, next.incidents.overdue.count]).toEqual([0, 0]);
    // A next period as long as this one names this one's close as the previous period's.
    const same = await buildDigest(h.db, { kind: 'custom', from: t1, to: new Date(2 * t1.getTime() - t0.getTime()), now: t2, timeZone: 'Asia/Shanghai' });
    expect(same.incidents.closed.previous).toBe(1);
  });
});

describe('digest routes', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });
  const as = (role: string) => bearer(callers[role]!.token);

  it('latest page: 404 in Chinese while there is none of the kind', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/digests/latest/html?kind=custom', headers: as('leader') });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'DIGEST_NOT_FOUND', message: '还没有专报' } });
  });

  it('POST regenerates a period (leader, analyst, admin), audited; pr may not', async () => {
    const body = { kind: 'custom', from: '2026-11-28T08:00+08:00', to: '2026-11-28T20:00+08:00' };
    expect((await app.inject({ method: 'POST', url: '/api/digests', headers: as('pr'), payload: body })).statusCode).toBe(403);
    const first = await app.inject({ method: 'POST', url: '/api/digests', headers: as('analyst'), payload: body });
    expect(first.statusCode, first.body).toBe(201);
    const d1 = first.json().digest;
    expect(first.json().created).toBe(true);
    expect(d1).toMatchObject({ kind: 'custom', periodStart: '2026-11-28T00:00:00.000Z', periodEnd: '2026-11-28T12:00:00.000Z', generatedBy: 'role-analyst' });
    const stored = await app.inject({ method: 'GET', url: `/api/digests/${d1.id}`, headers: as('pr') });
    expectFiguresMatch(stored.json() as Digest, world, new Date('2026-11-28T00:00:00Z'), new Date('2026-11-28T12:00:00Z'));
    const second = await app.inject({ method: 'POST', url: '/api/digests', headers: as('admin'), payload: body });
    expect(second.statusCode).toBe(201);
    expect(second.json()).toMatchObject({ created: false, digest: { id: d1.id, generatedBy: 'role-admin' } });
    const audit = await t.db.query<{ actor_name: string; before: unknown }>(`SELECT actor_name, before FROM audit_log WHERE action = 'digest.generate' AND entity_id = $1 ORDER BY id`, [String(d1.id)]);
    expect(audit.rows.map((r) => [r.actor_name, r.before === null])).toEqual([
      ['role-analyst', true],
      ['role-admin', false],
    ]);
  });

  it('POST with push sends the regenerated digest to DIGEST_RECEIVERS once per request, and refuses when none are configured', async () => {
    const body = { kind: 'custom', from: '2026-11-27T08:00+08:00', to: '2026-11-27T20:00+08:00', push: true };
    const none = await app.inject({ method: 'POST', url: '/api/digests', headers: as('leader'), payload: body });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('DIGEST_NO_RECEIVERS');

    const pushing = buildApp({ cfg: { ...t.cfg, DIGEST_RECEIVERS: receiverIds }, db: t.db, redis: t.redis });
    try {
      const deliveriesOf = async (id: number) =>
        (await t.db.query<{ receiver_id: number; payload: { kind: string; markdown: string } }>('SELECT receiver_id, payload FROM deliveries WHERE dedup_key LIKE $1 ORDER BY id', [`digest:${id}:%`])).rows;
      const first = await pushing.inject({ method: 'POST', url: '/api/digests', headers: as('leader'), payload: body });
      expect(first.statusCode, first.body).toBe(201);
      const id = first.json().digest.id as number;
      expect(first.json().pushed).toBe(receiverIds.length);
      const sent = await deliveriesOf(id);
      expect(sent.map((r) => r.receiver_id).sort((a, b) => a - b)).toEqual([...receiverIds].sort((a, b) => a - b));
      const stored = (await t.db.query<{ markdown: string }>('SELECT markdown FROM digests WHERE id = $1', [id])).rows[0]!;
      for (const r of sent) expect(r.payload).toMatchObject({ kind: 'digest', markdown: stored.markdown });
      // Regenerated and pushed again on request: a new message for each receiver, not taken for a repeat.
      const again = await pushing.inject({ method: 'POST', url: '/api/digests', headers: as('leader'), payload: body });
      expect(again.json()).toMatchObject({ created: false, pushed: receiverIds.length, digest: { id } });
      expect(await deliveriesOf(id)).toHaveLength(2 * receiverIds.length);
      // Without push nothing is sent.
      const quiet = await pushing.inject({ method: 'POST', url: '/api/digests', headers: as('leader'), payload: { ...body, push: false } });
      expect(quiet.json().pushed).toBe(0);
      expect(await deliveriesOf(id)).toHaveLength(2 * receiverIds.length);
    } finally {
      await pushing.close();
    }
  });

  it('refuses periods that cannot be a digest, zoneless times and unknown fields, in Chinese', async () => {
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/digests', headers: as('leader'), payload: payload as object });
    const twoDays = await post({ kind: 'daily', from: '2026-11-27T08:00+08:00', to: '2026-11-29T08:00+08:00' });
    expect(twoDays.statusCode).toBe(400);
    expect(twoDays.json().error.message).toContain('日报应覆盖 1 天');
    expect((await post({ kind: 'custom', from: '2026-11-29T08:00+08:00', to: '2026-11-28T08:00+08:00' })).json().error.message).toBe('结束时间应晚于开始时间');
    expect((await post({ kind: 'custom', from: '2026-01-01T00:00Z', to: '2026-11-28T08:00Z' })).json().error.message).toContain('最长');
    const zoneless = await post({ kind: 'custom', from: '2026-11-28T08:00', to: '2026-11-28T20:00+08:00' });
    expect(zoneless.statusCode).toBe(400);
    expect(JSON.stringify(zoneless.json())).toContain('带时区');
    expect((await post({ kind: 'custom', from: '2026-11-28T08:00Z', to: '2026-11-28T20:00Z', extra: 1 })).statusCode).toBe(400);
    expect((await post({ kind: 'monthly', from: '2026-11-28T08:00Z', to: '2026-11-28T20:00Z' })).statusCode).toBe(400);
  });

  it('lists newest period first, filters by kind, and serves JSON, HTML (strict CSP) and Markdown', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/digests?limit=50', headers: as('leader') });
    expect(list.statusCode).toBe(200);
    const digests = list.json().digests as Array<{ id: number; kind: string; periodEnd: string; title: string; headline: { items: { value: number } } }>;
    expect(digests.length).toBeGreaterThanOrEqual(3);
    const ends = digests.map((d) => d.periodEnd);
    expect([...ends].sort().reverse()).toEqual(ends);
    const weekly = await app.inject({ method: 'GET', url: '/api/digests?kind=weekly', headers: as('pr') });
    // Only weeklies (the seeded one, and any the start-up catch-up of another test made).
    const weeklyKinds = weekly.json().digests.map((d: { kind: string }) => d.kind);
    expect(weeklyKinds.length).toBeGreaterThan(0);
    expect([...new Set(weeklyKinds)]).toEqual(['weekly']);
    const daily = digests.find((d) => d.kind === 'daily' && d.periodEnd === FIRE.toISOString())!;
    expect(daily.title).toBe('舆情日报（2026-11-29）');
    expect(daily.headline.items.value).toBe(recount(world, FROM, FIRE).totals.current.items);

    const html = await app.inject({ method: 'GET', url: `/api/digests/${daily.id}/html`, headers: as('leader') });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'");
    expect(html.body.startsWith('<!DOCTYPE html>')).toBe(true);

    const md = await app.inject({ method: 'GET', url: `/api/digests/${daily.id}/markdown`, headers: as('analyst') });
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.body).toContain(`${BASE_URL}/#/digests/${daily.id}`);

    const latest = await app.inject({ method: 'GET', url: '/api/digests/latest/html', headers: as('leader') });
    expect(latest.statusCode).toBe(302);
    const newestDaily = digests.filter((d) => d.kind === 'daily')[0]!;
    expect(latest.headers.location).toBe(`/api/digests/${newestDaily.id}/html`);

    expect((await app.inject({ method: 'GET', url: '/api/digests/999999', headers: as('leader') })).json().error.message).toBe('简报 999999 不存在');
    expect((await app.inject({ method: 'GET', url: '/api/digests', headers: as('ingest') })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: `/api/digests/${daily.id}/html` })).statusCode).toBe(401);
  });
});

describe('the digest as a robot message', () => {
  it('DingTalk, WeCom and Feishu show the rendered Markdown under the digest title', async () => {
    const { rows } = await t.db.query<{ payload: unknown }>(`SELECT payload FROM deliveries WHERE dedup_key LIKE 'digest:%' LIMIT 1`);
    const n = notificationSchema.parse(rows[0]!.payload);
    expect(n.kind).toBe('digest');
    const ding = dingtalkBody({ notification: n });
    expect(ding).toEqual({ msgtype: 'markdown', markdown: { title: n.title, text: n.markdown } });
    const wecom = wecomBody({ notification: n });
    expect(wecom.markdown.content).toBe(n.markdown);
    expect(Buffer.byteLength(wecom.markdown.content, 'utf8')).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    const feishu = feishuBody({ notification: n, secret: null, now: new Date() }) as { card: { header: { title: { content: string } }; elements: Array<{ tag: string; content?: string }> } };
    expect(feishu.card.header.title.content).toBe(n.title);
    expect(feishu.card.elements[0]).toEqual({ tag: 'markdown', content: n.markdown });
  });
});

function silentLog() {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => log };
  return log as unknown as Parameters<typeof startDigests>[1]['log'];
}
