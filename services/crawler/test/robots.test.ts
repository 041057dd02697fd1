import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from 'undici';
import { createAddressPolicy } from '@yuqing/net';
import { FetchError, createHttpAgent, fetchUrl } from '../src/fetch/http';
import type { FetchResult } from '../src/fetch/http';
import { RobotsCache, robotsToken } from '../src/fetch/robots';
import type { RobotsFetcher } from '../src/fetch/robots';
import { ok, redirect, startTestServer, status } from '../../../test/support/misbehaving-server';
import type { Handler, TestServer } from '../../../test/support/misbehaving-server';

const UA = 'YuqingBot/0.1 (+https://example.invalid/bot)';
const policy = createAddressPolicy(['127.0.0.1/32']);

let server: TestServer;
let agent: Agent;
// The robots.txt route is swapped per test; everything else on the server stays fixed.
let robotsRoute: Handler = status(404);

const realFetch: RobotsFetcher = (url) => {
  return fetchUrl(url, {
    connectTimeoutMs: 2000,
    totalTimeoutMs: 3000,
    maxBytes: 512 * 1024,
    maxRedirects: 5,
    userAgent: UA,
    addressPolicy: policy,
    agent,
  });
};

function robotsHits(): number {
  return server.hits.get('/robots.txt') ?? 0;
}

beforeAll(async () => {
  server = await startTestServer({
    '/robots.txt': (req, res) => robotsRoute(req, res),
    '/moved-robots.txt': ok('User-agent: *\nDisallow: /moved-private\n'),
  });
  agent = createHttpAgent({ addressPolicy: policy, connectTimeoutMs: 2000 });
});

afterAll(async () => {
  await agent?.close();
  await server?.close();
});

beforeEach(() => {
  server.hits.clear();
});

describe('RobotsCache', () => {
  it('obeys a Disallow rule and fetches robots.txt once for several checks', async () => {
    robotsRoute = ok('User-agent: *\nDisallow: /private\n');
    const robots = new RobotsCache({ fetch: realFetch });
    expect(await robots.isAllowed(`${server.url}/private/page.html`, UA)).toBe(false);
    expect(await robots.isAllowed(`${server.url}/news/1.html`, UA)).toBe(true);
    expect(await robots.verdict(`${server.url}/private/x`, UA)).toEqual({ allowed: false, reason: 'rules' });
    expect(robotsHits()).toBe(1);
  });

  it('shares one in-flight fetch between concurrent checks', async () => {
    robotsRoute = ok('User-agent: *\nDisallow: /private\n');
    const robots = new RobotsCache({ fetch: realFetch });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => robots.isAllowed(`${server.url}/page/${i}`, UA)));
    expect(answers).toEqual([true, true, true, true, true]);
    expect(robotsHits()).toBe(1);
  });

  it('matches the group for our product token and reads Crawl-delay', async () => {
    robotsRoute = ok('User-agent: YuqingBot\nDisallow: /no-bots\nCrawl-delay: 2.5\n\nUser-agent: *\nDisallow: /\n');
    const robots = new RobotsCache({ fetch: realFetch });
    expect(await robots.isAllowed(`${server.url}/news`, UA)).toBe(true);
    expect(await robots.isAllowed(`${server.url}/no-bots/x`, UA)).toBe(false);
    expect(await robots.isAllowed(`${server.url}/news`, 'OtherBot/1.0')).toBe(false);
    expect(await robots.crawlDelayMs(`${server.url}/news`, UA)).toBe(2500);
    expect(await robots.crawlDelayMs(`${server.url}/news`, 'OtherBot/1.0')).toBeNull();
    expect(robotsHits()).toBe(1);
  });

  it('allows everything when robots.txt is 404', async () => {
    robotsRoute = status(404);
    const robots = new RobotsCache({ fetch: realFetch });
    expect(await robots.verdict(`${server.url}/anything`, UA)).toEqual({ allowed: true, reason: 'no_robots' });
    expect(await robots.isAllowed(`${server.url}/other`, UA)).toBe(true);
    expect(robotsHits()).toBe(1);
  });

  it('disallows temporarily on 5xx and retries after the short TTL', async () => {
    robotsRoute = status(503);
    let now = 1_000_000;
    const robots = new RobotsCache({ fetch: realFetch, ttlMs: 3_600_000, unavailableTtlMs: 60_000, now: () => now });
    expect(await robots.verdict(`${server.url}/a`, UA)).toEqual({ allowed: false, reason: 'unavailable' });
    now += 30_000;
    expect(await robots.isAllowed(`${server.url}/a`, UA)).toBe(false);
    expect(robotsHits()).toBe(1);
    robotsRoute = status(404);
    now += 31_000;
    expect(await robots.isAllowed(`${server.url}/a`, UA)).toBe(true);
    expect(robotsHits()).toBe(2);
  });

  it('keeps using the last good rules while the server fails', async () => {
    robotsRoute = ok('User-agent: *\nDisallow: /private\n');
    let now = 0;
    const robots = new RobotsCache({ fetch: realFetch, ttlMs: 1000, now: () => now });
    expect(await robots.isAllowed(`${server.url}/public`, UA)).toBe(true);
    robotsRoute = status(500);
    now += 2000;
    expect(await robots.verdict(`${server.url}/public`, UA)).toEqual({ allowed: true, reason: 'unavailable' });
    expect(await robots.isAllowed(`${server.url}/private`, UA)).toBe(false);
    expect(robotsHits()).toBe(2);
  });

  it('refetches after the TTL', async () => {
    robotsRoute = ok('User-agent: *\nDisallow: /private\n');
    let now = 0;
    const robots = new RobotsCache({ fetch: realFetch, ttlMs: 1000, now: () => now });
    expect(await robots.isAllowed(`${server.url}/private`, UA)).toBe(false);
    robotsRoute = ok('User-agent: *\nDisallow:\n');
    now += 999;
    expect(await robots.isAllowed(`${server.url}/private`, UA)).toBe(false);
    now += 2;
    expect(await robots.isAllowed(`${server.url}/private`, UA)).toBe(true);
    expect(robotsHits()).toBe(2);
  });

  it('applies redirected robots.txt rules to the original origin', async () => {
    robotsRoute = redirect('/moved-robots.txt', 301);
    const robots = new RobotsCache({ fetch: realFetch });
    expect(await robots.isAllowed(`${server.url}/moved-private/1`, UA)).toBe(false);
    expect(await robots.isAllowed(`${server.url}/ok`, UA)).toBe(true);
  });

  it('does not cache a failure that is not a fetch outcome', async () => {
    let calls = 0;
    const flaky: RobotsFetcher = async (url): Promise<FetchResult> => {
      calls++;
      if (calls === 1) throw new Error('redis down');
      return realFetch(url);
    };
    robotsRoute = ok('User-agent: *\nDisallow: /private\n');
    const robots = new RobotsCache({ fetch: flaky });
    await expect(robots.isAllowed(`${server.url}/private`, UA)).rejects.toThrow('redis down');
    expect(await robots.isAllowed(`${server.url}/private`, UA)).toBe(false);
    expect(calls).toBe(2);
  });

  it('lets blocked addresses through to the page fetch, which reports them accurately', async () => {
    const blocked: RobotsFetcher = async (url) => {
      throw new FetchError('blocked_address', url, 'blocked');
    };
    const robots = new RobotsCache({ fetch: blocked });
    expect(await robots.isAllowed('http://10.0.0.1/x', UA)).toBe(true);
  });

  it('keeps one cache entry per origin and evicts beyond maxOrigins', async () => {
    const seen: string[] = [];
    const fake: RobotsFetcher = async (url) => {
      seen.push(url);
      throw new FetchError('http_status', url, 'HTTP 404', { status: 404 });
    };
    const robots = new RobotsCache({ fetch: fake, maxOrigins: 2 });
    await robots.isAllowed('https://a.example/1', UA);
    await robots.isAllowed('https://a.example/2', UA);
    await robots.isAllowed('https://b.example:8443/1', UA);
    await robots.isAllowed('https://c.example/1', UA);
    await robots.isAllowed('https://a.example/3', UA); // evicted by c, fetched again
    expect(seen).toEqual([
      'https://a.example/robots.txt',
      'https://b.example:8443/robots.txt',
      'https://c.example/robots.txt',
      'https://a.example/robots.txt',
    ]);
  });

  it('derives the robots.txt product token from a user agent', () => {
    expect(robotsToken(UA)).toBe('YuqingBot');
    expect(robotsToken('Mozilla/5.0 (compatible; YuqingBot/1.0; +https://x)')).toBe('YuqingBot');
  });
});
