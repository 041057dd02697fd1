/**
 * What an API process runs in the background for alerting: the delivery worker (every API process
 * sends notifications) and a candidate for the single alerter (ALERTER_ENABLED). Closed in the
 * reverse order: no new notifications, then the sends in flight finish.
 */
import type { Config, Logger } from '@yuqing/config';
import type { Pool } from '@yuqing/db';
import { metrics } from '@yuqing/metrics';
import { createRedis } from '@yuqing/queue';
import { createDeliveryQueue, startDeliveryWorker } from '../receivers';
import { startAlerter, type Alerter } from './alerter';

export interface Alerting {
  alerter: Alerter | null;
  close(): Promise<void>;
}

/** Starts the delivery worker and (unless disabled) the alerter. */
export async function startAlerting(cfg: Config, deps: { db: Pool; log: Logger }): Promise<Alerting> {
  const { db, log } = deps;
  const producer = createRedis(cfg.REDIS_URL, 'producer');
  producer.on('error', (err) => log.warn({ err: err.message }, 'redis (alerting producer) error'));
  const queue = createDeliveryQueue(cfg, producer);
  const worker = await startDeliveryWorker(cfg, {
    db,
    log: log.child({ part: 'deliver' }),
    onAttempt: (e) => metrics().webhookAttempts.inc({ kind: e.kind ?? 'unknown', outcome: e.outcome, status: e.httpStatus === null ? 'none' : String(e.httpStatus) }),
  });
  const alerter = cfg.ALERTER_ENABLED ? startAlerter({ cfg, db, log: log.child({ part: 'alerter' }), publisher: producer, notifier: { db, queue, log } }) : null;
  return {
    alerter,
    async close() {
      await alerter?.close();
      await worker.close();
      await queue.close();
      producer.disconnect();
    },
  };
}
