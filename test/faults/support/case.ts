/**
 * One fault case's installation: a schema and queue prefix of its own (on the shared servers, or on
 * the case's private Redis/PostgreSQL), migrated by the real CLI, with a webhook receiver, a rule
 * sending yellow-and-above warnings to it, and the feed server's two feeds as sources. Then the
 * checks every case makes, from the database and the receivers.
 */
import { randomBytes } from 'node:crypto';
import { ruleSchema } from '@yuqing/alerting';
import { createPool, insertAlertRule, insertReceiver, insertSource, sourceInputSchema, type Pool } from '@yuqing/db';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { startFeedServer, startReceiver, type FeedServer, type Receiver } from './feeds';
import { waitFor, type Rig } from './procs';

export interface Installation {
  env: Record<string, string>;
  schema: string;
  db: Pool;
  feed: FeedServer;
  receiver: Receiver;
}

export const SHARED_PG = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/root';
export const SHARED_REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function install(
  rig: Rig,
  name: string,
  opts: { databaseUrl?: string; redisUrl?: string; speed: number; extraNews?: number; delayMs?: number; env?: Record<string, string> },
): Promise<Installation> {
  const id = `${name}_${randomBytes(4).toString('hex')}`;
  const schema = `t_f_${id}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: opts.databaseUrl ?? SHARED_PG,
    DATABASE_SCHEMA: schema,
    REDIS_URL: opts.redisUrl ?? SHARED_REDIS,
    QUEUE_PREFIX: `yqf:${id}`,
    API_PORT: '0',
    FETCH_ALLOWLIST: '127.0.0.0/8',
    RECEIVER_ALLOWLIST: '127.0.0.1',
    CRAWL_HOST_GAP_MS: '0',
    CRAWL_TICK_MS: '200',
    CRAWL_LEASE_MS: '5000',
    RECONCILE_AFTER_MS: '2000',
    RECONCILE_EVERY_MS: '1000',
    ANALYZER_THREADS: '1',
    ALERT_GROUP_WAIT_MS: '300',
    ALERT_GROUP_INTERVAL_MS: '1000',
    ALERTER_POLL_MS: '1000',
    ALERTER_TICK_MS: '100',
    ALERTER_RETRY_MS: '500',
    DELIVERY_RECONCILE_MS: '2000',
    DELIVERY_BACKOFF_MS: '500',
    SSE_POLL_MS: '1000',
    DIGEST_ENABLED: 'false',
    MODEL_RETRAIN_CRON: 'off',
    ...opts.env,
  };
  rig.cli(['db', 'migrate'], env);
  const db = createPool({ url: env.DATABASE_URL!, schema, max: 4 });
  db.on('error', () => undefined); // a private PostgreSQL restarting drops idle clients
  const feed = await startFeedServer({ speed: opts.speed, extraNews: opts.extraNews, delayMs: opts.delayMs });
  const receiver = await startReceiver();
  rig.onCleanup(async () => {
    await feed.close();
    await receiver.close();
    if (!opts.databaseUrl) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.end().catch(() => undefined);
    if (!opts.redisUrl) {
      const redis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1 });
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.QUEUE_PREFIX}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
  });
  const hook = await insertReceiver(db, { name: '值班群', kind: 'webhook', url: receiver.url, secret: 'faults', enabled: true, allowPrivate: false });
  await insertAlertRule(db, { spec: ruleSchema.parse({ name: '涉警负面黄色以上', minLevel: 'yellow', receivers: [hook!.id] }) });
  await insertSource(db, sourceInputSchema.parse({ name: '示例市新闻', url: feed.feeds.news, pollInterval: 10 }));
  await insertSource(db, sourceInputSchema.parse({ name: '示例微博', url: feed.feeds.posts, pollInterval: 10 }));
  return { env, schema, db, feed, receiver };
}

const q = async <T extends Record<string, unknown>>(db: Pool, sql: string): Promise<T[]> => (await db.query<T>(sql)).rows;

/** Items stored so far whose URL is one the feed served, counted per served path. */
export async function storedPerPath(i: Installation): Promise<Map<string, number>> {
  const rows = await q<{ url: string }>(i.db, 'SELECT url FROM items');
  const per = new Map<string, number>();
  for (const r of rows) {
    const p = new URL(r.url).pathname;
    per.set(p, (per.get(p) ?? 0) + 1);
  }
  return per;
}

/** Waits until the stream is complete and every served item is stored (polls are 10 s apart). */
export async function waitAllStored(i: Installation, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    if (!i.feed.complete()) return false;
    const per = await storedPerPath(i);
    return [...i.feed.served].every((p) => per.has(p)) && i.feed.served.size === i.feed.total;
  }, 'every served item stored', timeoutMs, 500);
}

export async function waitAllAnalysed(i: Installation, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    const [r] = await q<{ n: string }>(i.db, 'SELECT count(*) AS n FROM items WHERE analyzed_at IS NULL');
    return r && Number(r.n) === 0;
  }, 'every item analysed', timeoutMs, 500);
}

/** Waits for a yellow-or-above topic alert and its webhook delivery received. */
export async function waitWarningDelivered(i: Installation, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    const sent = await q<{ id: string }>(i.db, "SELECT d.id FROM deliveries d WHERE d.status = 'sent'");
    const pending = await q<{ id: string }>(i.db, "SELECT id FROM deliveries WHERE status <> 'sent'");
    const alerts = await q<{ id: string }>(i.db, "SELECT id FROM alerts WHERE kind = 'topic' AND level IN ('yellow','orange','red')");
    return alerts.length > 0 && sent.length > 0 && pending.length === 0;
  }, 'a yellow-or-above warning alerted and delivered', timeoutMs, 500);
}

/** Every item served stored once; every stored item analysed once; topic counts agree with story_items. */
export async function expectStoredAndAnalysedOnce(i: Installation): Promise<void> {
  const per = await storedPerPath(i);
  expect(i.feed.served.size).toBe(i.feed.total);
  const missing = [...i.feed.served].filter((p) => !per.has(p));
  const twice = [...per].filter(([, n]) => n > 1);
  expect(missing, 'served items not stored').toEqual([]);
  expect(twice, 'items stored more than once').toEqual([]);
  const [items] = await q<{ n: string; distinct_urls: string; hashes: string }>(i.db, 'SELECT count(*) AS n, count(DISTINCT url) AS distinct_urls, count(DISTINCT url_hash) AS hashes FROM items');
  expect(Number(items!.n)).toBe(i.feed.total);
  expect(Number(items!.distinct_urls)).toBe(i.feed.total);
  const analysis = await q<{ item_id: string; n: string }>(i.db, 'SELECT i.id AS item_id, count(a.item_id) AS n FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id GROUP BY i.id HAVING count(a.item_id) <> 1');
  expect(analysis, 'items without exactly one analysis').toEqual([]);
  const [unanalysed] = await q<{ n: string }>(i.db, 'SELECT count(*) AS n FROM items WHERE analyzed_at IS NULL');
  expect(Number(unanalysed!.n)).toBe(0);
}

/** The topic stage placed every analysed item once, and each topic's count is its items. */
export async function expectTopicCountsRight(i: Installation): Promise<void> {
  await waitFor(async () => {
    const [r] = await q<{ n: string }>(i.db, 'SELECT count(*) AS n FROM items i WHERE NOT EXISTS (SELECT 1 FROM story_items s WHERE s.item_id = i.id)');
    return Number(r!.n) === 0;
  }, 'every item placed in a story', 30_000, 500);
  const wrong = await q<{ id: string; items: number; placed: string }>(
    i.db,
    "SELECT t.id, t.items, (SELECT count(*) FROM story_items s WHERE s.topic_id = t.id) AS placed FROM topics t WHERE t.status <> 'merged' AND t.items <> (SELECT count(*) FROM story_items s WHERE s.topic_id = t.id)",
  );
  expect(wrong, 'topics whose item count differs from their placed items').toEqual([]);
  const stories = await q<{ id: string }>(i.db, 'SELECT st.id FROM stories st WHERE st.items <> (SELECT count(*) FROM story_items s WHERE s.story_id = st.id)');
  expect(stories, 'stories whose item count differs from their placed items').toEqual([]);
}

/** Each warning's level change alerted once: one firing per alert, no level announced twice, each delivery received once. */
export async function expectAlertedOnce(i: Installation): Promise<void> {
  const alerts = await q<{ id: string; topic_id: string; level: string }>(i.db, "SELECT id, topic_id, level FROM alerts WHERE kind = 'topic'");
  expect(alerts.length).toBeGreaterThan(0);
  const perTopic = new Map<string, number>();
  for (const a of alerts) perTopic.set(a.topic_id, (perTopic.get(a.topic_id) ?? 0) + 1);
  expect([...perTopic].filter(([, n]) => n > 1), 'topics with more than one alert').toEqual([]);
  const events = await q<{ alert_id: string; type: string; level: string; n: string }>(
    i.db,
    "SELECT alert_id, type, level, count(*) AS n FROM alert_events WHERE type IN ('firing','escalated') GROUP BY alert_id, type, level",
  );
  expect(events.filter((e) => Number(e.n) > 1), 'a level change announced more than once').toEqual([]);
  for (const a of alerts) expect(events.filter((e) => e.alert_id === a.id && e.type === 'firing'), `alert ${a.id} fired once`).toHaveLength(1);
  // Every applied level change at yellow or above of an alerted topic is on its alert as an event.
  const changes = await q<{ topic_id: string; level: string }>(i.db, "SELECT DISTINCT topic_id, level FROM topic_level_changes WHERE applied AND level IN ('yellow','orange','red')");
  for (const c of changes) {
    const alert = alerts.find((a) => a.topic_id === c.topic_id);
    expect(alert, `topic ${c.topic_id} reached ${c.level} and has an alert`).toBeDefined();
  }
  const deliveries = await q<{ id: string; status: string }>(i.db, 'SELECT id, status FROM deliveries');
  expect(deliveries.length).toBeGreaterThan(0);
  expect(deliveries.filter((d) => d.status !== 'sent')).toEqual([]);
  const got = new Map<string, number>();
  for (const d of i.receiver.deliveries) got.set(d, (got.get(d) ?? 0) + 1);
  for (const d of deliveries) expect(got.get(String(d.id)), `delivery ${d.id} received once`).toBe(1);
  expect(i.receiver.deliveries.length).toBe(deliveries.length);
}
