export { buildApp, type AppDeps } from './app';
export { startApiServer } from './server';
export { buildDigest, generateDigest, lastFireTime, lastFireTimeOnDate, scheduledPeriod, type ScheduledKind } from './digests';
export { periodProblem } from './routes/digests';
