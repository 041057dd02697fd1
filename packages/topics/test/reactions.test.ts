/**
 * Cascades warn on reactions: a story whose root reads neutral but whose reposters' own words are,
 * in enough number and share, police-negative counts as police-negative — and the level's reasons
 * say so. Stories not about the police, topics of separate headlines, and a handful of comments do
 * not move anything.
 */
import { describe, expect, it } from 'vitest';
import { decideLevel, DEFAULT_TOPIC_CONFIG, TopicEngine, type Reaction, type TopicEvent, type TopicItem } from '../src/index';

const MIN = 60_000;
const T0 = Date.UTC(2024, 5, 1, 2, 0, 0);
/** A neutral report: police named, nothing said against them. */
const ROOT = '今天上午某市公安局通报，城东派出所民警在处置一起邻里纠纷时将一名男子带回派出所调查，详情正在进一步核实中。';
const KEYWORDS = ['派出所', '民警', '通报', '纠纷', '调查'];

const angry: Reaction = { policeNegative: true, score: 0.7, cues: ['distrust', 'coverup'] };
const calm: Reaction = { policeNegative: false, score: 0.1, cues: [] };

function root(a: Partial<TopicItem['analysis']> = {}): TopicItem {
  return {
    id: 'root',
    publishedAt: T0,
    text: ROOT,
    analysis: { policeRelated: true, policeNegative: false, sentiment: 'neutral', keywords: KEYWORDS, places: [], jurisdictionHits: [], categories: [], reaction: null, ...a },
  };
}

/** Reposts of ROOT one a minute, the k-th with reactions(k) as its own words' stance. */
function reposts(n: number, reaction: (k: number) => Reaction | null, a: Partial<TopicItem['analysis']> = {}, start = T0 + MIN): TopicItem[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `r${k}`,
    publishedAt: start + k * MIN,
    text: `评论${k} //转发：${ROOT}`,
    analysis: { policeRelated: true, policeNegative: false, sentiment: 'neutral' as const, keywords: KEYWORDS, places: [], jurisdictionHits: [], categories: [], reaction: reaction(k), ...a },
  }));
}

const run = (e: TopicEngine, items: TopicItem[]): TopicEvent[] => items.flatMap((i) => e.process(i));
const levels = (evs: TopicEvent[]) => evs.flatMap((x) => (x.type === 'level' ? [x] : []));
/** Two of every three reactions police-negative. */
const twoInThree = (k: number) => (k % 3 === 2 ? calm : angry);

describe('reactions make a neutral-root story police-negative', () => {
  it('a neutral root with angry reactions reaches yellow, and the reasons say the reactions decided it', () => {
    const e = new TopicEngine();
    const evs = run(e, [root(), ...reposts(30, twoInThree)]);
    const yellow = levels(evs).find((x) => x.level === 'yellow');
    expect(yellow).toBeDefined();
    // The story turns once it has 20 reactions (two thirds of them angry); not before.
    expect(yellow!.indicators.reactionStories).toBe(1);
    expect(yellow!.indicators.reactions).toBe(20);
    expect(yellow!.indicators.reactionsNegative).toBe(14);
    expect(yellow!.reason).toContain('转发评论涉警负面占比 0.70 (14/20) ≥ 0.5');
    expect(yellow!.reason).toContain('评论 ≥ 20 条');
    expect(yellow!.reason).toContain('平均强度 0.52');
    expect(yellow!.reason).toContain('线索：掩盖压制、不信任');
    expect(yellow!.reason).toContain('根帖未判涉警负面的 1 条传播链 (21 条) 按转发评论计为涉警负面');
    expect(yellow!.reason).toMatch(/涉警负面占比 1 ≥ 0.5/);
    const topic = [...e.topics.values()][0]!;
    expect(topic.policeNegative).toBe(31);
    expect(e.indicators(topic, e.now)).toMatchObject({ reactions: 30, reactionsNegative: 20, reactionNegativeShare: 0.67, reactionStoryItems: 31 });
  });

  it('the same cascade without reactions (bare reposts) stays at none', () => {
    expect(levels(run(new TopicEngine(), [root(), ...reposts(30, () => null)]))).toEqual([]);
  });

  it('below the minimum number of reactions nothing changes, however angry', () => {
    const e = new TopicEngine();
    const evs = run(e, [root(), ...reposts(19, () => angry)]);
    expect(levels(evs)).toEqual([]);
    const topic = [...e.topics.values()][0]!;
    expect(topic.policeNegative).toBe(0);
    expect(e.indicators(topic, e.now)).toMatchObject({ reactions: 19, reactionsNegative: 19, reactionStories: 0, policeNegativeItems: 0 });
    // The twentieth reaction is the one that lets the share decide.
    expect(levels(e.process(reposts(1, () => angry, {}, T0 + 20 * MIN)[0]!)).map((x) => x.level)).toEqual(['yellow']);
  });

  it('a share below the threshold leaves the story as its root says', () => {
    // One in three angry: 0.33 < 0.5.
    expect(levels(run(new TopicEngine(), [root(), ...reposts(40, (k) => (k % 3 === 0 ? angry : calm))]))).toEqual([]);
  });

  it('thresholds come from the topic config', () => {
    const evs = run(new TopicEngine({ reactionMinCount: 5, reactionNegativeShare: 0.3 }), [root(), ...reposts(12, (k) => (k % 3 === 0 ? angry : calm))]);
    const yellow = levels(evs).find((x) => x.level === 'yellow');
    expect(yellow?.reason).toContain('≥ 0.3（评论 ≥ 5 条');
  });

  it('a root that is police-negative stays so with calm reactions (reactions add, they do not veto)', () => {
    const evs = run(new TopicEngine(), [root({ policeNegative: true, sentiment: 'negative' }), ...reposts(30, () => calm)]);
    const yellow = levels(evs).find((x) => x.level === 'yellow');
    expect(yellow).toBeDefined();
    expect(yellow!.indicators.reactionStories).toBe(0);
    expect(yellow!.reason).not.toContain('转发评论');
  });

  it('a story turns back when later reactions dilute the share; the level, once reached, stays', () => {
    const e = new TopicEngine();
    run(e, [root(), ...reposts(20, () => angry)]);
    const topic = [...e.topics.values()][0]!;
    expect(topic.level).toBe('yellow');
    run(e, reposts(40, () => calm, {}, T0 + 30 * MIN).map((i, k) => ({ ...i, id: `c${k}` })));
    // 20 angry of 60 = 0.33 < 0.5: the story is its root's again.
    expect(topic.policeNegative).toBe(0);
    expect(topic.reactionStories).toMatchObject({ stories: 0, items: 0, reactions: 0, negative: 0 });
    expect(topic.level).toBe('yellow');
  });
});

describe('reactions do not make other cascades warn', () => {
  it('a cascade that is not about the police does not warn, however angry its reactions', () => {
    const notPolice = { policeRelated: false, keywords: ['小区', '物业', '停车', '业主', '纠纷'] };
    const evs = run(new TopicEngine(), [root(notPolice), ...reposts(40, () => angry, notPolice)]);
    expect(levels(evs)).toEqual([]);
  });

  it('a repost that is only the quoted post (转发：…) adds no words: its "reaction" is not counted', () => {
    const bare = reposts(30, () => angry).map((i) => ({ ...i, text: `转发：${ROOT}` }));
    const e = new TopicEngine();
    expect(levels(run(e, [root(), ...bare]))).toEqual([]);
    expect(e.indicators([...e.topics.values()][0]!, e.now)).toMatchObject({ items: 31, reactions: 0 });
  });

  it('a topic of separate headlines has no reactions to count: each headline is its own story', () => {
    // Forty headlines on one subject, each (against the analyzer's contract) carrying a
    // police-negative "reaction": an original quotes nothing, so nothing is counted; and reactions
    // count per story, where no story of separate headlines would reach the minimum anyway.
    const headlines: TopicItem[] = Array.from({ length: 40 }, (_, k) => ({
      id: `h${k}`,
      publishedAt: T0 + k * MIN,
      text: `第${k}条快讯：某地派出所民警开展第${k * 7 + 3}次社区走访，编号${1000 + k * 37}，宣传防范电信诈骗知识。`,
      title: `快讯${k}`,
      analysis: { policeRelated: true, policeNegative: false, sentiment: 'neutral', keywords: KEYWORDS, places: [], jurisdictionHits: [], categories: [], reaction: angry },
    }));
    const e = new TopicEngine();
    const evs = run(e, headlines);
    expect(new Set(evs.flatMap((x) => (x.type === 'assign' ? [x.topicId] : []))).size).toBe(1);
    // Near-duplicate headlines may share a story; none gathers the minimum number of reactions.
    expect(new Set(evs.flatMap((x) => (x.type === 'assign' ? [x.storyId] : []))).size).toBeGreaterThan(10);
    expect(Math.max(...[...e.stories.values()].map((st) => st.items))).toBeLessThan(DEFAULT_TOPIC_CONFIG.reactionMinCount);
    expect(levels(evs)).toEqual([]);
    expect(e.indicators([...e.topics.values()][0]!, e.now).reactions).toBe(0);
  });

  it('decideLevel: the reaction indicators alone do not make a topic police-negative (stories do)', () => {
    const ind = {
      items: 50, stories: 1, rate1h: 50, ratePrev1h: 0, acceleration: 50, baseline: 1, burst: 30, sources: 1, policeRelatedShare: 1, policeNegativeShare: 0, policeNegativeItems: 0,
      negativeShare: 0, reach: 50, jurisdictionHits: 0, hotListBestRank: 0, hotLists: [], hotListNational: false, ageHours: 1, stage: '扩散期',
      reactions: 49, reactionsNegative: 40, reactionNegativeShare: 0.82, reactionScore: 0.7,
      reactionStories: 0, reactionStoryItems: 0, reactionStoryReactions: 0, reactionStoryNegative: 0, reactionStoryScore: 0, reactionCues: [],
    };
    expect(decideLevel(ind, DEFAULT_TOPIC_CONFIG)).toEqual({ level: 'none', reasons: [] });
    const turned = { ...ind, policeNegativeShare: 1, policeNegativeItems: 50, reactionStories: 1, reactionStoryItems: 50, reactionStoryReactions: 49, reactionStoryNegative: 40, reactionStoryScore: 0.7 };
    const d = decideLevel(turned, DEFAULT_TOPIC_CONFIG);
    expect(d.level).toBe('yellow');
    expect(d.reasons).toContain('转发评论涉警负面占比 0.82 (40/49) ≥ 0.5（评论 ≥ 20 条，平均强度 0.70）：根帖未判涉警负面的 1 条传播链 (50 条) 按转发评论计为涉警负面');
  });
});

describe('reaction counts survive a restart and merges', () => {
  it('an engine restored from its snapshot mid-cascade continues exactly like one that never stopped', () => {
    const input = [root(), ...reposts(40, twoInThree)];
    const expected = run(new TopicEngine(), input);
    const first = new TopicEngine({}, { trackChanges: true });
    const head = run(first, input.slice(0, 12));
    const changes = first.takeChanges();
    // Through JSON, as the live stage stores them.
    const stored = JSON.parse(JSON.stringify(changes)) as typeof changes;
    expect(stored.stories[0]).toMatchObject({ reactions: { reactions: 11, negative: 8 }, policeRelated: 12, rootNegative: false });
    const restored = TopicEngine.restore({
      clock: first.now,
      ...first.nextIds,
      topics: stored.topics,
      stories: stored.stories,
      itemLinks: input.slice(0, 12).map((i) => [i.id, stored.stories[0]!.id, i.publishedAt] as [string, number, number]),
      dormant: [],
    });
    const tail = run(restored, input.slice(12));
    const noBursts = (evs: TopicEvent[]) => JSON.stringify(evs.filter((x) => x.type !== 'term_burst'));
    expect(noBursts([...head, ...tail])).toBe(noBursts(expected));
    expect(levels(tail).some((x) => x.indicators.reactionStories === 1)).toBe(true);
  });

  it('state stored before reactions were counted restores with none, the root deciding', () => {
    const first = new TopicEngine({}, { trackChanges: true });
    run(first, [root({ policeNegative: true }), ...reposts(3, () => null)]);
    const { topics, stories } = first.takeChanges();
    const old = (o: object, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
    const e = TopicEngine.restore({
      clock: first.now,
      ...first.nextIds,
      topics: topics.map((t) => old(t, ['reactions', 'reactionStories', 'reactionCues']) as typeof t),
      stories: stories.map((s) => old(s, ['reactions', 'rootNegative', 'policeRelated']) as typeof s),
      itemLinks: [],
      dormant: [],
    });
    const story = [...e.stories.values()][0]!;
    expect(story).toMatchObject({ rootNegative: true, policeNegative: true, reactions: { reactions: 0, negative: 0, scoreSum: 0 } });
    const topic = [...e.topics.values()][0]!;
    expect(e.indicators(topic, e.now)).toMatchObject({ reactions: 0, reactionStories: 0, policeNegativeItems: 4 });
  });
});

describe('forum replies react like reposts', () => {
  it('a neutral first post whose replies (items answering it, quoting nothing) are angry at the police warns, and says the reactions decided it', () => {
    const e = new TopicEngine();
    const replies: TopicItem[] = Array.from({ length: 30 }, (_, k) => ({
      id: `reply${k}`,
      publishedAt: T0 + (k + 1) * MIN,
      text: `第${k + 2}楼的回复`,
      parentId: 'root',
      // As the analyzer reads a reply: about the police when it speaks against them (its thread names them).
      analysis: { policeRelated: twoInThree(k).policeNegative, policeNegative: false, sentiment: 'negative', keywords: KEYWORDS, places: [], jurisdictionHits: [], categories: [], reaction: twoInThree(k) },
    }));
    const evs = run(e, [root(), ...replies]);
    const yellow = levels(evs).find((x) => x.level === 'yellow');
    expect(yellow).toBeDefined();
    expect(yellow!.indicators.reactionStories).toBe(1);
    expect(yellow!.reason).toContain('按转发评论计为涉警负面');
    // The same words as separate posts, answering nothing: no reaction counts.
    const alone = new TopicEngine();
    const separate = run(alone, [root(), ...replies.map((r) => ({ ...r, parentId: null }))]);
    expect(levels(separate).some((x) => x.level === 'yellow')).toBe(false);
  });
});
