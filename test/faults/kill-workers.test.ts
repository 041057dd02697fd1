/**
 * Faults 2–4: `kill -9` of our own processes (the shared PostgreSQL and Redis are never touched;
 * each case has its own schema and queue prefix): the crawler mid-fetch, the analyzer mid-batch,
 * and of two analyzers the one leading the topic stage. Each then restarts (or the other takes
 * over) and the checks are the same: every item stored once and analysed once, topic counts right,
 * every level change alerted once; and a clean stop (SIGTERM) within 5 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectAlertedOnce, expectStoredAndAnalysedOnce, expectTopicCountsRight, install, waitAllAnalysed, waitAllStored, waitWarningDelivered, type Installation } from './support/case';
import { pidOfClientPort, Rig, waitFor } from './support/procs';
import { expectCleanStop } from './support/stop';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.cleanup();
  rig = undefined;
});

const count = async (i: Installation, sql: string): Promise<number> => Number((await i.db.query<{ n: string }>(sql)).rows[0]!.n);

async function finishAndCheck(i: Installation): Promise<void> {
  await waitAllStored(i, 120_000);
  await waitAllAnalysed(i, 90_000);
  await waitWarningDelivered(i, 60_000);
  await new Promise((r) => setTimeout(r, 3000));
  await expectStoredAndAnalysedOnce(i);
  await expectTopicCountsRight(i);
  await expectAlertedOnce(i);
}

describe('kill -9 of a worker', () => {
  it('crawler killed mid-fetch (a slow feed), restarted: every item stored once', async () => {
    rig = new Rig();
    const inst = await install(rig, 'crawlkill', { speed: 6, delayMs: 2500 });
    const api = rig.service('api', 'api', inst.env);
    const analyzer = rig.service('analyzer', 'analyzer', inst.env);
    const crawler = rig.service('crawler', 'crawler', inst.env);
    // Wait for a second round of polls so the kill lands mid-fetch with items stored before it.
    await waitFor(() => inst.feed.requests >= 3 && inst.feed.inFlight > 0, 'the crawler mid-fetch on its second round', 60_000, 20);
    await crawler.kill9();
    expect(crawler.exitSignal).toBe('SIGKILL');
    inst.feed.setDelay(300);
    const crawler2 = rig.service('crawler-2', 'crawler', inst.env);
    await finishAndCheck(inst);
    for (const p of [api, analyzer, crawler2]) expect(p.running, p.name).toBe(true);
    await expectCleanStop([crawler2, analyzer, api]);
  });

  it('analyzer killed mid-batch, restarted: every item analysed once, topic counts right', async () => {
    rig = new Rig();
    const inst = await install(rig, 'anakill', { speed: 4, extraNews: 150, env: { ANALYZER_BATCH_SIZE: '20' } });
    const api = rig.service('api', 'api', inst.env);
    const crawler = rig.service('crawler', 'crawler', inst.env);
    await waitFor(async () => (await count(inst, 'SELECT count(*) AS n FROM items')) >= 150, 'the first poll stored', 60_000);
    const analyzer = rig.service('analyzer', 'analyzer', inst.env);
    const at = await waitFor(async () => {
      const n = await count(inst, 'SELECT count(*) AS n FROM items WHERE analyzed_at IS NOT NULL');
      return n >= 20 ? n : 0;
    }, 'analysis under way', 60_000, 20);
    const total = await count(inst, 'SELECT count(*) AS n FROM items');
    await analyzer.kill9();
    console.log(`[faults] analyzer killed with ${at} of ${total} stored items analysed`);
    expect(at).toBeLessThan(total);
    const analyzer2 = rig.service('analyzer-2', 'analyzer', inst.env);
    await finishAndCheck(inst);
    for (const p of [api, crawler, analyzer2]) expect(p.running, p.name).toBe(true);
    await expectCleanStop([crawler, analyzer2, api]);
  });

  it('two analyzers, the topic-stage leader killed: the other takes over, every level change alerted once', async () => {
    rig = new Rig();
    const inst = await install(rig, 'leaderkill', { speed: 4 });
    const api = rig.service('api', 'api', inst.env);
    const crawler = rig.service('crawler', 'crawler', inst.env);
    const analyzers = [rig.service('analyzer-a', 'analyzer', inst.env), rig.service('analyzer-b', 'analyzer', inst.env)];
    const leader = async () => {
      const rows = (
        await inst.db.query<{ client_port: number }>(
          `SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
              AND l.classid = x'746f7069'::int::oid AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
          [inst.schema],
        )
      ).rows;
      if (rows.length !== 1) return null;
      const pid = pidOfClientPort(rows[0]!.client_port);
      return analyzers.find((p) => p.pid === pid && p.running) ?? null;
    };
    const first = await waitFor(leader, 'a topic-stage leader among the two analyzers', 60_000);
    // Let the cascade begin (items placed in topics), then kill the leader before the stream ends.
    await waitFor(async () => (await count(inst, 'SELECT count(*) AS n FROM story_items')) >= 5, 'items placed by the leader', 60_000, 100);
    expect(inst.feed.complete()).toBe(false);
    await first.kill9();
    const other = analyzers.find((p) => p !== first)!;
    const second = await waitFor(leader, 'the other analyzer leading', 60_000);
    expect(second).toBe(other);
    console.log(`[faults] leader ${first.name} (pid ${first.pid}) killed; ${second.name} took over`);
    await finishAndCheck(inst);
    for (const p of [api, crawler, other]) expect(p.running, p.name).toBe(true);
    await expectCleanStop([crawler, other, api]);
  });
});
