/**
 * Builds the page's assets: web/src/app.ts and everything it imports (the views, ECharts, the
 * style sheets they import) into web/dist/app.js and web/dist/app.css — one module and one style
 * sheet, served by the API under /assets/ (routes/live-page.ts). Run at install (postinstall), at
 * `pnpm start` and before the tests (`pnpm build:web`), so nothing is fetched at run time and the
 * page never needs a CDN. Type-checking is tsc's job (web/tsconfig.json, part of `pnpm typecheck`);
 * esbuild only strips the types and bundles.
 *
 * ECharts' licence (Apache-2.0) and its NOTICE travel with the bundle as app.js.LEGAL.txt.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const WEB = new URL('./', import.meta.url);

export async function buildWeb(outdir = fileURLToPath(new URL('dist/', WEB))): Promise<void> {
  await build({
    entryPoints: { app: fileURLToPath(new URL('src/app.ts', WEB)) },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'edge109'],
    minify: true,
    charset: 'utf8',
    legalComments: 'external',
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildWeb();
  console.log(`web assets built in ${Date.now() - started} ms → services/api/web/dist/`);
}
