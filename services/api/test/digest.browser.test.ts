/**
 * A busy day's digest page in a real browser: Debian's chromium driven by playwright-core, against
 * the real server (startApiServer on 127.0.0.1:0, a test schema seeded with hundreds of items and
 * dozens of topics, some titles carrying markup). The page loads with no console or page error and
 * no request to any other host, runs no script, its inline SVG parses as XML, and Chromium's print
 * to PDF on A4 takes at most four pages.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDigest } from '@yuqing/api';
import type { Digest } from '@yuqing/digest';
import { expectCleanPage, hasChromium, skipTitle } from '../../../test/support/browser';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller } from './auth-fixtures';
import { startPageRig, type PageRig } from './browser-fixtures';
import { buildWorld, DAY, HOUR, seedWorld } from './digest-fixtures';

const FIRE = new Date('2026-11-29T00:00:00Z');
const FROM = new Date(FIRE.getTime() - DAY);

describe.skipIf(!hasChromium)(skipTitle('digest page in headless Chromium'), () => {
  let t: TestEnv;
  let rig: PageRig;
  let page: Page;
  let digestId: number;
  let digest: Digest;

  beforeAll(async () => {
    t = await createTestEnv('digestbrowser');
    // A busy day: ~700 items in the period, 40 topics, warnings, incidents, failing fetches.
    await seedWorld(
      t.db,
      buildWorld({ seed: 7, start: new Date(FROM.getTime() - DAY), end: new Date(FIRE.getTime() + 2 * HOUR), items: 1500, topics: 40, alerts: 120, incidents: 60, fetches: 600, hostile: true }),
    );
    const g = await generateDigest(t.db, { kind: 'daily', from: FROM, to: FIRE, now: new Date(FIRE.getTime() + 60_000), by: 'system', timeZone: 'Asia/Shanghai', baseUrl: 'http://127.0.0.1' });
    digestId = g.stored.id;
    digest = g.digest;
    const leader = await makeCaller(t.db, 'leader-browser', 'leader');
    // The page is opened directly, not through the login form: the leader's token on every request.
    rig = await startPageRig(t, { env: { DIGEST_ENABLED: 'false' }, launch: { extraHTTPHeaders: bearer(leader.token) } });
    page = rig.page;
  });

  afterAll(async () => {
    await rig?.close();
    await t?.cleanup();
  });

  it('a busy day renders without errors or other hosts, runs nothing, and prints on at most 4 A4 pages', async () => {
    expect(digest.headline.items.value).toBeGreaterThan(500);
    expect(digest.topics.count).toBeGreaterThan(20);
    expect(digest.topics.top).toHaveLength(10);

    const response = await page.goto(`${rig.url}/api/digests/${digestId}/html`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    const raw = (await response?.text()) ?? '';

    // The page as a leader sees it: the period in Beijing time although the browser runs in UTC.
    expect(await page.title()).toBe('舆情日报（2026-11-29）');
    expect(await page.textContent('header.doc .period')).toBe('统计时段：2026-11-28 08:00 至 2026-11-29 08:00（北京时间）');
    const count = (selector: string) => page.locator(selector).count();
    const counts = {
      scripts: await count('script'),
      images: await count('img'),
      sparklines: await count('svg.spark'),
      charts: await count('svg.chart'),
      sections: await count('main > section'),
      // The hostile titles are text, not elements.
      bold: await count('main b'),
    };
    expect(counts).toEqual({ scripts: 0, images: 0, sparklines: 10, charts: 1, sections: 8, bold: 0 });

    // Every inline SVG, as served, is well-formed XML to the browser's own XML parser.
    const svgs = [...raw.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs.length).toBeGreaterThan(10);
    // (A string, not a function: this file is type-checked without the DOM library.)
    const faults = await page.evaluate(
      `${JSON.stringify(svgs)}.filter((s) => new DOMParser().parseFromString(s, 'image/svg+xml').getElementsByTagName('parsererror').length > 0).length`,
    );
    expect(faults).toBe(0);

    const pdf = await page.pdf({ format: 'A4' });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(4);

    expectCleanPage(rig.watch);
  });
});
