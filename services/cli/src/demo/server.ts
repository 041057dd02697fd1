/**
 * The demo's feed server: the bundled stream (stream.ts) published as it happens, on a loopback
 * port. Three RSS feeds (news, posts, a hot list) show what has been published so far; every link
 * opens a small page with the post. Entries carry the real wall-clock time they were published at,
 * and links carry a run id, so a second demo run is a fresh story, not a repeat the crawler skips.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HOT_LIST, NEWS, REPOSTS, ROOT, type DemoPost } from './stream';

export interface DemoServer {
  /** Base URL, e.g. http://127.0.0.1:3999 */
  url: string;
  port: number;
  /** The feeds to add as sources. */
  feeds: { news: string; posts: string; hotList: string };
  /** Seconds of the stream published so far. */
  elapsed(): number;
  close(): Promise<void>;
}

export interface DemoServerOptions {
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** How many stream seconds pass per real second (1: about two minutes; tests go faster). */
  speed?: number;
  now?: () => number;
}

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function rss(title: string, link: string, items: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${cdata(title)}</title><link>${link}</link><description>${cdata(`${title}（yuqing 演示）`)}</description><language>zh-cn</language>\n${items.join('\n')}\n</channel></rss>\n`;
}

/** Starts the server; the stream's clock starts now. */
export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const now = opts.now ?? Date.now;
  const speed = opts.speed ?? 1;
  const runId = randomBytes(4).toString('hex');
  const startedAt = now();
  const elapsed = () => ((now() - startedAt) / 1000) * speed;
  const publishedAt = (at: number) => new Date(startedAt + (at * 1000) / speed);
  let base = '';
  const pages = new Map<string, DemoPost>();

  const item = (kind: string, i: number, p: DemoPost) => {
    const path = `/${runId}/${kind}/${i}`;
    pages.set(path, p);
    return `<item><title>${cdata(p.title)}</title><link>${base}${path}</link><guid>${base}${path}</guid><pubDate>${publishedAt(p.at).toUTCString()}</pubDate><author>${cdata(p.author)}</author><description>${cdata(p.text)}</description></item>`;
  };

  const feeds: Record<string, () => string> = {
    '/news.xml': () =>
      rss(
        '示例市新闻',
        base,
        NEWS.map((p, i) => [p, i] as const)
          .filter(([p]) => p.at <= elapsed())
          .reverse()
          .map(([p, i]) => item('news', i, p)),
      ),
    '/posts.xml': () => {
      const posts = [ROOT, ...REPOSTS].map((p, i) => [p, i] as const).filter(([p]) => p.at <= elapsed());
      return rss('示例微博', base, posts.reverse().map(([p, i]) => item('post', i, p)));
    },
    '/hot.xml': () => {
      const snapshot = [...HOT_LIST].reverse().find((h) => h.at <= elapsed()) ?? HOT_LIST[0];
      const items = (snapshot?.titles ?? []).map((title, k) => {
        const path = `/${runId}/hot/${encodeURIComponent(title)}`;
        pages.set(path, { at: snapshot?.at ?? 0, author: '热搜榜（模拟）', title, text: title });
        // Heat falls with the rank, as on a real list.
        return `<item><title>${cdata(title)}</title><link>${base}${path}</link><description>${cdata(`${title} 热度 ${Math.round(500 - k * 37)}万`)}</description></item>`;
      });
      return rss('热搜榜（模拟）', base, items);
    },
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('User-agent: *\nAllow: /\n');
      return;
    }
    const feed = feeds[path];
    if (feed) {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'cache-control': 'no-store' }).end(feed());
      return;
    }
    const page = pages.get(path);
    if (page) {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title></head><body><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.author)}</p><p>${escapeHtml(page.text)}</p><p>（yuqing 演示数据，人物与事件均为虚构）</p></body></html>`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${host}:${port}`;
  return {
    url: base,
    port,
    feeds: { news: `${base}/news.xml`, posts: `${base}/posts.xml`, hotList: `${base}/hot.xml` },
    elapsed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
