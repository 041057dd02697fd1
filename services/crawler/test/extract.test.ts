import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { datesIn, urlDate } from '../src/extract/date';
import { extractArticle, extractFromBytes } from '../src/extract/index';
import { stripSiteSuffix } from '../src/extract/title';
import { shanghaiDate } from '../src/text/time';
import { hasSharedData, sharedPath } from '../../../test/shared-data';

// Article paragraphs written for these tests.
const PARAS = [
  '3月5日上午，市公安局召开新闻发布会，通报今年以来全市打击电信网络诈骗犯罪的工作情况。据介绍，全市共破获电信诈骗案件三百余起，抓获犯罪嫌疑人四百多名。',
  '警方提醒广大市民，凡是自称“公检法”要求转账到“安全账户”的，都是诈骗；接到可疑电话时，请及时拨打反诈专线咨询，不要轻信陌生人的指令。',
  '下一步，公安机关将继续保持高压态势，会同金融、通信等部门，加强源头治理，切实守护好群众的“钱袋子”。',
];

const nav = (n: number): string =>
  `<ul class="nav">${Array.from({ length: n }, (_, i) => `<li><a href="/c${i}">栏目${i}</a></li>`).join('')}</ul>`;

const related = `<div class="related"><h3>相关新闻</h3><ul>${Array.from(
  { length: 6 },
  (_, i) => `<li><a href="/n${i}.html">另一条新闻标题第${i}条，内容与本文相关</a> 2024-02-0${i + 1}</li>`,
).join('')}</ul></div>`;

const footer = '<div class="footer"><p>关于我们 | 联系我们 | 网站地图</p><p>Copyright © 2024 某某网 版权所有 未经授权禁止转载 京ICP备00000000号</p></div>';

function newsPage(opts: { head?: string; byline?: string; tail?: string } = {}): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>警方通报打击电诈成果_某某网</title>${opts.head ?? ''}</head><body>
  <div class="header">${nav(12)}</div>
  <div class="main">
    <h1>警方通报打击电诈成果</h1>
    <div class="info">${opts.byline ?? '发布时间：2024-03-05 10:20 来源：某某网'}</div>
    <div class="article">${PARAS.map((p) => `<p>${p}</p>`).join('\n')}${opts.tail ?? '<p>（记者 张明）</p><p>责任编辑：李华</p>'}</div>
    <div class="share">分享到：<a href="#">微博</a> <a href="#">微信</a></div>
    ${related}
  </div>
  ${footer}
  <script>var x = "这是一段脚本里的中文，不能出现在正文中。";</script>
</body></html>`;
}

describe('extractArticle on a typical news page', () => {
  const a = extractArticle(newsPage());

  it('keeps every article paragraph in order, one per line', () => {
    const lines = a.text.split('\n');
    const idx = PARAS.map((p) => lines.indexOf(p));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
  });

  it('drops navigation, share bar, related links, footer and scripts', () => {
    expect(a.text).not.toContain('栏目3');
    expect(a.text).not.toContain('分享到');
    expect(a.text).not.toContain('另一条新闻');
    expect(a.text).not.toContain('版权所有');
    expect(a.text).not.toContain('ICP');
    expect(a.text).not.toContain('脚本');
  });

  it('takes the title without the site suffix', () => {
    expect(a.title).toBe('警方通报打击电诈成果');
  });

  it('reads the header time in Asia/Shanghai, not a date from the related list', () => {
    expect(a.publishedAt?.getTime()).toBe(shanghaiDate(2024, 3, 5, 10, 20)?.getTime());
  });

  it('names the reporter rather than the editor', () => {
    expect(a.author).toBe('张明');
  });
});

describe('extractArticle metadata sources', () => {
  it('prefers article:published_time from meta tags', () => {
    const a = extractArticle(newsPage({ head: '<meta property="article:published_time" content="2024-03-04T08:00:00+08:00">' }));
    expect(a.publishedAt?.toISOString()).toBe('2024-03-04T00:00:00.000Z');
  });

  it('takes the header time when the meta tag carries the same day without a time', () => {
    const a = extractArticle(newsPage({ head: '<meta name="publishdate" content="2024-03-05">' }));
    expect(a.publishedAt?.getTime()).toBe(shanghaiDate(2024, 3, 5, 10, 20)?.getTime());
  });

  it('reads 作者： by-lines and the editor when nobody else is named', () => {
    expect(extractArticle(newsPage({ byline: '2024年3月5日 10:20 作者：王小明 来源：某某网', tail: '' })).author).toBe('王小明');
    expect(extractArticle(newsPage({ tail: '<p>编辑：赵六</p>' })).author).toBe('赵六');
  });

  it('does not take words from a sentence about reporters as a name', () => {
    const a = extractArticle(newsPage({ tail: '<p>记者从市公安局获悉，此案仍在进一步审理中。</p>' }));
    expect(a.author).toBeNull();
  });

  it('falls back to a date in the URL', () => {
    const a = extractArticle(newsPage({ byline: '来源：某某网' }), { url: 'https://example.cn/news/2024/03/06/123.html' });
    expect(a.publishedAt?.getTime()).toBe(shanghaiDate(2024, 3, 6)?.getTime());
  });
});

describe('extractArticle on an old table layout', () => {
  it('finds paragraphs that sit in the same cell as the navigation', () => {
    const links = Array.from({ length: 15 }, (_, i) => `<a href="/x${i}">频道${i}</a><br>`).join('');
    const html = `<html><body><table><tr><td>${links}<b>警方通报</b><br>${PARAS.join('<p>')}<p>${links}</td><td>${links}</td></tr></table></body></html>`;
    const a = extractArticle(html);
    for (const p of PARAS) expect(a.text).toContain(p);
    expect(a.text).not.toContain('频道');
  });

  it('stops at a comments heading', () => {
    const comments = '<h3>网友评论</h3><p>这篇报道写得很好，警察辛苦了，希望大家都提高警惕，不要上当受骗。</p>'.repeat(3);
    const a = extractArticle(newsPage({ tail: comments }));
    expect(a.text).toContain(PARAS[2]);
    expect(a.text).not.toContain('警察辛苦了');
  });
});

describe('extractArticle robustness', () => {
  it('returns empty results rather than throwing on empty or broken input', () => {
    for (const html of ['', '<<<>>>', '<html><body></body></html>', '<p>短</p>', '<div><p>未闭合的<b>标签']) {
      const a = extractArticle(html);
      expect(typeof a.text).toBe('string');
    }
    expect(extractArticle('').text).toBe('');
  });
});

describe('extractFromBytes', () => {
  it('decodes GBK bytes with a wrong declaration before extracting', () => {
    const html = newsPage().replace('<meta charset="utf-8">', '<meta charset="big5">');
    const page = extractFromBytes(new Uint8Array(iconv.encode(html, 'gbk')));
    expect(page.charset).toBe('gb18030');
    expect(page.text).toContain(PARAS[0]);
    expect(page.title).toBe('警方通报打击电诈成果');
  });
});

describe('helpers', () => {
  it('strips site-name suffixes but keeps short titles whole', () => {
    expect(stripSiteSuffix('标题在这里_新华网')).toBe('标题在这里');
    expect(stripSiteSuffix('标题在这里-人民网')).toBe('标题在这里');
    expect(stripSiteSuffix('标题在这里 | 某某新闻 | 首页')).toBe('标题在这里');
    expect(stripSiteSuffix('新华网')).toBe('新华网');
  });

  it('reads US-order dates with AM/PM and Chinese dates with 时分', () => {
    const [us] = datesIn('发布日期： 9/17/2004 5:54:13 PM');
    expect(us?.date.getTime()).toBe(shanghaiDate(2004, 9, 17, 17, 54, 13)?.getTime());
    const [zh] = datesIn('2019年06月15日08:18 来源：人民网');
    expect(zh?.hasTime).toBe(true);
    expect(zh?.date.getTime()).toBe(shanghaiDate(2019, 6, 15, 8, 18)?.getTime());
  });

  it('reads dates from URL paths', () => {
    expect(urlDate('https://a.cn/2024-03/05/c_1.htm')?.getTime()).toBe(shanghaiDate(2024, 3, 5)?.getTime());
    expect(urlDate('https://a.cn/a/20240305/1.html')?.getTime()).toBe(shanghaiDate(2024, 3, 5)?.getTime());
    expect(urlDate('https://a.cn/about.html')).toBeNull();
  });
});

/** Bag-of-characters F1, whitespace ignored (the measure test/eval/extract.ts reports). */
function charF1(a: string, b: string): number {
  const counts = new Map<string, number>();
  const t = [...b.replace(/\s+/g, '')];
  const p = [...a.replace(/\s+/g, '')];
  for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
  let overlap = 0;
  for (const c of p) {
    const n = counts.get(c) ?? 0;
    if (n > 0) {
      overlap++;
      counts.set(c, n - 1);
    }
  }
  return overlap === 0 ? 0 : (2 * overlap) / (p.length + t.length);
}

describe.skipIf(!hasSharedData)('extraction on real pages (needs ../shared/data)', () => {
  it('extracts the cwce-dev bodies with a high mean character F1', () => {
    const dir = sharedPath('extraction', 'cwce-dev');
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Record<string, { text: string }>;
    const scores = Object.entries(truth).map(([id, t]) => charF1(extractFromBytes(readFileSync(join(dir, 'pages', `${id}.html`))).text, t.text));
    expect(scores.length).toBeGreaterThan(20);
    expect(scores.reduce((s, x) => s + x, 0) / scores.length).toBeGreaterThan(0.9);
  });

  it('extracts every gne page without throwing, most with body text', () => {
    const root = sharedPath('extraction', 'gne-pages');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.html'));
    expect(files.length).toBeGreaterThan(50);
    let withText = 0;
    for (const f of files) {
      const page = extractFromBytes(readFileSync(join(root, f)));
      if (page.text.replace(/\s+/g, '').length >= 50) withText++;
    }
    expect(withText / files.length).toBeGreaterThan(0.9);
  });
});
