import { describe, expect, it } from 'vitest';
import { computeDigest, digestHtmlLink, MARKDOWN_MAX_BYTES, miniBar, renderDigestHtml, renderDigestMarkdown, sparkline, stackedBar, utf8Bytes, volumeChart, type DigestInput } from '../src/index';
import { assertWellFormedXml, at, input, svgsOf, topic } from './fixtures';

const EVIL = `<script>alert("x")</script><img src=x onerror=alert(1)> & "引号" 'single' ]]>`;

/** An input whose every outside text is hostile. */
function hostile(): DigestInput {
  const base = input();
  return {
    ...base,
    topics: [topic(1, { title: EVIL, firstSource: `<b>源</b>`, stage: '<i>期</i>' }), topic(2, { title: `[点此核实](http://evil.example/x) **粗体** # 标题` })],
    representativeItems: [
      { id: 9, topicId: 1, rank: 1, title: EVIL, url: 'javascript:alert(1)', sourceName: '<svg onload=alert(1)>', publishedAt: at(1), policeNegative: true, reposts: 1 },
      { id: 10, topicId: 2, rank: 1, title: '正常标题', url: 'https://news.example.com/a?x=1&y="2"', sourceName: '新闻', publishedAt: at(2), policeNegative: false, reposts: 0 },
    ],
    places: { ...base.places, topPlaces: [{ name: EVIL, items: 3 }] },
    sources: { activeCount: 1, top: [{ sourceId: 1, name: `</style><script>x()</script>`, items: 5 }] },
    incidents: { ...base.incidents, overdue: { count: 1, rows: [{ ...base.incidents.overdue.rows[0]!, title: EVIL, ownerName: '<u>x</u>' }] } },
  };
}

describe('renderDigestHtml', () => {
  const html = renderDigestHtml(computeDigest(hostile()));

  it('is a complete zh-CN page with an A4 print setup and the period in Beijing time', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/@page \{ size: A4; margin: 14mm;/);
    expect(html).toContain('统计时段：2026-11-28 08:00 至 2026-11-29 08:00（北京时间）');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('escapes every outside text: no markup, script or handler gets through', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b>源|<i>期|<u>x/);
    expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i);
    expect(html).not.toContain('</style><script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // Exactly one <style> element, ours.
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html.match(/<\/style>/g)).toHaveLength(1);
  });

  it('links only http(s) items, with the address escaped', () => {
    expect(html).not.toContain('javascript:');
    expect(html).toContain('href="https://news.example.com/a?x=1&amp;y=&quot;2&quot;"');
    expect([...html.matchAll(/<a\s/g)]).toHaveLength(1);
  });

  it('loads nothing: no script, no external stylesheet, font, image or frame', () => {
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|base)\b/i);
    expect(html).not.toMatch(/@import|@font-face|url\(/i);
    expect(html).not.toMatch(/<[^>]*\s(src|srcset|action|formaction|poster|data)\s*=/i);
    // The only addresses in attributes are the SVG namespace and the item link.
    const addresses = [...html.matchAll(/<[^>]*\s(?:href|xmlns)="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(addresses)).toEqual(new Set(['http://www.w3.org/2000/svg', 'https://news.example.com/a?x=1&amp;y=&quot;2&quot;']));
  });

  it('draws the charts as well-formed inline SVG: the volume chart, a sparkline per topic, level bars', () => {
    const svgs = svgsOf(html);
    expect(svgs.filter((s) => s.includes('class="chart"'))).toHaveLength(1);
    expect(svgs.filter((s) => s.includes('class="spark"'))).toHaveLength(2);
    expect(svgs.filter((s) => s.includes('class="stack"'))).toHaveLength(1);
    for (const s of svgs) assertWellFormedXml(s);
    // The hostile title reaches the sparkline's label escaped, still well-formed.
    expect(svgs.some((s) => s.includes('&lt;script&gt;'))).toBe(true);
  });

  it('the XML check catches faults (so passing it means something)', () => {
    expect(() => assertWellFormedXml('<svg><rect></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a & b</text></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg a="1" a="2"></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg><text>a < b</text></svg>')).toThrow();
  });

  it('charts stay well-formed for odd data: empty, zero, one bucket, huge and non-finite values', () => {
    for (const s of [
      volumeChart([]),
      volumeChart([{ label: '<0>', items: 0, policeRelated: 0, policeNegative: 0 }]),
      volumeChart([{ label: 'a', items: 1e9, policeRelated: Number.NaN, policeNegative: Number.POSITIVE_INFINITY }]),
      sparkline([]),
      sparkline([5]),
      sparkline([0, 0, 0]),
      sparkline([1, Number.NaN, 3], { label: '"<&>"' }),
      stackedBar([]),
      stackedBar([{ label: '<红>', value: 3, colour: '#f5222d' }]),
      miniBar(3, 0),
      miniBar(-1, 5),
    ]) {
      assertWellFormedXml(s);
      expect(s).not.toMatch(/NaN|Infinity/);
    }
  });

  it('removes characters XML refuses (a control character in a title)', () => {
    const d = computeDigest(input({ topics: [topic(1, { title: 'a\u0001b\ufffec\ud800d' })] }));
    const page = renderDigestHtml(d);
    expect(page).toContain('abcd');
    for (const s of svgsOf(page)) assertWellFormedXml(s);
  });
});

describe('renderDigestMarkdown', () => {
  it('headline figures, warnings by level, top five topics, overdue incidents, the link', () => {
    const md = renderDigestMarkdown(computeDigest(input({ topics: Array.from({ length: 8 }, (_, i) => topic(i + 1, { items: 50 - i })), topicCount: 8 })), {
      baseUrl: 'http://10.1.2.3:3000/',
      digestId: 42,
    });
    expect(md).toContain('### 舆情日报（2026-11-29）');
    expect(md).toContain('- 条目总数：120（↑ 20.0%）');
    expect(md).toContain('- 负面占比（涉警负面÷涉警）：30.0%（↑ 10.0 个百分点）');
    expect(md).toContain('**预警**：新发 4（红 1、黄 3），升级 2，次生 1，解除 4');
    expect(md.match(/^\d+\. /gm)).toHaveLength(5);
    expect(md).toContain('超期未回应 1');
    expect(md).toMatch(/- #7【橙色】危机事件 7，应回应 11-29 06:30，已超期 1小时30分/);
    expect(md).toContain('[查看完整舆情日报](http://10.1.2.3:3000/#/digests/42)');
  });

  it('links under a base URL with a path, and refuses a base URL that is not http(s)', () => {
    expect(digestHtmlLink({ baseUrl: 'https://intranet.example.gov/yuqing/', digestId: 9 })).toBe('https://intranet.example.gov/yuqing/#/digests/9');
    expect(digestHtmlLink({ baseUrl: 'javascript:alert(1)', digestId: 9 })).toBeNull();
    expect(digestHtmlLink({ baseUrl: 'not a url', digestId: 9 })).toBeNull();
    expect(digestHtmlLink({ baseUrl: 'https://intranet.example.gov' })).toBeNull();
  });

  it('without a base URL there is no link, only where to find it', () => {
    const md = renderDigestMarkdown(computeDigest(input()), { digestId: 42 });
    expect(md).not.toMatch(/\]\(/);
    expect(md).toContain('简报编号 42');
  });

  it('outside text cannot make links, emphasis or headings', () => {
    const md = renderDigestMarkdown(computeDigest(hostile()), { baseUrl: 'https://yq.example.gov', digestId: 1 });
    expect(md).not.toContain('](http://evil');
    expect(md).not.toContain('<script');
    expect(md).not.toContain('**粗体**');
    // The only link is ours.
    expect(md.match(/\]\(/g)).toHaveLength(1);
  });

  it('stays within the byte bound for a huge digest, cutting lists, never a character', () => {
    const long = '某市公安局民警执法过程中与群众发生冲突引发网络热议😀'.repeat(20);
    const big = input({
      topics: Array.from({ length: 10 }, (_, i) => topic(i + 1, { title: long, firstSource: long, stage: long })),
      incidents: {
        ...input().incidents,
        overdue: { count: 40, rows: Array.from({ length: 10 }, (_, i) => ({ ...input().incidents.overdue.rows[0]!, id: i + 1, title: long })) },
      },
    });
    const d = computeDigest(big);
    for (const maxBytes of [MARKDOWN_MAX_BYTES, 1500, 600, 120]) {
      const md = renderDigestMarkdown(d, { baseUrl: 'https://yq.example.gov', digestId: 7, maxBytes });
      expect(utf8Bytes(md)).toBeLessThanOrEqual(maxBytes);
      // Valid UTF-8 all the way (no half character, no lone surrogate).
      expect(Buffer.from(md, 'utf8').toString('utf8')).toBe(md);
      expect(md).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      expect(md.startsWith('### 舆情日报')).toBe(true);
    }
    // At the real bound the essentials are still there.
    const md = renderDigestMarkdown(d, { baseUrl: 'https://yq.example.gov', digestId: 7 });
    expect(md).toContain('**核心指标**');
    expect(md).toContain('](https://yq.example.gov/#/digests/7)');
    expect(md.match(/^\d+\. /gm)?.length).toBeGreaterThanOrEqual(3);
  });
});
