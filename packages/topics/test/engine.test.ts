import { describe, expect, it } from 'vitest';
import { TopicEngine, decideLevel, isRepost, rootCandidates, shingleSimhash, hamming, minhashOf, type TopicItem, type TopicEvent, DEFAULT_TOPIC_CONFIG } from '../src/index';
import { jaccard } from '../src/minhash';

const H = 3600_000;
const T0 = Date.UTC(2024, 2, 5, 2, 0, 0);
const ORIGINAL = '某地派出所民警街头暴力执法，将一名卖菜老人按倒在地殴打致其头部流血，群众愤怒质问，民警抢走手机删除视频。';

function item(id: string, t: number, text: string, a: Partial<TopicItem['analysis']> = {}, extra: Partial<TopicItem> = {}): TopicItem {
  return {
    id,
    publishedAt: t,
    text,
    analysis: { policeRelated: true, policeNegative: true, sentiment: 'negative', keywords: ['民警', '暴力执法', '老人', '殴打', '派出所'], places: [], jurisdictionHits: [], categories: ['执法争议'], ...a },
    ...extra,
  };
}

function run(engine: TopicEngine, items: TopicItem[]): TopicEvent[] {
  return items.flatMap((i) => engine.process(i));
}

const burst = (n: number, start = T0, gapMs = 60_000) =>
  [item('o', start, ORIGINAL), ...Array.from({ length: n - 1 }, (_, i) => item(`r${i}`, start + (i + 1) * gapMs, `太过分了${i} //转发：${ORIGINAL}`))];

describe('reposts and fingerprints', () => {
  it('finds the reposted text inside Weibo repost chains, not inside URLs', () => {
    expect(rootCandidates(`评论 //@张三: 转评 //转发：${ORIGINAL}`).at(-1)).toBe(ORIGINAL);
    expect(rootCandidates(`转发：${ORIGINAL}`)).toEqual([ORIGINAL]);
    expect(rootCandidates('详见 http://t.cn/abc 原文很长很长的一段话')).toHaveLength(1);
    expect(isRepost(`好 //转发：${ORIGINAL}`)).toBe(true);
    expect(isRepost(ORIGINAL)).toBe(false);
  });

  it('near-duplicates are close and unrelated texts far, by SimHash and MinHash', () => {
    const edited = ORIGINAL.replace('卖菜老人', '卖水果的老人').replace('删除视频', '删了视频');
    const other = '本市今日举行春季运动会，数千名中小学生参加了田径、游泳等十余个项目的比赛。';
    expect(hamming(shingleSimhash(ORIGINAL), shingleSimhash(ORIGINAL))).toBe(0);
    expect(hamming(shingleSimhash(ORIGINAL), shingleSimhash(other))).toBeGreaterThan(15);
    expect(jaccard(minhashOf(ORIGINAL), minhashOf(edited))).toBeGreaterThan(0.6);
    expect(jaccard(minhashOf(ORIGINAL), minhashOf(other))).toBeLessThan(0.2);
  });
});

describe('stories and topics', () => {
  it('a repost burst is one story in one topic; an edited repost joins the story', () => {
    const e = new TopicEngine();
    const events = run(e, [...burst(10), item('edit', T0 + 20 * 60_000, `这也太狠了 //转发：${ORIGINAL.replace('卖菜老人', '卖水果的老人')}`)]);
    const assigns = events.filter((x) => x.type === 'assign');
    expect(new Set(assigns.map((a) => a.storyId)).size).toBe(1);
    expect(new Set(assigns.map((a) => a.topicId)).size).toBe(1);
  });

  it('an unrelated item starts another topic', () => {
    const e = new TopicEngine();
    run(e, burst(3));
    const [a] = e.process(item('x', T0 + 5 * 60_000, '本市今日举行春季运动会，数千名中小学生参加了比赛。', { policeRelated: false, policeNegative: false, sentiment: 'positive', keywords: ['运动会', '中小学生', '比赛'] }));
    expect(a).toMatchObject({ type: 'assign', newTopic: true });
  });

  it('the same input gives the same events (event time, no wall clock)', () => {
    const input = burst(30);
    const strip = (evs: TopicEvent[]) => JSON.stringify(evs);
    expect(strip(run(new TopicEngine(), input))).toBe(strip(run(new TopicEngine(), input)));
  });

  it('a text posted again long after its topic was forgotten goes back to its old story and topic', () => {
    const e = new TopicEngine();
    const first = run(e, burst(5)).find((x) => x.type === 'assign');
    // Fill time so the topic closes and is forgotten (reopenWithin 30 days).
    e.process(item('later', T0 + 40 * 24 * H, '另一件完全无关的事情发生在很久以后的某一天。', { policeRelated: false, policeNegative: false, keywords: ['无关'] }));
    const again = e.process(item('again', T0 + 41 * 24 * H, `转发：${ORIGINAL}`)).find((x) => x.type === 'assign');
    expect(again && first && again.type === 'assign' && first.type === 'assign' && [again.storyId, again.topicId]).toEqual([
      first && first.type === 'assign' ? first.storyId : null,
      first && first.type === 'assign' ? first.topicId : null,
    ]);
  });
});

/** The reaction indicators of a topic without reactions. */
const NO_REACTIONS = { reactions: 0, reactionsNegative: 0, reactionNegativeShare: 0, reactionScore: 0, reactionStories: 0, reactionStoryItems: 0, reactionStoryReactions: 0, reactionStoryNegative: 0, reactionStoryScore: 0, reactionCues: [] };

describe('warning levels', () => {
  const levelsOf = (evs: TopicEvent[]) => evs.filter((x) => x.type === 'level').map((x) => (x.type === 'level' ? x.level : ''));

  it('a single unrepeated negative post is blue at most', () => {
    expect(levelsOf(new TopicEngine().process(item('one', T0, ORIGINAL)))).toEqual(['blue']);
  });

  it('a spreading police-negative story reaches yellow with reasons that name the indicators', () => {
    const evs = run(new TopicEngine(), burst(12));
    const yellow = evs.find((x) => x.type === 'level' && x.level === 'yellow');
    expect(yellow).toBeDefined();
    if (yellow?.type !== 'level') throw new Error('no yellow');
    expect(yellow.reason).toContain('涉警负面占比');
    expect(yellow.reason).toMatch(/条数 8 ≥ 8/);
    expect(yellow.indicators.items).toBe(8);
  });

  it('a spreading story that is not police-negative never goes above none/blue', () => {
    const positive = burst(40).map((i) => ({ ...i, analysis: { ...i.analysis, policeNegative: false, sentiment: 'positive' as const } }));
    expect(levelsOf(run(new TopicEngine(), positive))).toEqual([]);
  });

  it('a steady daily topic is not an emerging crisis: the same volume spread evenly stays below yellow', () => {
    // 3 items an hour for three days: the baseline learns the rate, no departure from it.
    const steady = Array.from({ length: 72 * 3 }, (_, i) => item(`s${i}`, T0 + i * 20 * 60_000, i === 0 ? ORIGINAL : `日常 ${i} //转发：${ORIGINAL}`));
    const levels = levelsOf(run(new TopicEngine({ closeAfterMs: 10 * 24 * H }), steady));
    expect(levels).not.toContain('yellow');
  });

  it('large and fast police-negative topics climb to orange and red; levels only rise while live', () => {
    const big = burst(900, T0, 3_000);
    const levels = levelsOf(run(new TopicEngine(), big));
    expect(levels).toEqual(['blue', 'yellow', 'orange', 'red']);
  });

  it('a topic that goes quiet closes and drops to none; flaring up again is 次生', () => {
    const e = new TopicEngine();
    run(e, burst(12));
    const later = T0 + 3 * 24 * H;
    const evs = run(e, Array.from({ length: 15 }, (_, i) => item(`f${i}`, later + i * 60_000, `又来了${i} //转发：${ORIGINAL}`)));
    const levels = levelsOf(evs);
    expect(levels[0]).toBe('none');
    expect(levels).toContain('yellow');
    expect(evs.some((x) => x.type === 'stage' && x.stage === '次生')).toBe(true);
  });

  it('a manual level is never silently overridden by the automatic one', () => {
    const e = new TopicEngine();
    run(e, burst(2));
    const topicId = [...e.topics.keys()][0]!;
    expect(e.setManualLevel(topicId, 'none', T0 + 2 * 60_000, '核实为谣言，人工下调')).toHaveLength(1);
    const evs = run(e, burst(20, T0 + 3 * 60_000).slice(1).map((i, k) => ({ ...i, id: `m${k}` })));
    const levels = evs.filter((x) => x.type === 'level');
    expect(levels.length).toBeGreaterThan(0);
    for (const l of levels) if (l.type === 'level') expect(l.applied).toBe(false);
    expect(e.topics.get(topicId)?.level).toBe('none');
  });

  it('decideLevel is a pure function of indicators and thresholds', () => {
    const ind = { items: 10, stories: 1, rate1h: 10, ratePrev1h: 0, acceleration: 10, baseline: 1, burst: 6.4, sources: 1, policeRelatedShare: 1, policeNegativeShare: 1, policeNegativeItems: 10, negativeShare: 1, reach: 10, jurisdictionHits: 0, hotListBestRank: 0, hotLists: [], hotListNational: false, ageHours: 0.2, stage: '扩散期', ...NO_REACTIONS };
    expect(decideLevel(ind, DEFAULT_TOPIC_CONFIG).level).toBe('yellow');
    expect(decideLevel({ ...ind, policeNegativeShare: 0.2, policeNegativeItems: 2 }, DEFAULT_TOPIC_CONFIG).level).toBe('blue');
    expect(decideLevel({ ...ind, jurisdictionHits: 3, items: 30 }, DEFAULT_TOPIC_CONFIG).level).toBe('orange');
    expect(decideLevel({ ...ind, policeRelatedShare: 0, policeNegativeShare: 0, policeNegativeItems: 0 }, DEFAULT_TOPIC_CONFIG).level).toBe('none');
  });
});

describe('state', () => {
  it('an engine restored from its snapshot continues exactly like one that never stopped', () => {
    const input = burst(60, T0, 30_000);
    const whole = new TopicEngine();
    const expected = run(whole, input);
    const first = new TopicEngine({}, { trackChanges: true });
    const head = run(first, input.slice(0, 5));
    const changes = first.takeChanges();
    const restored = TopicEngine.restore({
      clock: first.now,
      ...first.nextIds,
      topics: changes.topics,
      stories: changes.stories,
      itemLinks: input.slice(0, 5).map((i) => [i.id, Number(changes.stories[0]!.id), i.publishedAt] as [string, number, number]),
      dormant: [],
    });
    const tail = run(restored, input.slice(5));
    // Term-burst counters are stream-wide and not persisted (a restart may report a burst again,
    // at most once a day per term); everything about stories, topics and levels must be identical.
    const noBursts = (evs: TopicEvent[]) => JSON.stringify(evs.filter((x) => x.type !== 'term_burst'));
    expect(noBursts([...head, ...tail])).toBe(noBursts(expected));
    expect(tail.some((x) => x.type === 'level')).toBe(true);
  });
});
