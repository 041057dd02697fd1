import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from 'undici';
import { createAddressPolicy } from '@yuqing/net';
import type { AddressPolicy } from '@yuqing/net';
import { FetchError, createHttpAgent, fetchUrl } from '../src/fetch/http';
import type { FetchOptions, FetchResult } from '../src/fetch/http';
import {
  brotli,
  compressionBomb,
  corruptEncoding,
  deflateRaw,
  deflated,
  gzipped,
  hugeBody,
  ok,
  redirect,
  slowBody,
  startTestServer,
  status,
} from '../../../test/support/misbehaving-server';
import type { TestServer } from '../../../test/support/misbehaving-server';

const MiB = 1024 * 1024;
const TEXT = '舆情监测 public opinion monitoring\n'.repeat(200);
const ETAG = '"v1"';
const LAST_MODIFIED = 'Tue, 05 Mar 2024 02:20:00 GMT';
const huge = hugeBody(50 * MiB);

let server: TestServer;
let agent: Agent;
const local = createAddressPolicy(['127.0.0.1/32']);

function options(extra: Partial<FetchOptions> = {}): FetchOptions {
  return {
    connectTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    maxBytes: 4 * MiB,
    maxRedirects: 5,
    userAgent: 'YuqingBot/0.1 (+https://example.invalid/bot)',
    addressPolicy: local,
    agent,
    ...extra,
  };
}

async function fetchError(url: string, opts: FetchOptions): Promise<FetchError> {
  const err = await fetchUrl(url, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchError);
  return err as FetchError;
}

function okResult(r: FetchResult): Extract<FetchResult, { kind: 'ok' }> {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${r.kind}`);
  return r;
}

beforeAll(async () => {
  server = await startTestServer({
    '/ok': ok('<rss>hello</rss>', 'application/rss+xml; charset=utf-8'),
    '/etag': ok('etag body', 'text/plain', { etag: ETAG }),
    '/lm': ok('lm body', 'text/plain', { lastModified: LAST_MODIFIED }),
    '/500': status(500),
    '/404': status(404),
    '/429': status(429, 'slow down', { 'retry-after': '7' }),
    '/slow': slowBody(3000, 30),
    '/huge': huge,
    '/exact': ok(Buffer.alloc(1000, 'x')),
    '/gzip': gzipped(TEXT),
    '/br': brotli(TEXT),
    '/deflate-raw': deflateRaw(TEXT),
    '/deflate-zlib': deflated(TEXT),
    '/corrupt': corruptEncoding('gzip'),
    '/gzip-bomb': compressionBomb(200 * MiB, 'gzip'),
    '/br-bomb': compressionBomb(200 * MiB, 'br'),
    '/chain/1': redirect('/chain/2', 301),
    '/chain/2': redirect('/chain/3', 307),
    '/chain/3': redirect('/ok', 308),
    '/rel/a/start': redirect('../b/next', 302),
    '/rel/b/next': redirect('final', 303),
    '/rel/b/final': ok('relative ok'),
    '/loop/a': redirect('/loop/b'),
    '/loop/b': redirect('/loop/a'),
    ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`/long/${i}`, redirect(i < 6 ? `/long/${i + 1}` : '/ok')])),
    '/to-ftp': redirect('ftp://example.com/file'),
    '/to-ipv6-loopback': redirect('http://[::1]:9/'),
    '/no-location': (_req, res) => void res.writeHead(302).end(),
  });
  agent = createHttpAgent({ addressPolicy: local, connectTimeoutMs: 2000 });
});

afterAll(async () => {
  await agent?.close();
  await server?.close();
});

describe('fetchUrl: basics', () => {
  it('fetches a 200 with default headers and lets custom headers override them', async () => {
    const r = okResult(await fetchUrl(`${server.url}/ok`, options({ headers: { Accept: 'application/rss+xml' } })));
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('<rss>hello</rss>');
    expect(r.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(r.url).toBe(`${server.url}/ok`);
    expect(r.redirects).toEqual([]);
    expect(r.truncated).toBe(false);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    const sent = server.requests.findLast((q) => q.path === '/ok')?.headers;
    expect(sent?.['user-agent']).toBe('YuqingBot/0.1 (+https://example.invalid/bot)');
    expect(sent?.['accept-language']).toBe('zh-CN,zh;q=0.9');
    expect(sent?.['accept-encoding']).toBe('gzip, deflate, br');
    expect(sent?.accept).toBe('application/rss+xml');
  });

  it('returns not_modified for a matching ETag without reading a body', async () => {
    const first = okResult(await fetchUrl(`${server.url}/etag`, options()));
    expect(first.etag).toBe(ETAG);
    const second = await fetchUrl(`${server.url}/etag`, options({ etag: first.etag }));
    expect(second).toMatchObject({ kind: 'not_modified', status: 304, etag: ETAG });
    expect(server.requests.findLast((q) => q.path === '/etag')?.headers['if-none-match']).toBe(ETAG);
    // A stale validator gets the full body again.
    expect((await fetchUrl(`${server.url}/etag`, options({ etag: '"old"' }))).kind).toBe('ok');
  });

  it('returns not_modified for If-Modified-Since', async () => {
    const first = okResult(await fetchUrl(`${server.url}/lm`, options()));
    expect(first.lastModified).toBe(LAST_MODIFIED);
    const second = await fetchUrl(`${server.url}/lm`, options({ lastModified: LAST_MODIFIED }));
    expect(second).toMatchObject({ kind: 'not_modified', lastModified: LAST_MODIFIED });
    expect(server.requests.findLast((q) => q.path === '/lm')?.headers['if-modified-since']).toBe(LAST_MODIFIED);
  });

  it('treats 500 and 429 as retryable http_status errors and 404 as final', async () => {
    const e500 = await fetchError(`${server.url}/500`, options());
    expect(e500).toMatchObject({ code: 'http_status', status: 500, retryable: true });
    const e429 = await fetchError(`${server.url}/429`, options());
    expect(e429).toMatchObject({ code: 'http_status', status: 429, retryable: true, retryAfterMs: 7000 });
    const e404 = await fetchError(`${server.url}/404`, options());
    expect(e404).toMatchObject({ code: 'http_status', status: 404, retryable: false, url: `${server.url}/404` });
  });

  it('refuses non-http URLs', async () => {
    expect(await fetchError('ftp://example.com/x', options())).toMatchObject({ code: 'bad_url', retryable: false });
    expect(await fetchError('not a url', options())).toMatchObject({ code: 'bad_url' });
  });
});

describe('fetchUrl: limits', () => {
  it('aborts a body that trickles past the total timeout', async () => {
    const started = Date.now();
    const err = await fetchError(`${server.url}/slow`, options({ totalTimeoutMs: 500 }));
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('stops a 50 MiB body at the cap without buffering it', async () => {
    const before = process.memoryUsage();
    const r = okResult(await fetchUrl(`${server.url}/huge`, options({ maxBytes: MiB })));
    expect(r.truncated).toBe(true);
    expect(r.body.length).toBe(MiB);
    expect(r.body.subarray(0, 3).toString()).toBe('aaa');
    const after = process.memoryUsage();
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(32 * MiB);
    // The connection was dropped: the server could not push the whole 50 MiB.
    await new Promise((r) => setTimeout(r, 200));
    expect(huge.stats.completed).toBe(false);
    expect(huge.stats.bytesSent).toBeLessThan(25 * MiB);
  });

  it('does not call a body of exactly maxBytes truncated', async () => {
    const r = okResult(await fetchUrl(`${server.url}/exact`, options({ maxBytes: 1000 })));
    expect(r.body.length).toBe(1000);
    expect(r.truncated).toBe(false);
  });

  it.each(['/gzip', '/br', '/deflate-raw', '/deflate-zlib'])('decompresses %s', async (path) => {
    const r = okResult(await fetchUrl(`${server.url}${path}`, options()));
    expect(r.headers['content-encoding']).toBeDefined();
    expect(r.body.toString('utf8')).toBe(TEXT);
  });

  it('counts the cap on decompressed bytes', async () => {
    const r = okResult(await fetchUrl(`${server.url}/gzip`, options({ maxBytes: 100 })));
    expect(r.truncated).toBe(true);
    expect(r.body.toString('utf8')).toBe(Buffer.from(TEXT).subarray(0, 100).toString('utf8'));
  });

  it.each(['/gzip-bomb', '/br-bomb'])('survives a 200 MiB compression bomb (%s)', async (path) => {
    const before = process.memoryUsage();
    const r = okResult(await fetchUrl(`${server.url}${path}`, options({ maxBytes: MiB })));
    expect(r.truncated).toBe(true);
    expect(r.body.length).toBe(MiB);
    const after = process.memoryUsage();
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(64 * MiB);
  });

  it('reports a body that is not what Content-Encoding says', async () => {
    expect(await fetchError(`${server.url}/corrupt`, options())).toMatchObject({ code: 'decompression', retryable: false });
  });

  it('maps an abort by the caller to a network error', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    expect(await fetchError(`${server.url}/slow`, options({ signal: ctl.signal }))).toMatchObject({ code: 'network' });
  });
});

describe('fetchUrl: redirects', () => {
  it('follows a chain of 3 redirects', async () => {
    const r = okResult(await fetchUrl(`${server.url}/chain/1`, options()));
    expect(r.url).toBe(`${server.url}/ok`);
    expect(r.redirects).toEqual([`${server.url}/chain/2`, `${server.url}/chain/3`, `${server.url}/ok`]);
    expect(r.body.toString()).toBe('<rss>hello</rss>');
  });

  it('resolves relative Location headers', async () => {
    const r = okResult(await fetchUrl(`${server.url}/rel/a/start`, options()));
    expect(r.url).toBe(`${server.url}/rel/b/final`);
    expect(r.body.toString()).toBe('relative ok');
  });

  it('detects a redirect loop', async () => {
    expect(await fetchError(`${server.url}/loop/a`, options())).toMatchObject({ code: 'redirect_loop', retryable: false });
  });

  it('allows exactly maxRedirects hops and refuses one more', async () => {
    expect(okResult(await fetchUrl(`${server.url}/long/2`, options())).redirects).toHaveLength(5);
    expect(await fetchError(`${server.url}/long/1`, options())).toMatchObject({ code: 'too_many_redirects', retryable: false });
  });

  it('refuses a redirect to another scheme or without a Location', async () => {
    expect(await fetchError(`${server.url}/to-ftp`, options())).toMatchObject({ code: 'bad_url' });
    expect(await fetchError(`${server.url}/no-location`, options())).toMatchObject({ code: 'http_status', status: 302 });
  });
});

describe('fetchUrl: address policy', () => {
  it('blocks 127.0.0.1 when it is not allowlisted, before connecting', async () => {
    const strict = createAddressPolicy([]);
    const hitsBefore = server.hits.get('/ok') ?? 0;
    // No agent given: fetchUrl makes a one-off agent with this policy.
    const err = await fetchError(`${server.url}/ok`, options({ addressPolicy: strict, agent: undefined }));
    expect(err).toMatchObject({ code: 'blocked_address', retryable: false });
    expect(server.hits.get('/ok') ?? 0).toBe(hitsBefore);
  });

  it('allows 127.0.0.1 when allowlisted, also with a one-off agent', async () => {
    const r = await fetchUrl(`${server.url}/ok`, options({ agent: undefined }));
    expect(r.kind).toBe('ok');
  });

  it('blocks a host name that resolves to loopback (checked in the connect lookup)', async () => {
    const strict = createAddressPolicy([]);
    const strictAgent = createHttpAgent({ addressPolicy: strict, connectTimeoutMs: 2000 });
    try {
      const hitsBefore = server.hits.get('/ok') ?? 0;
      const err = await fetchError(`http://localhost:${server.port}/ok`, options({ addressPolicy: strict, agent: strictAgent }));
      expect(err).toMatchObject({ code: 'blocked_address', retryable: false });
      expect(server.hits.get('/ok') ?? 0).toBe(hitsBefore);
    } finally {
      await strictAgent.close();
    }
  });

  it('checks the resolved address, not the name', async () => {
    const seen: Array<[string, string]> = [];
    const spy: AddressPolicy = {
      check(host, address) {
        seen.push([host, address]);
        return true;
      },
    };
    const spyAgent = createHttpAgent({ addressPolicy: spy, connectTimeoutMs: 2000 });
    try {
      const r = await fetchUrl(`http://localhost:${server.port}/ok`, options({ addressPolicy: spy, agent: spyAgent }));
      expect(r.kind).toBe('ok');
      expect(seen.length).toBeGreaterThan(0);
      for (const [host, address] of seen) {
        expect(host).toBe('localhost');
        expect(['127.0.0.1', '::1']).toContain(address);
      }
    } finally {
      await spyAgent.close();
    }
  });

  it('re-checks every redirect hop', async () => {
    expect(await fetchError(`${server.url}/to-ipv6-loopback`, options())).toMatchObject({ code: 'blocked_address' });
  });

  it('refuses an agent that does not enforce a policy', async () => {
    const { Agent: PlainAgent } = await import('undici');
    const plain = new PlainAgent();
    try {
      expect(await fetchError(`${server.url}/ok`, options({ agent: plain }))).toMatchObject({ code: 'blocked_address' });
    } finally {
      await plain.close();
    }
  });
});

describe('createAddressPolicy', () => {
  const none = createAddressPolicy([]);

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    'fd12:3456::1',
    '169.254.169.254',
    'fe80::1%eth0',
    '0.0.0.0',
    '::',
    '100.64.0.1',
    '224.0.0.1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(none.check('example.com', address)).toBe(false);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2400:3200::1', '::ffff:8.8.8.8'])('allows public %s', (address) => {
    expect(none.check('example.com', address)).toBe(true);
  });

  it('honours host names, single IPs and CIDRs in the allowlist', () => {
    const p = createAddressPolicy(['intranet.example.', '192.168.5.5', '10.0.0.0/8', 'fd00::/8']);
    expect(p.check('Intranet.Example', '192.168.9.9')).toBe(true);
    expect(p.check('other', '192.168.5.5')).toBe(true);
    expect(p.check('other', '192.168.5.6')).toBe(false);
    expect(p.check('other', '10.200.1.1')).toBe(true);
    expect(p.check('other', '::ffff:10.200.1.1')).toBe(true);
    expect(p.check('other', 'fd00::5')).toBe(true);
    expect(p.check('other', '127.0.0.1')).toBe(false);
  });

  it('rejects a malformed CIDR', () => {
    expect(() => createAddressPolicy(['10.0.0.0/33'])).toThrow();
    expect(() => createAddressPolicy(['nonsense/8'])).toThrow();
  });
});
