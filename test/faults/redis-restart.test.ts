/**
 * Fault 1: the private Redis is shut down without saving while the feeds are being crawled and
 * analysed, and started again (empty) 7 s later. PostgreSQL holds everything: every item the feeds
 * served is stored once and analysed once, and the warning is alerted and delivered once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectAlertedOnce, expectStoredAndAnalysedOnce, expectTopicCountsRight, install, waitAllAnalysed, waitAllStored, waitWarningDelivered } from './support/case';
import { PrivateRedis, Rig, waitFor } from './support/procs';
import { expectCleanStop } from './support/stop';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.cleanup();
  rig = undefined;
});

describe('Redis lost under load', () => {
  it('SHUTDOWN NOSAVE mid-run, restarted 7 s later: every item stored once, analysed once, the warning alerted once', async () => {
    rig = new Rig();
    const redis = await PrivateRedis.start(rig);
    const inst = await install(rig, 'redis', { redisUrl: redis.url, speed: 4 });
    const procs = [rig.service('crawler', 'crawler', inst.env), rig.service('analyzer', 'analyzer', inst.env), rig.service('api', 'api', inst.env)];
    // Crawled and analysed something before Redis goes.
    await waitFor(async () => Number((await inst.db.query('SELECT count(*) AS n FROM items WHERE analyzed_at IS NOT NULL')).rows[0].n) > 0, 'a first analysed item', 60_000);
    expect(inst.feed.complete()).toBe(false);
    await redis.shutdownNoSave();
    await new Promise((r) => setTimeout(r, 7000));
    await redis.startAgain();

    await waitAllStored(inst, 120_000);
    await waitAllAnalysed(inst, 60_000);
    await waitWarningDelivered(inst, 60_000);
    await new Promise((r) => setTimeout(r, 3000)); // anything that would repeat has its chance
    for (const p of procs) expect(p.running, `${p.name} still running after Redis came back`).toBe(true);
    await expectStoredAndAnalysedOnce(inst);
    await expectTopicCountsRight(inst);
    await expectAlertedOnce(inst);
    await expectCleanStop(procs);
  });
});
