/**
 * The shipped source catalogue: it parses, covers every category with live-looking entries, and
 * every entry (templates filled in) is a source the source model and the list-page parser accept.
 */
import { describe, expect, it } from 'vitest';
import { listSelectorsSchema } from '@yuqing/crawler/list-page';
import { CATALOGUE_CATEGORIES, CatalogueError, isTemplate, loadCatalogue, parseCatalogue, placeholders, sourceFromEntry, sourceInputSchema, type CatalogueEntry } from '../src/index';

const sampleValues = (e: CatalogueEntry) => Object.fromEntries(placeholders(e.route ?? e.url ?? '').map((p) => [p, '测试 值']));

describe('the shipped catalogue', () => {
  const cat = loadCatalogue();

  it('has at least 60 entries across every category, police and hot lists well represented', () => {
    expect(cat.entries.length).toBeGreaterThanOrEqual(60);
    for (const c of CATALOGUE_CATEGORIES) expect(cat.entries.filter((e) => e.category === c).length, c).toBeGreaterThanOrEqual(5);
    expect(cat.entries.filter((e) => e.category === 'police-legal').length).toBeGreaterThanOrEqual(8);
    expect(cat.entries.filter((e) => e.hotList).length).toBeGreaterThanOrEqual(6);
    expect(new Set(cat.entries.map((e) => e.kind))).toEqual(new Set(['rss', 'html', 'rsshub']));
    expect(cat.entries.filter((e) => ['hk', 'tw'].includes(e.region)).length).toBeGreaterThan(0);
  });

  it('turns every entry into a valid source; html selectors compile; templates say what to fill in', () => {
    for (const e of cat.entries) {
      const input = sourceFromEntry(e, sampleValues(e));
      const parsed = sourceInputSchema.safeParse(input);
      expect(parsed.success, `${e.id}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      if (!parsed.success) continue;
      expect(parsed.data.catalogueId).toBe(e.id);
      if (e.kind === 'html') expect(listSelectorsSchema.safeParse(e.selectors).success, e.id).toBe(true);
      if (isTemplate(e)) {
        expect(Object.keys(e.params ?? {}).length, e.id).toBeGreaterThan(0);
        expect(() => sourceFromEntry(e, {}), e.id).toThrow(CatalogueError);
        // The filled value is percent-encoded into the route or URL, and named in the source's name.
        expect(parsed.data.url, e.id).toContain(encodeURIComponent('测试 值'));
        expect(parsed.data.name, e.id).toContain('测试 值');
      }
    }
  });

  it('polls the platforms\' hot lists at least every quarter hour (they change by the minute)', () => {
    for (const e of cat.entries.filter((x) => x.hotList && x.category === 'platform')) {
      const seconds = sourceInputSchema.parse(sourceFromEntry(e, sampleValues(e))).pollInterval;
      expect(seconds, e.id).toBeLessThanOrEqual(15 * 60);
    }
  });
});

describe('parseCatalogue', () => {
  const entry = (extra: string) => `  - id: a-1\n    name: 甲\n    category: central\n    tier: 1\n    pollInterval: 10m\n    confidence: high\n    checked: test\n${extra}`;

  it('lists every problem of a bad catalogue', () => {
    const text = `version: 1\nupdated: "2026-12-07"\nentries:\n${entry('    kind: rsshub\n    url: http://x/\n')}${entry('    kind: rss\n    url: http://x/{uid}\n')}  - id: Bad Id\n    name: x\n`;
    let message = '';
    try {
      parseCatalogue(text);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('an rsshub entry has a route and no url');
    expect(message).toContain('placeholder {uid} is not described in params');
    expect(message).toContain('duplicate catalogue id a-1');
    expect(message).toContain('lowercase slug');
  });

  it('reports YAML syntax errors without a stack', () => {
    expect(() => parseCatalogue('entries: [\n')).toThrow(/not valid YAML/);
  });

  it('fills templates, refuses missing and unknown values', () => {
    const cat = parseCatalogue(
      `version: 1\nupdated: x\nentries:\n${entry('    kind: rsshub\n    route: /weibo/keyword/{keyword}\n    params: {keyword: 关键词}\n')}`,
    );
    const e = cat.entries[0] as CatalogueEntry;
    expect(sourceFromEntry(e, { keyword: '警方通报' })).toMatchObject({ kind: 'rsshub', route: `/weibo/keyword/${encodeURIComponent('警方通报')}`, name: '甲·警方通报', authority: 3, catalogueId: 'a-1' });
    expect(() => sourceFromEntry(e, {})).toThrow(/keyword \(关键词\)/);
    expect(() => sourceFromEntry(e, { keyword: 'x', uid: '1' })).toThrow(/no placeholder \{uid\}/);
    // A value cannot escape its path segment.
    expect(sourceFromEntry(e, { keyword: '../../admin?x=1' }).route).toBe(`/weibo/keyword/${encodeURIComponent('../../admin?x=1')}`);
  });
});
