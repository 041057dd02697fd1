import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listSelectorsSchema, parseListPage, parseListTime, type ListSelectors } from '../src/parse/list-page';
import { hasSharedData, sharedPath } from '../../../test/shared-data';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`fixtures/lists/${name}`, import.meta.url)), 'utf8');

// 2024-03-06 12:30 in Asia/Shanghai.
const NOW = new Date('2024-03-06T04:30:00Z');
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

describe('parseListTime', () => {
  it.each([
    ['刚刚', '2024-03-06T04:30:00.000Z'],
    ['3分钟前', '2024-03-06T04:27:00.000Z'],
    ['3 分钟前', '2024-03-06T04:27:00.000Z'],
    ['2小时前', '2024-03-06T02:30:00.000Z'],
    ['2\u00a0小时前', '2024-03-06T02:30:00.000Z'],
    ['1个小时前', '2024-03-06T03:30:00.000Z'],
    ['半小时前', '2024-03-06T04:00:00.000Z'],
    ['30秒前', '2024-03-06T04:29:30.000Z'],
    ['2天前', '2024-03-04T04:30:00.000Z'],
    ['1周前', '2024-02-28T04:30:00.000Z'],
    ['5 minutes ago', '2024-03-06T04:25:00.000Z'],
    ['发布于 1 hour ago', '2024-03-06T03:30:00.000Z'],
    ['昨天 10:20', '2024-03-05T02:20:00.000Z'],
    ['今天 08:00', '2024-03-06T00:00:00.000Z'],
    ['今天08:00:30', '2024-03-06T00:00:30.000Z'],
    ['前天 23:59', '2024-03-04T15:59:00.000Z'],
    ['昨天', '2024-03-04T16:00:00.000Z'],
    // No year: the most recent such date not after now.
    ['03-05 10:20', '2024-03-05T02:20:00.000Z'],
    ['3-1', '2024-02-29T16:00:00.000Z'],
    ['12-30 09:00', '2023-12-30T01:00:00.000Z'],
    ['3月7日', '2023-03-06T16:00:00.000Z'],
    ['3月5日 18:00', '2024-03-05T10:00:00.000Z'],
    ['03/06 12:00', '2024-03-06T04:00:00.000Z'],
    // A bare time is today, or yesterday when today's would be in the future.
    ['12:00', '2024-03-06T04:00:00.000Z'],
    ['13:00', '2024-03-05T05:00:00.000Z'],
    ['00:05', '2024-03-05T16:05:00.000Z'],
    // Full dates go through parseLooseDate (zone-less = Shanghai).
    ['2024-03-01 08:00', '2024-03-01T00:00:00.000Z'],
    ['发表于 2023年12月31日 23:59', '2023-12-31T15:59:00.000Z'],
    ['2024-03-01T08:00:00Z', '2024-03-01T08:00:00.000Z'],
  ])('%j → %s', (text, expected) => {
    expect(iso(parseListTime(text, NOW))).toBe(expected);
  });

  it('tolerates a few minutes of site clock skew instead of jumping a day or a year back', () => {
    expect(iso(parseListTime('12:35', NOW))).toBe('2024-03-06T04:35:00.000Z');
    expect(iso(parseListTime('03-06 12:35', NOW))).toBe('2024-03-06T04:35:00.000Z');
    expect(iso(parseListTime('03-06 13:30', NOW))).toBe('2023-03-06T05:30:00.000Z');
  });

  it('uses the Shanghai calendar day, not the UTC one', () => {
    const justAfterMidnight = new Date('2024-03-05T16:30:00Z'); // 2024-03-06 00:30 in Shanghai
    expect(iso(parseListTime('昨天 23:00', justAfterMidnight))).toBe('2024-03-05T15:00:00.000Z');
    expect(iso(parseListTime('今天 00:10', justAfterMidnight))).toBe('2024-03-05T16:10:00.000Z');
    const newYear = new Date('2023-12-31T16:30:00Z'); // 2024-01-01 00:30 in Shanghai
    expect(iso(parseListTime('12-31 23:00', newYear))).toBe('2023-12-31T15:00:00.000Z');
    expect(iso(parseListTime('01-01 00:10', newYear))).toBe('2023-12-31T16:10:00.000Z');
  });

  it('finds the last 29 February for a year-less 02-29', () => {
    expect(iso(parseListTime('02-29', new Date('2025-03-01T00:00:00Z')))).toBe('2024-02-28T16:00:00.000Z');
  });

  it.each([[''], [null], [undefined], ['置顶'], ['回复 12'], ['13-45'], ['25:61'], ['1个月前']])('%j → null', (text) => {
    expect(parseListTime(text, NOW)).toBeNull();
  });
});

describe('listSelectorsSchema', () => {
  it('accepts selectors and defaults link to "self"', () => {
    expect(listSelectorsSchema.parse({ item: ' ul.news > li ' })).toEqual({ item: 'ul.news > li', link: 'self' });
    expect(listSelectorsSchema.parse({ item: 'li', link: '', title: 'h3', time: 'time[datetime]', summary: 'p.desc' })).toEqual({
      item: 'li',
      link: '',
      title: 'h3',
      time: 'time[datetime]',
      summary: 'p.desc',
    });
  });

  it('reports selectors cheerio cannot compile, naming the field and the selector', () => {
    const result = listSelectorsSchema.safeParse({ item: 'div[', link: 'a:foo', time: 'span,' });
    expect(result.success).toBe(false);
    const issues = result.error!.issues;
    expect(issues.map((i) => i.path.join('.')).sort()).toEqual(['item', 'link', 'time']);
    const item = issues.find((i) => i.path[0] === 'item');
    expect(item?.message).toContain('invalid CSS selector "div["');
    expect(issues.find((i) => i.path[0] === 'link')?.message).toContain(':foo');
  });

  it('rejects a missing or empty item selector and non-strings', () => {
    expect(listSelectorsSchema.safeParse({}).success).toBe(false);
    expect(listSelectorsSchema.safeParse({ item: '   ' }).success).toBe(false);
    expect(listSelectorsSchema.safeParse({ item: 'li', title: 3 }).success).toBe(false);
  });
});

describe('parseListPage on own fixtures', () => {
  const newsSelectors: ListSelectors = { item: 'ul.news-list > li', link: 'a.title', time: '.date', summary: '.desc' };
  const newsOpts = { pageUrl: 'https://www.example.gov.cn/news/index.html', now: NOW };

  it('reads a simple news list: absolute canonical URLs, dates, summaries, de-duplication', () => {
    const entries = parseListPage(fixture('news-list.html'), newsSelectors, newsOpts);
    expect(entries).toEqual([
      {
        url: 'https://www.example.gov.cn/news/2024/0305/a1.html',
        title: '示例市召开安全生产工作会议',
        summary: '会议 部署了 春季安全生产工作。',
        publishedAt: new Date('2024-03-04T16:00:00Z'),
      },
      {
        url: 'https://www.example.gov.cn/news/2024/0304/a2.html',
        title: '交警提醒：春季出行注意安全',
        summary: null,
        publishedAt: new Date('2024-03-04T01:30:00Z'), // from datetime, not the visible 3月4日
      },
      {
        url: 'https://other.example.com/a3.html',
        title: '外链：媒体报道我市反诈工作',
        summary: null,
        publishedAt: new Date('2024-03-03T08:45:00Z'),
      },
      {
        url: 'https://www.example.gov.cn/news/2024/0301/a5.html',
        title: '图片新闻：春耕', // image-only link: the alt text
        summary: null,
        publishedAt: null,
      },
    ]);
  });

  it('takes the href from the item itself when link is "self" or empty', () => {
    for (const link of ['self', '']) {
      const entries = parseListPage(fixture('news-list.html'), { item: 'ul.news-list a.title', link }, newsOpts);
      expect(entries.map((e) => e.title)).toEqual(['示例市召开安全生产工作会议', '交警提醒：春季出行注意安全', '外链：媒体报道我市反诈工作', '图片新闻：春耕']);
      expect(entries.every((e) => e.publishedAt === null && e.summary === null)).toBe(true);
    }
  });

  it('uses the title selector when given, the link selector for the URL', () => {
    const entries = parseListPage(fixture('news-list.html'), { item: 'ul.news-list > li', link: 'a.thumb', title: 'a.title' }, newsOpts);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ url: 'https://www.example.gov.cn/news/2024/0305/a1.html', title: '示例市召开安全生产工作会议' });
  });

  it('reads a forum list with relative times, <base href> and share-parameter duplicates', () => {
    const entries = parseListPage(fixture('forum-list.html'), { item: 'tbody.thread', link: 'th a.subject', time: 'td.by em span' }, {
      pageUrl: 'https://bbs.example.cn/forum-2-1.html',
      now: NOW,
    });
    expect(entries.map((e) => [e.url, iso(e.publishedAt)])).toEqual([
      ['https://bbs.example.cn/forum/thread-101-1-1.html', '2024-03-06T04:30:00.000Z'],
      ['https://bbs.example.cn/forum/thread-102-1-1.html', '2024-03-06T04:27:00.000Z'],
      ['https://bbs.example.cn/forum/thread-103-1-1.html', '2024-03-06T02:30:00.000Z'],
      ['https://bbs.example.cn/forum/thread-104-1-1.html', '2024-03-05T02:20:00.000Z'],
      ['https://bbs.example.cn/forum/thread-105-1-1.html', '2024-03-06T00:00:00.000Z'],
      ['https://bbs.example.cn/forum/thread-106-1-1.html', '2024-03-01T02:20:00.000Z'],
      ['https://bbs.example.cn/forum/thread-107-1-1.html', '2023-12-30T01:00:00.000Z'],
      ['https://bbs.example.cn/forum/thread-108-1-1.html', '2024-03-06T03:11:00.000Z'], // from the title tooltip
    ]);
    expect(entries[0]?.title).toBe('小区门口又有人发传单骗老人');
  });

  it('returns nothing when the item selector matches nothing', () => {
    expect(parseListPage(fixture('news-list.html'), { item: 'article.none', link: 'a' }, newsOpts)).toEqual([]);
  });
});

interface RealPage {
  file: string;
  pageUrl: string;
  selectors: ListSelectors;
  urlPattern: RegExp;
  /** Distinct article links counted straight from the HTML with a regex, independent of cheerio. */
  expectedLinks: (html: string) => number;
}

const distinct = (html: string, re: RegExp): number => new Set([...html.matchAll(re)].map((m) => m[1])).size;

const realPages: RealPage[] = [
  {
    file: 'tieba/1.html',
    pageUrl: 'https://tieba.baidu.com/f?kw=%E8%B4%B4%E5%90%A7%E7%83%AD%E8%AE%AE',
    selectors: { item: 'li.j_thread_list', link: 'a.j_th_tit', time: '.is_show_create_time' },
    urlPattern: /^https:\/\/tieba\.baidu\.com\/p\/\d+$/,
    expectedLinks: (html) => distinct(html, /<a [^>]*href="(\/p\/\d+)"[^>]*class="j_th_tit/g),
  },
  {
    file: '163/1.html',
    pageUrl: 'https://news.163.com/',
    selectors: { item: 'div.data_row.news_article', link: '.news_title h3 a', time: '.news_tag .time' },
    urlPattern: /^https?:\/\/[a-z0-9.]+\.163\.com\/\S+$/,
    expectedLinks: (html) => distinct(html, /class="data_row news_article[\s\S]*?<div class="news_title">\s*<h3><a href="([^"#]+)/g),
  },
  {
    file: '163/2.html',
    pageUrl: 'https://news.163.com/',
    selectors: { item: 'div.data_row.news_article', link: '.news_title h3 a', time: '.news_tag .time' },
    urlPattern: /^https?:\/\/[a-z0-9.]+\.163\.com\/\S+$/,
    expectedLinks: (html) => distinct(html, /class="data_row news_article[\s\S]*?<div class="news_title">\s*<h3><a href="([^"#]+)/g),
  },
  {
    file: 'netease_forum/1.html',
    pageUrl: 'https://n.netease.com/forum-9-1.html',
    selectors: { item: 'tbody[id^=normalthread]', link: 'th a.xst', time: 'td.by em span' },
    // The page has <base href="https://n.netease.com/">; its thread links are relative to it.
    urlPattern: /^https:\/\/n\.netease\.com\/thread-\d+-1-1\.html$/,
    expectedLinks: (html) => distinct(html, /<tbody id="normalthread_\d+">[\s\S]*?<a href="(thread-\d+-1-1\.html)"[^>]*class="s xst"/g),
  },
];

describe.skipIf(!hasSharedData)('parseListPage on real list pages (needs ../shared/data)', () => {
  // The pages were saved on 2020-08-02 (Shanghai); relative times are read against that day.
  const savedAt = new Date('2020-08-02T12:00:00+08:00');

  it.each(realPages)('$file', ({ file, pageUrl, selectors, urlPattern, expectedLinks }) => {
    const html = readFileSync(sharedPath('extraction/gne-pages/test_list_page', file), 'utf8');
    const entries = parseListPage(html, listSelectorsSchema.parse(selectors), { pageUrl, now: savedAt });
    expect(entries.length).toBeGreaterThanOrEqual(10);
    expect(entries.length).toBe(expectedLinks(html));
    expect(new Set(entries.map((e) => e.url)).size).toBe(entries.length);
    for (const e of entries) {
      expect(e.url).toMatch(urlPattern);
      expect(e.title.trim()).toBe(e.title);
      expect(e.title).toMatch(/\S/);
      if (e.publishedAt) {
        expect(e.publishedAt.getTime()).toBeLessThanOrEqual(savedAt.getTime() + 10 * 60_000);
        expect(e.publishedAt.getUTCFullYear()).toBeGreaterThanOrEqual(2015);
      }
    }
    // Real titles include emoji-only posts, but these are Chinese lists.
    expect(entries.filter((e) => /[\u4e00-\u9fff]/.test(e.title)).length / entries.length).toBeGreaterThanOrEqual(0.9);
    // Every one of these lists prints a time for (nearly) every item.
    expect(entries.filter((e) => e.publishedAt).length / entries.length).toBeGreaterThanOrEqual(0.9);
  });
});
