/**
 * A seeded world for digest tests, generated from a seed (same seed, same rows) with explicit
 * timestamps: sources, items with analyses, topics with stories (one merged away), level changes,
 * alerts and their events, incidents with their timelines (a walk through the workflow: status
 * changes, reopens, level changes that move the due time, due times set by hand), fetch log and health
 * events. `buildWorld` is pure; `seedWorld` writes it and fills in the ids the database gives. digests.test.ts recounts every figure from
 * these arrays with its own code; the browser test uses a busy one.
 */
import { mulberry32 } from '../../../test/support/random';
import { insertItems, storeAnalyses, withTransaction, type NewItem, type Pool, type StoredAnalysis } from '@yuqing/db';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

type Level = 'blue' | 'yellow' | 'orange' | 'red';
type TopicLevel = Level | 'none';
const LEVELS: Level[] = ['blue', 'yellow', 'orange', 'red'];
const PLACES = ['东城区', '西城区', '某市', '南山区', '北湖镇'];
const JURISDICTIONS = ['城东分局辖区', '城西派出所', '开发区'];
const OUTCOMES = ['ok', 'ok', 'ok', 'ok', 'not_modified', 'timeout', 'http_error', 'network_error'];
type Status = 'new' | 'assessing' | 'handling' | 'responded' | 'closed';
const CLOCKS: Record<Level, number> = { red: HOUR, orange: 4 * HOUR, yellow: 24 * HOUR, blue: 72 * HOUR };

export interface WSource {
  key: number;
  name: string;
  url: string;
  enabled: boolean;
  id?: number;
}
export interface WItem {
  key: number;
  id?: number;
  /** Index into sources, or null for a pushed item. */
  source: number | null;
  sourceName: string | null;
  publishedAt: Date;
  analysed: boolean;
  policeRelated: boolean;
  policeNegative: boolean;
  places: string[];
  jurisdictionHits: string[];
  /** What items.metrics.reposts holds (a number, a string, or nothing). */
  reposts: number | string | null;
  title: string | null;
  url: string;
  storyId: number | null;
}
export interface WTopic {
  id: number;
  title: string;
  firstSource: string | null;
  stage: string | null;
  level: TopicLevel;
  status: 'open' | 'merged';
  mergedInto: number | null;
}
export interface WStory {
  id: number;
  /** Its topic now (after merges). */
  topicId: number;
  /** The topic it was first placed in (story_items.topic_id keeps this). */
  firstTopicId: number;
}
export interface WLevelChange {
  topicId: number;
  at: Date;
  level: TopicLevel;
  applied: boolean;
}
export interface WAlert {
  key: number;
  id?: number;
  kind: 'topic' | 'source_health';
  level: Level;
}
export interface WEvent {
  alert: number;
  type: string;
  level: Level;
  at: Date;
}
/**
 * One entry of an incident's timeline, shaped as the incidents repository writes it: 'created'
 * {level, dueAt}, 'status' {from, to, reopened, dueAt on a reopen}, 'level' {from, to}, 'due'
 * {from, to, manual}, and notes (which change nothing).
 */
export interface WTimelineEntry {
  at: Date;
  kind: 'created' | 'status' | 'level' | 'due' | 'note';
  data: Record<string, unknown>;
}
export interface WIncident {
  key: number;
  id?: number;
  title: string;
  /** The incident now: what the last entries of its timeline left. */
  level: Level;
  status: Status;
  createdAt: Date;
  dueAt: Date;
  dueAtManual: boolean;
  clockFrom: Date;
  closedAt: Date | null;
  responseAt: Date | null;
  reopenCount: number;
  owner: boolean;
  /** In the order written (ids follow it); entries written together share their time. */
  timeline: WTimelineEntry[];
}
export interface WFetch {
  source: number;
  at: Date;
  outcome: string;
  error: string | null;
}
export interface WHealth {
  source: number;
  at: Date;
  kind: 'failing' | 'recovered';
  errors: number;
}
export interface World {
  sources: WSource[];
  items: WItem[];
  topics: WTopic[];
  stories: WStory[];
  levelChanges: WLevelChange[];
  alerts: WAlert[];
  events: WEvent[];
  incidents: WIncident[];
  fetches: WFetch[];
  health: WHealth[];
  ownerName: string;
}


export interface WorldOptions {
  seed: number;
  /** Rows are spread over [start, end). */
  start: Date;
  end: Date;
  items: number;
  topics: number;
  alerts: number;
  incidents: number;
  fetches: number;
  /** Exact instants that also get an item each (period edges). */
  edgeTimes?: Date[];
  /** Outside text with markup in it, now and then. */
  hostile?: boolean;
  /**
   * A period to script incidents around (besides the random ones): closed in it and reopened after
   * it, closed twice in it, closed and reopened within it, overdue at its end and responded after,
   * due times moved by hand or by a level change before and after its end, entries on its edges.
   */
  focus?: { from: Date; to: Date };
}

/** The rows of a world (no database). */
export function buildWorld(o: WorldOptions): World {
  const r = mulberry32(o.seed);
  const span = o.end.getTime() - o.start.getTime();
  const when = (): Date => new Date(o.start.getTime() + Math.floor((r() * span) / 1000) * 1000);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

  const sources: WSource[] = [
    { key: 0, name: '微博', url: `https://weibo.example.com/${o.seed}/rss`, enabled: true },
    { key: 1, name: '新闻网', url: `https://news.example.com/${o.seed}/rss`, enabled: true },
    { key: 2, name: '本地论坛', url: `https://bbs.example.com/${o.seed}/rss`, enabled: true },
    { key: 3, name: '停用源', url: `https://old.example.com/${o.seed}/rss`, enabled: false },
  ];

  const topics: WTopic[] = [];
  const stories: WStory[] = [];
  for (let k = 0; k < o.topics; k++) {
    const id = 1000 + k;
    const title = o.hostile && k % 7 === 3 ? `<img src=x onerror=alert(${k})>事件${k}` : `事件${k}：某地民警执法引发关注`;
    topics.push({ id, title, firstSource: pick(['微博', '新闻网', null]), stage: pick(['发生期', '扩散期', '高潮期', '消散期', null]), level: pick(['none', ...LEVELS]), status: 'open', mergedInto: null });
    stories.push({ id: id * 10 + 1, topicId: id, firstTopicId: id }, { id: id * 10 + 2, topicId: id, firstTopicId: id });
  }
  // The last topic was merged into the one before it: its stories moved (story_items did not).
  if (o.topics >= 2) {
    const last = topics[o.topics - 1] as WTopic;
    const into = topics[o.topics - 2] as WTopic;
    last.status = 'merged';
    last.mergedInto = into.id;
    for (const s of stories) if (s.topicId === last.id) s.topicId = into.id;
  }

  const items: WItem[] = [];
  const times = [...(o.edgeTimes ?? []), ...Array.from({ length: o.items }, when)];
  times.forEach((publishedAt, key) => {
    const src = Math.floor(r() * 5);
    const source = src <= 2 ? src : null;
    const analysed = r() < 0.9;
    const policeRelated = analysed && r() < 0.45;
    const policeNegative = policeRelated && r() < 0.4;
    const roll = r();
    const reposts = roll < 0.55 ? Math.floor(r() * 1000) : roll < 0.6 ? '12' : null;
    // Skewed towards the first topics, so the ranking has a head and a tail.
    const storyRoll = r();
    const storyId = storyRoll < 0.55 ? (stories[Math.floor(Math.pow(r(), 2) * stories.length)]?.id ?? null) : null;
    const hostile = o.hostile && key % 37 === 5;
    items.push({
      key,
      source,
      sourceName: source === null ? (src === 3 ? '推送源' : null) : r() < 0.5 ? (sources[source]?.name ?? null) : null,
      publishedAt,
      analysed,
      policeRelated,
      policeNegative,
      places: PLACES.filter(() => r() < 0.25),
      jurisdictionHits: JURISDICTIONS.filter(() => r() < 0.2),
      reposts,
      title: hostile ? `<script>alert("${key}")</script>民警 & "执法"` : key % 41 === 7 ? null : `条目${key}：民警在某地执法过程`,
      url: key % 53 === 11 ? `javascript:alert(${key})` : `https://news.example.com/${o.seed}/item/${key}`,
      storyId,
    });
  });

  const levelChanges: WLevelChange[] = [];
  for (const t of topics) {
    if (t.id % 5 === 4) continue; // no history: the stored level stands
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) levelChanges.push({ topicId: t.id, at: when(), level: pick(LEVELS), applied: r() < 0.85 });
  }

  const alerts: WAlert[] = [];
  const events: WEvent[] = [];
  for (let k = 0; k < o.alerts; k++) {
    alerts.push({ key: k, kind: r() < 0.8 ? 'topic' : 'source_health', level: pick(LEVELS) });
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) events.push({ alert: k, type: pick(['firing', 'escalated', 'acknowledged', 'resolved', 'reopened', 'updated']), level: pick(LEVELS), at: when() });
  }

  // Incidents draw from their own generator, so the rows after them stay what they were.
  const ri = mulberry32(o.seed ^ 0x5bd1e995);
  const incidents: WIncident[] = [];
  for (let k = 0; k < o.incidents; k++) {
    const level = LEVELS[Math.floor(ri() * LEVELS.length)] as Level;
    const createdAt = new Date(o.start.getTime() - 2 * DAY + Math.floor((ri() * (span + 2 * DAY)) / 1000) * 1000);
    const n = openIncident(k, o.hostile && k % 4 === 1 ? `<b>危机</b>事件${k}` : `危机事件${k}`, level, createdAt, ri() < 0.6);
    // A walk through the workflow, hours apart (some steps cross the period edges).
    let at = createdAt.getTime();
    const steps = Math.floor(ri() * 7);
    for (let i = 0; i < steps; i++) {
      at += Math.max(1, Math.floor((ri() * ri() * 36 * HOUR) / 1000)) * 1000;
      const when = new Date(at);
      const roll = ri();
      if (roll < 0.15) changeLevel(n, when, LEVELS.filter((l) => l !== n.level)[Math.floor(ri() * 3)] as Level);
      else if (roll < 0.27) setDue(n, when, new Date(at + Math.floor(((ri() * 48 - 12) * HOUR) / 1000) * 1000));
      else if (roll < 0.32) n.timeline.push({ at: when, kind: 'note', data: {} });
      else {
        const next = NEXT[n.status];
        transition(n, when, next[Math.floor(ri() * next.length)] as Status);
      }
    }
    incidents.push(n);
  }
  if (o.focus) incidents.push(...focusIncidents(o.focus, incidents.length));

  const fetches: WFetch[] = [];
  for (let k = 0; k < o.fetches; k++) {
    const outcome = pick(OUTCOMES);
    fetches.push({ source: Math.floor(r() * 3), at: when(), outcome, error: outcome === 'ok' || outcome === 'not_modified' ? null : r() < 0.8 ? `${outcome}: 第${k}次失败` : null });
  }
  const health: WHealth[] = [];
  for (let s = 0; s < 3; s++) {
    const n = Math.floor(r() * 4);
    const at = Array.from({ length: n }, when).sort((a, b) => a.getTime() - b.getTime());
    at.forEach((t, i) => health.push({ source: s, at: t, kind: i % 2 === 0 ? 'failing' : 'recovered', errors: 3 + i }));
  }
  return { sources, items, topics, stories, levelChanges, alerts, events, incidents, fetches, health, ownerName: '王分析' };
}

// The workflow's transitions (@yuqing/alerting incident-workflow), as the walk takes them.
const NEXT: Record<Status, Status[]> = {
  new: ['assessing'],
  assessing: ['handling', 'handling', 'closed'],
  handling: ['responded'],
  responded: ['closed', 'closed', 'handling'],
  closed: ['assessing'],
};

function openIncident(key: number, title: string, level: Level, createdAt: Date, owner: boolean): WIncident {
  const dueAt = new Date(createdAt.getTime() + CLOCKS[level]);
  return {
    key,
    title,
    level,
    status: 'new',
    createdAt,
    dueAt,
    dueAtManual: false,
    clockFrom: createdAt,
    closedAt: null,
    responseAt: null,
    reopenCount: 0,
    owner,
    timeline: [{ at: createdAt, kind: 'created', data: { level, autoLevel: level, levelReason: null, dueAt: dueAt.toISOString(), links: {} } }],
  };
}

/** A status change as transitionIncident stores it (a reopen starts the response clock again). */
function transition(n: WIncident, at: Date, to: Status): void {
  const reopen = (n.status === 'closed' && to === 'assessing') || (n.status === 'responded' && to === 'handling');
  const data: Record<string, unknown> = { from: n.status, to, reason: reopen ? '舆情反弹' : null, reopened: n.status === 'closed' };
  if (to === 'closed') {
    n.closedAt = at;
    data['closingSummary'] = '已平息';
  }
  if (n.status === 'closed') {
    n.closedAt = null;
    n.reopenCount++;
  }
  if (to === 'responded') n.responseAt = at;
  if (reopen) {
    n.clockFrom = at;
    n.dueAt = new Date(at.getTime() + CLOCKS[n.level]);
    n.dueAtManual = false;
    data['dueAt'] = n.dueAt.toISOString();
  }
  n.status = to;
  n.timeline.push({ at, kind: 'status', data });
}

/** A level change; the due time follows it (its own 'due' entry) unless it was set by hand. */
function changeLevel(n: WIncident, at: Date, to: Level): void {
  n.timeline.push({ at, kind: 'level', data: { from: n.level, to, reason: '研判调整' } });
  n.level = to;
  const due = new Date(n.clockFrom.getTime() + CLOCKS[to]);
  if (!n.dueAtManual && due.getTime() !== n.dueAt.getTime()) {
    n.timeline.push({ at, kind: 'due', data: { from: n.dueAt.toISOString(), to: due.toISOString(), manual: false } });
    n.dueAt = due;
  }
}

/** A due time set by hand. */
function setDue(n: WIncident, at: Date, due: Date): void {
  n.timeline.push({ at, kind: 'due', data: { from: n.dueAt.toISOString(), to: due.toISOString(), manual: true } });
  n.dueAt = due;
  n.dueAtManual = true;
}

/** Incidents scripted around a period [from, to) (see WorldOptions.focus). */
function focusIncidents(p: { from: Date; to: Date }, firstKey: number): WIncident[] {
  const f = (h: number) => new Date(p.from.getTime() + h * HOUR);
  const e = (h: number) => new Date(p.to.getTime() + h * HOUR);
  const out: WIncident[] = [];
  const add = (title: string, level: Level, createdAt: Date, script: (n: WIncident) => void): void => {
    const n = openIncident(firstKey + out.length, title, level, createdAt, true);
    script(n);
    out.push(n);
  };
  // Closed in the period, reopened after it: closed in this period, overdue in the next.
  add('结案后重开（期后）', 'red', f(-10), (n) => {
    transition(n, f(-9.5), 'assessing');
    transition(n, f(2), 'closed');
    transition(n, e(3), 'assessing');
  });
  // Closed twice in the period: counted once, at its last close.
  add('期内两次结案', 'yellow', f(-30), (n) => {
    transition(n, f(-29), 'assessing');
    transition(n, f(1), 'closed');
    transition(n, f(3), 'assessing');
    transition(n, f(4), 'handling');
    transition(n, f(5), 'responded');
    transition(n, f(8), 'closed');
  });
  // Closed and reopened within the period: closed in it, and overdue at its end on the new clock.
  add('期内结案又重开', 'orange', f(-20), (n) => {
    transition(n, f(-19), 'assessing');
    transition(n, f(2), 'closed');
    transition(n, f(4), 'assessing');
  });
  // Overdue at the end, responded and closed after it.
  add('期末超期、期后回应', 'red', f(-6), (n) => {
    transition(n, f(-5.5), 'assessing');
    transition(n, f(1), 'handling');
    transition(n, e(2), 'responded');
    transition(n, e(5), 'closed');
  });
  // Due time put off by hand in the period, brought back (already past) after it: not overdue then.
  add('期内改期延后', 'red', f(1), (n) => {
    setDue(n, f(1.5), e(10));
    setDue(n, e(1), f(5));
  });
  // A level change in the period brings the due time forward (overdue at the end); one after it puts it back.
  add('期内升级提前应回应', 'blue', f(-3), (n) => {
    transition(n, f(-2), 'assessing');
    changeLevel(n, f(1), 'red');
    changeLevel(n, e(1), 'blue');
  });
  // On the edges: a close at the period start counts, a close at its end belongs to the next period;
  // a due time moved exactly at the end does not count for it.
  add('期初结案', 'yellow', f(-12), (n) => {
    transition(n, f(-11), 'assessing');
    transition(n, p.from, 'closed');
  });
  add('期末结案', 'yellow', f(-12), (n) => {
    transition(n, f(-11), 'assessing');
    transition(n, p.to, 'closed');
  });
  add('期末改期', 'red', f(-1), (n) => {
    setDue(n, p.to, e(48));
  });
  add('期末开立', 'red', p.to, () => undefined);
  return out;
}

/** Writes a world; fills in the ids of sources, items, alerts and incidents. */
export async function seedWorld(db: Pool, w: World): Promise<void> {
  for (const s of w.sources) {
    const { rows } = await db.query<{ id: number }>('INSERT INTO sources (name, kind, url, enabled) VALUES ($1, $2, $3, $4) RETURNING id', [s.name, 'rss', s.url, s.enabled]);
    s.id = rows[0]?.id;
  }
  const newItems: NewItem[] = w.items.map((i) => ({
    sourceId: i.source === null ? null : (w.sources[i.source]?.id ?? null),
    url: i.url,
    urlHash: `digest-${i.url}-${i.key}`,
    origin: i.source === null ? 'push' : 'crawl',
    title: i.title,
    summary: null,
    text: '正文',
    author: null,
    metrics: i.reposts === null ? { likes: 1 } : { reposts: i.reposts },
    language: 'zh',
    sourceName: i.sourceName,
    publishedAt: i.publishedAt,
    fetchedAt: i.publishedAt,
  }));
  for (let b = 0; b < newItems.length; b += 500) {
    const chunk = newItems.slice(b, b + 500);
    const rows = await insertItems(db, chunk);
    const byHash = new Map(rows.map((r) => [r.urlHash, r.id]));
    chunk.forEach((n, j) => {
      const item = w.items[b + j] as WItem;
      item.id = byHash.get(n.urlHash);
    });
  }
  const analyses: StoredAnalysis[] = w.items
    .filter((i) => i.analysed)
    .map((i) => ({
      itemId: i.id as number,
      engineVersion: 'test',
      modelVersion: null,
      policeRelated: i.policeRelated,
      policeScore: i.policeRelated ? 0.9 : 0.1,
      sentiment: i.policeNegative ? 'negative' : 'neutral',
      sentimentScore: 0,
      policeNegative: i.policeNegative,
      policeNegativeScore: i.policeNegative ? 0.9 : 0.1,
      keywords: [],
      simhash: '0000000000000000',
      categories: [],
      places: i.places,
      jurisdictionHits: i.jurisdictionHits,
      language: 'zh',
    }));
  for (let b = 0; b < analyses.length; b += 500) await withTransaction(db, (c) => storeAnalyses(c, analyses.slice(b, b + 500)));

  for (const t of w.topics) {
    await db.query(
      `INSERT INTO topics (id, status, merged_into, title, keywords, first_source, created_at, last_at, items, stories, police_related,
         police_negative, negative, reach, jurisdiction_hits, sources, stage, level, auto_level, state)
       VALUES ($1, $2, $3, $4, '{}', $5, now(), now(), 0, 2, 0, 0, 0, 0, 0, '{}', $6, $7, $7, '{}')`,
      [t.id, t.status, t.mergedInto, t.title, t.firstSource, t.stage, t.level],
    );
  }
  for (const s of w.stories) {
    await db.query(
      `INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_at, last_at, items) VALUES ($1, $2, 'root', $1, '0', now(), now(), 0)`,
      [s.id, s.topicId],
    );
  }
  const linked = w.items.filter((i) => i.storyId !== null);
  const firstTopic = new Map(w.stories.map((s) => [s.id, s.firstTopicId]));
  if (linked.length) {
    await db.query(`INSERT INTO story_items (item_id, story_id, topic_id) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])`, [
      linked.map((i) => i.id),
      linked.map((i) => i.storyId),
      linked.map((i) => firstTopic.get(i.storyId as number)),
    ]);
    // The topic stage's series (10-minute buckets, by the topic the item was placed in).
    await db.query(
      `INSERT INTO topic_series (topic_id, bucket_start, items)
       SELECT si.topic_id, date_bin('10 minutes', i.published_at, TIMESTAMPTZ '2000-01-01Z'), count(*) FROM story_items si JOIN items i ON i.id = si.item_id GROUP BY 1, 2`,
    );
  }
  for (const c of w.levelChanges) {
    await db.query(
      `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason) VALUES ($1, $2, $3, 'none', true, $4, '{}', '测试')`,
      [c.topicId, c.at, c.level, c.applied],
    );
  }
  for (const a of w.alerts) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO alerts (kind, level, title, dedup_key) VALUES ($1, $2, $3, $4) RETURNING id`,
      [a.kind, a.level, `预警${a.key}`, `digest-test:${a.key}:${Math.random()}`],
    );
    a.id = rows[0]?.id;
  }
  for (const e of w.events) {
    await db.query(`INSERT INTO alert_events (alert_id, type, level, audience_roles, created_at) VALUES ($1, $2, $3, ARRAY['admin','pr','leader','analyst'], $4)`, [
      w.alerts[e.alert]?.id,
      e.type,
      e.level,
      e.at,
    ]);
  }
  const { rows: owner } = await db.query<{ id: number }>(
    `INSERT INTO users (name, display_name, role) VALUES ($1, $2, 'analyst') ON CONFLICT (name) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`,
    ['digest-owner', w.ownerName],
  );
  for (const n of w.incidents) {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO incidents (title, level, status, due_at, due_at_manual, response_clock_from, created_at, closed_at, closing_summary, response_at,
         response_channel, response_text, reopen_count, owner_id, created_by_name, jurisdiction)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '测试', '城东分局') RETURNING id`,
      [
        n.title, n.level, n.status, n.dueAt, n.dueAtManual, n.clockFrom, n.createdAt, n.closedAt, n.closedAt ? '已平息' : null,
        n.responseAt, n.responseAt ? '官方微博' : null, n.responseAt ? '情况通报' : null, n.reopenCount, n.owner ? owner[0]?.id : null,
      ],
    );
    n.id = rows[0]?.id;
  }
  // The timelines, in the order written.
  const entries = w.incidents.flatMap((n) => n.timeline.map((e) => ({ id: n.id, ...e })));
  for (let b = 0; b < entries.length; b += 1000) {
    const chunk = entries.slice(b, b + 1000);
    await db.query(
      `INSERT INTO incident_timeline (incident_id, at, kind, actor_name, data)
       SELECT x.id, x.at, x.kind, '测试', x.data FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS x(id, at, kind, data, o) ORDER BY x.o`,
      [chunk.map((e) => e.id), chunk.map((e) => e.at), chunk.map((e) => e.kind), chunk.map((e) => JSON.stringify(e.data))],
    );
  }
  for (const f of w.fetches) {
    await db.query('INSERT INTO fetch_log (source_id, at, outcome, error) VALUES ($1, $2, $3, $4)', [w.sources[f.source]?.id, f.at, f.outcome, f.error]);
  }
  for (const h of w.health) {
    await db.query('INSERT INTO source_health_events (source_id, at, kind, consecutive_errors, error) VALUES ($1, $2, $3, $4, $5)', [
      w.sources[h.source]?.id,
      h.at,
      h.kind,
      h.errors,
      h.kind === 'failing' ? '连续超时' : null,
    ]);
  }
}
