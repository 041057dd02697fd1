/** The page as served (inject): content types, cache headers, the CSP, no remote URLs, the session flag, its modules. */
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import type { FastifyInstance } from 'fastify';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { makeCaller } from './auth-fixtures';

let t: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  t = await createTestEnv('livepage');
  await makeCaller(t.db, 'duty', 'pr', 'duty-password-1');
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

const assetUrls = (html: string): string[] => [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
/** A remote address used as a request or resource: fetched, an EventSource, a src or href set to it. */
const REMOTE_RESOURCE = /(?:fetch\(|EventSource\(|\.src\s*=|\.href\s*=|import\()\s*['"`]https?:\/\//;
const DIST_DIR = new URL('../web/dist/', import.meta.url);
const SRC_DIR = new URL('../web/src/', import.meta.url);

describe('GET /', () => {
  it('is HTML with a strict CSP, never cached, and references only its own assets', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(String(res.headers['content-security-policy'])).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self';/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('lang="zh-CN"');
    expect(res.body).toContain('data-session="0"');
    expect(res.body).not.toMatch(/\{\{|https?:\/\//);
    // No inline script or style for the CSP to refuse.
    expect(res.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)/i);
    const urls = assetUrls(res.body);
    // The links of the page itself: the views' hash routes, the CSV exports and the digests (same origin).
    const pageLinks = urls.filter((u) => u.startsWith('#/') || u.startsWith('/api/'));
    expect(pageLinks).toEqual(
      expect.arrayContaining(['#/alerts', '#/incidents', '#/digests', '#/topics', '#/items', '#/hotlists', '#/sources', '/api/incidents.csv', '/api/alerts.csv', '/api/digests/latest/html?kind=daily']),
    );
    expect(urls.filter((u) => !pageLinks.includes(u))).toEqual([
      'data:,',
      expect.stringMatching(/^\/assets\/app\.css\?v=[0-9a-f]{16}$/),
      expect.stringMatching(/^\/assets\/app\.js\?v=[0-9a-f]{16}$/),
    ]);
    // The entry is a module: it imports the views' modules.
    expect(res.body).toMatch(/<script type="module" src="\/assets\/app\.js\?v=[0-9a-f]{16}"><\/script>/);
  });

  it('tells the page when the session cookie is live (so it need not provoke a 401)', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'duty', password: 'duty-password-1' } });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.find((c) => c.name === t.cfg.AUTH_COOKIE_NAME);
    const res = await app.inject({ method: 'GET', url: '/', cookies: { [t.cfg.AUTH_COOKIE_NAME]: cookie?.value ?? '' } });
    expect(res.body).toContain('data-session="1"');
    const stale = await app.inject({ method: 'GET', url: '/', cookies: { [t.cfg.AUTH_COOKIE_NAME]: 'not-a-session' } });
    expect(stale.body).toContain('data-session="0"');
  });
});

describe('GET /assets/:name', () => {
  it('serves the built app.js and app.css with their types; the hashed URL is cached for good, others revalidate', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    const entries = assetUrls(page.body).filter((u) => u.startsWith('/assets/'));
    expect(entries).toHaveLength(2);
    for (const url of entries) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(url.includes('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      // Nothing fetched from elsewhere: no remote style sheet, font or image, and no request or
      // resource address written as a remote URL (an example address shown to the admin in a
      // placeholder is text, not a request; the browser tests fail on any request to another host).
      expect(res.body).not.toMatch(/@import|url\(\s*['"]?(?!data:)[a-z]+:/i);
      expect(res.body).not.toMatch(REMOTE_RESOURCE);
      const name = new URL(url, 'http://x').pathname.slice('/assets/'.length);
      expect(res.body).toBe(await readFile(new URL(name, DIST_DIR), 'utf8'));
      const bare = await app.inject({ method: 'GET', url: `/assets/${name}` });
      expect(bare.headers['cache-control']).toBe('no-cache');
      const again = await app.inject({ method: 'GET', url: `/assets/${name}`, headers: { 'if-none-match': String(bare.headers.etag) } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('app.js is one self-contained module: it imports nothing, so no module is fetched from elsewhere or left stale', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/(^|[;}\n])\s*import\s*[{*"'\w]|\bimport\(/);
    expect(res.body).not.toMatch(/\beval\(|document\.write/);
  });

  it('the page’s own modules are TypeScript that never write HTML from strings (ECharts’ tooltips are the library’s)', async () => {
    const files = (await readdir(SRC_DIR)).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['app.ts', 'core.ts', 'wire.ts']));
    for (const f of files) {
      const text = await readFile(new URL(f, SRC_DIR), 'utf8');
      expect(text, f).not.toMatch(/\.innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
      expect(text, f).not.toMatch(REMOTE_RESOURCE);
    }
  });

  it('answers 404 for anything else, with the JSON error shape', async () => {
    for (const name of ['index.html', '..%2Fsrc%2Fapp.ts', 'app.ts']) {
      const res = await app.inject({ method: 'GET', url: `/assets/${name}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });
});
