/**
 * Forms at run time: the schedule of the periodic drafts (schedule.ts), and how the app runs it.
 * buildApp runs no loops (tests build apps by the hundred and only inject): the schedule starts
 * when the server starts listening and stops when the app closes.
 */
import type { Config, Logger } from '@yuqing/config';
import type { Pool } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';
import { assertFormsScheduleValid, startFormsSchedule, type FormsSchedule } from './schedule';

export * from './schedule';

/**
 * With FORMS_ENABLED: checks the schedule settings now (a bad cron stops the start, as a bad digest
 * cron does), starts the schedule once the app listens, closes it with the app. A schedule that
 * cannot start (Redis away) is logged; forms can still be made on demand.
 */
export function runFormsScheduleWithApp(app: FastifyInstance, cfg: Config, db: Pool): void {
  if (!cfg.FORMS_ENABLED) return;
  assertFormsScheduleValid(cfg);
  let starting: Promise<FormsSchedule | null> | null = null;
  app.addHook('onListen', async () => {
    const log = app.log.child({ part: 'forms' }) as unknown as Logger;
    starting = startFormsSchedule(cfg, { db, log }).catch((err: unknown) => {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'the forms schedule could not start; forms are still made on demand');
      return null;
    });
    await starting;
  });
  app.addHook('onClose', async () => {
    const schedule = await starting;
    await schedule?.close();
  });
}
