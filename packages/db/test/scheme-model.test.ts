/**
 * The monitoring scheme model, pure: the matcher (all lists / any list, exclusion, normalisation,
 * schemes without words refused), the keyword searches a scheme generates and the sources they
 * become through the shipped catalogue.
 */
import { describe, expect, it } from 'vitest';
import {
  compileScheme,
  loadCatalogue,
  matchScheme,
  normalizeForMatch,
  plannedSources,
  SchemeError,
  schemeInputSchema,
  searchKeywords,
  SEARCH_ROUTES,
  type SchemeWords,
} from '../src/index';

const scheme = (over: Partial<SchemeWords> = {}): SchemeWords => ({ match: 'all', placeWords: [], subjectWords: [], eventWords: [], excludeWords: [], ...over });
const item = (title: string, text = '') => ({ title, text });

describe('matchScheme', () => {
  const s = scheme({ placeWords: ['青石', '白沙'], subjectWords: ['派出所', '民警'], eventWords: ['打人', '暴力执法'], excludeWords: ['演习'] });

  it('all: one word of every non-empty list, with the words found', () => {
    expect(matchScheme(s, item('青石派出所民警打人', ''))).toEqual({ place: ['青石'], subject: ['派出所', '民警'], event: ['打人'] });
    // Title and text both count.
    expect(matchScheme(s, item('白沙镇一民警', '被指暴力执法'))).toEqual({ place: ['白沙'], subject: ['民警'], event: ['暴力执法'] });
  });

  it.each([
    ['no place word', '东湖派出所民警打人'],
    ['no subject word', '青石有人打人'],
    ['no event word', '青石派出所民警值班'],
  ])('all: %s → no match', (_why, title) => {
    expect(matchScheme(s, item(title))).toBeNull();
  });

  it('an exclusion word vetoes a match, wherever it stands', () => {
    expect(matchScheme(s, item('青石派出所民警打人', '原来是反诈演习'))).toBeNull();
  });

  it('empty lists are not required', () => {
    expect(matchScheme(scheme({ eventWords: ['打人'] }), item('某地打人事件'))).toEqual({ place: [], subject: [], event: ['打人'] });
    expect(matchScheme(scheme({ placeWords: ['青石'], eventWords: ['打人'] }), item('青石有人打人'))).toEqual({ place: ['青石'], subject: [], event: ['打人'] });
  });

  it('any: a word of any list will do; exclusions still veto', () => {
    const any = { ...s, match: 'any' as const };
    expect(matchScheme(any, item('白沙今日晴'))).toEqual({ place: ['白沙'], subject: [], event: [] });
    expect(matchScheme(any, item('某地民警'))).toEqual({ place: [], subject: ['民警'], event: [] });
    expect(matchScheme(any, item('东湖今日晴'))).toBeNull();
    expect(matchScheme(any, item('白沙演习'))).toBeNull();
  });

  it('normalises both sides: NFKC folds full-width forms, case is ignored', () => {
    const latin = scheme({ placeWords: ['青石'], subjectWords: ['SUV', '１１０'] });
    expect(matchScheme(latin, item('青石一辆ｓｕｖ'))).toEqual({ place: ['青石'], subject: ['SUV'], event: [] });
    expect(matchScheme(latin, item('青石 拨打110'))).toEqual({ place: ['青石'], subject: ['１１０'], event: [] });
    expect(matchScheme(latin, item('青石一辆轿车'))).toBeNull();
    expect(normalizeForMatch('ＡＢＣ１２３')).toBe('abc123');
    // a word never matches across the title/text boundary
    expect(matchScheme(scheme({ eventWords: ['石派'] }), item('青石', '派出所'))).toBeNull();
  });

  it('refuses a scheme with no place, subject or event words', () => {
    expect(() => matchScheme(scheme({ excludeWords: ['演习'] }), item('任何'))).toThrow(SchemeError);
    expect(() => compileScheme(scheme())).toThrow(SchemeError);
    const parsed = schemeInputSchema.safeParse({ name: '空', excludeWords: ['演习'] });
    expect(parsed.success).toBe(false);
  });
});

describe('searchKeywords', () => {
  it('pairs the first two non-empty lists place-major, space-separated (all of the words)', () => {
    expect(searchKeywords(scheme({ placeWords: ['青石', '白沙'], subjectWords: ['派出所', '民警'], eventWords: ['打人'] }))).toEqual({
      keywords: ['青石 派出所', '青石 民警', '白沙 派出所', '白沙 民警'],
      omitted: [],
    });
    expect(searchKeywords(scheme({ subjectWords: ['民警'], eventWords: ['打人', '执法'] })).keywords).toEqual(['民警 打人', '民警 执法']);
    expect(searchKeywords(scheme({ eventWords: ['打人'] })).keywords).toEqual(['打人']);
  });

  it('any: every word alone; capped at 20 with the rest reported', () => {
    expect(searchKeywords(scheme({ match: 'any', placeWords: ['青石'], subjectWords: ['民警'] })).keywords).toEqual(['青石', '民警']);
    const places = Array.from({ length: 11 }, (_, i) => `地${i}`);
    const plan = searchKeywords(scheme({ placeWords: places, subjectWords: ['派出所', '民警'] }));
    expect(plan.keywords).toHaveLength(20);
    expect(plan.omitted).toEqual(['地10 派出所', '地10 民警']);
  });
});

describe('plannedSources', () => {
  it('turns each search into an rsshub source of the catalogue template, named after the scheme', () => {
    const entries = loadCatalogue().entries;
    for (const r of Object.values(SEARCH_ROUTES)) expect(entries.some((e) => e.id === r.catalogueId)).toBe(true);
    const { sources, omitted } = plannedSources({ ...scheme({ placeWords: ['青石'], subjectWords: ['派出所'] }), name: '青石方案', enabled: false, sources: ['weibo', 'tieba'] }, entries);
    expect(omitted).toEqual({});
    expect(sources.map((p) => [p.search, p.keyword, p.source.url, p.source.name, p.source.enabled, p.source.kind])).toEqual([
      ['weibo', '青石 派出所', `rsshub:/weibo/keyword/${encodeURIComponent('青石 派出所')}`, '青石方案·微博关键词搜索·青石 派出所', false, 'rsshub'],
      ['tieba', '青石 派出所', `rsshub:/baidu/tieba/search/${encodeURIComponent('青石 派出所')}`, '青石方案·百度贴吧搜索·青石 派出所', false, 'rsshub'],
    ]);
    expect(() => plannedSources({ ...scheme({ placeWords: ['青石'] }), name: 'x', enabled: true, sources: ['weibo'] }, [])).toThrow(SchemeError);
  });
});
