/**
 * The newcomer's demo, end to end through the services as `yuqing up --demo` starts them (crawler,
 * analyzer with the topic stage, API with the alerter and the default rule), against real
 * PostgreSQL and Redis: the demo serves its bundled stream on a loopback port (here eight times
 * faster than the two minutes it takes for people), adds its three feeds as sources and a duty
 * officer, and the warning reaches the duty officer's live stream; the hot list keeps its ranks.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnalyzerService } from '@yuqing/analyzer';
import { startApiServer } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { startCrawlerService } from '@yuqing/crawler';
import { getUserByName, listHotLists, listSources } from '@yuqing/db';
import { crawlerReachesLoopback, demoProgress, startDemo } from '../../services/cli/src/commands/demo';
import { seedDefaultRule } from '../../services/cli/src/commands/up';
import { DEMO_SECONDS } from '../../services/cli/src/demo/stream';
import { bearer, makeCaller } from '../../services/api/test/auth-fixtures';
import { openStream } from '../../services/api/test/sse-client';
import { createTestEnv, type TestEnv } from '../support/test-env';

const log = pino({ level: 'silent' });
const SPEED = 8;
let t: TestEnv;

beforeAll(async () => {
  t = await createTestEnv('e2edemo', {
    ANALYZER_THREADS: '1',
    CRAWL_HOST_GAP_MS: '0',
    CRAWL_TICK_MS: '200',
    ALERT_GROUP_WAIT_MS: '300',
    ALERT_GROUP_INTERVAL_MS: '1000',
    ALERTER_POLL_MS: '1000',
    ALERTER_TICK_MS: '100',
    API_PORT: '0',
  });
});
afterAll(async () => t?.cleanup());

function collect(): { io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: Record<string, string | undefined> }; out: string[] } {
  const out: string[] = [];
  const sink = { write: (c: string | Buffer) => (out.push(String(c)), true) } as unknown as NodeJS.WritableStream;
  return { io: { stdout: sink, stderr: sink, env: t.env }, out };
}

describe('yuqing demo', () => {
  it('a fresh installation shows the demo warning on the duty officer’s stream', async () => {
    expect(crawlerReachesLoopback(t.cfg)).toBe(true); // the test env allows 127.0.0.1, as `up --demo` does
    expect(crawlerReachesLoopback(loadConfig({ ...t.env, FETCH_ALLOWLIST: '' }))).toBe(false);
    await seedDefaultRule(t.db);
    const cfg = loadConfig({ ...t.env, API_PORT: '0' });
    const api = await startApiServer(cfg);
    const watcher = await makeCaller(t.db, 'watcher', 'leader');
    const stream = await openStream(`${api.url}/api/alerts/stream`, bearer(watcher.token));
    const { io, out } = collect();
    const crawler = await startCrawlerService(cfg, { log });
    const analyzer = await startAnalyzerService(cfg, { log });
    const demo = await startDemo(cfg, io as never, { port: 0, speed: SPEED });
    try {
      // The demo made a duty officer to log in as and said how.
      expect(await getUserByName(t.db, 'demo')).toMatchObject({ role: 'pr' });
      expect(out.join('')).toMatch(/以值班员 demo 登录（密码：\S+，只显示这一次）/);
      const names = (await listSources(t.db)).map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['演示·示例市新闻', '演示·示例微博', '演示·热搜榜（模拟）']));

      // The stream runs DEMO_SECONDS / SPEED seconds; the warning comes within it plus the pipeline.
      const [firing] = await stream.waitForEvents(1, ((DEMO_SECONDS / SPEED) + 45) * 1000);
      expect(firing?.event).toBe('firing');
      const payload = JSON.parse(firing!.data) as { level: string };
      expect(['yellow', 'orange', 'red']).toContain(payload.level);
      const progress = await demoProgress(t.db, demo.sourceIds);
      expect(['yellow', 'orange', 'red']).toContain(progress.level);
      expect(progress.errors).toEqual([]);

      // The hot list was snapshotted: the incident's entry is on it.
      const until = Date.now() + 30_000;
      let entry;
      while (Date.now() < until) {
        const lists = await listHotLists(t.db);
        entry = lists.flatMap((l) => l.entries).find((e) => e.title.includes('城南区民警按倒摆摊老人'));
        if (entry) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(entry?.itemId).not.toBeNull();
    } finally {
      stream.close();
      await demo.stop();
      await analyzer.close();
      await crawler.close();
      await api.close();
    }
  }, 180_000);
});
