/** Leadership digests at run time: generation (load → compute → render → store), periods, the schedule and its worker. */
export { buildDigest, digestAuditView, generateDigest, type DigestPeriodOptions, type GenerateOptions, type GeneratedDigest } from './generate';
export { assertScheduleValid, lastFireTime, lastFireTimeOnDate, nextFireTime, PERIOD_DAYS, scheduledPeriod, type ScheduledKind } from './period';
export {
  catchUpDigests,
  createDigestQueue,
  digestPageUrl,
  fireTimeOf,
  pushDigest,
  runScheduledDigest,
  startDigests,
  upsertDigestSchedulers,
  type DigestSchedule,
  type ScheduledRunDeps,
} from './schedule';
