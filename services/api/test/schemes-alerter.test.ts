/**
 * An alert rule naming a monitoring scheme, in the live alerter against real PostgreSQL and Redis:
 * it fires for a topic one of whose items matched the scheme (item_schemes, through the topic's
 * stories, so a merged topic keeps its items' matches) and not for an otherwise identical topic
 * without such an item.
 */
import { parseRule } from '@yuqing/alerting';
import { insertAlertRule, insertScheme, recordItemSchemes, schemeInputSchema, type Pool } from '@yuqing/db';
import { createRedis, topicLevelChannel } from '@yuqing/queue';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { startAlerter, type Alerter } from '../src/alerting';
import { FAST_ALERTING } from './alerter-fixtures';
import { seedItem } from './read-fixtures';

const log = pino({ level: 'silent' });
let t: TestEnv;
let alerter: Alerter;
let publisher: ReturnType<typeof createRedis>;

beforeAll(async () => {
  t = await createTestEnv('schemesalerter', FAST_ALERTING);
  publisher = createRedis(t.cfg.REDIS_URL, 'producer');
  alerter = startAlerter({ cfg: t.cfg, db: t.db, log, publisher, notifier: { db: t.db, queue: null as never } });
  await until(async () => alerter.isLeader(), 'leadership');
});
afterAll(async () => {
  await alerter?.close();
  publisher?.disconnect();
  await t?.cleanup();
});

/** A police-negative topic with one story of one item; `storyTopic`: the topic its story now belongs to (after a merge). */
async function topicWithItem(db: Pool, id: number, title: string, storyTopic = id): Promise<number> {
  await db.query(
    `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
       jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
     VALUES ($1, 'open', $2, ARRAY['民警'], now(), now(), 20, 1, 19, 15, 16, 100, 0, ARRAY['微博'], '{}', '{}', '扩散期', 'none', 'none', '{}')`,
    [id, title],
  );
  const itemId = await seedItem(db, { title });
  await db.query(
    `INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, last_at, items) VALUES ($1, $2, 'r', $1, '0', $3, now(), now(), 1)`,
    [id * 10, storyTopic, itemId],
  );
  await db.query('INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $2, $3)', [itemId, id * 10, id]);
  return itemId;
}

async function change(topicId: number, level: string): Promise<void> {
  await t.db.query('UPDATE topics SET level = $2, auto_level = $2 WHERE id = $1', [topicId, level]);
  const { rows } = await t.db.query<{ id: number; at: Date }>(
    `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason)
     VALUES ($1, now(), $2, 'blue', true, true, '{"items": 20}', '测试') RETURNING id, at`,
    [topicId, level],
  );
  const { id, at } = rows[0]!;
  await t.redis.publish(topicLevelChannel(t.cfg.QUEUE_PREFIX), JSON.stringify({ id, topicId, level, previous: 'blue', at: at.toISOString() }));
}

const alertOf = async (ruleId: number, topicId: number) =>
  (await t.db.query<{ state: string; level: string }>('SELECT state, level FROM alerts WHERE dedup_key = $1', [`rule:${ruleId}:topic:${topicId}`])).rows;

describe('a rule naming a scheme', () => {
  it('fires for a topic with a matching item and not for one without', async () => {
    const scheme = await insertScheme(t.db, schemeInputSchema.parse({ name: '青石辖区', jurisdiction: true, placeWords: ['青石'] }), { id: null, name: 'test' });
    const other = await insertScheme(t.db, schemeInputSchema.parse({ name: '别的方案', placeWords: ['白沙'] }), { id: null, name: 'test' });
    const rule = await insertAlertRule(t.db, { spec: parseRule({ name: '青石方案预警', minLevel: 'yellow', schemes: [scheme!.id] }) });

    const matching = await topicWithItem(t.db, 501, '青石派出所民警执法争议');
    await recordItemSchemes(t.db, [{ itemId: matching, schemeId: scheme!.id, words: ['青石'] }]);
    const otherItem = await topicWithItem(t.db, 502, '白沙派出所民警执法争议');
    await recordItemSchemes(t.db, [{ itemId: otherItem, schemeId: other!.id, words: ['白沙'] }]);
    await topicWithItem(t.db, 503, '某地派出所民警执法争议');
    // Topic 505 absorbed 504's story (a merge moves stories, not story_items): its item counts for 505.
    await t.db.query(
      `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
         jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
       VALUES (505, 'open', '合并后的话题', ARRAY['民警'], now(), now(), 20, 1, 19, 15, 16, 100, 0, ARRAY['微博'], '{}', '{}', '扩散期', 'none', 'none', '{}')`,
    );
    const merged = await topicWithItem(t.db, 504, '青石民警被指执法粗暴', 505);
    await recordItemSchemes(t.db, [{ itemId: merged, schemeId: scheme!.id, words: ['青石'] }]);

    for (const id of [501, 502, 503, 505]) await change(id, 'yellow');
    await until(async () => (await alertOf(rule!.id, 501)).length > 0, 'the alert of the matching topic');
    await until(async () => (await alertOf(rule!.id, 505)).length > 0, 'the alert of the merged topic');
    await alerter.idle();
    expect(await alertOf(rule!.id, 501)).toEqual([{ state: 'firing', level: 'yellow' }]);
    expect(await alertOf(rule!.id, 502)).toEqual([]);
    expect(await alertOf(rule!.id, 503)).toEqual([]);
    expect(await alertOf(rule!.id, 505)).toEqual([{ state: 'firing', level: 'yellow' }]);
  });
});

describe('rules naming schemes through the API', () => {
  it('refuses a scheme that does not exist and previews a scheme rule over the topics whose items matched it', async () => {
    const { buildApp } = await import('@yuqing/api');
    const { bearer, makeCaller } = await import('./auth-fixtures');
    const admin = await makeCaller(t.db, 'schemes-rule-admin', 'admin');
    const app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    try {
      const bad = await app.inject({ method: 'POST', url: '/api/rules', headers: bearer(admin.token), payload: { name: '不存在的方案', schemes: [987654] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'SCHEME_NOT_FOUND' });
      expect((await t.db.query(`SELECT count(*)::int AS n FROM alert_rules WHERE name = '不存在的方案'`)).rows[0].n).toBe(0);

      // The level changes of the test above: topics 501 and 505 hold an item of 青石辖区, 502 and 503 do not.
      const [scheme] = (await t.db.query<{ id: number }>(`SELECT id FROM schemes WHERE name = '青石辖区'`)).rows;
      const preview = await app.inject({ method: 'POST', url: '/api/rules/preview', headers: bearer(admin.token), payload: { name: '预览', minLevel: 'yellow', schemes: [scheme!.id], days: 7 } });
      expect(preview.statusCode, preview.body).toBe(200);
      const fired = (preview.json().fires as Array<{ topicId: number }>).map((f) => f.topicId).sort();
      expect(fired).toEqual([501, 505]);
    } finally {
      await app.close();
    }
  });
});
