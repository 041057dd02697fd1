/**
 * Fault 6: a private PostgreSQL cluster (initdb into the case's temp directory, run as the postgres
 * user) is stopped under load and started again 5 s later. The workers back off and carry on without
 * a crash loop (every process still the one started), and every item is stored once and analysed once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectAlertedOnce, expectStoredAndAnalysedOnce, expectTopicCountsRight, install, waitAllAnalysed, waitAllStored, waitWarningDelivered } from './support/case';
import { PrivatePg, Rig, waitFor } from './support/procs';
import { expectCleanStop } from './support/stop';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.cleanup();
  rig = undefined;
});

describe('PostgreSQL restarted under load', () => {
  // Found by this case (2026-12-07): with PostgreSQL unreachable, the topic stage's and the alerter's
  // leadership candidates rejected unhandled on ECONNREFUSED (`db.connect()` outside their try) and the
  // analyzer and API exited. Fixed: they log and try again on their next round.
  it('stopped 5 s mid-run: no crash loop, items stored once and analysed once, the warning alerted once', async () => {
    rig = new Rig();
    const pg = await PrivatePg.start(rig);
    const inst = await install(rig, 'pgrestart', { databaseUrl: pg.url, speed: 4 });
    const procs = [rig.service('crawler', 'crawler', inst.env), rig.service('analyzer', 'analyzer', inst.env), rig.service('api', 'api', inst.env)];
    await waitFor(async () => Number((await inst.db.query('SELECT count(*) AS n FROM items WHERE analyzed_at IS NOT NULL')).rows[0].n) > 0, 'a first analysed item', 60_000);
    expect(inst.feed.complete()).toBe(false);
    pg.stop();
    await new Promise((r) => setTimeout(r, 5000));
    pg.startAgain();
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of procs) expect(p.running, `${p.name} survived the outage; log:\n${p.log().slice(-1500)}`).toBe(true);

    await waitAllStored(inst, 120_000);
    await waitAllAnalysed(inst, 60_000);
    await waitWarningDelivered(inst, 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of procs) expect(p.running, `${p.name} still running (no crash) after PostgreSQL came back; log:\n${p.log().slice(-3000)}`).toBe(true);
    await expectStoredAndAnalysedOnce(inst);
    await expectTopicCountsRight(inst);
    await expectAlertedOnce(inst);
    await expectCleanStop(procs);
  });
});
