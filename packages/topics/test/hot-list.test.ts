/**
 * 上榜: a topic whose item is a hot-list entry carries the list and its best rank as indicators; a
 * police-negative topic on a national list is at least orange, on a regional one at least yellow,
 * and the reasons name the list and rank. Topics that are not police-negative do not warn for it.
 */
import { describe, expect, it } from 'vitest';
import { TopicEngine, withPlacing, type TopicEvent, type TopicItem } from '../src/index';

const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);
const TITLE = '网友质疑某派出所迟迟不立案';
const KEYWORDS = ['派出所', '立案', '网友', '质疑'];

function entry(id: string, hotList: TopicItem['hotList'], policeNegative: boolean, at = T0, title = TITLE): TopicItem {
  return {
    id,
    publishedAt: at,
    title,
    text: title,
    source: hotList?.list ?? '某网',
    hotList,
    analysis: { policeRelated: true, policeNegative, sentiment: policeNegative ? 'negative' : 'neutral', keywords: KEYWORDS, places: [], jurisdictionHits: [], categories: [], reaction: null },
  };
}
const levels = (evs: TopicEvent[]) => evs.flatMap((x) => (x.type === 'level' ? [x] : []));

describe('hot lists raise a police-negative topic', () => {
  it('one police-negative entry of a national list makes an orange topic, and says why', () => {
    const e = new TopicEngine();
    const evs = e.process(entry('1', { list: '微博热搜榜', rank: 3, national: true }, true));
    const last = levels(evs).at(-1)!;
    expect(last.level).toBe('orange');
    expect(last.indicators).toMatchObject({ hotListBestRank: 3, hotLists: ['微博热搜榜'], hotListNational: true, items: 1 });
    expect(last.reason).toContain('登上全国热榜：微博热搜榜（最高第 3 位）');
  });

  it('a regional list makes it yellow; without a list the same item is blue', () => {
    const regional = levels(new TopicEngine().process(entry('1', { list: '某报热榜', rank: 1, national: false }, true))).at(-1)!;
    expect(regional.level).toBe('yellow');
    expect(regional.reason).toContain('登上热榜：某报热榜（最高第 1 位）');
    expect(regional.reason).not.toContain('全国');
    const plain = levels(new TopicEngine().process(entry('1', null, true))).at(-1)!;
    expect(plain.level).toBe('blue');
    expect(plain.indicators.hotListBestRank).toBe(0);
  });

  it('a police-related entry that is not negative does not warn, however high it ranks', () => {
    const evs = new TopicEngine().process(entry('1', { list: '微博热搜榜', rank: 1, national: true }, false, T0, '民警雨夜背老人过河'));
    expect(levels(evs).filter((l) => l.level !== 'none')).toEqual([]);
  });

  it('keeps the best rank and every list, national once any is, through snapshots', () => {
    const e = new TopicEngine({}, { trackChanges: true });
    e.process(entry('1', { list: '某报热榜', rank: 5, national: false }, true));
    e.process(entry('2', { list: '百度热搜', rank: 2, national: true }, true, T0 + 60_000));
    const topic = [...e.topics.values()][0]!;
    expect(topic.hotList).toEqual({ bestRank: 2, lists: ['百度热搜', '某报热榜'], national: true });
    const changes = e.takeChanges();
    // Through JSON, as the topic stage stores it (topics.state).
    const stored = JSON.parse(JSON.stringify(changes)) as typeof changes;
    const restored = TopicEngine.restore({ clock: e.now, ...e.nextIds, topics: stored.topics, stories: stored.stories, itemLinks: [], dormant: [] });
    const again = [...restored.topics.values()][0]!;
    expect(again.hotList).toEqual(topic.hotList);
    expect(restored.indicators(again, T0 + 120_000)).toMatchObject({ hotListBestRank: 2, hotListNational: true });
  });
});

describe('withPlacing', () => {
  it('starts, improves and extends a standing without repeating a list', () => {
    const a = withPlacing(null, { list: 'A', rank: 7, national: false });
    expect(a).toEqual({ bestRank: 7, lists: ['A'], national: false });
    const b = withPlacing(a, { list: 'B', rank: 9, national: true });
    expect(b).toEqual({ bestRank: 7, lists: ['A', 'B'], national: true });
    const c = withPlacing(b, { list: 'B', rank: 1, national: true });
    expect(c).toEqual({ bestRank: 1, lists: ['A', 'B'], national: true });
    const d = withPlacing(c, { list: 'C', rank: 1, national: false });
    expect(d.lists).toEqual(['A', 'B', 'C']);
  });
});
