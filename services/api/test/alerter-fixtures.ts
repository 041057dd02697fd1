/**
 * Settings for tests that run the real alerter and delivery worker: local webhook receivers
 * allowed (127.0.0.1), groups flushed, rules polled and retries made within a test's patience, no
 * repeat notification within a test, no reconciliation sweep. Spread them into createTestEnv's
 * overrides and override what a test needs otherwise.
 */
export const FAST_ALERTING: Readonly<Record<string, string>> = {
  RECEIVER_ALLOWLIST: '127.0.0.1',
  ALERT_GROUP_WAIT_MS: '200',
  ALERT_GROUP_INTERVAL_MS: '300',
  ALERT_REPEAT_INTERVAL_MS: '600000',
  ALERTER_POLL_MS: '500',
  ALERTER_TICK_MS: '50',
  ALERTER_RETRY_MS: '200',
  DELIVERY_RECONCILE_MS: '0',
  DELIVERY_BACKOFF_MS: '20',
};
