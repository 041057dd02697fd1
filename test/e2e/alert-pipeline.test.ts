/**
 * End to end, through the services as `yuqing up` starts them (crawler, analyzer with the topic
 * stage, API with the alerter and the delivery worker), against real PostgreSQL and Redis:
 * a local feed publishes a burst of reposts of one police-negative post; within the poll interval
 * plus a few seconds the alert arrives on an SSE client and at a local webhook receiver with a valid
 * signature; acknowledging through the API puts the `acknowledged` event on the stream. Then what
 * issue 6 asks for, through the same running system: an analyst opens an incident from the alert and
 * walks it to 已结案 with a note and the response, the audit log and the register show it, and the
 * leader's digest of the period holds the items, the warning and the incident.
 */
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAlertRule, insertReceiver, insertSource, sourceInputSchema } from '@yuqing/db';
import { ruleSchema } from '@yuqing/alerting';
import { startCrawlerService } from '@yuqing/crawler';
import { startAnalyzerService } from '@yuqing/analyzer';
import { startApiServer } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { ok, startTestServer, type Handler, type TestServer } from '../support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../support/test-env';
import { openStream } from '../../services/api/test/sse-client';
import { bearer, makeCaller } from '../../services/api/test/auth-fixtures';

const log = pino({ level: 'silent' });
const ORIGINAL = '【扩散】今天下午某市公安局城南派出所两名民警在街头暴力执法，将一名卖菜老人按倒在地殴打致其头部流血，还抢走围观群众手机删除视频。警察打人还有没有王法？';
const COMMENTS = ['太过分了！', '必须严查！', '[怒][怒]', '这样的警察必须开除', '无法无天', '求真相', '心寒', '谁来管管', '执法者违法', '要个说法'];

let t: TestEnv;
let feed: TestServer;
let hook: TestServer;
const received: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];

function burst(n: number, base: number): string {
  const items = [`<item><title>城南派出所民警暴力执法</title><link>${feed.url}/w/0</link><pubDate>${new Date(base).toUTCString()}</pubDate><description>${ORIGINAL}</description></item>`];
  for (let i = 1; i < n; i++) {
    const text = `${COMMENTS[i % COMMENTS.length]} //转发：${ORIGINAL}`;
    items.push(`<item><title>转发${i}</title><link>${feed.url}/w/${i}</link><pubDate>${new Date(base + i * 45_000).toUTCString()}</pubDate><description>${text}</description></item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>微博</title><link>${feed.url}/</link>${items.join('')}</channel></rss>`;
}

beforeAll(async () => {
  const routes: Record<string, Handler> = { '/robots.txt': ok('User-agent: *\nAllow: /\n', 'text/plain') };
  feed = await startTestServer(routes);
  hook = await startTestServer({
    '/hook': (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ body, headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    },
  });
  routes['/weibo.xml'] = ok(burst(12, Date.now() - 15 * 60_000), 'application/rss+xml');
  t = await createTestEnv('e2ealert', {
    ANALYZER_THREADS: '1',
    CRAWL_HOST_GAP_MS: '0',
    CRAWL_TICK_MS: '200',
    RECEIVER_ALLOWLIST: '127.0.0.1',
    ALERT_GROUP_WAIT_MS: '300',
    ALERT_GROUP_INTERVAL_MS: '1000',
    ALERTER_POLL_MS: '1000',
    ALERTER_TICK_MS: '100',
    API_PORT: '0',
  });
});
afterAll(async () => {
  await feed?.close();
  await hook?.close();
  await t?.cleanup();
});

describe('from a feed to the duty officer', () => {
  it('a burst of police-negative reposts becomes an alert on the stream and a signed webhook; acknowledging is streamed; the incident walk and the digest show it', async () => {
    const secret = 'e2e-secret';
    const receiver = await insertReceiver(t.db, { name: '值班群', kind: 'webhook', url: `${hook.url}/hook`, secret, enabled: true, allowPrivate: false });
    const spec = ruleSchema.parse({ name: '涉警负面黄色以上', minLevel: 'yellow', receivers: [receiver!.id] });
    await insertAlertRule(t.db, { spec });
    const pr = await makeCaller(t.db, 'duty', 'pr');
    const [analyst, leader, admin] = await Promise.all([makeCaller(t.db, 'analyst', 'analyst'), makeCaller(t.db, 'leader', 'leader'), makeCaller(t.db, 'admin', 'admin')]);
    await insertSource(t.db, sourceInputSchema.parse({ name: '微博转发', url: `${feed.url}/weibo.xml`, pollInterval: 60 }));

    const cfg = loadConfig({ ...t.env, API_PORT: '0' });
    const api = await startApiServer(cfg);
    const stream = await openStream(`${api.url}/api/alerts/stream`, bearer(pr.token));
    expect(stream.status).toBe(200);
    const started = Date.now();
    const crawler = await startCrawlerService(cfg, { log });
    const analyzer = await startAnalyzerService(cfg, { log });
    try {
      const [firing] = await stream.waitForEvents(1, 20_000);
      const elapsed = Date.now() - started;
      expect(firing?.event).toBe('firing');
      const payload = JSON.parse(firing!.data) as { alertId?: number; alert?: { id: number }; level: string };
      expect(['yellow', 'orange', 'red']).toContain(payload.level);
      // The feed is polled once at start; everything after is the pipeline: well inside poll interval + 5 s.
      expect(elapsed).toBeLessThan(60_000 + 5_000);

      await waitFor(() => received.length > 0, 10_000);
      const { body, headers } = received[0]!;
      const ts = String(headers['x-yuqing-timestamp']);
      const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
      expect(headers['x-yuqing-signature']).toBe(expected);
      expect(body).toContain('预警');

      const alertId = payload.alert?.id ?? payload.alertId ?? (await t.db.query<{ id: number }>('SELECT id FROM alerts LIMIT 1')).rows[0]!.id;
      const res = await fetch(`${api.url}/api/alerts/${alertId}/acknowledge`, { method: 'POST', headers: { ...bearer(pr.token), 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
      await waitFor(() => stream.events.some((e) => e.event === 'acknowledged'), 10_000);
      const acknowledged = stream.events.find((e) => e.event === 'acknowledged');
      expect(JSON.stringify(acknowledged)).toContain(String(alertId));

      // The analyst opens an incident from the alert and walks it to 已结案 with a note and the response.
      // The body as bytes too: Response.text() would drop the CSV's byte-order mark.
      const call = async <T = Record<string, never>>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T; text: string; bytes: Buffer }> => {
        const r = await fetch(`${api.url}${path}`, {
          method,
          headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const bytes = Buffer.from(await r.arrayBuffer());
        const text = bytes.toString('utf8');
        return { status: r.status, text, bytes, json: (r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null) as T };
      };
      const opened = await call<{ id: number; title: string; links: { topics: Array<{ id: number }> } }>(analyst.token, 'POST', '/api/incidents', { alertIds: [alertId] });
      expect(opened.status, opened.text).toBe(201);
      const incident = opened.json;
      expect(incident.links.topics).toHaveLength(1);
      for (const step of [
        { to: 'assessing' },
        { to: 'handling' },
        { to: 'responded', response: { channel: '警方官方微博', text: '警方通报：已对涉事民警停职调查。' } },
        { to: 'closed', closingSummary: '通报及时，舆情平息。' },
      ]) {
        if (step.to === 'handling') expect((await call(analyst.token, 'POST', `/api/incidents/${incident.id}/notes`, { body: '已联系城南派出所核实' })).status).toBe(201);
        const r = await call<{ status: string }>(analyst.token, 'POST', `/api/incidents/${incident.id}/transition`, step);
        expect(r.status, r.text).toBe(200);
        expect(r.json.status).toBe(step.to);
      }
      // The audit log shows every step, by the analyst; the register lists the incident as closed.
      const audit = await call<{ entries: Array<{ action: string; entityId: string; actorName: string }> }>(admin.token, 'GET', `/api/audit?entity=incident&limit=50`);
      const steps = audit.json.entries.filter((e) => e.entityId === String(incident.id)).reverse();
      expect(steps.map((e) => e.action)).toEqual(['incident.create', 'incident.transition', 'incident.note', 'incident.transition', 'incident.transition', 'incident.transition']);
      expect(new Set(steps.map((e) => e.actorName))).toEqual(new Set(['analyst']));
      const register = await call(admin.token, 'GET', '/api/incidents.csv');
      expect([...register.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(register.text.startsWith('\uFEFF编号,')).toBe(true);
      expect(register.text).toContain(`${incident.id},${incident.title},`);
      expect(register.text).toContain('已结案');

      // The leader's digest of the period holds the items, the warning and the incident.
      const from = new Date(Date.now() - 3600_000).toISOString();
      const to = new Date(Date.now() + 60_000).toISOString();
      const made = await call<{ digest: { id: number } }>(leader.token, 'POST', '/api/digests', { kind: 'custom', from, to });
      expect(made.status, made.text).toBe(201);
      type DigestJson = {
        headline: { items: { value: number }; policeNegative: { value: number } };
        warnings: { totals: { opened: number } };
        incidents: { opened: { count: number }; closed: { count: number } };
        topics: { top: Array<{ id: number }> };
      };
      const digest = (await call<DigestJson>(leader.token, 'GET', `/api/digests/${made.json.digest.id}`)).json;
      expect(digest.headline.items.value).toBe(12);
      expect(digest.headline.policeNegative.value).toBeGreaterThan(0);
      expect(digest.warnings.totals.opened).toBeGreaterThanOrEqual(1);
      expect(digest.incidents.opened.count).toBe(1);
      expect(digest.incidents.closed.count).toBe(1);
      expect(digest.topics.top[0]?.id).toBe(incident.links.topics[0]!.id);
      const page = await call(leader.token, 'GET', `/api/digests/${made.json.digest.id}/html`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<svg');
    } finally {
      stream.close();
      await analyzer.close();
      await crawler.close();
      await api.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
