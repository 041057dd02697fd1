/**
 * Text no database can hold does not blind a source (issue 14): a feed whose items carry NUL
 * bytes, other control characters, a lone surrogate and a 1,000,000-character title is stored —
 * every item, cleaned and capped — and the source stays healthy; an item the database still
 * refuses is left out, named in the fetch log, and costs the poll none of its other items.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_FIELD_LIMITS, getSource, insertSource, listFetchLog, sourceInputSchema, type NewItem } from '@yuqing/db';
import { crawlSource } from '@yuqing/crawler';
import { createCrawlDeps } from '../src/service';
import { storeItemsReporting } from '../src/store';
import { ok, startTestServer, type Handler, type TestServer } from '../../../test/support/misbehaving-server';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let server: TestServer;
let crawl: Awaited<ReturnType<typeof createCrawlDeps>>;
const routes: Record<string, Handler> = {};

beforeAll(async () => {
  server = await startTestServer(routes);
  t = await createTestEnv('hostiletext', { CRAWL_HOST_GAP_MS: '0' });
  crawl = await createCrawlDeps(t.cfg, log);
  routes['/robots.txt'] = ok('User-agent: *\nAllow: /\n', 'text/plain');
});
afterAll(async () => {
  await crawl?.close();
  await server?.close();
  await t?.cleanup();
});

const item = (title: string, link: string, desc: string) => `<item><title>${title}</title><link>${link}</link><description>${desc}</description></item>`;

describe('a feed with text PostgreSQL cannot hold', () => {
  it('stores every item cleaned and capped, and the source stays healthy', async () => {
    const longTitle = '警'.repeat(1_000_000);
    const feed = Buffer.from(
      `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>坏源</title>
${item('民警\u0000救助\u0000落水儿童', `${server.url}/n/1`, '正文\u0000含有空字符\u0007与响铃')}
${item('交警提醒雨天慢行', `${server.url}/n/2`, '正常的一条')}
${item(longTitle, `${server.url}/n/3`, '标题极长的一条')}
</channel></rss>`,
      'utf8',
    );
    routes['/nul.xml'] = ok(feed, 'application/rss+xml; charset=utf-8');
    const s = await insertSource(t.db, sourceInputSchema.parse({ name: '坏源', url: `${server.url}/nul.xml` }));
    if (!s) throw new Error('source not inserted');

    const r = await crawlSource(crawl.deps, s.id);
    expect(r).toMatchObject({ outcome: 'ok', newItems: 3 });
    const rows = (await t.db.query('SELECT url, title, text FROM items WHERE source_id = $1 ORDER BY url', [s.id])).rows;
    expect(rows.map((x) => x.url)).toEqual([`${server.url}/n/1`, `${server.url}/n/2`, `${server.url}/n/3`]);
    expect(rows[0].title).toBe('民警救助落水儿童');
    expect(rows[0].text).toBe('正文含有空字符与响铃');
    expect(rows[2].title).toHaveLength(ITEM_FIELD_LIMITS.title);
    expect(rows[2].title.endsWith('…')).toBe(true);
    // The source is healthy and its fetch log says so.
    const after = await getSource(t.db, s.id);
    expect(after).toMatchObject({ status: 'ok', consecutiveErrors: 0, lastError: null });
    const logRows = await listFetchLog(t.db, s.id, 5);
    expect(logRows[0]).toMatchObject({ outcome: 'ok', newItems: 3 });
  });

  it('an item the database refuses is left out and named; the batch keeps its other items', async () => {
    const at = new Date();
    const mk = (k: number, origin: string): NewItem => ({
      sourceId: null,
      url: `https://example.com/refused/${process.pid}-${k}`,
      urlHash: `refused-${process.pid}-${k}`,
      origin: origin as NewItem['origin'],
      title: `第${k}条`,
      summary: null,
      text: `正文${k}`,
      author: null,
      language: 'zh',
      publishedAt: at,
      fetchedAt: at,
    });
    // An origin outside the table's CHECK constraint: PostgreSQL refuses the row (SQLSTATE 23514),
    // as it would any value it cannot hold.
    const batch = [mk(1, 'push'), mk(2, 'forged'), mk(3, 'push')];
    const r = await storeItemsReporting(crawl.deps, batch);
    expect(r.ids).toHaveLength(2);
    expect(r.rejected).toEqual([{ url: batch[1]!.url, error: expect.any(String) }]);
    const stored = (await t.db.query('SELECT url_hash FROM items WHERE url_hash = ANY($1::text[]) ORDER BY url_hash', [batch.map((b) => b.urlHash)])).rows;
    expect(stored.map((x) => x.url_hash)).toEqual([batch[0]!.urlHash, batch[2]!.urlHash]);
  });
});
