/**
 * Revising placed items (a re-analysis after a model activation): an item stays in its story and
 * topic, the counts move by the difference between what was counted and the new analysis, and the
 * topic is judged again going forward only — a level may rise (saying the re-analysis led to it),
 * never falls while the topic is live, and a person's level stands. Items of forgotten topics are
 * ignored.
 */
import { describe, expect, it } from 'vitest';
import { countedOf, TopicEngine, type CountedAnalysis, type ItemRevision, type Reaction, type TopicEvent, type TopicItem } from '../src/index';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = Date.UTC(2024, 6, 1, 2, 0, 0);
const KEYWORDS = ['派出所', '民警', '通报', '纠纷', '调查'];
/** A neutral report: police named, nothing said against them. */
const ROOT = '今天上午某市公安局通报，城东派出所民警在处置一起邻里纠纷时将一名男子带回派出所调查，详情正在进一步核实中。';

const neutral: TopicItem['analysis'] = { policeRelated: true, policeNegative: false, sentiment: 'neutral', keywords: KEYWORDS, places: [], jurisdictionHits: [], categories: [], reaction: null };
const negative: Partial<TopicItem['analysis']> = { policeNegative: true, sentiment: 'negative' };
const angry: Reaction = { policeNegative: true, score: 0.8, cues: ['distrust'] };
const calm: Reaction = { policeNegative: false, score: 0.1, cues: [] };

/** Separate headlines on one subject, one a minute: each is its own story's root. */
function headlines(n: number, a: Partial<TopicItem['analysis']> = {}, start = T0): TopicItem[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `h${k}`,
    publishedAt: start + k * MIN,
    text: `第${k}条快讯：某地派出所民警开展第${k * 7 + 3}次社区走访，编号${1000 + k * 37}，处置邻里纠纷后带回调查。`,
    title: `快讯${k}`,
    analysis: { ...neutral, ...a },
  }));
}

/** ROOT and n reposts with words of their own, one a minute; reaction(k) is the k-th repost's stance. */
function cascade(n: number, reaction: (k: number) => Reaction | null, rootAnalysis: Partial<TopicItem['analysis']> = {}): TopicItem[] {
  return [
    { id: 'root', publishedAt: T0, text: ROOT, analysis: { ...neutral, ...rootAnalysis } },
    ...Array.from({ length: n }, (_, k) => ({ id: `r${k}`, publishedAt: T0 + (k + 1) * MIN, text: `评论${k} //转发：${ROOT}`, analysis: { ...neutral, reaction: reaction(k) } })),
  ];
}

const run = (e: TopicEngine, items: TopicItem[]): TopicEvent[] => items.flatMap((i) => e.process(i));
const levels = (evs: TopicEvent[]) => evs.flatMap((x) => (x.type === 'level' ? [x] : []));
const storyOf = (evs: TopicEvent[]) => new Map(evs.flatMap((x) => (x.type === 'assign' ? [[x.itemId, Number(x.storyId)] as const] : [])));

/** The revision of a placed item from its analysis when placed to `after` (what the live stage builds from story_items). */
function revision(item: TopicItem, stories: Map<string, number>, after: Partial<TopicItem['analysis']>, model = 'm2'): ItemRevision {
  return { itemId: item.id, storyId: stories.get(item.id)!, text: item.text, before: countedOf(item.analysis), after: countedOf({ ...item.analysis, ...after }), model };
}

/** The counts a topic keeps of its items' analyses. */
function counts(e: TopicEngine) {
  const topic = [...e.topics.values()][0]!;
  const ind = e.indicators(topic, e.now);
  return {
    items: topic.items,
    policeRelated: topic.policeRelated,
    policeNegative: topic.policeNegative,
    negative: topic.negative,
    reactions: topic.reactions.reactions,
    reactionsNegative: topic.reactions.negative,
    reactionScore: ind.reactionScore,
    reactionStories: ind.reactionStories,
    reactionStoryItems: ind.reactionStoryItems,
    reactionCues: ind.reactionCues,
    stories: [...e.stories.values()].map((s) => ({ items: s.items, policeRelated: s.policeRelated, rootNegative: s.rootNegative, policeNegative: s.policeNegative ?? false, reactions: s.reactions.reactions, negative: s.reactions.negative })),
  };
}

describe('revise: counts follow the new analysis', () => {
  it('headlines re-analysed as police-negative: the topic counts them, rises to yellow, and says the re-analysis led to it', () => {
    const items = headlines(10);
    const e = new TopicEngine();
    const placed = run(e, items);
    expect(new Set(placed.flatMap((x) => (x.type === 'assign' ? [x.topicId] : []))).size).toBe(1);
    expect(levels(placed)).toEqual([]);
    const stories = storyOf(placed);
    const topic = [...e.topics.values()][0]!;
    const before = { clock: e.now, items: topic.items, stories: topic.stories, storyIds: [...topic.storyIds] };

    const evs = e.revise(items.map((i) => revision(i, stories, negative, 'stance-v2')));
    expect(evs.filter((x) => x.type === 'revise')).toHaveLength(10);
    expect(evs.filter((x) => x.type === 'revise').every((x) => x.type === 'revise' && x.changed && x.topicId === String(topic.id))).toBe(true);
    // Judged once for the batch: one level change, at the engine's clock, with the usual reasons.
    const lv = levels(evs);
    expect(lv).toHaveLength(1);
    expect(lv[0]).toMatchObject({ level: 'yellow', previous: 'none', at: before.clock, automatic: true, applied: true });
    expect(lv[0]!.reason).toMatch(/^none → yellow: 重新分析（模型 stance-v2）后：涉警占比 1 ≥ 0.5；涉警负面占比 1 ≥ 0.5；条数 10 ≥ 8/);
    expect(lv[0]!.indicators).toMatchObject({ policeNegativeItems: 10, policeNegativeShare: 1, negativeShare: 1 });
    expect(topic).toMatchObject({ policeNegative: 10, negative: 10, policeRelated: 10, level: 'yellow', autoLevel: 'yellow' });
    // Nothing moved: the same items, stories and clock.
    expect({ clock: e.now, items: topic.items, stories: topic.stories, storyIds: [...topic.storyIds] }).toEqual(before);
  });

  it('a root re-analysed as police-negative makes its whole story count; a repost’s own flag does not (the root decides)', () => {
    const items = cascade(9, () => null);
    const e = new TopicEngine();
    const stories = storyOf(run(e, items));
    // A repost judged police-negative counts nothing: the root decides a story.
    const repost = e.revise(revision(items[3]!, stories, { policeNegative: true }));
    expect(repost).toEqual([{ type: 'revise', itemId: 'r2', storyId: String(stories.get('r2')), topicId: expect.any(String), at: e.now, changed: false }]);
    expect(counts(e).policeNegative).toBe(0);
    const evs = e.revise(revision(items[0]!, stories, { policeNegative: true }));
    expect(counts(e)).toMatchObject({ policeNegative: 10, stories: [{ items: 10, rootNegative: true, policeNegative: true }] });
    expect(levels(evs).map((x) => x.level)).toEqual(['yellow']);
  });

  it('reactions re-analysed as angry turn a neutral-root cascade police-negative, with the reactions named in the reasons', () => {
    const items = cascade(24, () => calm);
    const e = new TopicEngine();
    const stories = storyOf(run(e, items));
    expect(counts(e)).toMatchObject({ reactions: 24, reactionsNegative: 0, policeNegative: 0 });
    // Two in three reposts' own words now read as angry at the police.
    const evs = e.revise(items.slice(1).flatMap((i, k) => (k % 3 === 2 ? [] : [revision(i, stories, { reaction: angry })])));
    expect(counts(e)).toMatchObject({ reactions: 24, reactionsNegative: 16, reactionScore: 0.57, reactionStories: 1, reactionStoryItems: 25, policeNegative: 25, reactionCues: ['distrust'] });
    const lv = levels(evs);
    expect(lv.map((x) => x.level)).toEqual(['yellow']);
    expect(lv[0]!.reason).toContain('重新分析（模型 m2）后');
    expect(lv[0]!.reason).toContain('转发评论涉警负面占比 0.67 (16/24) ≥ 0.5');
    expect(lv[0]!.reason).toContain('线索：不信任');
  });

  it('placing with the old analysis and revising gives the counts of placing with the new one', () => {
    const oldOf = (k: number): Reaction | null => (k % 4 === 0 ? null : k % 2 ? angry : calm);
    const newOf = (k: number): Reaction | null => (k % 5 === 0 ? null : k % 3 ? calm : { policeNegative: true, score: 0.6, cues: ['sarcasm', 'distrust'] });
    const bare = (items: TopicItem[]) => items.map((i, k) => (k > 0 && k % 7 === 0 ? { ...i, text: `转发：${ROOT}` } : i));
    const oldItems = bare(cascade(30, oldOf)).map((i, k) => (k % 2 ? { ...i, analysis: { ...i.analysis, policeRelated: false, sentiment: 'negative' as const } } : i));
    const newItems = bare(cascade(30, newOf, { policeNegative: true })).map((i, k) => (k % 3 ? { ...i, analysis: { ...i.analysis, sentiment: 'negative' as const } } : i));
    const fresh = new TopicEngine();
    run(fresh, newItems);
    const revised = new TopicEngine();
    const stories = storyOf(run(revised, oldItems));
    revised.revise(oldItems.map((i, k) => revision(i, stories, newItems[k]!.analysis)));
    const c = counts(revised);
    expect(c).toEqual(counts(fresh));
    expect(c.reactionStories).toBe(0);
    expect(c.policeNegative).toBe(31);
  });
});

describe('revise: levels going forward only', () => {
  it('a lowered police-negative share changes the counts but not the level while the topic is live; it drops when the topic closes, as always', () => {
    const items = headlines(10, negative);
    const e = new TopicEngine();
    const placed = run(e, items);
    expect(levels(placed).at(-1)?.level).toBe('yellow');
    const stories = storyOf(placed);
    const evs = e.revise(items.map((i) => revision(i, stories, { policeNegative: false, sentiment: 'neutral' })));
    expect(levels(evs)).toEqual([]);
    const topic = [...e.topics.values()][0]!;
    expect(topic).toMatchObject({ policeNegative: 0, negative: 0, level: 'yellow', autoLevel: 'yellow' });
    // Two quiet days later (an unrelated item moves the clock): the topic closes and its level drops.
    const later = e.process({ id: 'x', publishedAt: T0 + 50 * H, text: '本市今日举行春季运动会，数千名中小学生参加了比赛。', analysis: { ...neutral, policeRelated: false, keywords: ['运动会', '中小学生', '比赛'] } });
    expect(levels(later)).toEqual([expect.objectContaining({ topicId: String(topic.id), level: 'none', previous: 'yellow' })]);
  });

  it('a higher level under a person’s level is recorded, not applied', () => {
    const items = headlines(10);
    const e = new TopicEngine();
    const stories = storyOf(run(e, items));
    const topic = [...e.topics.values()][0]!;
    e.setManualLevel(topic.id, 'blue', e.now, '人工定级');
    const lv = levels(e.revise(items.map((i) => revision(i, stories, negative))));
    expect(lv).toEqual([expect.objectContaining({ level: 'yellow', previous: 'blue', automatic: true, applied: false })]);
    expect(lv[0]!.reason).toContain('重新分析（模型 m2）后');
    expect(lv[0]!.reason).toContain('（人工定级 blue，未自动覆盖）');
    expect(topic).toMatchObject({ level: 'blue', manualLevel: 'blue', autoLevel: 'yellow', policeNegative: 10 });
  });

  it('a closed topic has its counts corrected but is not judged; a forgotten one is ignored', () => {
    const items = headlines(10);
    const e = new TopicEngine();
    const stories = storyOf(run(e, items));
    const topic = [...e.topics.values()][0]!;
    const other = (id: string, t: number) => ({ id, publishedAt: t, text: `${id} 本市今日举行春季运动会，数千名中小学生参加了比赛。`, analysis: { ...neutral, policeRelated: false, keywords: ['运动会', '中小学生', '比赛'] } });
    e.process(other('x', T0 + 50 * H));
    expect(topic.status).toBe('closed');
    const closed = e.revise(items.map((i) => revision(i, stories, negative)));
    expect(levels(closed)).toEqual([]);
    expect(closed.filter((x) => x.type === 'revise')).toHaveLength(10);
    expect(topic).toMatchObject({ policeNegative: 10, level: 'none' });
    // Thirty days on the topic is forgotten: its items' revisions change nothing and say nothing.
    e.process(other('y', T0 + 32 * 24 * H));
    expect(e.topics.has(topic.id)).toBe(false);
    expect(e.revise(items.map((i) => revision(i, stories, { policeNegative: false, sentiment: 'neutral' })))).toEqual([]);
    expect(e.revise({ itemId: 'nope', storyId: 999, text: ROOT, before: countedOf(neutral), after: countedOf({ ...neutral, ...negative }) })).toEqual([]);
  });
});

describe('revise: once, deterministic, persisted like any change', () => {
  it('a revision with nothing counted differing changes nothing (a re-delivered job); the same input gives the same events', () => {
    const items = headlines(10);
    const make = () => {
      const e = new TopicEngine();
      return { e, stories: storyOf(run(e, items)) };
    };
    const a = make();
    const b = make();
    const revs = (stories: Map<string, number>) => items.map((i) => revision(i, stories, negative));
    const first = a.e.revise(revs(a.stories));
    expect(JSON.stringify(b.e.revise(revs(b.stories)))).toBe(JSON.stringify(first));
    const after = counts(a.e);
    // Applied already: what is counted now is the new analysis.
    const again: ItemRevision[] = revs(a.stories).map((r) => ({ ...r, before: r.after }));
    const evs = a.e.revise(again);
    expect(evs.every((x) => x.type === 'revise' && !x.changed)).toBe(true);
    expect(counts(a.e)).toEqual(after);
    // A score that clamps the same, or a reaction on an item that quotes nothing, counts nothing.
    const same: CountedAnalysis = { ...countedOf(neutral), reaction: { ...angry, score: 1.5 } };
    expect(a.e.revise({ itemId: 'h1', storyId: a.stories.get('h1')!, text: items[1]!.text, before: countedOf({ ...neutral, ...negative }), after: { ...countedOf({ ...neutral, ...negative }), reaction: same.reaction } })).toEqual([
      expect.objectContaining({ type: 'revise', changed: false }),
    ]);
  });

  it('tracks the revised story and topic for persistence, and a restored engine continues from the revised counts', () => {
    const items = cascade(9, () => calm);
    const e = new TopicEngine({}, { trackChanges: true });
    const stories = storyOf(run(e, items));
    e.takeChanges();
    e.revise(revision(items[0]!, stories, { policeNegative: true }));
    const changes = JSON.parse(JSON.stringify(e.takeChanges())) as ReturnType<TopicEngine['takeChanges']>;
    expect(changes.topics).toHaveLength(1);
    expect(changes.topics[0]).toMatchObject({ policeNegative: 10, level: 'yellow' });
    expect(changes.stories).toEqual([expect.objectContaining({ rootNegative: true, policeNegative: true, items: 10 })]);
    const restored = TopicEngine.restore({ clock: e.now, ...e.nextIds, topics: changes.topics, stories: changes.stories, itemLinks: [], dormant: [] });
    // The root back to neutral after the restart: the story's ten items leave the count; the level stays.
    expect(levels(restored.revise({ ...revision(items[0]!, stories, {}), before: countedOf({ ...neutral, policeNegative: true }) }))).toEqual([]);
    expect(counts(restored)).toMatchObject({ policeNegative: 0, stories: [{ rootNegative: false, policeNegative: false }] });
    expect([...restored.topics.values()][0]!.level).toBe('yellow');
  });
});
