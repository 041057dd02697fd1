import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalizeUrl, urlHash } from '../src/parse/url';

describe('canonicalizeUrl', () => {
  it.each([
    // scheme and host case, default ports, fragments, empty path
    ['HTTP://News.Example.COM', 'http://news.example.com/'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:80/a', 'http://example.com/a'],
    ['http://example.com:8080/a', 'http://example.com:8080/a'],
    ['https://example.com/a#comments', 'https://example.com/a'],
    ['https://example.com/a?#x', 'https://example.com/a'],
    ['https://example.com/a?', 'https://example.com/a'],
    ['https://example.com./a', 'https://example.com/a'],
    ['  https://example.com/a \n', 'https://example.com/a'],
    // IDN to punycode
    // IANA's IDN test domain 例子.测试
    ['https://例子.测试/index.html', 'https://xn--fsqu00a.xn--0zwm56d/index.html'],
    ['https://Bücher.example/', 'https://xn--bcher-kva.example/'],
    // dot segments
    ['https://example.com/a/./b/../c.html', 'https://example.com/a/c.html'],
    // percent-encoding: hex case, unreserved characters decoded, non-ASCII encoded
    ['https://example.com/%7euser/%e4%b8%ad?q=%e4%b8%ad%41', 'https://example.com/~user/%E4%B8%AD?q=%E4%B8%ADA'],
    ['https://example.com/新闻/列表', 'https://example.com/%E6%96%B0%E9%97%BB/%E5%88%97%E8%A1%A8'],
    ['https://example.com/a%2fb', 'https://example.com/a%2Fb'],
    // trackers removed, the rest sorted by key
    ['https://example.com/a?utm_source=rss&id=5&utm_medium=feed&UTM_Campaign=x', 'https://example.com/a?id=5'],
    ['https://example.com/a?z=1&spm=a2c.1&b=2&scm=9&gclid=g&fbclid=f&yclid=y', 'https://example.com/a?b=2&z=1'],
    ['https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&page=2', 'https://example.com/a?page=2'],
    ['https://www.bilibili.com/video/BV1xx?spm_id_from=333.1&vd_source=abc&share_source=copy_web&p=2', 'https://www.bilibili.com/video/BV1xx?p=2'],
    ['https://example.com/a?from=timeline&isappinstalled=0', 'https://example.com/a'],
    ['https://example.com/a?from=singlemessage&id=1', 'https://example.com/a?id=1'],
    ['https://example.com/a?from=groupmessage', 'https://example.com/a'],
    // `from` and `ref` that select content are kept
    ['https://example.com/search?from=2024-01-01&kw=x', 'https://example.com/search?from=2024-01-01&kw=x'],
    ['https://github.com/o/r/blob/x?ref=main', 'https://github.com/o/r/blob/x?ref=main'],
    // repeated keys keep their order; empty pairs go; bare keys stay
    ['https://example.com/a?b=2&a=2&a=1&&c', 'https://example.com/a?a=2&a=1&b=2&c'],
    ['https://example.com/a?x=', 'https://example.com/a?x='],
    // WeChat articles: identity is __biz, mid, idx, sn
    [
      'https://mp.weixin.qq.com/s?__biz=MzA5&mid=2651&idx=1&sn=abc&chksm=8b&scene=21&from=timeline#wechat_redirect',
      'https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=2651&sn=abc',
    ],
    ['https://mp.weixin.qq.com/s/AbC-dEf?scene=1&pass_ticket=z', 'https://mp.weixin.qq.com/s/AbC-dEf'],
    ['https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA5', 'https://mp.weixin.qq.com/mp/profile_ext?__biz=MzA5&action=home'],
  ])('%s → %s', (raw, expected) => {
    expect(canonicalizeUrl(raw)).toBe(expected);
  });

  it.each([
    ['/news/2.html', 'https://example.com/list/index.html', 'https://example.com/news/2.html'],
    ['detail.html?id=3', 'https://example.com/list/index.html?page=2', 'https://example.com/list/detail.html?id=3'],
    ['../up.html', 'https://example.com/a/b/c.html', 'https://example.com/a/up.html'],
    ['//cdn.example.com/x', 'https://example.com/', 'https://cdn.example.com/x'],
    ['?page=3', 'https://example.com/list/', 'https://example.com/list/?page=3'],
    ['#top', 'https://example.com/a?id=1', 'https://example.com/a?id=1'],
    ['https://other.org/x', 'https://example.com/', 'https://other.org/x'],
  ])('resolves %s against %s', (raw, base, expected) => {
    expect(canonicalizeUrl(raw, base)).toBe(expected);
  });

  it.each([
    ['javascript:void(0)'],
    ['mailto:someone@example.com'],
    ['ftp://example.com/file'],
    ['data:text/html,hi'],
    ['not a url'],
    ['/relative/without/base'],
    ['http://'],
    [''],
  ])('returns null for %j', (raw) => {
    expect(canonicalizeUrl(raw)).toBeNull();
  });

  it('returns null for a non-http link even with a base', () => {
    expect(canonicalizeUrl('javascript:;', 'https://example.com/')).toBeNull();
  });

  it('maps share variants of one article to one canonical URL', () => {
    const variants = [
      'https://News.Example.com/a/1.html?id=9&utm_source=weibo',
      'https://news.example.com:443/a/1.html?utm_medium=share&id=9#comment',
      'https://news.example.com/a/./1.html?from=timeline&id=9&isappinstalled=0',
    ];
    expect(new Set(variants.map((v) => canonicalizeUrl(v))).size).toBe(1);
  });

  it('is idempotent', () => {
    const samples = [
      'https://example.com/%e4%b8%ad?b=1&a=%e4%b8%ad&utm_source=x#f',
      'https://mp.weixin.qq.com/s?sn=abc&__biz=MzA5&mid=2651&idx=1&scene=21',
      'http://EXAMPLE.com:80',
    ];
    for (const s of samples) {
      const once = canonicalizeUrl(s);
      expect(once).not.toBeNull();
      expect(canonicalizeUrl(once!)).toBe(once);
    }
  });
});

describe('urlHash', () => {
  it('is the SHA-256 hex digest of the canonical URL', () => {
    const url = 'https://example.com/a?id=1';
    expect(urlHash(url)).toBe(createHash('sha256').update(url).digest('hex'));
    expect(urlHash(url)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the well-known empty-string vector', () => {
    expect(urlHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('differs for different URLs', () => {
    expect(urlHash('https://example.com/a')).not.toBe(urlHash('https://example.com/b'));
  });
});
