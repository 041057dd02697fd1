/**
 * SSRF through the real crawl path (crawlSource → robots.txt → host gate → fetchUrl → the undici
 * agent's guarded lookup), with FETCH_ALLOWLIST naming only the entry server on 127.0.0.3:
 *  - a source whose URL is any inward spelling,
 *  - an allowed server that redirects to one (every redirect status, scheme-relative, two hops),
 *  - a feed whose article links point inward (fullText),
 * are refused with outcome blocked_address, recorded in fetch_log and sources.last_error, and no
 * request reaches the victim: a server listening on every address of this machine (`::`, dual
 * stack: 127.0.0.1, 127.0.0.2, ::1, 0.0.0.0, ::, localhost and the machine's own LAN addresses all
 * reach it), whose every request is counted. A control crawl with everything allowlisted reaches
 * the victim through each spelling, so each zero is the policy's doing. Saving such a source
 * through the API (POST /api/sources, OPML import) is refused at once, in Chinese.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { findSource, insertSource, listFetchLog, sourceInputSchema, type SourceInput } from '@yuqing/db';
import { crawlSource } from '@yuqing/crawler';
import { createCrawlDeps } from '../src/service';
import { bearer, makeCaller, type Caller } from '../../api/test/auth-fixtures';
import { ALL_FORMS, HOST_NAME, MIN_REACHING, redirectTo, startCountingServer, startVictim, VICTIM_FORMS, type CountingServer } from '../../../packages/net/test/inward';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const REFUSED = 'refused by the address policy';

const log = pino({ level: 'silent' });
let t: TestEnv;
let victim: CountingServer;
let entry: CountingServer;
let strict: Awaited<ReturnType<typeof createCrawlDeps>>;
let app: ReturnType<typeof buildApp>;
let admin: Caller;

const entryUrl = (path: string): string => `http://127.0.0.3:${entry.port}${path}`;
const victimUrl = (host: string, path: string): string => `http://${host}:${victim.port}${path}`;

async function addSource(input: Partial<SourceInput> & { url: string }) {
  const s = await insertSource(t.db, sourceInputSchema.parse({ name: input.url, ...input }));
  if (!s) throw new Error(`duplicate source ${input.url}`);
  return s;
}
const lastError = async (id: number): Promise<string | null> => (await t.db.query<{ last_error: string | null }>('SELECT last_error FROM sources WHERE id = $1', [id])).rows[0]?.last_error ?? null;

/** One strict poll of `url` as a source: refused as blocked_address and recorded; the victim's request count unchanged. */
async function expectRefusedPoll(url: string, extra: Partial<SourceInput> = {}): Promise<number> {
  const before = victim.requests.length;
  const s = await addSource({ url, ...extra });
  const r = await crawlSource(strict.deps, s.id);
  expect(r, url).toMatchObject({ outcome: 'blocked_address', newItems: 0 });
  expect(r.error).toContain(REFUSED);
  const logged = await listFetchLog(t.db, s.id, 5);
  expect(logged, url).toEqual([expect.objectContaining({ outcome: 'blocked_address', httpStatus: null, error: expect.stringContaining(REFUSED) })]);
  expect(await lastError(s.id)).toMatch(/^blocked_address: .*refused by the address policy/);
  expect(victim.requests.slice(before), url).toEqual([]);
  return s.id;
}

beforeAll(async () => {
  victim = await startVictim();
  entry = await startCountingServer('127.0.0.3', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  t = await createTestEnv('ssrfsources', {
    FETCH_ALLOWLIST: '127.0.0.3', // the entry server only; NOT the victim in any spelling
    HTTP_CONNECT_TIMEOUT_MS: '1000',
    HTTP_TOTAL_TIMEOUT_MS: '3000',
    CRAWL_HOST_GAP_MS: '0',
  });
  strict = await createCrawlDeps(t.cfg, log);
  admin = await makeCaller(t.db, 'ssrf-admin', 'admin');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await strict?.close();
  await victim?.close();
  await entry?.close();
  await t?.cleanup();
});

describe('a source whose URL points inward', () => {
  it.each(ALL_FORMS)('$host ($label): blocked_address, in fetch_log and last_error, the victim untouched', async ({ id, host }) => {
    await expectRefusedPoll(victimUrl(host, `/direct/${id}/feed.xml`));
  });

  it('robots.txt is not fetched from the victim either (the whole table above made no request)', () => {
    expect(victim.requests).toEqual([]);
  });
});

describe('an allowed server that redirects inward', () => {
  it.each(ALL_FORMS)('302 to $host ($label): blocked_address after the allowed hop, the victim untouched', async ({ id, host }) => {
    entry.routes.set(`/redir/${id}`, redirectTo(302, victimUrl(host, `/redirected/${id}/feed.xml`)));
    await expectRefusedPoll(entryUrl(`/redir/${id}`));
    // The allowed hop was made: the refusal is on the redirect, not on the entry server.
    expect(entry.requests.filter((r) => r.path === `/redir/${id}`)).toHaveLength(1);
  });

  it.each([
    { n: 1, how: '301, scheme-relative Location', status: 301, location: () => `//2130706433:${victim.port}/rel/1` },
    { n: 2, how: '303 to [::1]', status: 303, location: () => victimUrl('[::1]', '/rel/2') },
    { n: 3, how: '307 to localhost', status: 307, location: () => victimUrl('localhost', '/rel/3') },
    { n: 4, how: '308 to 0x7f.1', status: 308, location: () => victimUrl('0x7f.1', '/rel/4') },
    { n: 5, how: '302 to localhost. (trailing dot)', status: 302, location: () => victimUrl('localhost.', '/rel/5') },
  ])('$how: refused', async ({ n, status, location }) => {
    const path = `/status/${n}`;
    entry.routes.set(path, redirectTo(status, location()));
    await expectRefusedPoll(entryUrl(path));
    expect(entry.requests.filter((r) => r.path === path)).toHaveLength(1);
  });

  it('a two-hop chain through the allowed server, then inward: refused at the second hop', async () => {
    entry.routes.set('/chain/1', redirectTo(302, entryUrl('/chain/2')));
    entry.routes.set('/chain/2', redirectTo(301, victimUrl('[::ffff:7f00:1]', '/chain/end')));
    await expectRefusedPoll(entryUrl('/chain/1'));
    expect(entry.requests.filter((r) => r.path.startsWith('/chain/')).map((r) => r.path)).toEqual(['/chain/1', '/chain/2']);
  });
});

describe('a feed whose article links point inward (fullText)', () => {
  it('stores the entries from the feed text, records why each article was not fetched, and the victim sees nothing', async () => {
    const before = victim.requests.length;
    const items = ALL_FORMS.map((f) => ({ title: `条目 ${f.id}`, link: victimUrl(f.host, `/article/${f.id}.html`) }));
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>内链</title><link>${entryUrl('/')}</link>
${items.map((i) => `<item><title>${i.title}</title><link>${i.link}</link><description>${i.title}</description></item>`).join('\n')}
</channel></rss>`;
    entry.routes.set('/articles.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss);
    });
    const s = await addSource({ url: entryUrl('/articles.xml'), fullText: true });
    const r = await crawlSource(strict.deps, s.id);
    expect(r).toMatchObject({ outcome: 'ok', newItems: ALL_FORMS.length });
    const stored = (await t.db.query<{ title: string; extra: { fullTextError?: string } | null }>('SELECT title, extra FROM items WHERE source_id = $1', [s.id])).rows;
    expect(stored).toHaveLength(ALL_FORMS.length);
    for (const row of stored) expect(row.extra?.fullTextError, row.title).toContain(REFUSED);
    expect(victim.requests.slice(before)).toEqual([]);
  });
});

describe('saving such a source through the API', () => {
  const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/sources', headers: bearer(admin.token), payload });

  it.each(ALL_FORMS)('POST /api/sources refuses $host ($label) at once, in Chinese, and saves nothing', async ({ id, host }) => {
    const url = victimUrl(host, `/api/${id}/feed.xml`);
    const res = await post({ name: `内网 ${id}`, url });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toEqual({ code: 'SOURCE_ADDRESS_BLOCKED', message: expect.stringMatching(/^信息源地址 .+ 指向本机或内网地址（.+），已拒绝；确需抓取内网网站时，请运维将其加入 FETCH_ALLOWLIST$/) });
    expect(await findSource(t.db, sourceInputSchema.parse({ name: 'x', url }).url)).toBeNull();
    expect((await t.db.query('SELECT 1 FROM sources WHERE name = $1', [`内网 ${id}`])).rowCount).toBe(0);
  });

  it('saves what the policy allows: the allowlisted server, a name that does not resolve now, an RSSHub route', async () => {
    for (const payload of [
      { name: '允许的内网站', url: entryUrl('/allowed.xml') },
      { name: '暂不可解析', url: 'https://not-yet-resolvable.example.cn/rss.xml' },
      { name: '微博热搜', kind: 'rsshub', route: '/weibo/search/hot' },
    ]) {
      const res = await post(payload);
      expect(res.statusCode, `${payload.name}: ${res.body}`).toBe(201);
      expect(res.json().source).toMatchObject({ name: payload.name });
    }
  });

  it('an OPML import listing inward feeds imports nothing and names each of them', async () => {
    // Import checks without DNS (hundreds of feeds): every literal spelling and every localhost name is
    // refused; only this machine's name needs DNS, so it is left to the connect-time check.
    const listed = ALL_FORMS.filter((f) => f.host !== HOST_NAME);
    const outlines = [
      `<outline text="公开订阅" xmlUrl="https://opml-public.example.cn/rss"/>`,
      ...listed.map((f) => `<outline text="内网 ${f.id}" xmlUrl="${victimUrl(f.host, `/opml/${f.id}.xml`)}"/>`),
    ];
    const res = await app.inject({
      method: 'POST',
      url: '/api/sources/import',
      headers: bearer(admin.token),
      payload: { opml: `<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>${outlines.join('')}</body></opml>` },
    });
    expect(res.statusCode, res.body).toBe(400);
    const err = res.json().error;
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', message: `没有导入任何信息源：${listed.length} 项无效` });
    expect(err.issues).toHaveLength(listed.length);
    listed.forEach((f, i) => {
      expect(err.issues[i], f.host).toEqual({ path: `/outlines/${i + 1}/url`, message: expect.stringContaining('指向本机或内网地址') });
    });
    expect(await findSource(t.db, 'https://opml-public.example.cn/rss')).toBeNull();
  });
});

describe('control: the same crawl with everything allowlisted', () => {
  it('reaches the victim through every spelling it listens on, directly and by redirect (so each zero above is the policy)', async () => {
    const open = await createCrawlDeps({ ...t.cfg, FETCH_ALLOWLIST: ['0.0.0.0/0', '::/0'] }, log);
    try {
      const reaching = VICTIM_FORMS.filter((f) => f.reaches);
      expect(reaching.length).toBeGreaterThanOrEqual(MIN_REACHING);
      for (const f of reaching) {
        const direct = await addSource({ url: victimUrl(f.host, `/control/${f.id}/feed.xml`) });
        entry.routes.set(`/control-redir/${f.id}`, redirectTo(302, victimUrl(f.host, `/control-redirected/${f.id}/feed.xml`)));
        const redirected = await addSource({ url: entryUrl(`/control-redir/${f.id}`) });
        // The victim answers plain text, so the poll ends as a parse error: what matters is that it was asked.
        expect((await crawlSource(open.deps, direct.id)).outcome, f.host).toBe('parse_error');
        expect((await crawlSource(open.deps, redirected.id)).outcome, f.host).toBe('parse_error');
        const paths = victim.requests.map((r) => r.path);
        expect(paths, f.host).toContain(`/control/${f.id}/feed.xml`);
        expect(paths, f.host).toContain(`/control-redirected/${f.id}/feed.xml`);
      }
    } finally {
      await open.close();
    }
  });
});
