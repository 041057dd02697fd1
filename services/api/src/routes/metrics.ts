/**
 * GET /metrics: this process's Prometheus metrics, plus the depth and oldest-job age of every
 * queue (crawl, analyze, topics, deliver), sampled from Redis at scrape time — the API is the one
 * process always running, so the queues are measured here once rather than by every worker.
 *
 * Access: admins, or the static METRICS_TOKEN bearer (config.metricsToken) for Prometheus. Not
 * public: the API usually listens beyond localhost (API_HOST), where we cannot tell a scraper from
 * anyone else on the network, and the figures (sources failing, alert volume, queue backlog) say
 * more about the bureau's watch than a stranger should learn. The crawler and analyzer servers
 * need no token because they listen on 127.0.0.1 only (@yuqing/metrics, metrics-server.ts).
 */
import type { Config } from '@yuqing/config';
import { addCollector, addSseClientSource, METRICS_CONTENT_TYPE, renderMetrics, sampleQueues } from '@yuqing/metrics';
import { createAnalyzeQueue, createCrawlQueue, createDeliverQueue, createTopicQueue } from '@yuqing/queue';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';

/** GET /metrics. Registered after the alert stream plugin (it counts that hub's clients). */
export const metricsRoutes: FastifyPluginAsync<{ cfg: Config; redis: Redis }> = async (app, { cfg, redis }) => {
  // Producer-side handles on the app's Redis connection (fail fast when Redis is down): counting
  // jobs needs no worker, and closing them leaves the shared connection open. Made at the first
  // scrape, not at start: a BullMQ queue starts initialising on its connection at once, and one
  // made on a Redis that is not there yet rejects that initialisation after close() has removed
  // its listeners — an unhandled rejection for a process that was never scraped.
  let queues: ReturnType<typeof createCrawlQueue | typeof createAnalyzeQueue | typeof createTopicQueue | typeof createDeliverQueue>[] | null = null;
  const removeCollector = addCollector(() =>
    sampleQueues(
      (queues ??= [
        createCrawlQueue(redis, cfg.QUEUE_PREFIX),
        createAnalyzeQueue(redis, cfg.QUEUE_PREFIX),
        createTopicQueue(redis, cfg.QUEUE_PREFIX),
        createDeliverQueue(redis, cfg.QUEUE_PREFIX, { attempts: cfg.DELIVERY_MAX_ATTEMPTS, backoffMs: cfg.DELIVERY_BACKOFF_MS }),
      ]),
    ),
  );
  const removeSse = addSseClientSource(() => (app.hasDecorator('alertStream') ? app.alertStream.size : 0));
  app.addHook('onClose', async () => {
    removeCollector();
    removeSse();
    await Promise.all((queues ?? []).map((q) => q.close()));
  });

  app.get(
    '/metrics',
    {
      config: { roles: ['admin'], metricsToken: true },
      schema: {
        summary: 'Prometheus 指标',
        description: '本进程的 Prometheus 指标（文本格式）及各队列深度。Prometheus 抓取时使用 `Authorization: Bearer <METRICS_TOKEN>`。',
        tags: ['运维'],
      },
    },
    async (_req, reply) => reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics()),
  );
};
