/** Seeded rows for the read API tests: items with their analysis, and a topic with all its parts. */
import { insertItems, storeAnalyses, withTransaction, type NewItem, type Pool, type StoredAnalysis } from '@yuqing/db';

let seq = 0;

/** Inserts one item (a unique URL) and returns its id. */
export async function seedItem(db: Pool, over: Partial<NewItem> = {}): Promise<number> {
  const n = ++seq;
  const url = over.url ?? `https://news.example.com/seed/${process.pid}-${n}-${Math.random().toString(36).slice(2)}`;
  const item: NewItem = {
    sourceId: null,
    url,
    urlHash: `seed-${url}`,
    origin: 'crawl',
    title: `条目 ${n}`,
    summary: null,
    text: '正文',
    author: null,
    language: 'zh',
    sourceName: null,
    publishedAt: new Date(),
    fetchedAt: new Date(),
    ...over,
  };
  const [row] = await insertItems(db, [item]);
  if (!row) throw new Error('item not inserted');
  return row.id;
}

/** Stores an analysis for an item (defaults: unrelated, neutral). */
export async function seedAnalysis(db: Pool, itemId: number, over: Partial<StoredAnalysis> = {}): Promise<void> {
  const a: StoredAnalysis = {
    itemId,
    engineVersion: 'test',
    modelVersion: null,
    policeRelated: false,
    policeScore: 0,
    sentiment: 'neutral',
    sentimentScore: 0,
    policeNegative: false,
    policeNegativeScore: 0,
    keywords: [],
    simhash: '0000000000000000',
    categories: [],
    places: [],
    jurisdictionHits: [],
    language: 'zh',
    ...over,
  };
  await withTransaction(db, (client) => storeAnalyses(client, [a]));
}

let topicSeq = 0;

/**
 * A topic with two stories (items linked), three series buckets and two level changes.
 * Returns the ids (topic ids are given by the topic stage, so the fixture picks them).
 */
export async function seedTopic(db: Pool, opts: { level?: string; status?: string; lastAt?: Date } = {}): Promise<{ topicId: number; storyIds: number[]; itemIds: number[] }> {
  const topicId = 1000 + ++topicSeq;
  const t0 = new Date('2025-03-01T08:00:00Z');
  const lastAt = opts.lastAt ?? new Date(t0.getTime() + 30 * 60_000);
  const itemIds = [
    await seedItem(db, { title: '某派出所民警执法视频引关注', author: '首发网友', sourceName: '微博', publishedAt: t0 }),
    await seedItem(db, { title: '转发：民警执法视频', author: '大V', sourceName: '微博', publishedAt: new Date(t0.getTime() + 10 * 60_000) }),
    await seedItem(db, { title: '当地警方通报', author: '警方', sourceName: '新闻网', publishedAt: new Date(t0.getTime() + 20 * 60_000) }),
  ];
  await db.query(
    `INSERT INTO topics (id, status, title, keywords, first_item_id, first_source, created_at, last_at, items, stories, police_related,
       police_negative, negative, reach, jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
     VALUES ($1, $2, '民警执法视频', ARRAY['民警','执法','视频'], $3, '微博', $4, $5, 3, 2, 3, 2, 2, 12.5, 1, ARRAY['微博','新闻网'],
       '{"某市": 2}', '{"执法": 3}', '扩散期', $6, $6, '{}')`,
    [topicId, opts.status ?? 'open', itemIds[0], t0, lastAt, opts.level ?? 'yellow'],
  );
  const storyIds = [topicId * 10 + 1, topicId * 10 + 2];
  await db.query(
    `INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, first_source, last_at, items, police_negative, amplifiers)
     VALUES ($1, $3, 'root-a', 1, '0', $4, $6, '微博', $7, 2, true, '[{"itemId": "x", "source": "微博", "weight": 3.2, "followers": 100000}]'),
            ($2, $3, 'root-b', 2, '0', $5, $7, '新闻网', $7, 1, false, '[]')`,
    [storyIds[0], storyIds[1], topicId, itemIds[0], itemIds[2], t0, new Date(t0.getTime() + 20 * 60_000)],
  );
  await db.query(
    `INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $4, $6), ($2, $4, $6), ($3, $5, $6)`,
    [itemIds[0], itemIds[1], itemIds[2], storyIds[0], storyIds[1], topicId],
  );
  await db.query(
    `INSERT INTO topic_series (topic_id, bucket_start, items) VALUES ($1, $2, 1), ($1, $3, 1), ($1, $4, 1)`,
    [topicId, t0, new Date(t0.getTime() + 10 * 60_000), new Date(t0.getTime() + 20 * 60_000)],
  );
  await db.query(
    `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason)
     VALUES ($1, $2, 'blue', 'none', true, true, '{"items": 2}', '涉警负面 2 条'),
            ($1, $3, 'yellow', 'blue', true, true, '{"items": 3, "growth": 2.5}', '10 分钟内增长 2.5 倍')`,
    [topicId, new Date(t0.getTime() + 10 * 60_000), new Date(t0.getTime() + 20 * 60_000)],
  );
  return { topicId, storyIds, itemIds };
}
