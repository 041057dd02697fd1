/**
 * The live topic stage end to end: a local feed server publishes a burst of reposts of one
 * police-negative post; the crawler stores them, the analyzer analyses them, the topic stage groups
 * them into one story and one topic, grades it yellow with an explanation, survives a restart and
 * hands leadership over when its process stops.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSource, listLevelChanges, sourceInputSchema } from '@yuqing/db';
import { startCrawlerService } from '@yuqing/crawler';
import { startAnalyzerService, type AnalyzerService } from '@yuqing/analyzer';
import { topicLevelChannel } from '@yuqing/queue';
import { ok, startTestServer, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let server: TestServer;
const routes: Record<string, ReturnType<typeof ok>> = {};

const ORIGINAL = '【扩散】今天下午某市公安局城南派出所两名民警在街头暴力执法，将一名卖菜老人按倒在地殴打致其头部流血，围观群众愤怒质问，民警还抢走手机删除视频。警察打人还有没有王法？';
const COMMENTS = ['太过分了！', '必须严查！', '[怒][怒]', '这样的警察必须开除', '无法无天', '求真相', '转发', '心寒', '谁来管管', '执法者违法', '要个说法', '愤怒！！'];

function feed(count: number, baseMs: number): string {
  const items = [`<item><title>${ORIGINAL.slice(0, 30)}</title><link>${server.url}/weibo/0</link><pubDate>${new Date(baseMs).toUTCString()}</pubDate><description>${ORIGINAL}</description></item>`];
  for (let i = 1; i < count; i++) {
    const text = `${COMMENTS[i % COMMENTS.length]} //转发：${ORIGINAL}`;
    items.push(`<item><title>${text.slice(0, 20)}</title><link>${server.url}/weibo/${i}</link><pubDate>${new Date(baseMs + i * 60_000).toUTCString()}</pubDate><description>${text}</description></item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>微博</title><link>${server.url}/</link>${items.join('')}</channel></rss>`;
}

async function waitFor<T>(f: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startTestServer(routes);
  routes['/robots.txt'] = ok('User-agent: *\nAllow: /\n', 'text/plain');
  t = await createTestEnv('topicstage', { ANALYZER_THREADS: '1', CRAWL_HOST_GAP_MS: '0', CRAWL_TICK_MS: '200', RECONCILE_EVERY_MS: '1000', RECONCILE_AFTER_MS: '2000' });
});
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

describe('live topic stage', () => {
  it('a burst of reposts of a police-negative post becomes one story and one topic that reaches yellow, with its reasons', async () => {
    const base = Date.now() - 40 * 60_000;
    routes['/weibo.xml'] = ok(feed(14, base), 'application/rss+xml');
    const source = await insertSource(t.db, sourceInputSchema.parse({ name: '微博转发', url: `${server.url}/weibo.xml`, pollInterval: 60 }));
    const sub = t.redis.duplicate();
    const announced: string[] = [];
    await sub.subscribe(topicLevelChannel(t.cfg.QUEUE_PREFIX));
    sub.on('message', (_c, m) => announced.push(m));
    const crawler = await startCrawlerService(t.cfg, { log });
    const analyzer = await startAnalyzerService(t.cfg, { log });
    try {
      await waitFor(async () => (await t.db.query('SELECT count(*)::int AS n FROM story_items')).rows[0].n === 14);
      const groups = await t.db.query('SELECT count(DISTINCT story_id)::int AS stories, count(DISTINCT topic_id)::int AS topics FROM story_items');
      expect(groups.rows[0]).toEqual({ stories: 1, topics: 1 });
      const topic = (await t.db.query('SELECT * FROM topics')).rows[0];
      expect(topic.items).toBe(14);
      expect(['yellow', 'orange', 'red']).toContain(topic.level);
      const changes = await listLevelChanges(t.db, topic.id);
      const yellow = changes.find((c) => c.level === 'yellow');
      expect(yellow?.reason).toMatch(/涉警负面占比/);
      expect(yellow?.reason).toMatch(/条数 \d+ ≥ 8/);
      expect(yellow?.indicators).toMatchObject({ policeNegativeShare: expect.any(Number), items: expect.any(Number) });
      expect((yellow?.indicators as { items: number }).items).toBeGreaterThanOrEqual(8);
      // a level change (stage changes go out on the same channel, marked kind 'stage')
      await waitFor(async () => announced.some((m) => JSON.parse(m).level === 'yellow' && JSON.parse(m).kind === undefined), 5000);
      expect(source?.id).toBeGreaterThan(0);
    } finally {
      await sub.quit();
      await analyzer.close();
      await crawler.close();
    }
  });

  it('after a restart the stage continues from PostgreSQL: later reposts join the same story and topic', async () => {
    const before = (await t.db.query('SELECT id, items FROM topics')).rows[0];
    routes['/weibo.xml'] = ok(feed(20, Date.now() - 40 * 60_000), 'application/rss+xml');
    await t.db.query("UPDATE sources SET next_poll_at = now(), etag = NULL, last_modified = NULL");
    const crawler = await startCrawlerService(t.cfg, { log });
    const analyzer = await startAnalyzerService(t.cfg, { log });
    try {
      await waitFor(async () => (await t.db.query('SELECT count(*)::int AS n FROM story_items')).rows[0].n === 20);
      const groups = await t.db.query('SELECT count(DISTINCT story_id)::int AS stories, count(DISTINCT topic_id)::int AS topics FROM story_items');
      expect(groups.rows[0]).toEqual({ stories: 1, topics: 1 });
      const after = (await t.db.query('SELECT id, items FROM topics')).rows;
      expect(after).toEqual([{ id: before.id, items: 20 }]);
    } finally {
      await analyzer.close();
      await crawler.close();
    }
  });

  it('two analyzer processes: exactly one leads, and the other takes over when it stops', async () => {
    const a: AnalyzerService = await startAnalyzerService(t.cfg, { log });
    const b: AnalyzerService = await startAnalyzerService(t.cfg, { log });
    try {
      await waitFor(async () => a.topicStage()?.isLeader() || b.topicStage()?.isLeader());
      // Let both try a few times; still exactly one leader.
      await new Promise((r) => setTimeout(r, 2500));
      const leaders = [a, b].filter((s) => s.topicStage()?.isLeader());
      expect(leaders).toHaveLength(1);
      const [leader] = leaders;
      const other = leader === a ? b : a;
      await leader!.close();
      await waitFor(async () => other.topicStage()?.isLeader(), 10_000);
    } finally {
      await a.close().catch(() => undefined);
      await b.close().catch(() => undefined);
    }
  });
});
