/**
 * A small seeded world for the forms tests, every row with an explicit time (Beijing time in the
 * specs below): two sources and pushed items, topics with stories (one topic merged into another,
 * its story moved), level changes (applied or not), alert rules, alerts of every kind and level with
 * their events, incidents with links and append-only timelines written as the incidents repository
 * writes them. The tests recount every figure with their own SQL over these tables (and, for a few,
 * from the specs here).
 *
 * The week under test is Monday 2026-03-02 00:00 to Monday 2026-03-09 00:00 (Beijing), the month March 2026.
 */
import { insertItems, type NewItem, type Pool } from '@yuqing/db';
import { createHash } from 'node:crypto';

/** A Beijing wall time 'YYYY-MM-DD HH:mm' as an instant. */
export const bj = (s: string): Date => new Date(`${s.replace(' ', 'T')}${s.length <= 10 ? 'T00:00' : ''}:00+08:00`);

export const WEEK = { from: bj('2026-03-02'), to: bj('2026-03-09') };
export const MONTH = { from: bj('2026-03-01'), to: bj('2026-04-01') };
export const QUARTER = { from: bj('2026-01-01'), to: bj('2026-04-01') };

export const TOPIC = { A: 9101, B: 9102, C: 9103, D: 9104 } as const;
const STORY = { A1: 9201, A2: 9202, B1: 9203, C1: 9204, D1: 9205 } as const;

export interface ItemSpec {
  key: string;
  source: 'weibo' | 'douyin' | null;
  at: string;
  /** null: not analysed yet. */
  pr: boolean | null;
  pn: boolean;
  places?: string[];
  units?: string[];
  author?: string;
  story?: number;
}

const A = (key: string, at: string, pn: boolean, extra: Partial<ItemSpec> = {}): ItemSpec => ({
  key,
  source: 'weibo',
  at,
  pr: true,
  pn,
  places: ['东城区'],
  units: ['城东派出所'],
  story: STORY.A1,
  ...extra,
});

/** The items. Topic A's first post is 03-03 09:15; the merged topic C's (now A's) is earlier. */
export const ITEMS: ItemSpec[] = [
  A('a1', '2026-03-03 09:15', true, { author: '网友甲' }),
  A('a2', '2026-03-03 10:40', false),
  A('a3', '2026-03-03 21:05', true),
  A('a4', '2026-03-03 21:20', true, { source: 'douyin', units: ['城东派出所', '交警大队'] }),
  A('a5', '2026-03-03 21:35', true, { story: STORY.A2 }),
  A('a6', '2026-03-03 21:59', false, { story: STORY.A2, source: 'douyin' }),
  A('a7', '2026-03-04 08:00', true, { places: ['西城区'] }),
  A('a8', '2026-03-04 09:30', false, { story: STORY.A2 }),
  A('a9', '2026-03-04 22:10', true, { source: null }),
  A('a10', '2026-03-05 11:00', false, { units: [] }),
  // Topic C, merged into A (its story now belongs to A): the earliest post of the incident.
  { key: 'c1', source: 'douyin', at: '2026-03-02 20:00', pr: true, pn: true, places: ['东城区'], units: ['城东派出所'], author: '网友丙', story: STORY.C1 },
  { key: 'c2', source: 'douyin', at: '2026-03-02 20:30', pr: true, pn: false, places: ['东城区'], story: STORY.C1 },
  { key: 'c3', source: 'weibo', at: '2026-03-02 21:10', pr: true, pn: true, story: STORY.C1 },
  // Topic B.
  { key: 'b1', source: 'weibo', at: '2026-03-05 09:00', pr: true, pn: false, places: ['南山区'], units: ['交警大队'], story: STORY.B1 },
  { key: 'b2', source: 'weibo', at: '2026-03-05 09:10', pr: true, pn: false, story: STORY.B1 },
  { key: 'b3', source: 'douyin', at: '2026-03-05 10:00', pr: false, pn: false, story: STORY.B1 },
  { key: 'b4', source: 'douyin', at: '2026-03-06 10:00', pr: false, pn: false, story: STORY.B1 },
  { key: 'b-before', source: 'weibo', at: '2026-03-01 23:59', pr: true, pn: true, story: STORY.B1 },
  { key: 'b-edge', source: 'weibo', at: '2026-03-09 00:00', pr: true, pn: true, story: STORY.B1 },
  // Topic D: not about the police.
  { key: 'd1', source: 'weibo', at: '2026-03-04 12:00', pr: false, pn: false, story: STORY.D1 },
  { key: 'd2', source: 'weibo', at: '2026-03-04 12:30', pr: false, pn: false, story: STORY.D1 },
  { key: 'd3', source: 'douyin', at: '2026-03-07 18:00', pr: false, pn: false, story: STORY.D1 },
  // Not analysed yet; and one linked to an incident directly, in no topic.
  { key: 'u1', source: 'weibo', at: '2026-03-06 08:00', pr: null, pn: false },
  { key: 'l1', source: null, at: '2026-03-05 16:00', pr: true, pn: true, places: ['东城区'], units: ['城东派出所'] },
  { key: 'x-late', source: 'weibo', at: '2026-03-20 10:00', pr: true, pn: false },
];

export interface SeededWorld {
  sources: { weibo: number; douyin: number };
  items: Map<string, number>;
  alerts: Record<string, number>;
  incidents: Record<string, number>;
  ruleId: number;
}

/** Seeds the world; `analystId` acknowledges alerts and owns an incident. */
export async function seedFormsWorld(db: Pool, users: { analystId: number; leaderId: number }): Promise<SeededWorld> {
  const src = async (name: string, url: string) =>
    Number((await db.query<{ id: number }>(`INSERT INTO sources (name, kind, url) VALUES ($1, 'rss', $2) RETURNING id`, [name, url])).rows[0]!.id);
  const sources = { weibo: await src('新浪微博', 'https://weibo.example.cn/rss'), douyin: await src('抖音', 'https://douyin.example.cn/rss') };

  const items = new Map<string, number>();
  const newItems: NewItem[] = ITEMS.map((s) => {
    const url = `https://${s.source ?? 'push'}.example.cn/post/${s.key}`;
    return {
      sourceId: s.source ? sources[s.source] : null,
      url,
      urlHash: createHash('sha256').update(url).digest('hex'),
      origin: s.source ? 'crawl' : 'push',
      title: `条目 ${s.key}`,
      summary: null,
      text: `条目 ${s.key} 的正文`,
      author: s.author ?? null,
      language: 'zh',
      sourceName: s.source ? null : '推送',
      publishedAt: bj(s.at),
      fetchedAt: bj(s.at),
    };
  });
  const stored = await insertItems(db, newItems);
  ITEMS.forEach((s, i) => items.set(s.key, Number(stored[i]!.id)));
  for (const s of ITEMS) {
    if (s.pr === null) continue;
    await db.query(
      `INSERT INTO item_analysis (item_id, engine_version, police_related, police_score, sentiment, sentiment_score, police_negative, police_negative_score, simhash, places, jurisdiction_hits)
       VALUES ($1, 'test', $2, 0.5, 'neutral', 0, $3, 0, '0', $4, $5)`,
      [items.get(s.key), s.pr, s.pn, s.places ?? [], s.units ?? []],
    );
  }

  const topic = (id: number, title: string, level: string, status = 'open', mergedInto: number | null = null) =>
    db.query(
      `INSERT INTO topics (id, status, merged_into, title, keywords, first_source, created_at, last_at, items, stories, police_related,
         police_negative, negative, reach, jurisdiction_hits, sources, stage, level, auto_level, state)
       VALUES ($1, $2, $3, $4, '{}', '新浪微博', $5, $5, 0, 1, 0, 0, 0, 0, 0, '{}', '扩散期', $6, $6, '{}')`,
      [id, status, mergedInto, title, bj('2026-03-02 20:00'), level],
    );
  await topic(TOPIC.A, '某派出所民警执法争议', 'orange');
  await topic(TOPIC.B, '市区交通拥堵', 'blue');
  await topic(TOPIC.C, '民警执法视频流传', 'blue', 'merged', TOPIC.A);
  await topic(TOPIC.D, '市体育赛事', 'none');
  // The merged topic's story moved to A (stories.topic_id); story_items keeps the topic it was first placed in.
  const stories: Array<[number, number, number]> = [
    [STORY.A1, TOPIC.A, TOPIC.A],
    [STORY.A2, TOPIC.A, TOPIC.A],
    [STORY.B1, TOPIC.B, TOPIC.B],
    [STORY.C1, TOPIC.A, TOPIC.C],
    [STORY.D1, TOPIC.D, TOPIC.D],
  ];
  for (const [id, topicId] of stories) {
    await db.query(`INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_at, last_at, items) VALUES ($1, $2, 'root', $1, '0', now(), now(), 0)`, [id, topicId]);
  }
  for (const s of ITEMS) {
    if (!s.story) continue;
    const first = stories.find(([id]) => id === s.story)![2];
    await db.query('INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $2, $3)', [items.get(s.key), s.story, first]);
  }
  const levelChange = (topicId: number, at: string, level: string, applied: boolean, reason: string) =>
    db.query(
      `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason) VALUES ($1, $2, $3, 'none', true, $4, '{}', $5)`,
      [topicId, bj(at), level, applied, reason],
    );
  await levelChange(TOPIC.C, '2026-03-02 21:00', 'blue', true, '话题C：1小时内3条');
  await levelChange(TOPIC.A, '2026-03-03 10:00', 'yellow', true, '热度上升：1小时内增长2倍');
  await levelChange(TOPIC.A, '2026-03-03 22:00', 'orange', true, '涉警负面占比58%，持续扩散，升为橙色');
  await levelChange(TOPIC.A, '2026-03-04 08:00', 'red', false, '（人工定级在先，未采用）');
  await levelChange(TOPIC.B, '2026-03-05 11:00', 'blue', true, '交通话题热度上升');

  const ruleId = Number(
    (await db.query<{ id: number }>(`INSERT INTO alert_rules (name, spec) VALUES ('涉警负面升温', '{}') RETURNING id`)).rows[0]!.id,
  );
  const alerts: Record<string, number> = {};
  const alert = async (
    key: string,
    a: { kind: string; level: string; state?: string; at: string; topicId?: number | null; rule?: boolean; ack?: string; resolved?: string; incidentKey?: string; title: string },
    events: Array<[type: string, level: string, at: string]>,
    incidents: Record<string, number> = {},
  ) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO alerts (kind, rule_id, topic_id, level, state, title, dedup_key, created_at, updated_at, fired_at, acknowledged_by, acknowledged_at,
         resolved_at, incident_id, rule_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [
        a.kind,
        a.rule ? ruleId : null,
        a.topicId ?? null,
        a.level,
        a.state ?? 'firing',
        a.title,
        `forms:${key}`,
        bj(a.at),
        a.ack ? users.analystId : null,
        a.ack ? bj(a.ack) : null,
        a.resolved ? bj(a.resolved) : null,
        a.incidentKey ? incidents[a.incidentKey] : null,
        a.rule ? '旧规则名' : null,
      ],
    );
    const id = Number(rows[0]!.id);
    alerts[key] = id;
    for (const [type, level, at] of events) {
      await db.query(`INSERT INTO alert_events (alert_id, type, level, audience_roles, created_at) VALUES ($1, $2, $3, ARRAY['admin','pr','leader','analyst'], $4)`, [id, type, level, bj(at)]);
    }
  };
  await alert('a1', { kind: 'topic', level: 'orange', state: 'acknowledged', at: '2026-03-03 10:05', topicId: TOPIC.A, rule: true, ack: '2026-03-03 10:30', title: '涉警负面升温：某派出所民警执法争议' }, [
    ['firing', 'yellow', '2026-03-03 10:05'],
    ['acknowledged', 'yellow', '2026-03-03 10:30'],
    ['escalated', 'orange', '2026-03-03 22:05'],
  ]);
  await alert('a2', { kind: 'topic', level: 'blue', state: 'resolved', at: '2026-03-05 12:00', topicId: TOPIC.B, rule: true, resolved: '2026-03-06 12:00', title: '交通话题预警' }, [
    ['firing', 'blue', '2026-03-05 12:00'],
    ['resolved', 'blue', '2026-03-06 12:00'],
  ]);
  await alert('a3', { kind: 'topic', level: 'yellow', at: '2026-02-27 09:00', topicId: TOPIC.A, title: '二月的预警' }, [
    ['firing', 'yellow', '2026-02-27 09:00'],
    ['resolved', 'yellow', '2026-02-28 09:00'],
    ['reopened', 'yellow', '2026-03-04 09:00'],
  ]);
  await alert('a5', { kind: 'source_health', level: 'yellow', at: '2026-03-05 08:00', title: '信源异常：抖音' }, [['firing', 'yellow', '2026-03-05 08:00']]);
  await alert('a6', { kind: 'topic', level: 'red', at: '2026-03-08 23:00', topicId: TOPIC.B, rule: true, title: '周日深夜红色预警' }, [['firing', 'red', '2026-03-08 23:00']]);
  await alert('a7', { kind: 'topic', level: 'blue', at: '2026-03-09 00:30', topicId: TOPIC.D, title: '下周的预警' }, [['firing', 'blue', '2026-03-09 00:30']]);
  await alert('a8', { kind: 'topic', level: 'red', at: '2026-04-01 00:00', topicId: TOPIC.B, title: '四月的预警' }, [['firing', 'red', '2026-04-01 00:00']]);

  const incidents: Record<string, number> = {};
  const incident = async (
    key: string,
    n: {
      title: string;
      level: string;
      status: string;
      at: string;
      owner?: boolean;
      jurisdiction?: string;
      category?: string;
      reason?: string;
      response?: { at: string; channel: string; text: string };
      closed?: { at: string; summary: string };
      summary?: string;
    },
    timeline: Array<[kind: string, at: string, body: string, data?: Record<string, unknown>]>,
    links: Array<['alert' | 'topic' | 'item', number]>,
  ) => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO incidents (title, category, status, level, auto_level, level_changed_at, level_change_reason, jurisdiction, owner_id, due_at,
         response_clock_from, summary, response_at, response_channel, response_text, closed_at, closing_summary, created_by_name, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'yellow', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'role-analyst', $10, $10) RETURNING id`,
      [
        n.title,
        n.category ?? '',
        n.status,
        n.level,
        n.reason ? bj(n.at) : null,
        n.reason ?? null,
        n.jurisdiction ?? '',
        n.owner ? users.analystId : null,
        new Date(bj(n.at).getTime() + 4 * 3600_000),
        bj(n.at),
        n.summary ?? '',
        n.response ? bj(n.response.at) : null,
        n.response?.channel ?? null,
        n.response?.text ?? null,
        n.closed ? bj(n.closed.at) : null,
        n.closed?.summary ?? null,
      ],
    );
    const id = Number(rows[0]!.id);
    incidents[key] = id;
    for (const [kind, at, body, data] of timeline) {
      await db.query(`INSERT INTO incident_timeline (incident_id, at, kind, actor_id, actor_name, body, data) VALUES ($1, $2, $3, $4, '分析员甲', $5, $6)`, [
        id,
        bj(at),
        kind,
        users.analystId,
        body,
        JSON.stringify(data ?? {}),
      ]);
    }
    for (const [kind, target] of links) await db.query('INSERT INTO incident_links (incident_id, kind, target_id) VALUES ($1, $2, $3)', [id, kind, target]);
  };
  await incident(
    'i1',
    {
      title: '民警执法争议事件',
      level: 'orange',
      status: 'responded',
      at: '2026-03-03 11:00',
      owner: true,
      jurisdiction: '东城区',
      category: '执法争议',
      reason: '舆情升温，人工升为橙色',
      response: { at: '2026-03-04 15:00', channel: '官方微博', text: '警方通报：涉事民警已停职接受调查。' },
      summary: '网传视频显示民警执法动作不规范。',
    },
    [
      ['created', '2026-03-03 11:00', '登记事件「民警执法争议事件」', { level: 'yellow' }],
      ['status', '2026-03-03 11:30', '新建 → 研判中', { from: 'new', to: 'assessing' }],
      ['note', '2026-03-03 12:00', '已联系属地派出所核实情况'],
      ['level', '2026-03-03 12:30', '级别由黄色调整为橙色：舆情升温，人工升为橙色', { from: 'yellow', to: 'orange' }],
      ['status', '2026-03-03 13:00', '研判中 → 处置中', { from: 'assessing', to: 'handling' }],
      ['note', '2026-03-04 09:00', '督察部门介入调查'],
      ['status', '2026-03-04 15:00', '处置中 → 已回应', { from: 'handling', to: 'responded' }],
      ['response', '2026-03-04 15:00', '警方通报：涉事民警已停职接受调查。', { at: bj('2026-03-04 15:00').toISOString(), channel: '官方微博' }],
      ['instruction', '2026-03-04 16:00', '请持续关注舆情走势'],
    ],
    [
      ['alert', alerts['a1']!],
      ['topic', TOPIC.C],
      ['item', items.get('l1')!],
    ],
  );
  await incident(
    'i2',
    { title: '交通拥堵投诉', level: 'blue', status: 'closed', at: '2026-03-05 13:00', closed: { at: '2026-03-07 10:00', summary: '已疏导，舆情平息' } },
    [
      ['created', '2026-03-05 13:00', '登记事件「交通拥堵投诉」', { level: 'blue' }],
      ['status', '2026-03-05 14:00', '新建 → 研判中', { from: 'new', to: 'assessing' }],
      ['status', '2026-03-07 10:00', '研判中 → 已结案。结案说明：已疏导，舆情平息', { from: 'assessing', to: 'closed', closingSummary: '已疏导，舆情平息' }],
    ],
    [
      ['alert', alerts['a2']!],
      ['topic', TOPIC.B],
    ],
  );
  // Opened in February, responded to and closed in the week.
  await incident(
    'i3',
    { title: '二月旧案', level: 'yellow', status: 'closed', at: '2026-02-20 09:00', response: { at: '2026-03-05 10:00', channel: '新闻发布会', text: '已说明情况' }, closed: { at: '2026-03-06 09:00', summary: '结案' } },
    [
      ['created', '2026-02-20 09:00', '登记事件「二月旧案」', { level: 'yellow' }],
      ['status', '2026-03-05 10:00', '处置中 → 已回应', { from: 'handling', to: 'responded' }],
      ['response', '2026-03-05 10:00', '已说明情况', { at: bj('2026-03-05 10:00').toISOString(), channel: '新闻发布会' }],
      ['status', '2026-03-06 09:00', '已回应 → 已结案。结案说明：结案', { from: 'responded', to: 'closed', closingSummary: '结案' }],
    ],
    [],
  );
  // Opened in March, after the week.
  await incident('i4', { title: '三月下旬事件', level: 'yellow', status: 'new', at: '2026-03-20 09:00' }, [['created', '2026-03-20 09:00', '登记事件「三月下旬事件」', { level: 'yellow' }]], []);
  // An overdue alert of incident i2 (in the warning record, not among the week's topic warnings).
  await alert('a4', { kind: 'incident', level: 'red', at: '2026-03-06 10:00', incidentKey: 'i2', title: '事件超时未回应：交通拥堵投诉' }, [['firing', 'red', '2026-03-06 10:00']], incidents);
  return { sources, items, alerts, incidents, ruleId };
}
