/**
 * pnpm bench:api — the alerting API under load, against real PostgreSQL and Redis:
 *  1. `GET /api/alerts` latency at 200 connections for 10 s (autocannon; p99, target < 50 ms);
 *  2. 1,000 concurrent SSE clients: time from an alert event's commit to its arrival at each
 *     client (p99, target < 1 s);
 *  3. item stored → its alert event on the stream, through analysis, topic stage and alerter
 *     (p95, target < 1 s): 200 distinct police-negative posts pushed one by one, a rule at blue.
 *  4. `GET /api/auth/me` at 200 connections for 10 s: the cost of authentication alone.
 * 1 and 4 run twice: with autocannon in the API's thread (as in earlier runs), then in a worker thread.
 * `pnpm bench:api --no-cache` turns the credential and alert list caches off, for comparison.
 * Prints figures with the load average at the start; medians are the reader's job across runs
 * (the machine is shared).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { ruleSchema } from '@yuqing/alerting';
import { startAnalyzerService } from '@yuqing/analyzer';
import { startApiServer } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { ingestItems } from '@yuqing/crawler';
import { appendAlertEvent, createPool, hashPassword, insertAlert, insertAlertRule, insertApiToken, insertUser, migrate, newApiToken, withTransaction } from '@yuqing/db';
import { createAnalyzeQueue, createRedis, publishAlertEvents } from '@yuqing/queue';
import { Redis } from 'ioredis';

const id = randomBytes(3).toString('hex');
const noCache = process.argv.includes('--no-cache') ? { AUTH_CACHE_TTL_MS: '0', ALERT_LIST_CACHE_TTL_MS: '0' } : {};
const cfg = loadConfig({ DATABASE_SCHEMA: `bench_api_${id}`, QUEUE_PREFIX: `yqbapi:${id}`, LOG_LEVEL: 'warn', API_PORT: '0', ANALYZER_THREADS: '1', ALERTER_POLL_MS: '500', ALERTER_TICK_MS: '100', DATABASE_POOL_MAX: '20', ...noCache });
const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 8 });
await migrate(db, cfg.DATABASE_SCHEMA);
const user = await insertUser(db, { name: 'bench', displayName: 'bench', role: 'pr', passwordHash: await hashPassword('x') });
const tok = newApiToken();
await insertApiToken(db, { userId: user!.id, name: 'bench', hash: tok.hash, prefix: tok.prefix });
const auth = { authorization: `Bearer ${tok.token}` };

// 500 alerts with an event each, as a busy week would leave them.
for (let i = 0; i < 500; i++) {
  await withTransaction(db, async (c) => {
    const a = await insertAlert(c, { kind: 'topic', dedupKey: `bench:${i}`, level: (['blue', 'yellow', 'orange', 'red'] as const)[i % 4]!, title: `基准预警 ${i}`, topicId: 1_000_000 + i });
    await appendAlertEvent(c, { alertId: a!.id, type: 'firing', level: a!.level, audienceRoles: ['admin', 'pr', 'leader', 'analyst'] });
  });
}
const api = await startApiServer(cfg);
console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(', ')}${process.argv.includes('--no-cache') ? '; caches off' : ''}`);
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

// 1 and 4. GET /api/alerts and GET /api/auth/me under load. autocannon runs in this process, so
// first in the API's own thread (the figures of earlier runs), then in a worker thread of its own:
// with the list cached, the load generator's work (it keeps each ~20 kB body as a string) is a
// large part of that thread's time and of the latency measured, which clients elsewhere do not add.
async function load(path: string, where: 'API thread' | 'worker thread'): Promise<void> {
  const r = await autocannon({ url: `${api.url}${path}`, connections: 200, duration: 10, headers: auth, ...(where === 'worker thread' ? { workers: 1 } : {}) });
  console.log(
    `GET ${path}, 200 connections, 10 s, load generator in the ${where}: ${Math.round(r.requests.average)} req/s, latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${path === '/api/alerts' ? ' (target < 50 ms)' : ''}, errors ${r.errors}, non-2xx ${r.non2xx}`,
  );
}
await load('/api/alerts', 'API thread');
await load('/api/auth/me', 'API thread');
await load('/api/alerts', 'worker thread');
await load('/api/auth/me', 'worker thread');

// 2. 1,000 SSE clients.
const CLIENTS = 1000;
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const arrivals: number[] = [];
let expectId = '';
let sentAt = 0;
const sockets: http.ClientRequest[] = [];
await Promise.all(
  Array.from({ length: CLIENTS }, () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${api.url}/api/alerts/stream`, { headers: { ...auth, accept: 'text/event-stream' }, agent }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream ${res.statusCode}`));
        res.setEncoding('utf8');
        let buf = '';
        let done = false;
        res.on('data', (chunk: string) => {
          if (done) return;
          buf += chunk;
          if (expectId && buf.includes(`id: ${expectId}\n`)) {
            arrivals.push(performance.now() - sentAt);
            done = true;
          } else if (buf.length > 65536) buf = buf.slice(-1024);
        });
        resolve();
      });
      req.on('error', reject);
      sockets.push(req);
    }),
  ),
);
const publisher = new Redis(cfg.REDIS_URL);
const eventId = await withTransaction(db, async (c) => {
  const a = await insertAlert(c, { kind: 'topic', dedupKey: 'bench:sse', level: 'red', title: 'SSE 基准', topicId: 9999 });
  return (await appendAlertEvent(c, { alertId: a!.id, type: 'firing', level: 'red', audienceRoles: ['admin', 'pr', 'leader', 'analyst'] })).id;
});
expectId = String(eventId);
sentAt = performance.now();
await publishAlertEvents(publisher, cfg.QUEUE_PREFIX, [eventId]);
const deadline = Date.now() + 10_000;
while (arrivals.length < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
console.log(`SSE: ${arrivals.length}/${CLIENTS} clients received the new alert; delivery p50 ${percentile(arrivals, 50).toFixed(0)} ms, p99 ${percentile(arrivals, 99).toFixed(0)} ms (target < 1000 ms)`);
for (const s of sockets) s.destroy();

// 3. item stored → alert event, through the whole pipeline.
await insertAlertRule(db, { spec: ruleSchema.parse({ name: '基准：涉警负面蓝色以上', minLevel: 'blue' }) });
const analyzer = await startAnalyzerService(cfg, { log: pino({ level: 'warn' }) });
const producer = createRedis(cfg.REDIS_URL, 'producer');
const queue = createAnalyzeQueue(producer, cfg.QUEUE_PREFIX);
const places = ['城南', '城北', '河西', '河东', '新区', '老城', '高新', '开发区'];
const acts = ['殴打', '辱骂', '推搡', '强行带走', '抢夺手机', '暴力驱赶', '威胁', '拖拽'];
const N = 200;
for (let i = 0; i < N; i++) {
  const text = `网友爆料：${places[i % 8]}第${i}号路口，派出所民警${acts[(i * 3) % 8]}一名${i % 2 ? '外卖骑手' : '老人'}，事件编号${i}${randomBytes(2).toString('hex')}，警察暴力执法，太过分了！`;
  await ingestItems({ db, analyzeQueue: queue, log: pino({ level: 'warn' }) }, [{ id: `b${i}`, text, source: '基准' }], { origin: 'push' });
  await new Promise((r) => setTimeout(r, 50));
}
await new Promise((r) => setTimeout(r, 5000));
// Per topic: its first alert event against the storing of the item that started the topic.
const { rows } = await db.query<{ ms: number }>(
  `SELECT (extract(epoch FROM ev.first_event - it.first_item) * 1000)::float8 AS ms
   FROM (SELECT si.topic_id, min(i.fetched_at) AS first_item FROM items i JOIN story_items si ON si.item_id = i.id
         WHERE i.external_id LIKE 'b%' GROUP BY si.topic_id) it
   JOIN (SELECT a.topic_id, min(e.created_at) AS first_event FROM alerts a JOIN alert_events e ON e.alert_id = a.id
         GROUP BY a.topic_id) ev ON ev.topic_id = it.topic_id`,
);
const lat = rows.map((r) => r.ms);
console.log(`item stored → alert event: ${lat.length} topics alerted from ${N} items; p50 ${percentile(lat, 50).toFixed(0)} ms, p95 ${percentile(lat, 95).toFixed(0)} ms (target < 1000 ms)`);

await analyzer.close();
await queue.close();
producer.disconnect();
publisher.disconnect();
await api.close();
await db.query(`DROP SCHEMA ${cfg.DATABASE_SCHEMA} CASCADE`);
await db.end();
process.exit(0);
