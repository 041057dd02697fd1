/**
 * How a topic spread (GET /api/topics/:id/spread) against a seeded topic: items per Beijing-aligned
 * hour by source, each story's first poster, its amplifiers by reach with when and where they posted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole } from './auth-fixtures';
import { seedItem } from './read-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let token: string;
const T0 = new Date('2026-12-07T02:05:00Z'); // 10:05 Beijing

beforeAll(async () => {
  t = await createTestEnv('topicspread');
  token = (await callerPerRole(t.db)).leader.token;
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  const at = (min: number) => new Date(T0.getTime() + min * 60_000);
  const root = await seedItem(t.db, { title: '首发帖', author: '城南网友', sourceName: '微博', publishedAt: at(0) });
  const bigV = await seedItem(t.db, { title: '转发', author: '本地大V', sourceName: '微博', publishedAt: at(40) });
  const news = await seedItem(t.db, { title: '报道', author: '记者', sourceName: '新闻网', publishedAt: at(70) });
  const other = await seedItem(t.db, { title: '另一条', author: '网友乙', sourceName: '论坛', publishedAt: at(75) });
  await t.db.query(
    `INSERT INTO topics (id, status, title, keywords, created_at, last_at, items, stories, police_related, police_negative, negative, reach,
       jurisdiction_hits, sources, places, categories, stage, level, auto_level, state)
     VALUES (77, 'open', '扩散中的话题', ARRAY['民警'], $1, $2, 4, 2, 4, 3, 3, 50, 0, ARRAY['微博'], '{}', '{}', '扩散期', 'yellow', 'yellow', '{}')`,
    [at(0), at(75)],
  );
  await t.db.query(
    `INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, first_source, last_at, items, amplifiers)
     VALUES (771, 77, 'r1', 1, '0', $1, $2, '微博', $3, 3, $4::jsonb), (772, 77, 'r2', 2, '0', $5, $6, '论坛', $6, 1, '[]')`,
    [root, at(0), at(70), JSON.stringify([{ itemId: String(news), source: '新闻网', weight: 3.1, followers: null }, { itemId: String(bigV), source: '微博', weight: 9.5, followers: 250000 }]), other, at(75)],
  );
  for (const [item, story] of [
    [root, 771],
    [bigV, 771],
    [news, 771],
    [other, 772],
  ] as const)
    await t.db.query('INSERT INTO story_items (item_id, story_id, topic_id) VALUES ($1, $2, 77)', [item, story]);
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

describe('GET /api/topics/:id/spread', () => {
  it('gives items per hour by source, first posters, and amplifiers by reach with their times', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/topics/77/spread', headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.sources).toEqual(['微博', '新闻网', '论坛']);
    // 10:05 and 10:45 Beijing fall in the 10:00 hour; 11:15 and 11:20 in the 11:00 hour.
    expect(s.timeline).toEqual([
      { hour: '2026-12-07T02:00:00.000Z', source: '微博', items: 2 },
      { hour: '2026-12-07T03:00:00.000Z', source: '新闻网', items: 1 },
      { hour: '2026-12-07T03:00:00.000Z', source: '论坛', items: 1 },
    ]);
    expect(s.stories.map((x: { storyId: number }) => x.storyId)).toEqual([771, 772]);
    expect(s.stories[0].first).toMatchObject({ author: '城南网友', source: '微博', title: '首发帖', at: '2026-12-07T02:05:00.000Z' });
    expect(s.stories[0].amplifiers.map((a: { author: string; weight: number; at: string }) => [a.author, a.weight, a.at])).toEqual([
      ['本地大V', 9.5, '2026-12-07T02:45:00.000Z'],
      ['记者', 3.1, '2026-12-07T03:15:00.000Z'],
    ]);
    expect(s.stories[1].amplifiers).toEqual([]);
  });

  it('answers 404 for an unknown topic and 401 without credentials', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/topics/999/spread', headers: bearer(token) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/topics/77/spread' })).statusCode).toBe(401);
  });
});
