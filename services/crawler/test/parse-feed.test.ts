import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { FeedParseError, looksLikeFeed, parseFeed, type ParsedFeed } from '../src/parse/feed';
import { hasSharedData, sharedPath } from '../../../test/shared-data';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`fixtures/feeds/${name}`, import.meta.url)), 'utf8');

/** Parses, expecting either success or a FeedParseError; any other exception fails the test. */
async function parseOrFeedError(xml: string, feedUrl: string): Promise<ParsedFeed | FeedParseError> {
  try {
    return await parseFeed(xml, { feedUrl });
  } catch (err) {
    expect(err).toBeInstanceOf(FeedParseError);
    return err as FeedParseError;
  }
}

/** The first `fraction` of the file's bytes, decoded as a fetcher that hit a size cap would. */
function truncateBytes(xml: string, fraction: number): string {
  const bytes = Buffer.from(xml, 'utf8');
  return bytes.subarray(0, Math.floor(bytes.length * fraction)).toString('utf8');
}

/** Complete item/entry elements in a text, counted independently of the parser. */
function completeEntries(xml: string): number {
  return (xml.match(/<\/(?:item|entry)>/g) ?? []).length;
}

describe('parseFeed on own fixtures', () => {
  it('reads a Chinese CMS RSS feed with BOM, leading whitespace, relative links and zone-less times', async () => {
    const xml = fixture('rss-zh-cms.xml');
    expect(xml.charCodeAt(0)).toBe(0xfeff);
    const feed = await parseFeed(xml, { feedUrl: 'https://police.example.cn/rss.xml' });
    expect(feed.title).toBe('某市公安局 警务资讯');
    expect(feed.link).toBe('https://police.example.cn/news/');
    expect(feed.salvaged).toBe(false);
    expect(feed.skipped).toBe(1); // the item with neither link nor URL guid
    expect(feed.entries.map((e) => e.url)).toEqual([
      'https://police.example.cn/news/detail/1001.html?id=1001', // relative to the channel link, utm_ dropped
      'https://police.example.cn/news/detail/1002.html', // guid is a URL: used as the link, fragment dropped
      'https://police.example.cn/news/detail/1004.html',
    ]);
    const [first, second, fourth] = feed.entries;
    expect(first).toMatchObject({
      guid: 'news-1001',
      title: '市公安局召开夏季治安打击整治行动部署会',
      author: '宣传处',
      summary: '3月5日上午，市公安局召开会议。 会议强调 要严厉打击违法犯罪。',
      text: '全文第一段。 全文 第二段。',
      categories: ['警务动态', '治安'],
    });
    expect(first?.contentHtml).toContain('<script>track()</script>');
    // "2024-03-05 10:20:00" has no zone: Asia/Shanghai, i.e. 02:20 UTC.
    expect(first?.publishedAt?.toISOString()).toBe('2024-03-05T02:20:00.000Z');
    expect(second?.guid).toBe('https://police.example.cn/news/detail/1002.html#top');
    expect(second?.publishedAt?.toISOString()).toBe('2024-03-05T10:00:00.000Z');
    expect(second?.contentHtml).toBeNull();
    expect(second?.text).toBe('清明假期将至，请注意出行安全。');
    expect(second?.author).toBeNull();
    expect(fourth?.title).toBe('反诈中心提醒： 警惕“刷单返利”骗局');
    expect(fourth?.publishedAt?.toISOString()).toBe('2024-03-04T01:05:00.000Z');
  });

  it('reads Atom with xml:base, enclosure links, non-ISO dates and HTML titles', async () => {
    const feed = await parseFeed(fixture('atom-xmlbase.xml'), { feedUrl: 'https://blog.example.org/atom.xml' });
    expect(feed.title).toBe('网警 & 网安 博客');
    expect(feed.link).toBe('https://blog.example.org/');
    expect(feed.entries).toHaveLength(3);
    const [a, b, c] = feed.entries;
    // Link without rel is the alternate page, not the enclosure; relative to the feed's xml:base.
    expect(a?.url).toBe('https://blog.example.org/zh/posts/rumors.html');
    expect(a?.title).toBe('网络谣言的识别与应对');
    expect(a?.publishedAt?.toISOString()).toBe('2024-03-05T02:20:00.000Z'); // published wins over updated
    expect(a?.author).toBe('王警官');
    expect(a?.categories).toEqual(['谣言', '网络安全']);
    expect(a?.summary).toBe('如何识别网络谣言。');
    expect(a?.contentHtml).toBe('<p>正文：先核实信源。</p>');
    expect(a?.text).toBe('正文：先核实信源。');
    expect(a?.guid).toBe('tag:blog.example.org,2024:1');
    // Entry-level xml:base overrides the feed's.
    expect(b?.url).toBe('https://other.example.org/archive/2024/03/02.html');
    expect(b?.title).toBe('AT&T 与 <script> 标签');
    expect(b?.publishedAt?.toISOString()).toBe('2024-03-02T01:30:00.000Z');
    expect(b?.summary).toBeNull();
    expect(b?.text).toBeNull();
    // No link, but the id is a URL; its unparseable date is dropped, not fatal.
    expect(c?.url).toBe('https://blog.example.org/zh/posts/id-as-url.html');
    expect(c?.publishedAt).toBeNull();
  });

  it('reads RSS 1.0 (RDF) with dc:date and dc:creator', async () => {
    const feed = await parseFeed(fixture('rdf.xml'), { feedUrl: 'https://rdf.example.net/rss' });
    expect(feed.title).toBe('RDF 新闻');
    expect(feed.entries.map((e) => [e.url, e.title, e.publishedAt?.toISOString(), e.guid])).toEqual([
      ['https://rdf.example.net/a/1', '第一条', '2024-03-05T02:20:00.000Z', 'https://rdf.example.net/a/1'],
      ['https://rdf.example.net/a/2', '第二条', '2024-03-05T03:00:00.000Z', 'https://rdf.example.net/a/2'],
    ]);
    expect(feed.entries[0]?.author).toBe('张三');
  });

  it('repairs bare ampersands and HTML entities that strict XML rejects', async () => {
    const feed = await parseFeed(fixture('bare-ampersand.xml'), { feedUrl: 'http://www.county.example.cn/rss' });
    expect(feed.salvaged).toBe(false);
    expect(feed.entries).toHaveLength(1);
    expect(feed.entries[0]).toMatchObject({
      url: 'http://www.county.example.cn/show.php?catid=2&id=7',
      title: '城管 公安联合整治占道经营',
      summary: '整治 R&D 园区周边 © 县融媒',
    });
    expect(feed.entries[0]?.publishedAt?.toISOString()).toBe('2024-03-05T00:00:00.000Z');
  });

  it('salvages a feed cut in the middle of an item', async () => {
    const xml = fixture('rss-zh-cms.xml');
    const cut = xml.slice(0, xml.indexOf('<title>没有链接的条目') + 12);
    const full = await parseFeed(xml, { feedUrl: 'https://police.example.cn/rss.xml' });
    const part = await parseFeed(cut, { feedUrl: 'https://police.example.cn/rss.xml' });
    expect(part.salvaged).toBe(true);
    expect(part.title).toBe(full.title);
    expect(part.entries).toEqual(full.entries.slice(0, 2));
  });

  it('salvages a feed cut inside a CDATA section that contains "</item>"', async () => {
    const xml =
      '<rss version="2.0"><channel><title>t</title><link>https://a.example/</link>' +
      '<item><title>one</title><link>https://a.example/1</link></item>' +
      '<item><title>two</title><link>https://a.example/2</link><description><![CDATA[ fake </item> ';
    const feed = await parseFeed(xml, { feedUrl: 'https://a.example/rss' });
    expect(feed.salvaged).toBe(true);
    expect(feed.entries.map((e) => e.title)).toEqual(['one']);
  });

  it.each(['rss-zh-cms.xml', 'atom-xmlbase.xml', 'rdf.xml'])('%s cut anywhere: complete entries or FeedParseError', async (name) => {
    const xml = fixture(name);
    const full = await parseFeed(xml, { feedUrl: 'https://a.example/rss' });
    for (let at = 0; at < xml.length; at += 37) {
      const part = await parseOrFeedError(xml.slice(0, at), 'https://a.example/rss');
      if (part instanceof FeedParseError) {
        expect(completeEntries(xml.slice(0, at))).toBe(0);
        continue;
      }
      expect(part.salvaged).toBe(xml.slice(0, at).trimEnd() !== xml.trimEnd());
      expect(part.entries).toEqual(full.entries.slice(0, part.entries.length));
      expect(part.entries.length + part.skipped).toBe(completeEntries(xml.slice(0, at)));
    }
  });

  it.each([
    ['', 'empty'],
    ['  \n\ufeff ', 'empty'],
    [fixture('not-a-feed.html'), 'not-a-feed'],
    ['{"items": []}', 'not-a-feed'],
    ['just some text', 'not-a-feed'],
    ['<?xml version="1.0"?><opml version="2.0"><body/></opml>', 'not-a-feed'],
    ['<rss version="2.0"><channel><title>cut before any item', 'malformed'],
    ['<rss version="2.0"></rss>', 'malformed'],
  ])('throws FeedParseError for %j', async (xml, reason) => {
    const err = await parseFeed(xml, { feedUrl: 'https://a.example/rss' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedParseError);
    expect((err as FeedParseError).reason).toBe(reason);
    expect((err as FeedParseError).message.length).toBeGreaterThan(reason.length);
  });

  it('returns an empty entry list for a valid feed without items', async () => {
    const feed = await parseFeed('<rss version="2.0"><channel><title>空</title></channel></rss>', { feedUrl: 'https://a.example/rss' });
    expect(feed).toMatchObject({ title: '空', entries: [], salvaged: false, skipped: 0 });
  });
});

describe('looksLikeFeed', () => {
  it.each([
    ['<rss version="2.0"><channel/></rss>', true],
    ['\ufeff\n  <?xml version="1.0"?>\n<!-- generator --><feed xmlns="http://www.w3.org/2005/Atom"/>', true],
    ['<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><rdf:RDF xmlns:rdf="x"/>', true],
    ['<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "x"><rss version="0.91"/>', true],
    ['<!DOCTYPE html><html><body><rss></rss></body></html>', false],
    ['<html><head><link rel="alternate" type="application/rss+xml"></head></html>', false],
    ['<feedback>no</feedback>', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(looksLikeFeed(text)).toBe(expected);
  });
});

interface ExpectedItem {
  title?: unknown;
  link?: unknown;
  guid?: unknown;
  id?: unknown;
  isoDate?: string;
}

const isHttpUrl = (v: unknown): boolean => typeof v === 'string' && /^https?:\/\//i.test(v.trim());

/** rss-parser's expected title as plain text: whitespace collapsed, and markup rendered when it has any. */
function expectedTitle(t: unknown): string | null {
  if (typeof t !== 'string') return null;
  const text = /<\/?[a-z][^>]*>|&#?\w+;/i.test(t) ? cheerio.load(t).root().text() : t;
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed || null;
}

describe.skipIf(!hasSharedData)('parseFeed on real feeds (needs ../shared/data)', () => {
  const inputDir = sharedPath('feeds/rss-parser/test/input');
  const outputDir = sharedPath('feeds/rss-parser/test/output');
  const zhDir = sharedPath('feeds/zh');
  const rssParserFiles = hasSharedData ? readdirSync(inputDir) : [];
  const zhFiles = hasSharedData ? readdirSync(zhDir) : [];
  const allFiles = [...rssParserFiles.map((f) => `${inputDir}/${f}`), ...zhFiles.map((f) => `${zhDir}/${f}`)];

  it('finds the real feeds', () => {
    expect(rssParserFiles.length).toBeGreaterThanOrEqual(30);
    expect(zhFiles.length).toBeGreaterThanOrEqual(4);
  });

  it.each(allFiles)('%s parses or fails with FeedParseError', async (path) => {
    const result = await parseOrFeedError(readFileSync(path, 'utf8'), 'https://feeds.example.com/feed.xml');
    if (!(result instanceof FeedParseError)) {
      for (const e of result.entries) expect(e.url).toMatch(/^https?:\/\/[^/]+\//);
    }
  });

  it('rejects the HTML "Document Moved" page as not a feed', async () => {
    const err = await parseFeed(readFileSync(`${inputDir}/unrecognized.rss`, 'utf8'), { feedUrl: 'https://x.example/' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedParseError);
    expect((err as FeedParseError).reason).toBe('not-a-feed');
  });

  const withOutput = rssParserFiles.filter((f) => existsSync(`${outputDir}/${f.replace(/\.[^.]+$/, '')}.json`));

  it.each(withOutput)('%s matches rss-parser’s expected items', async (file) => {
    const expected = JSON.parse(readFileSync(`${outputDir}/${file.replace(/\.[^.]+$/, '')}.json`, 'utf8')) as {
      feed: { items?: ExpectedItem[] };
    };
    const items = expected.feed.items ?? [];
    const feedUrl = 'https://feeds.example.com/feed.xml';
    const feed = await parseFeed(readFileSync(`${inputDir}/${file}`, 'utf8'), { feedUrl });
    const linked = items.filter((i) => (typeof i.link === 'string' && i.link.trim() !== '') || isHttpUrl(i.guid) || isHttpUrl(i.id));
    expect(feed.entries).toHaveLength(linked.length);
    expect(feed.skipped).toBe(items.length - linked.length);
    feed.entries.forEach((entry, i) => {
      const exp = linked[i]!;
      expect(entry.title).toBe(expectedTitle(exp.title));
      const expLink = typeof exp.link === 'string' && exp.link.trim() ? exp.link.trim() : String(exp.guid ?? exp.id);
      expect(new URL(entry.url).host).toBe(new URL(expLink, feedUrl).host);
      // Where rss-parser found a date with an explicit zone, we must find the same instant.
      if (exp.isoDate) expect(entry.publishedAt?.toISOString()).toBe(exp.isoDate);
    });
  });

  it.each(zhFiles)('%s (Chinese) yields entries with Chinese titles and dates', async (file) => {
    const xml = readFileSync(`${zhDir}/${file}`, 'utf8');
    const feed = await parseFeed(xml, { feedUrl: 'https://zh.example.com/feed.xml' });
    expect(feed.entries.length).toBe(completeEntries(xml));
    expect(feed.entries.length).toBeGreaterThan(0);
    expect(feed.title).toMatch(/\S/);
    const chinese = feed.entries.filter((e) => /[\u4e00-\u9fff]/.test(e.title ?? ''));
    expect(chinese.length / feed.entries.length).toBeGreaterThanOrEqual(0.8);
    for (const e of feed.entries) {
      expect(e.title).toMatch(/\S/);
      expect(e.publishedAt).toBeInstanceOf(Date);
      expect(e.publishedAt!.getUTCFullYear()).toBeGreaterThanOrEqual(2015);
      expect(e.publishedAt!.getTime()).toBeLessThan(Date.now() + 86_400_000);
      expect(e.text ?? '').not.toMatch(/<\/?(p|div|a|img)\b/);
    }
  });

  it('strips leading whitespace before <?xml (real feeds that start with a newline)', async () => {
    const xml = readFileSync(`${zhDir}/rss_ruanyifeng.xml`, 'utf8');
    expect(xml).toMatch(/^\s+<\?xml/);
    const feed = await parseFeed(`\ufeff  ${xml}`, { feedUrl: 'https://www.ruanyifeng.com/blog/feed.xml' });
    const plain = await parseFeed(xml.trimStart(), { feedUrl: 'https://www.ruanyifeng.com/blog/feed.xml' });
    expect(feed.entries.length).toBeGreaterThan(0);
    expect(feed.entries).toEqual(plain.entries);
  });

  it.each(allFiles)('%s cut at 60%% salvages its complete entries', async (path) => {
    const xml = readFileSync(path, 'utf8');
    const full = await parseOrFeedError(xml, 'https://feeds.example.com/feed.xml');
    if (full instanceof FeedParseError) return; // the HTML page: nothing to salvage
    const cut = truncateBytes(xml, 0.6);
    const complete = completeEntries(cut);
    const part = await parseOrFeedError(cut, 'https://feeds.example.com/feed.xml');
    if (complete === 0) {
      expect(part).toBeInstanceOf(FeedParseError);
      return;
    }
    if (part instanceof FeedParseError) throw part;
    expect(part.salvaged).toBe(true);
    expect(part.entries.length + part.skipped).toBe(complete);
    expect(part.entries.length).toBeGreaterThanOrEqual(full.entries.length > 0 ? 1 : 0);
    expect(part.title).toBe(full.title);
    expect(part.entries).toEqual(full.entries.slice(0, part.entries.length));
  });
});
