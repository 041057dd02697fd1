/**
 * The schedule of the periodic drafts against real PostgreSQL and Redis: the periods a fire time
 * covers, the job schedulers (Monday and the 1st, 08:00 Beijing time), one draft per period when two
 * runs or two API processes race, the catch-up of runs missed while no process was up, and the app
 * starting the schedule when it listens (and not otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { loadConfig, type Logger } from '@yuqing/config';
import { until } from '../../../test/support/poll';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { lastFireTime } from '../src/digests/period';
import {
  catchUpForms,
  createFormsQueue,
  formsFireTimeOf,
  formsSchedulerId,
  runScheduledForm,
  scheduledFormPeriod,
  startFormsSchedule,
  upsertFormSchedulers,
  type FormsSchedule,
} from '../src/forms';
import { bj, MONTH, WEEK } from './forms-fixtures';

const DAY = 86_400_000;
const TZ = 'Asia/Shanghai';
let t: TestEnv;

beforeAll(async () => {
  t = await createTestEnv('formssched', { DIGEST_TIMEZONE: TZ, FORMS_WEEKLY_CRON: '0 8 * * 1', FORMS_MONTHLY_CRON: '0 8 1 * *', BUREAU_UNIT_NAME: '测试单位' });
  // Something to count: an item in the week under test.
  await t.db.query(`INSERT INTO items (url, url_hash, origin, published_at) VALUES ('urn:t:1', 'h1', 'push', $1)`, [bj('2026-03-04 10:00')]);
});
afterAll(async () => {
  await t.cleanup();
});

const formsOf = (kind: string, from: Date, to: Date) =>
  t.db.query<{ id: number; created_by: string; title: string }>('SELECT id, created_by, title FROM forms WHERE kind = $1 AND period_start = $2 AND period_end = $3', [kind, from, to]).then((r) => r.rows);

function silentLog(): Logger {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => log };
  return log as unknown as Logger;
}

/** The Monday 00:00 (Beijing) of the day of a Monday fire time: the end of the week it drafts. */
const mondayMidnight = (fire: Date): Date => {
  const local = new Date(fire.getTime() + 8 * 3_600_000);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - 8 * 3_600_000);
};

describe('periods and job schedulers', () => {
  it('the Monday run drafts the week just ended, the run on the 1st the month just ended', () => {
    expect(scheduledFormPeriod('weekly-report', bj('2026-03-09 08:00'), TZ)).toEqual(WEEK);
    expect(scheduledFormPeriod('warning-record', bj('2026-04-01 08:00'), TZ)).toEqual(MONTH);
    // A run that starts late (Tuesday) still drafts the week of its Monday fire time.
    expect(scheduledFormPeriod('weekly-report', bj('2026-03-09 08:00'), TZ)).toEqual(scheduledFormPeriod('weekly-report', bj('2026-03-09 23:59'), TZ));
  });

  it('fires on Mondays and on the 1st at 08:00 Beijing time; upserting again changes nothing', async () => {
    const queue = createFormsQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      await upsertFormSchedulers(queue, t.cfg);
      await upsertFormSchedulers(queue, t.cfg);
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual([formsSchedulerId('warning-record'), formsSchedulerId('weekly-report')]);
      const weekly = schedulers.find((s) => s.key === formsSchedulerId('weekly-report'))!;
      const monthly = schedulers.find((s) => s.key === formsSchedulerId('warning-record'))!;
      expect(weekly).toMatchObject({ pattern: '0 8 * * 1', tz: TZ, template: { data: { kind: 'weekly-report' } } });
      expect(monthly).toMatchObject({ pattern: '0 8 1 * *', tz: TZ, template: { data: { kind: 'warning-record' } } });
      const next = (ms: number) => new Date(ms + 8 * 3_600_000);
      expect([next(weekly.next!).getUTCDay(), next(weekly.next!).getUTCHours(), next(weekly.next!).getUTCMinutes()]).toEqual([1, 8, 0]);
      expect([next(monthly.next!).getUTCDate(), next(monthly.next!).getUTCHours()]).toEqual([1, 8]);
      expect(weekly.next! - Date.now()).toBeLessThanOrEqual(7 * DAY);
      expect(weekly.next!).toBeGreaterThan(Date.now());
      const delayed = await queue.getDelayed();
      const job = delayed.find((j) => j.repeatJobKey === formsSchedulerId('weekly-report'))!;
      expect(formsFireTimeOf(job).getTime()).toBe(weekly.next);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('refuses settings that cannot work, in words an administrator understands', async () => {
    const queue = createFormsQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      await expect(upsertFormSchedulers(queue, { ...t.cfg, FORMS_WEEKLY_CRON: 'every monday' })).rejects.toThrow(/FORMS_WEEKLY_CRON 无效/);
      expect(() => buildApp({ cfg: { ...t.cfg, FORMS_MONTHLY_CRON: '99 99 * * *' }, db: t.db, redis: t.redis })).toThrow(/FORMS_MONTHLY_CRON 无效/);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe('one draft per period', () => {
  it('two runs of the same fire time at once (two API processes): one drafts, the other finds it; the schedule is not audited', async () => {
    const deps = { cfg: t.cfg, db: t.db, log: silentLog() };
    const fire = bj('2026-03-09 08:00');
    const [a, b] = await Promise.all([runScheduledForm(deps, 'weekly-report', fire), runScheduledForm(deps, 'weekly-report', fire)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.form.id).toBe(b.form.id);
    const rows = await formsOf('weekly-report', WEEK.from, WEEK.to);
    expect(rows).toEqual([{ id: a.form.id, created_by: '系统', title: '警察公共关系工作情况周报表（2026-03-02 至 2026-03-08）' }]);
    const version = await t.db.query<{ note: string; data: { figures: { items: number }; filledBy: string; header: { unit: string } } }>('SELECT note, data FROM form_versions WHERE form_id = $1', [a.form.id]);
    const [n] = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE published_at >= $1 AND published_at < $2', [WEEK.from, WEEK.to])).rows;
    expect(version.rows).toEqual([{ note: '定时生成', data: expect.objectContaining({ figures: expect.objectContaining({ items: n!.n }), filledBy: '', header: expect.objectContaining({ unit: '测试单位' }) }) }]);
    expect((await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'form.create'`)).rowCount).toBe(0);
    // A run again later (a retry) changes nothing.
    expect((await runScheduledForm(deps, 'weekly-report', fire)).created).toBe(false);
    expect(await formsOf('weekly-report', WEEK.from, WEEK.to)).toHaveLength(1);
  });

  it('after downtime, the missed runs are queued once for their own fire times, and a stored one is not', async () => {
    const queue = createFormsQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      const now = bj('2026-03-17 11:00'); // Tuesday: Monday's run and the 1st's were missed
      const queued = await catchUpForms(queue, t.db, t.cfg, now);
      expect(queued.map((x) => [x.kind, x.fireTime.getTime()])).toEqual([
        ['weekly-report', bj('2026-03-16 08:00').getTime()],
        ['warning-record', bj('2026-03-01 08:00').getTime()],
      ]);
      // A second process starting at the same time adds no second job.
      await catchUpForms(queue, t.db, t.cfg, now);
      const waiting = await queue.getWaiting();
      expect(waiting.map((j) => `${j.data.kind}@${formsFireTimeOf(j).getTime()}`).sort()).toEqual(queued.map((x) => `${x.kind}@${x.fireTime.getTime()}`).sort());
      // Each job drafts the period of its own fire time.
      for (const job of waiting) await runScheduledForm({ cfg: t.cfg, db: t.db }, job.data.kind, formsFireTimeOf(job));
      expect(await formsOf('weekly-report', bj('2026-03-09'), bj('2026-03-16'))).toHaveLength(1);
      expect(await formsOf('warning-record', bj('2026-02-01'), bj('2026-03-01'))).toHaveLength(1);
      await queue.obliterate({ force: true });
      expect(await catchUpForms(queue, t.db, t.cfg, now)).toEqual([]);
      // The week of 2026-03-09's run is stored (the race above): at 03-10 only the month is missing — and it is stored too.
      expect(await catchUpForms(queue, t.db, t.cfg, bj('2026-03-10 09:00'))).toEqual([]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('two API processes starting after downtime draft the missed week and month once each; a scheduled job run early drafts its own period', async () => {
    const cfg = t.cfg;
    const schedules: FormsSchedule[] = [];
    try {
      schedules.push(await startFormsSchedule(cfg, { db: t.db, log: silentLog() }), await startFormsSchedule(cfg, { db: t.db, log: silentLog() }));
      const now = new Date();
      const weekFire = lastFireTime('0 8 * * 1', TZ, now)!;
      const week = { from: new Date(mondayMidnight(weekFire).getTime() - 7 * DAY), to: mondayMidnight(weekFire) };
      const monthFire = lastFireTime('0 8 1 * *', TZ, now, 32)!;
      const local = new Date(monthFire.getTime() + 8 * 3_600_000);
      const month = {
        from: new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1) - 8 * 3_600_000),
        to: new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - 8 * 3_600_000),
      };
      await until(async () => (await formsOf('weekly-report', week.from, week.to)).length === 1, 'the missed week drafted', 20_000);
      await until(async () => (await formsOf('warning-record', month.from, month.to)).length === 1, 'the missed month drafted', 20_000);

      // The next Monday's job, run now by whichever process takes it.
      const delayed = await schedules[0]!.queue.getDelayed();
      const next = delayed.filter((j) => j.repeatJobKey === formsSchedulerId('weekly-report'));
      expect(next).toHaveLength(1);
      const fire = formsFireTimeOf(next[0]!);
      await next[0]!.promote();
      const nextWeek = { from: new Date(mondayMidnight(fire).getTime() - 7 * DAY), to: mondayMidnight(fire) };
      await until(async () => (await formsOf('weekly-report', nextWeek.from, nextWeek.to)).length === 1, 'the promoted week drafted', 20_000);
      // Let both workers settle, then count once more: one draft per period, whatever ran twice.
      await until(async () => (await schedules[0]!.queue.getActiveCount()) === 0 && (await schedules[0]!.queue.getWaitingCount()) === 0, 'an idle queue', 20_000);
      expect(await formsOf('weekly-report', week.from, week.to)).toHaveLength(1);
      expect(await formsOf('warning-record', month.from, month.to)).toHaveLength(1);
      expect(await formsOf('weekly-report', nextWeek.from, nextWeek.to)).toHaveLength(1);
    } finally {
      await schedules[0]?.queue.obliterate({ force: true });
      for (const s of schedules) await s.close();
    }
  });
});

describe('the app runs the schedule once it listens', () => {
  it('with FORMS_ENABLED the schedulers are there after listen and stop with the app; without it, none', async () => {
    const on = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    const queue = createFormsQueue(t.redis, t.cfg.QUEUE_PREFIX);
    try {
      await on.ready();
      expect(await queue.getJobSchedulers()).toEqual([]); // ready alone starts nothing (tests inject)
      await on.listen({ host: '127.0.0.1', port: 0 });
      await until(async () => (await queue.getJobSchedulers()).length === 2, 'the job schedulers', 20_000);
      await on.close();
      await queue.obliterate({ force: true });

      const off = buildApp({ cfg: loadConfig({ ...t.env, FORMS_ENABLED: 'false' }), db: t.db, redis: t.redis });
      await off.listen({ host: '127.0.0.1', port: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(await queue.getJobSchedulers()).toEqual([]);
      await off.close();
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
