/** Prometheus metrics of every yuqing process (see registry.ts) and the localhost metrics server. */
export * from './registry';
export { startMetricsServer, startMetricsServerIfEnabled, type MetricsServer } from './metrics-server';
