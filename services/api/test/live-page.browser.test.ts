/**
 * The live page in a real browser: Debian's chromium driven by playwright-core, against the real
 * server (startApiServer on 127.0.0.1:0, a test schema). Log in through the form, watch an alert
 * appear live (no reload), acknowledge it with one click; no console errors, no page errors, and
 * no request to any host but the service.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). Without it the
 * test is skipped, visibly, under a title that says so.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { appendAlertEvent, insertAlert, withTransaction, type AlertEvent } from '@yuqing/db';
import { publishAlertEvents } from '@yuqing/queue';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const PASSWORD = 'duty-officer-pass-1';

describe.skipIf(!hasChromium)(`live page in headless Chromium${hasChromium ? '' : ' — SKIPPED: needs Debian chromium at /usr/bin/chromium (apt-get install -y chromium)'}`, () => {
  let t: TestEnv;
  let server: { url: string; close(): Promise<void> };
  let browser: BrowserContext;
  let page: Page;
  let userDir: string;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    t = await createTestEnv('livebrowser');
    await makeCaller(t.db, 'duty', 'pr', PASSWORD);
    server = await startApiServer(loadConfig({ ...t.env, API_HOST: '127.0.0.1', API_PORT: '0', SSE_HEARTBEAT_MS: '5000' }));
    userDir = await mkdtemp(path.join(tmpdir(), 'yuqing-chromium-'));
    // A fresh profile per run (launchPersistentContext owns --user-data-dir).
    browser = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      locale: 'zh-CN',
      // Not Asia/Shanghai: the page must show Beijing time whatever the machine's zone.
      timezoneId: 'UTC',
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'data:' && u.hostname !== '127.0.0.1') foreignRequests.push(r.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.cleanup();
    if (userDir) await rm(userDir, { recursive: true, force: true });
  });

  it('log in, see a new alert appear live, acknowledge it with one click; no errors, no other host', async () => {
    const base = server.url;
    expect(new URL(base).hostname).toBe('127.0.0.1');
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'self'/);

    // Not signed in: the login form.
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await page.fill('#login-name', 'duty');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.locator('#alerts-view').waitFor({ state: 'visible' });
    await expect.poll(() => page.textContent('#who-name')).toContain('duty');
    // The stream is open and the (empty) list loaded.
    await expect.poll(() => page.textContent('#stream-state'), { timeout: 10_000 }).toBe('实时');
    await page.locator('#empty').waitFor({ state: 'visible' });

    // A firing alert arrives: stored and announced as the alerter does.
    const title = '某派出所民警执法视频引发热议';
    const { alertId } = await withTransaction(t.db, async (client) => {
      const alert = await insertAlert(client, { kind: 'topic', dedupKey: 'rule:1:topic:42', level: 'orange', title, summary: '多个来源转发', heat: 87.46, topicId: 42 });
      if (!alert) throw new Error('alert not created');
      const event: AlertEvent = await appendAlertEvent(client, {
        alertId: alert.id,
        type: 'firing',
        level: 'orange',
        payload: { from: 'yellow', to: 'orange', reason: '测试', topicId: 42, indicators: { rate1h: 30, ratePrev1h: 10 } },
        audienceRoles: ['admin', 'pr', 'analyst', 'leader'],
      });
      return { alertId: alert.id, event };
    }).then(async (r) => {
      await publishAlertEvents(t.redis, t.cfg.QUEUE_PREFIX, [r.event.id]);
      return r;
    });

    // It appears without a reload, with its level, heat, trend and state.
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await expect.poll(() => row.textContent()).toContain(title);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('橙色');
    expect(text).toContain('87.5');
    expect(text).toContain('上升');
    expect(text).toContain('未确认');
    expect(await row.getAttribute('class')).toContain('level-orange');
    expect(await page.textContent('#count')).toBe('1');
    // Beijing time, although the browser runs in UTC.
    const created = (await t.db.query<{ created_at: Date }>('SELECT created_at FROM alerts WHERE id = $1', [alertId])).rows[0]?.created_at ?? new Date(0);
    const beijing = new Date(created.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(await row.locator('.time').textContent()).toContain(beijing);

    // One click acknowledges it.
    await row.locator('button.ack').click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    await expect.poll(() => row.locator('.state').textContent()).toContain('已确认');
    expect(await row.locator('.state').textContent()).toContain('duty');
    expect(await row.locator('button.ack').count()).toBe(0);
    const { rows } = await t.db.query<{ type: string; payload: { byName?: string } }>('SELECT type, payload FROM alert_events WHERE alert_id = $1 ORDER BY id', [alertId]);
    expect(rows.map((r) => r.type)).toEqual(['firing', 'acknowledged']);
    expect(rows[1]?.payload.byName).toBe('duty');

    // Log out: back to the form.
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
