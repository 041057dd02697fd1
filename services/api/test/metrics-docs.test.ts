/**
 * Operations: GET /metrics (Prometheus exposition; admin or METRICS_TOKEN), counters that move
 * after the work they count, the localhost metrics server of the crawler and analyzer, and the
 * OpenAPI document and Swagger UI at /docs served entirely by the app itself.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildApp } from '@yuqing/api';
import { crawlSource, createCrawlDeps, ingestItems } from '@yuqing/crawler';
import { insertSource, sourceInputSchema } from '@yuqing/db';
import { metrics, startMetricsServer, startMetricsServerIfEnabled } from '@yuqing/metrics';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer, status, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, type Caller } from './auth-fixtures';
import { openStream } from './sse-client';
import type { Role } from '@yuqing/db';

const log = pino({ level: 'silent' });
const METRICS_TOKEN = 'prometheus-scrape-token-0123456789abcdef';
let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;
let server: TestServer;
const routes: Record<string, Handler> = {};

beforeAll(async () => {
  server = await startTestServer(routes);
  t = await createTestEnv('opsmetrics', { METRICS_TOKEN, CRAWL_HOST_GAP_MS: '0', HTTP_TOTAL_TIMEOUT_MS: '2000' });
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await server?.close();
  await t?.cleanup();
});

/** Scrapes /metrics as Prometheus does. */
async function scrape(): Promise<string> {
  const res = await app.inject({ url: '/metrics', headers: bearer(METRICS_TOKEN) });
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
}

/** The value of one sample (`name{labels} value`), or undefined when the series is absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(/,(?=\w+=")/) : [];
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('answers the Prometheus text format with the default and the project metrics', async () => {
    const res = await app.inject({ url: '/metrics', headers: bearer(callers.admin.token) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'yuqing_queue_jobs',
      'yuqing_queue_oldest_waiting_age_seconds',
      'yuqing_crawl_results_total',
      'yuqing_crawl_fetch_duration_seconds',
      'yuqing_analyzed_items_total',
      'yuqing_analyze_batch_duration_seconds',
      'yuqing_topic_items_placed_total',
      'yuqing_topic_level_changes_total',
      'yuqing_alert_latency_seconds',
      'yuqing_alert_events_total',
      'yuqing_sse_clients',
      'yuqing_webhook_attempts_total',
    ]) {
      expect(res.body, name).toContain(`# TYPE ${name} `);
    }
    for (const queue of ['crawl', 'analyze', 'topics', 'deliver']) {
      expect(sample(res.body, 'yuqing_queue_jobs', { queue, state: 'waiting' }), queue).toBeTypeOf('number');
      expect(sample(res.body, 'yuqing_queue_oldest_waiting_age_seconds', { queue }), queue).toBeTypeOf('number');
    }
  });

  it('is for admins and the METRICS_TOKEN bearer only', async () => {
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: bearer('not-the-metrics-token-0123456789') })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: bearer(callers.pr.token) })).statusCode).toBe(403);
    expect((await app.inject({ url: '/metrics', headers: bearer(METRICS_TOKEN) })).statusCode).toBe(200);
    // The metrics token opens /metrics and nothing else.
    expect((await app.inject({ url: '/api/alerts', headers: bearer(METRICS_TOKEN) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/docs/json', headers: bearer(METRICS_TOKEN) })).statusCode).toBe(401);
  });

  it('shows stored items waiting in the analyze queue, with the age of the oldest', async () => {
    const before = await scrape();
    expect(sample(before, 'yuqing_queue_jobs', { queue: 'analyze', state: 'waiting' })).toBe(0);
    expect(sample(before, 'yuqing_queue_oldest_waiting_age_seconds', { queue: 'analyze' })).toBe(0);

    const crawl = await createCrawlDeps(t.cfg, log);
    try {
      const r = await ingestItems(
        crawl.deps,
        [1, 2, 3].map((n) => ({ id: `m${n}`, text: `某地民警执法视频引发关注 ${n}`, source: '微博', publishedAt: '2024-03-05 10:20' })),
        { origin: 'ingest' },
      );
      expect(r.inserted).toBe(3);
    } finally {
      await crawl.close();
    }
    await new Promise((r) => setTimeout(r, 50));
    const after = await scrape();
    expect(sample(after, 'yuqing_queue_jobs', { queue: 'analyze', state: 'waiting' })).toBe(3);
    expect(sample(after, 'yuqing_queue_oldest_waiting_age_seconds', { queue: 'analyze' })).toBeGreaterThan(0.03);
  });

  it('counts crawl results by outcome and times each poll', async () => {
    routes['/feed.xml'] = ok(
      `<?xml version="1.0"?><rss version="2.0"><channel><title>测试</title><item><title>民警救助落水儿童</title><link>${server.url}/n/1.html</link><description>民警救助落水儿童</description></item></channel></rss>`,
      'application/rss+xml; charset=utf-8',
    );
    routes['/broken.xml'] = status(500);
    routes['/robots.txt'] = ok('User-agent: *\nAllow: /\n');
    const before = await scrape();
    const okBefore = sample(before, 'yuqing_crawl_results_total', { outcome: 'ok' }) ?? 0;
    const errBefore = sample(before, 'yuqing_crawl_results_total', { outcome: 'http_error' }) ?? 0;
    const timedBefore = sample(before, 'yuqing_crawl_fetch_duration_seconds_count', { outcome: 'ok' }) ?? 0;
    const newBefore = sample(before, 'yuqing_crawl_new_items_total') ?? 0;

    const crawl = await createCrawlDeps(t.cfg, log);
    try {
      const good = await insertSource(t.db, sourceInputSchema.parse({ name: '好信源', url: `${server.url}/feed.xml` }));
      const bad = await insertSource(t.db, sourceInputSchema.parse({ name: '坏信源', url: `${server.url}/broken.xml` }));
      expect((await crawlSource(crawl.deps, good!.id)).outcome).toBe('ok');
      expect((await crawlSource(crawl.deps, bad!.id)).outcome).toBe('http_error');
    } finally {
      await crawl.close();
    }
    const after = await scrape();
    expect(sample(after, 'yuqing_crawl_results_total', { outcome: 'ok' })).toBe(okBefore + 1);
    expect(sample(after, 'yuqing_crawl_results_total', { outcome: 'http_error' })).toBe(errBefore + 1);
    expect(sample(after, 'yuqing_crawl_fetch_duration_seconds_count', { outcome: 'ok' })).toBe(timedBefore + 1);
    expect(sample(after, 'yuqing_crawl_new_items_total')).toBe(newBefore + 1);
  });

  it('counts the live alert stream clients of this process', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const stream = await openStream(`${base}/api/alerts/stream`, bearer(callers.pr.token));
    expect(stream.status).toBe(200);
    await expect.poll(async () => sample(await scrape(), 'yuqing_sse_clients'), { timeout: 5000 }).toBe(1);
    stream.close();
    await expect.poll(async () => sample(await scrape(), 'yuqing_sse_clients'), { timeout: 5000 }).toBe(0);
  });
});

describe('metrics server of the crawler and analyzer processes', () => {
  it('serves /metrics on 127.0.0.1 only, and nothing when the port is 0', async () => {
    expect(await startMetricsServerIfEnabled(0, log)).toBeNull();
    metrics().analyzedItems.inc(2);
    const s = await startMetricsServer(0);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${s.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await res.text();
      expect(sample(body, 'yuqing_analyzed_items_total')).toBeGreaterThanOrEqual(2);
      expect(body).toContain('# TYPE yuqing_crawl_results_total counter');
      expect((await fetch(`${s.url}/other`)).status).toBe(404);
      expect((await fetch(`${s.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await s.close();
    }
  });
});

describe('OpenAPI at /docs', () => {
  it('/docs/json is a valid OpenAPI document of the routes, for signed-in callers only', async () => {
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(401);
    const res = await app.inject({ url: '/docs/json', headers: bearer(callers.leader.token) });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('舆情监测预警 API');
    for (const path of ['/api/alerts', '/api/rules', '/api/alerts/{id}/acknowledge', '/api/silences', '/api/receivers', '/healthz', '/metrics']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    // The UI's own routes are not part of the API.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/docs'))).toEqual([]);
    // Request schemas come from zod: the rule body carries its limits.
    expect(JSON.stringify(doc.paths['/api/rules'].post.requestBody)).toContain('"minLevel"');
    // Who may call what, and how to authenticate.
    expect(doc.paths['/api/rules'].post.description).toContain('admin、pr');
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie' } });
  });

  it('serves the UI page and its scripts and styles itself: no other host is referenced', async () => {
    const headers = bearer(callers.pr.token);
    expect((await app.inject({ url: '/docs/' })).statusCode).toBe(401);
    const page = await app.inject({ url: '/docs/', headers });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, 'http://app.invalid/docs/').pathname);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await app.inject({ url: asset, headers });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers['content-type'], asset).toMatch(asset.endsWith('.js') ? /javascript/ : asset.endsWith('.css') ? /text\/css/ : /image\//);
      if (asset.endsWith('.css')) expect(res.body, asset).not.toMatch(/url\(\s*['"]?(?:https?:)?\/\//);
      if (asset.endsWith('.css')) expect(res.body, asset).not.toMatch(/@import/);
    }
    // The initializer points the UI at this app's document and turns the online validator off.
    const init = await app.inject({ url: '/docs/static/swagger-initializer.js', headers });
    expect(init.body).toContain("resolveUrl('./json')");
    expect(init.body).toContain('validatorUrl: null');
  });
});
