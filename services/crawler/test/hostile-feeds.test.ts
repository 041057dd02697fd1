/**
 * Feeds written to hurt the parser (issue 14's hostile-input table): entity expansion ("billion
 * laughs"), external entities reading local files, 200,000-deep nesting. Each either parses with
 * nothing expanded or fails as a FeedParseError (recorded against the source as parse_error) —
 * never a crash, a stack overflow, a huge string or a local file's contents in an item.
 */
import { describe, expect, it } from 'vitest';
import { FeedParseError, parseFeed } from '../src/parse/feed';

const wrap = (doctype: string, title: string) =>
  `<?xml version="1.0" encoding="utf-8"?>${doctype}<rss version="2.0"><channel><title>源</title><link>http://news.example.test/</link>
<item><title>${title}</title><link>http://news.example.test/a1.html</link><description>正文</description></item>
<item><title>第二条</title><link>http://news.example.test/a2.html</link><description>正文二</description></item></channel></rss>`;

/** The feed's entries, or the FeedParseError it failed with (any other error fails the test). */
async function outcome(xml: string) {
  try {
    return { entries: (await parseFeed(xml, { feedUrl: 'http://news.example.test/feed.xml' })).entries };
  } catch (err) {
    expect(err).toBeInstanceOf(FeedParseError);
    return { error: err as FeedParseError };
  }
}

describe('hostile feeds', () => {
  it('does not expand nested entities (billion laughs)', async () => {
    const levels = Array.from({ length: 10 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    const xml = wrap(`<!DOCTYPE rss [<!ENTITY l0 "哈哈哈哈哈哈哈哈哈哈">${levels}]>`, '&l10;');
    const r = await outcome(xml);
    // 10^10 characters if expanded: whatever the parser made of it, no title is longer than a title.
    for (const e of r.entries ?? []) expect((e.title ?? '').length).toBeLessThan(1000);
    if (r.entries) expect(r.entries.map((e) => e.url)).toContain('http://news.example.test/a2.html');
  });

  it('does not read external entities (XXE): no local file reaches an item', async () => {
    const xml = wrap('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', '标题&xxe;');
    const r = await outcome(xml);
    for (const e of r.entries ?? []) {
      expect(e.title ?? '').not.toContain('root:');
      expect(e.text ?? '').not.toContain('root:');
    }
  });

  it('survives 200,000-deep nesting: a parse error at worst, never a stack overflow', async () => {
    const depth = 200_000;
    const xml = wrap('', `${'<b>'.repeat(depth)}深${'</b>'.repeat(depth)}`);
    const r = await outcome(xml);
    if (r.error) expect(r.error.message.length).toBeGreaterThan(0);
    else expect(r.entries.length).toBeGreaterThan(0);
  });
});
