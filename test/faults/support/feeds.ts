/**
 * Local servers for the fault suite: a feed server publishing the demo's police-negative cascade
 * (services/cli/src/demo/stream.ts) as it happens, recording every item it ever served, optionally
 * answering slowly; and a webhook receiver counting deliveries by their delivery id.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { NEWS, REPOSTS, ROOT, type DemoPost } from '../../../services/cli/src/demo/stream';

interface Entry extends DemoPost {
  path: string;
}

export interface FeedServer {
  url: string;
  feeds: { news: string; posts: string };
  /** Paths of every item any response carried (a response cut before its end still counts: it may have been read). */
  served: Set<string>;
  /** Feed requests received (robots.txt excluded). */
  requests: number;
  /** Requests whose response is still being written (the slow mode). */
  inFlight: number;
  /** Every entry the stream will ever publish. */
  total: number;
  /** Stream seconds published so far. */
  elapsed(): number;
  /** True once every entry is published. */
  complete(): boolean;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/**
 * `speed`: stream seconds per real second (the demo's stream lasts ~115 s); `extraNews`: more
 * ordinary items published at once (to give the analyzer batches to be killed in).
 */
export async function startFeedServer(opts: { speed: number; extraNews?: number; delayMs?: number }): Promise<FeedServer> {
  const run = randomBytes(4).toString('hex');
  const started = Date.now();
  let delay = opts.delayMs ?? 0;
  const elapsed = () => ((Date.now() - started) / 1000) * opts.speed;
  const news: Entry[] = NEWS.map((p, i) => ({ ...p, path: `/${run}/news/${i}` }));
  for (let i = 0; i < (opts.extraNews ?? 0); i++) {
    news.push({ at: 0, author: '示例市新闻', title: `示例市第${i + 1}期便民信息`, text: `第${i + 1}期：本周末城南区第${i + 1}社区开展便民服务活动，提供理发、家电维修和健康咨询，欢迎居民参加。`, path: `/${run}/extra/${i}` });
  }
  const posts: Entry[] = [ROOT, ...REPOSTS].map((p, i) => ({ ...p, path: `/${run}/post/${i}` }));
  const served = new Set<string>();
  let base = '';
  const item = (e: Entry) =>
    `<item><title>${cdata(e.title)}</title><link>${base}${e.path}</link><guid>${base}${e.path}</guid><pubDate>${new Date(started + (e.at * 1000) / opts.speed).toUTCString()}</pubDate><author>${cdata(e.author)}</author><description>${cdata(e.text)}</description></item>`;
  const feed = (title: string, entries: Entry[]) => {
    const shown = entries.filter((e) => e.at <= elapsed()).reverse();
    return {
      paths: shown.map((e) => e.path),
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${cdata(title)}</title><link>${base}/</link><description>${cdata(title)}</description>\n${shown.map(item).join('\n')}\n</channel></rss>\n`,
    };
  };
  const state = { requests: 0, inFlight: 0 };
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://feeds.invalid').pathname;
    if (p === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
      return;
    }
    const f = p === '/news.xml' ? feed('示例市新闻', news) : p === '/posts.xml' ? feed('示例微博', posts) : null;
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    state.requests++;
    for (const x of f.paths) served.add(x);
    const body = Buffer.from(f.body, 'utf8');
    if (!delay) {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'cache-control': 'no-store' }).end(body);
      return;
    }
    // Slow: headers and half the body at once, the rest after `delay` ms.
    state.inFlight++;
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(body.length) });
    const half = Math.floor(body.length / 2);
    res.write(body.subarray(0, half));
    const timer = setTimeout(() => res.end(body.subarray(half)), delay);
    res.on('close', () => {
      clearTimeout(timer);
      state.inFlight--;
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const last = Math.max(...news.map((e) => e.at), ...posts.map((e) => e.at));
  return {
    url: base,
    feeds: { news: `${base}/news.xml`, posts: `${base}/posts.xml` },
    served,
    get requests() {
      return state.requests;
    },
    get inFlight() {
      return state.inFlight;
    },
    total: news.length + posts.length,
    elapsed,
    complete: () => elapsed() >= last,
    setDelay: (ms) => (delay = ms),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Receiver {
  url: string;
  /** Delivery ids (x-yuqing-delivery) in the order received; a repeat shows up twice. */
  deliveries: string[];
  bodies: string[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const deliveries: string[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      deliveries.push(String(req.headers['x-yuqing-delivery']));
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
