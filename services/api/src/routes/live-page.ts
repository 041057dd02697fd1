/**
 * The page of duty officers, analysts, leaders and the admin: `GET /` (one HTML page,
 * services/api/web/index.html, the login form until signed in; the views are hash routes of a
 * single page) and its assets under `/assets/`: app.js and app.css, built from the TypeScript
 * modules of services/api/web/src/ by web/build.ts into web/dist/ (at install and at start), read
 * once when the server starts. Public routes: they hold no data; the page reads everything through
 * the API with the session cookie. Nothing is loaded from elsewhere (isolated intranets): a strict
 * Content-Security-Policy keeps it so. The page references app.js and app.css with a content hash
 * (`?v=`), so a matching request may be cached for a year; any other is revalidated by ETag.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Config } from '@yuqing/config';
import { authenticateSession, hashSecret, type Pool } from '@yuqing/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors';

const WEB_DIR = new URL('../../web/', import.meta.url);
const DIST_DIR = new URL('dist/', WEB_DIR);

/** The page's policy: its own origin only, no inline script or style, no framing. */
export const LIVE_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** What web/dist/ holds that is served, by extension (anything else there is a 404). */
const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
  etag: string;
}

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

function sha(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

async function loadAssets(): Promise<Map<string, Asset>> {
  const names = await readdir(DIST_DIR).catch(() => [] as string[]);
  if (!names.includes('app.js') || !names.includes('app.css')) {
    throw new Error('the page is not built (services/api/web/dist/ lacks app.js or app.css): run `pnpm build:web` (pnpm install and pnpm start do it)');
  }
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = ASSET_TYPES[name.slice(name.lastIndexOf('.'))];
    if (!type) continue;
    const body = await readFile(new URL(name, DIST_DIR));
    const hash = sha(body);
    assets.set(name, { body, type, hash, etag: `"${hash}"` });
  }
  return assets;
}

/** GET / and GET /assets/:name. */
export const livePageRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  const assets = await loadAssets();
  const template = (await readFile(new URL('index.html', WEB_DIR), 'utf8')).replace(/\{\{([a-z-]+\.(?:js|css))\}\}/g, (_m, name: string) => assets.get(name)?.hash ?? '');
  const pages = { signedIn: template.replace('{{session}}', '1'), anonymous: template.replace('{{session}}', '0') };

  // Not part of the API: kept out of the OpenAPI document (hide).
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
    // Whether the cookie holds a live session, so the page shows the login form without first
    // provoking a 401 (which the browser would log as an error).
    const secret = req.cookies[cfg.AUTH_COOKIE_NAME];
    const signedIn = secret !== undefined && secret.length <= 200 && (await authenticateSession(db, hashSecret(secret))) !== null;
    return reply
      .headers({
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        // It says whether this browser is signed in: never stored by a cache.
        'cache-control': 'no-store',
        'content-security-policy': LIVE_PAGE_CSP,
        'x-frame-options': 'DENY',
      })
      .send(signedIn ? pages.signedIn : pages.anonymous);
  });

  app.get(
    '/assets/:name',
    {
      config: { public: true },
      schema: { hide: true, params: z.object({ name: z.string().max(64) }), querystring: z.object({ v: z.string().max(64).optional() }) },
    },
    async (req, reply) => {
      const asset = assets.get(req.params.name);
      if (!asset) throw new ApiError(404, 'NOT_FOUND', '未找到');
      const versioned = req.query.v === asset.hash;
      reply.headers({
        ...SECURITY_HEADERS,
        etag: asset.etag,
        'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.header('content-type', asset.type).send(asset.body);
    },
  );
};
