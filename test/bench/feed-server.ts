/**
 * A feed server for benchmarks, run as its own process so its CPU is not charged to the crawler:
 * serves FEEDS feeds of ITEMS items each at /feed/N.xml (UTF-8 RSS 2.0 with Chinese text).
 * Prints its port on stdout.
 */
import { createServer } from 'node:http';

const [feeds = 200, items = 50] = process.argv.slice(2, 4).map(Number);
const para = '据本报记者了解，当地派出所民警接到群众报警后迅速赶到现场，对事件进行了调查处理，相关情况正在进一步核实中。';
const docs = new Map<string, Buffer>();
for (let f = 0; f < feeds; f++) {
  const entries: string[] = [];
  for (let i = 0; i < items; i++) {
    const t = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + (f * items + i) * 60_000).toUTCString();
    entries.push(`<item><title>第${f}号源新闻${i}：某地警情通报</title><link>http://news.example.test/f${f}/a${i}.html?utm_source=rss</link>
<guid>f${f}-a${i}</guid><pubDate>${t}</pubDate><author>记者${i}</author>
<description><![CDATA[<p>${para.repeat(3)}</p><p>编号 ${f}-${i}</p>]]></description></item>`);
  }
  docs.set(`/feed/${f}.xml`, Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>源${f}</title><link>http://news.example.test/</link>${entries.join('\n')}</channel></rss>`));
}
const server = createServer((req, res) => {
  const body = docs.get(req.url ?? '');
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
// One server per loopback address: the feeds live on HOSTS distinct hosts, as real feeds do,
// so per-host politeness (one request at a time per host) does not serialize the benchmark.
const HOSTS = Number(process.argv[4] ?? 8);
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const others = Array.from({ length: HOSTS - 1 }, (_, i) => {
    const s = createServer((req, res) => server.emit('request', req, res));
    return new Promise<void>((r) => s.listen(port, `127.0.0.${i + 2}`, () => r()));
  });
  void Promise.all(others).then(() => process.stdout.write(`${port}\n`));
});
