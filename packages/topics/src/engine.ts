/**
 * The topic stage, driven by items in event time: each analysed item joins a story (reposts and
 * near-duplicates of one text), each new story joins a topic (single-pass clustering) or starts
 * one, and the item's topic gets its indicators, stage and warning level recomputed. An item
 * analysed again (a new model) is revised in place (revise): its story's and topic's counts follow
 * the new analysis and the level is judged again, going forward only. Everything it returns is an
 * event; the live pipeline stores them, `yuqing replay` prints them.
 *
 * The clock is the largest publication time seen, so the same input gives the same output at any
 * speed. The engine is in-memory and single-writer; the live pipeline rebuilds it from PostgreSQL.
 */
import { levelRank, topicConfig, type Level, type TopicConfig } from './config';
import { decideLevel, type Indicators } from './levels';
import { repostComment, rootCandidates } from './repost';
import { addToSeries, advanceSeries, newSeries, seriesIndicators, type SeriesState } from './series';
import { decideStage, type Stage } from './stage';
import { TermBurstDetector, type TermBurst } from './term-bursts';
import { keywordVector, TopicIndex } from './topic-index';
import { fingerprintHex, parseFingerprint, type Fingerprint } from './fingerprint';
import { rootHash, StoryIndex } from './story-index';

/** An analysed item as the topic stage needs it. */
export interface TopicItem {
  id: string;
  publishedAt: number;
  text: string;
  title?: string | null;
  source?: string | null;
  url?: string | null;
  parentId?: string | null;
  /** Source authority weight (central media > personal blog); 1 when unknown. */
  authority?: number;
  metrics?: { reposts?: number; comments?: number; likes?: number } | null;
  author?: { followers?: number; verified?: boolean } | null;
  /** The item is an entry of a hot list (热榜): which list, how high, and whether the whole country sees it. */
  hotList?: HotListPlacing | null;
  analysis: {
    policeRelated: boolean;
    policeNegative: boolean;
    sentiment: 'negative' | 'neutral' | 'positive';
    keywords: string[];
    places: string[];
    jurisdictionHits: string[];
    categories: string[];
    /**
     * The stance toward police of a repost's own words (the text before what it quotes), from the
     * analyzer; null or absent for an original, a bare repost, or an item that is not police-related.
     */
    reaction?: Reaction | null;
  };
}

/** Where an item stood on a hot list when it was stored. */
export interface HotListPlacing {
  list: string;
  rank: number;
  national: boolean;
}

/** A topic's best places on hot lists (上榜): the best rank, on which lists, and whether a national one. */
export interface TopicHotList {
  bestRank: number;
  /** List names, best placed first, each once. */
  lists: string[];
  national: boolean;
}

/** What a repost adds of its own about the police (AnalysisResult.reaction of @yuqing/nlp). */
export interface Reaction {
  policeNegative: boolean;
  /** Stance score in [0, 1): how strongly the words cast the police in a negative light. */
  score: number;
  cues?: string[];
}

/** Reactions counted: how many, how many police-negative, and the sum of their scores (strength). */
export interface ReactionTally {
  reactions: number;
  negative: number;
  scoreSum: number;
}

/** The parts of an item's analysis its story and topic count, which a re-analysis may change. */
export interface CountedAnalysis {
  policeRelated: boolean;
  /** Counted only for a story's root (its first item): a repost repeats its root. */
  policeNegative: boolean;
  /** Sentiment negative (the topic's negative count). */
  negative: boolean;
  /** Counted only when the item quotes a post after words of its own (as when it was placed). */
  reaction?: Reaction | null;
}

/** What a topic counts of an analysis. */
export function countedOf(a: Pick<TopicItem['analysis'], 'policeRelated' | 'policeNegative' | 'sentiment' | 'reaction'>): CountedAnalysis {
  return { policeRelated: a.policeRelated, policeNegative: a.policeNegative, negative: a.sentiment === 'negative', reaction: a.reaction ?? null };
}

/**
 * An item placed before and analysed again (a re-analysis after a model activation). The engine
 * keeps no per-item analysis (live topics are many), so the caller says where the item was placed
 * and what was counted of it; the engine counts the difference.
 */
export interface ItemRevision {
  itemId: string;
  /** The story the item was placed in. */
  storyId: number;
  /** The item's text: whether it quotes a post decides whether its reaction counts, as when it was placed. */
  text: string;
  /** It answers a parent (a forum reply): its reaction counts though it quotes nothing. */
  reply?: boolean;
  /** What its story and topic counted of it (its analysis when placed, or when last revised). */
  before: CountedAnalysis;
  /** Its new analysis. */
  after: CountedAnalysis;
  /** The model of the new analysis, named in a level change it causes (null: the built-in default). */
  model?: string | null;
}

const noReactions = (): ReactionTally => ({ reactions: 0, negative: 0, scoreSum: 0 });

// Most stories and topics never see a reaction (headlines, originals): they share these empty,
// frozen tallies, and get their own on the first reaction (copy on write; a write to a shared one
// would throw). Live topics are many; this keeps each small.
const NO_REACTIONS = Object.freeze(noReactions()) as ReactionTally;
const NO_REACTION_STORIES = Object.freeze({ stories: 0, items: 0, ...noReactions() }) as ReactionTally & { stories: number; items: number };
const NO_CUES = new Map<string, number>();

/** A stored tally, or the shared empty one when there is none or it is empty. */
function tallyOf(t: Partial<ReactionTally> | undefined): ReactionTally {
  return t && (t.reactions ?? 0) > 0 ? { ...noReactions(), ...t } : NO_REACTIONS;
}

export interface Story {
  id: number;
  topicId: number;
  /** The root text, kept only until it has been persisted (live mode); '' afterwards. */
  root: string;
  /** Exact-root key of the full root text. */
  rootHash: number;
  fingerprint: Fingerprint;
  firstItemId: string;
  firstAt: number;
  firstSource: string | null;
  lastAt: number;
  items: number;
  /** Whether the story counts as police-negative opinion: its root does, or its reactions do. */
  policeNegative?: boolean;
  /** Whether the story's root (its first item) is police-negative opinion. */
  rootNegative: boolean;
  /** Police-related items of the story. */
  policeRelated: number;
  /** The story's reactions (reposts' own words about the police). */
  reactions: ReactionTally;
  /** The biggest amplifiers: items with the highest reach weight. */
  amplifiers: Array<{ itemId: string; source: string | null; weight: number; followers: number | null }>;
}

export interface Topic {
  id: number;
  status: 'open' | 'closed';
  title: string;
  firstItemId: string;
  firstSource: string | null;
  createdAt: number;
  lastAt: number;
  items: number;
  stories: number;
  policeRelated: number;
  policeNegative: number;
  negative: number;
  /** Reactions of all the topic's stories. */
  reactions: ReactionTally;
  /** Stories counted police-negative only because of their reactions: how many, their items and reactions. */
  reactionStories: ReactionTally & { stories: number; items: number };
  /** Cues of the topic's police-negative reactions, with counts. */
  reactionCues: Map<string, number>;
  reach: number;
  jurisdictionHits: number;
  /** On a hot list (上榜): null until one of its items is a list entry. */
  hotList: TopicHotList | null;
  sources: Set<string>;
  places: Map<string, number>;
  categories: Map<string, number>;
  series: SeriesState;
  stage: Stage | null;
  reopened: boolean;
  level: Level;
  /** A level set by a person; the automatic level never silently overrides it. */
  manualLevel: Level | null;
  autoLevel: Level;
  storyIds: Set<number>;
}

export type TopicEvent =
  | { type: 'assign'; itemId: string; storyId: string; topicId: string; at: number; newStory: boolean; newTopic: boolean }
  /** A placed item's analysis revised (revise()): `changed` when its story's or topic's counts moved. */
  | { type: 'revise'; itemId: string; storyId: string; topicId: string; at: number; changed: boolean }
  | { type: 'level'; topicId: string; level: Level; previous: Level; at: number; indicators: Indicators; reason: string; automatic: boolean; applied: boolean }
  | { type: 'merge'; from: string; into: string; at: number }
  | { type: 'stage'; topicId: string; stage: Stage; previous: Stage | null; at: number }
  | { type: 'close'; topicId: string; at: number }
  | ({ type: 'term_burst' } & TermBurst);

const HOUR = 3600_000;

/** A topic as plain data (PostgreSQL row or test fixture); restore() reads it back. */
export interface TopicSnapshot {
  id: number;
  status: 'open' | 'closed';
  title: string;
  keywords: string[];
  firstItemId: string;
  firstSource: string | null;
  createdAt: number;
  lastAt: number;
  items: number;
  stories: number;
  policeRelated: number;
  policeNegative: number;
  negative: number;
  /** Absent in state stored before reactions were counted (read as none). */
  reactions?: ReactionTally;
  reactionStories?: ReactionTally & { stories: number; items: number };
  reactionCues?: Record<string, number>;
  reach: number;
  jurisdictionHits: number;
  /** Absent in state stored before hot lists were watched (read as none). */
  hotList?: TopicHotList | null;
  sources: string[];
  places: Record<string, number>;
  categories: Record<string, number>;
  buckets: Array<[number, number]>;
  baselineHour: number;
  baseline: number;
  peakRate: number;
  stage: Stage | null;
  level: Level;
  autoLevel: Level;
  manualLevel: Level | null;
  centroid: Array<[string, number]>;
}

/** A story as plain data. */
export interface StorySnapshot {
  id: number;
  topicId: number;
  root: string;
  rootHash: number;
  simhash: string;
  firstItemId: string;
  firstAt: number;
  firstSource: string | null;
  lastAt: number;
  items: number;
  policeNegative: boolean;
  /** Absent in state stored before reactions were counted: the root decides (policeNegative), no reactions. */
  rootNegative?: boolean;
  policeRelated?: number;
  reactions?: ReactionTally;
  amplifiers: Story['amplifiers'];
}

/** Everything needed to continue where a previous process stopped. */
export interface EngineState {
  clock: number;
  nextStoryId: number;
  nextTopicId: number;
  topics: TopicSnapshot[];
  stories: StorySnapshot[];
  /** Recent item → story links (for items naming a parent). */
  itemLinks: Array<[string, number, number]>;
  /** Roots of stories whose topics were forgotten: [rootHash, storyId, topicId]. */
  dormant: Array<[number, number, number]>;
}

/**
 * A topic's hot-list standing with one more placing: the best rank so far, the lists (the new one
 * first when it is placed best), national once any list is.
 */
export function withPlacing(current: TopicHotList | null, p: HotListPlacing): TopicHotList {
  if (!current) return { bestRank: p.rank, lists: [p.list], national: p.national };
  const better = p.rank < current.bestRank;
  const lists = current.lists.includes(p.list) ? current.lists : better ? [p.list, ...current.lists] : [...current.lists, p.list];
  return { bestRank: Math.min(current.bestRank, p.rank), lists: lists.slice(0, 10), national: current.national || p.national };
}

/** Reach weight of one item: authority × follower reach × engagement. */
export function reachWeight(item: Pick<TopicItem, 'authority' | 'metrics' | 'author'>): number {
  const authority = item.authority ?? 1;
  const followers = item.author?.followers ?? 0;
  const m = item.metrics;
  const engagement = (m?.reposts ?? 0) + (m?.comments ?? 0) + (m?.likes ?? 0);
  return authority * (1 + Math.log10(1 + followers)) * (1 + Math.log10(1 + engagement)) * (item.author?.verified ? 1.5 : 1);
}

export class TopicEngine {
  readonly cfg: TopicConfig;
  private readonly storyIndex: StoryIndex;
  private readonly topicIndex: TopicIndex;
  private readonly termBursts: TermBurstDetector;
  readonly stories = new Map<number, Story>();
  readonly topics = new Map<number, Topic>();
  /** Story → topic of forgotten stories, to revive both under their old ids. */
  private readonly dormantTopicOf = new Map<number, number>();
  private nextStoryId: number;
  private nextTopicId: number;
  private clock = 0;
  private lastSweep = 0;
  private readonly touchedTopics = new Set<number>();
  private readonly touchedStories = new Set<number>();
  private readonly removedTopics = new Set<number>();

  /** Live mode records what changed for persistence (takeChanges); replay does not need it. */
  private readonly trackChanges: boolean;

  constructor(overrides: Partial<TopicConfig> = {}, ids: { nextStoryId?: number; nextTopicId?: number; trackChanges?: boolean } = {}) {
    this.trackChanges = ids.trackChanges ?? false;
    this.cfg = topicConfig(overrides);
    this.storyIndex = new StoryIndex(this.cfg.storyHamming, this.cfg.storyJaccard);
    this.topicIndex = new TopicIndex(this.cfg.centroidTerms);
    this.termBursts = new TermBurstDetector(this.cfg.termBurstMinCount, this.cfg.termBurstRatio);
    this.nextStoryId = ids.nextStoryId ?? 1;
    this.nextTopicId = ids.nextTopicId ?? 1;
  }

  /** The engine's event-time clock (ms). */
  get now(): number {
    return this.clock;
  }

  /** Places one analysed item; returns what happened, in order. */
  process(item: TopicItem): TopicEvent[] {
    const events: TopicEvent[] = [];
    const t = item.publishedAt;
    if (t > this.clock) this.clock = t;
    if (this.clock - this.lastSweep >= HOUR) events.push(...this.sweep());

    const match = this.storyIndex.match(item);
    let story = match.storyId !== null ? this.stories.get(match.storyId) : undefined;
    let newStory = false;
    let newTopic = false;
    if (!story && match.how === 'dormant' && match.storyId !== null) {
      story = this.revive(match.storyId, match.root, match.fingerprint, item, t);
    }
    if (!story) {
      newStory = true;
      const vector = keywordVector(item.analysis.keywords);
      const [best, second] = this.topicIndex.candidates(vector, this.cfg.topicSimilarity);
      let topic = best ? this.topics.get(best.topicId) : undefined;
      if (!topic) {
        topic = this.newTopic(item, t);
        newTopic = true;
      } else if (topic.status === 'closed') {
        topic.status = 'open';
        topic.reopened = true;
      }
      story = {
        id: this.nextStoryId++,
        topicId: topic.id,
        root: this.trackChanges ? match.root : '',
        rootHash: rootHash(match.root),
        fingerprint: match.fingerprint,
        firstItemId: item.id,
        firstAt: t,
        firstSource: item.source ?? null,
        lastAt: t,
        items: 0,
        rootNegative: false,
        policeRelated: 0,
        reactions: NO_REACTIONS,
        amplifiers: [],
      };
      this.stories.set(story.id, story);
      this.storyIndex.addStory(story.id, match.root, match.fingerprint, match.signature);
      topic.storyIds.add(story.id);
      topic.stories++;
      this.topicIndex.add(topic.id, vector);
      if (best && second && best.similarity >= this.cfg.mergeSimilarity && second.similarity >= this.cfg.mergeSimilarity) {
        events.push(...this.merge(second.topicId, best.topicId, t));
      }
    } else if (match.how === 'near') {
      this.storyIndex.addAlias(story.id, match.root);
    }
    this.storyIndex.linkItem(item.id, story.id, t);

    const topic = this.topics.get(story.topicId)!;
    if (topic.status === 'closed') {
      topic.status = 'open';
      topic.reopened = true;
    }
    this.count(topic, story, item, t);
    if (this.trackChanges) {
      this.touchedTopics.add(topic.id);
      this.touchedStories.add(story.id);
    }
    events.push({ type: 'assign', itemId: item.id, storyId: String(story.id), topicId: String(topic.id), at: t, newStory, newTopic });
    events.push(...this.evaluate(topic, t));
    for (const burst of this.termBursts.observe(item.analysis.keywords.slice(0, 5), t)) events.push({ type: 'term_burst', ...burst });
    return events;
  }

  /**
   * Revises items placed before with their new analysis (a re-analysis with a new model). Each
   * item stays in its story and topic; their counts change by the difference between what was
   * counted and the new analysis: police-related and negative items, a root's police-negativity
   * (and with it the story's items in the topic's police-negative count), a reaction's tallies.
   * Then each open topic that changed is judged again at the engine's clock, going forward only:
   * its automatic level may rise (the reason says the re-analysis led to it), and never falls while
   * the topic is live — as for new items, it drops when the topic closes; a person's level stands.
   * A closed topic's counts are corrected but it is not judged (it warns only when it reopens).
   * Items whose story the engine no longer holds (a forgotten topic) are ignored: no event.
   */
  revise(revisions: ItemRevision | ItemRevision[]): TopicEvent[] {
    const events: TopicEvent[] = [];
    const at = this.clock;
    // Judged once per topic, after all of the batch's revisions: a batch of flips is one change.
    const judge = new Map<number, Set<string>>();
    for (const r of Array.isArray(revisions) ? revisions : [revisions]) {
      const story = this.stories.get(r.storyId);
      const topic = story ? this.topics.get(story.topicId) : undefined;
      if (!story || !topic) continue;
      const changed = this.recount(topic, story, r);
      events.push({ type: 'revise', itemId: r.itemId, storyId: String(story.id), topicId: String(topic.id), at, changed });
      if (!changed) continue;
      if (this.trackChanges) {
        this.touchedTopics.add(topic.id);
        this.touchedStories.add(story.id);
      }
      if (topic.status !== 'open') continue;
      const models = judge.get(topic.id) ?? new Set<string>();
      models.add(r.model ?? '默认');
      judge.set(topic.id, models);
    }
    for (const [topicId, models] of judge) {
      const topic = this.topics.get(topicId)!;
      advanceSeries(topic.series, at, this.cfg.baselineAlpha);
      events.push(...this.raiseLevel(topic, at, this.indicators(topic, at), `重新分析（模型 ${[...models].sort().join('、')}）后`));
    }
    return events;
  }

  /** Applies one revision to its story and topic; false when nothing they count differs. */
  private recount(topic: Topic, story: Story, r: ItemRevision): boolean {
    const b = r.before;
    const a = r.after;
    const isRoot = story.firstItemId === r.itemId;
    const quotes = isReaction(r.text, r.reply === true);
    const rb = quotes ? (b.reaction ?? null) : null;
    const ra = quotes ? (a.reaction ?? null) : null;
    const changed = b.policeRelated !== a.policeRelated || b.negative !== a.negative || (isRoot && b.policeNegative !== a.policeNegative) || !sameReaction(rb, ra);
    if (!changed) return false;
    // As in count(): the story's part of the topic's police-negative counts out, the story revised, back in.
    this.tallyStory(topic, story, -1);
    if (a.policeRelated !== b.policeRelated) {
      const d = a.policeRelated ? 1 : -1;
      topic.policeRelated = Math.max(0, topic.policeRelated + d);
      story.policeRelated = Math.max(0, story.policeRelated + d);
    }
    if (a.negative !== b.negative) topic.negative = Math.max(0, topic.negative + (a.negative ? 1 : -1));
    if (isRoot) story.rootNegative = a.policeNegative;
    if (rb) this.tallyReaction(topic, story, rb, -1);
    if (ra) this.tallyReaction(topic, story, ra, 1);
    story.policeNegative = story.rootNegative || this.negativeByReactions(story);
    this.tallyStory(topic, story, 1);
    return true;
  }

  /** Sets (or clears, with null) a person's level on a topic; returns the level event. */
  setManualLevel(topicId: number, level: Level | null, at: number, reason: string): TopicEvent[] {
    const topic = this.topics.get(topicId);
    if (!topic) return [];
    topic.manualLevel = level;
    this.touch(topicId);
    const effective = level ?? topic.autoLevel;
    if (effective === topic.level) return [];
    const previous = topic.level;
    topic.level = effective;
    return [{ type: 'level', topicId: String(topicId), level: effective, previous, at, indicators: this.indicators(topic, at), reason, automatic: false, applied: true }];
  }

  /** The current indicators of a topic (for explanations and the API). */
  indicators(topic: Topic, at: number): Indicators {
    const s = seriesIndicators(topic.series, at);
    const rs = topic.reactionStories;
    return {
      items: topic.items,
      stories: topic.stories,
      rate1h: s.rate1h,
      ratePrev1h: s.ratePrev1h,
      acceleration: s.acceleration,
      baseline: round(s.baseline),
      burst: round(s.burst),
      sources: topic.sources.size,
      policeRelatedShare: round(topic.policeRelated / topic.items),
      policeNegativeShare: round(topic.policeNegative / topic.items),
      policeNegativeItems: topic.policeNegative,
      negativeShare: round(topic.negative / topic.items),
      reactions: topic.reactions.reactions,
      reactionsNegative: topic.reactions.negative,
      reactionNegativeShare: topic.reactions.reactions ? round(topic.reactions.negative / topic.reactions.reactions) : 0,
      reactionScore: topic.reactions.reactions ? round(topic.reactions.scoreSum / topic.reactions.reactions) : 0,
      reactionStories: rs.stories,
      reactionStoryItems: rs.items,
      reactionStoryReactions: rs.reactions,
      reactionStoryNegative: rs.negative,
      reactionStoryScore: rs.reactions ? round(rs.scoreSum / rs.reactions) : 0,
      reactionCues: topCues(topic.reactionCues, 3),
      reach: round(topic.reach),
      jurisdictionHits: topic.jurisdictionHits,
      hotListBestRank: topic.hotList?.bestRank ?? 0,
      hotLists: topic.hotList?.lists ?? [],
      hotListNational: topic.hotList?.national ?? false,
      ageHours: round((at - topic.createdAt) / HOUR),
      stage: topic.stage ?? '发生期',
    };
  }

  /** The topic's keywords (centroid terms, best first). */
  topicKeywords(topicId: number, k = 8): string[] {
    return this.topicIndex.topTerms(topicId, k);
  }

  /** Hex fingerprint of a story (for storage). */
  storyFingerprint(story: Story): string {
    return fingerprintHex(story.fingerprint);
  }

  private touch(topicId: number): void {
    if (this.trackChanges) this.touchedTopics.add(topicId);
  }

  /** Topics and stories changed since the last call (what a batch must persist), and merged-away topics. */
  takeChanges(): { topics: TopicSnapshot[]; stories: StorySnapshot[]; removedTopics: number[] } {
    const topics = [...this.touchedTopics].flatMap((id) => {
      const t = this.topics.get(id);
      return t ? [this.snapshotTopic(t)] : [];
    });
    const stories = [...this.touchedStories].flatMap((id) => {
      const s = this.stories.get(id);
      return s ? [this.snapshotStory(s)] : [];
    });
    const removedTopics = [...this.removedTopics];
    // Once persisted, a story's root text lives in the database; the index keeps only hashes.
    for (const id of this.touchedStories) {
      const s = this.stories.get(id);
      if (s) s.root = '';
    }
    this.touchedTopics.clear();
    this.touchedStories.clear();
    this.removedTopics.clear();
    return { topics, stories, removedTopics };
  }

  /** Ids the next new story and topic will get. */
  get nextIds(): { nextStoryId: number; nextTopicId: number } {
    return { nextStoryId: this.nextStoryId, nextTopicId: this.nextTopicId };
  }

  /** A topic as plain data. */
  snapshotTopic(t: Topic): TopicSnapshot {
    return {
      id: t.id,
      status: t.status,
      title: t.title,
      keywords: this.topicIndex.topTerms(t.id, 8),
      firstItemId: t.firstItemId,
      firstSource: t.firstSource,
      createdAt: t.createdAt,
      lastAt: t.lastAt,
      items: t.items,
      stories: t.stories,
      policeRelated: t.policeRelated,
      policeNegative: t.policeNegative,
      negative: t.negative,
      reactions: { ...t.reactions },
      reactionStories: { ...t.reactionStories },
      reactionCues: Object.fromEntries(t.reactionCues),
      reach: t.reach,
      jurisdictionHits: t.jurisdictionHits,
      hotList: t.hotList ? { ...t.hotList, lists: [...t.hotList.lists] } : null,
      sources: [...t.sources],
      places: Object.fromEntries(t.places),
      categories: Object.fromEntries(t.categories),
      buckets: [...t.series.buckets],
      baselineHour: t.series.baselineHour,
      baseline: t.series.baseline,
      peakRate: t.series.peakRate,
      stage: t.stage,
      level: t.level,
      autoLevel: t.autoLevel,
      manualLevel: t.manualLevel,
      centroid: this.topicIndex.centroidOf(t.id),
    };
  }

  /** A story as plain data. */
  snapshotStory(s: Story): StorySnapshot {
    return {
      id: s.id,
      topicId: s.topicId,
      root: s.root,
      rootHash: s.rootHash,
      simhash: fingerprintHex(s.fingerprint),
      firstItemId: s.firstItemId,
      firstAt: s.firstAt,
      firstSource: s.firstSource,
      lastAt: s.lastAt,
      items: s.items,
      policeNegative: s.policeNegative ?? false,
      rootNegative: s.rootNegative,
      policeRelated: s.policeRelated,
      reactions: { ...s.reactions },
      amplifiers: s.amplifiers,
    };
  }

  /** An engine continuing from stored state (the live pipeline after a restart or takeover). */
  static restore(state: EngineState, overrides: Partial<TopicConfig> = {}): TopicEngine {
    const e = new TopicEngine(overrides, { nextStoryId: state.nextStoryId, nextTopicId: state.nextTopicId, trackChanges: true });
    e.clock = state.clock;
    e.lastSweep = state.clock;
    for (const s of state.topics) {
      const series = newSeries(e.cfg.bucketMs, s.createdAt, e.cfg.priorRatePerHour);
      for (const [b, n] of s.buckets) series.buckets.set(b, n);
      series.baselineHour = s.baselineHour;
      series.baseline = s.baseline;
      series.peakRate = s.peakRate;
      e.topics.set(s.id, {
        id: s.id,
        status: s.status,
        title: s.title,
        firstItemId: s.firstItemId,
        firstSource: s.firstSource,
        createdAt: s.createdAt,
        lastAt: s.lastAt,
        items: s.items,
        stories: s.stories,
        policeRelated: s.policeRelated,
        policeNegative: s.policeNegative,
        negative: s.negative,
        reactions: tallyOf(s.reactions),
        reactionStories: s.reactionStories && s.reactionStories.stories > 0 ? { ...NO_REACTION_STORIES, ...s.reactionStories } : NO_REACTION_STORIES,
        reactionCues: s.reactionCues && Object.keys(s.reactionCues).length ? new Map(Object.entries(s.reactionCues)) : NO_CUES,
        reach: s.reach,
        jurisdictionHits: s.jurisdictionHits,
        hotList: s.hotList ? { ...s.hotList, lists: [...s.hotList.lists] } : null,
        sources: new Set(s.sources),
        places: new Map(Object.entries(s.places)),
        categories: new Map(Object.entries(s.categories)),
        series,
        stage: s.stage,
        reopened: false,
        level: s.level,
        manualLevel: s.manualLevel,
        autoLevel: s.autoLevel,
        storyIds: new Set(),
      });
      e.topicIndex.add(s.id, new Map(s.centroid));
    }
    for (const s of state.stories) {
      const topic = e.topics.get(s.topicId);
      if (!topic) continue;
      const fingerprint = parseFingerprint(s.simhash);
      e.stories.set(s.id, {
        id: s.id,
        topicId: s.topicId,
        root: '',
        rootHash: s.rootHash,
        fingerprint,
        firstItemId: s.firstItemId,
        firstAt: s.firstAt,
        firstSource: s.firstSource,
        lastAt: s.lastAt,
        items: s.items,
        policeNegative: s.policeNegative,
        rootNegative: s.rootNegative ?? s.policeNegative,
        policeRelated: s.policeRelated ?? 0,
        reactions: tallyOf(s.reactions),
        amplifiers: s.amplifiers,
      });
      e.storyIndex.addStory(s.id, s.root, fingerprint);
      topic.storyIds.add(s.id);
    }
    for (const [itemId, storyId, at] of state.itemLinks) e.storyIndex.linkItem(itemId, storyId, at);
    for (const [hash, storyId, topicId] of state.dormant) {
      if (e.stories.has(storyId)) continue;
      e.storyIndex.addDormant(hash, storyId);
      e.dormantTopicOf.set(storyId, topicId);
    }
    return e;
  }

  /** Closes topics quiet for closeAfter and forgets those closed longer than reopenWithin. */
  sweep(): TopicEvent[] {
    this.lastSweep = this.clock;
    const events: TopicEvent[] = [];
    const forget = new Set<number>();
    for (const topic of this.topics.values()) {
      if (topic.status === 'open' && this.clock - topic.lastAt >= this.cfg.closeAfterMs) {
        topic.status = 'closed';
        topic.stage = '消散期';
        this.touch(topic.id);
        events.push({ type: 'close', topicId: String(topic.id), at: this.clock });
        topic.autoLevel = 'none';
        if (topic.manualLevel === null && topic.level !== 'none') {
          const previous = topic.level;
          topic.level = 'none';
          events.push({
            type: 'level',
            topicId: String(topic.id),
            level: 'none',
            previous,
            at: this.clock,
            indicators: this.indicators(topic, this.clock),
            reason: `事件已平息：${Math.round(this.cfg.closeAfterMs / HOUR)} 小时无新增`,
            automatic: true,
            applied: true,
          });
        }
      } else if (topic.status === 'closed' && this.clock - topic.lastAt >= this.cfg.reopenWithinMs) {
        this.topicIndex.remove(topic.id);
        for (const s of topic.storyIds) {
          forget.add(s);
          this.stories.delete(s);
          this.dormantTopicOf.set(s, topic.id);
        }
        this.topics.delete(topic.id);
      }
    }
    this.storyIndex.forget(forget, this.clock - this.cfg.reopenWithinMs);
    return events;
  }

  /** Brings a forgotten story (and its topic) back under their old ids: the same text, posted again. */
  private revive(storyId: number, root: string, fingerprint: Fingerprint, item: TopicItem, t: number): Story {
    const topicId = this.dormantTopicOf.get(storyId);
    let topic = topicId !== undefined ? this.topics.get(topicId) : undefined;
    if (!topic) {
      topic = this.newTopic(item, t, topicId);
      topic.reopened = true;
      this.topicIndex.add(topic.id, keywordVector(item.analysis.keywords));
    }
    const story: Story = {
      id: storyId,
      topicId: topic.id,
      root: this.trackChanges ? root : '',
      rootHash: rootHash(root),
      fingerprint,
      firstItemId: item.id,
      firstAt: t,
      firstSource: item.source ?? null,
      lastAt: t,
      items: 0,
      rootNegative: false,
      policeRelated: 0,
      reactions: NO_REACTIONS,
      amplifiers: [],
    };
    this.stories.set(storyId, story);
    this.storyIndex.addStory(storyId, root, fingerprint);
    topic.storyIds.add(storyId);
    topic.stories++;
    this.dormantTopicOf.delete(storyId);
    return story;
  }

  private newTopic(item: TopicItem, t: number, reuseId?: number): Topic {
    const title = (item.title?.trim() || repostComment(item.text) || item.text).replace(/\s+/g, ' ').slice(0, 80);
    const topic: Topic = {
      id: reuseId ?? this.nextTopicId++,
      status: 'open',
      title,
      firstItemId: item.id,
      firstSource: item.source ?? null,
      createdAt: t,
      lastAt: t,
      items: 0,
      stories: 0,
      policeRelated: 0,
      policeNegative: 0,
      negative: 0,
      reactions: NO_REACTIONS,
      reactionStories: NO_REACTION_STORIES,
      reactionCues: NO_CUES,
      reach: 0,
      jurisdictionHits: 0,
      hotList: null,
      sources: new Set(),
      places: new Map(),
      categories: new Map(),
      series: newSeries(this.cfg.bucketMs, t, this.cfg.priorRatePerHour),
      stage: null,
      reopened: false,
      level: 'none',
      manualLevel: null,
      autoLevel: 'none',
      storyIds: new Set(),
    };
    this.topics.set(topic.id, topic);
    return topic;
  }

  private count(topic: Topic, story: Story, item: TopicItem, t: number): void {
    const a = item.analysis;
    const weight = reachWeight(item);
    // The story's share of the topic's police-negative counts is taken out, the story updated, and
    // its share put back: a story can turn police-negative (its reactions) or back with this item.
    this.tallyStory(topic, story, -1);
    story.items++;
    story.lastAt = Math.max(story.lastAt, t);
    if (story.amplifiers.length < 5 || weight > story.amplifiers[story.amplifiers.length - 1]!.weight) {
      story.amplifiers.push({ itemId: item.id, source: item.source ?? null, weight: round(weight), followers: item.author?.followers ?? null });
      story.amplifiers.sort((x, y) => y.weight - x.weight);
      story.amplifiers.length = Math.min(story.amplifiers.length, 5);
    }
    topic.items++;
    topic.lastAt = Math.max(topic.lastAt, t);
    if (a.policeRelated) {
      topic.policeRelated++;
      story.policeRelated++;
    }
    // A repost repeats its root: whether it spreads police-negative opinion is decided first by the
    // story's first item (the root as posted). What reposters add in their own words is counted
    // too: a story whose root reads neutral but whose reactions are, in enough number and share,
    // police-negative counts as police-negative (a few angry comments do not; reactionMinCount).
    // Only stories about the police count them: the analyzer gives no reaction for an item that is
    // not police-related, and the story itself must be police-related. A topic made of separate
    // headlines has no reactions at all: each headline is its own story's root, not a reaction.
    // A reaction is words in front of a quoted post (`comment //转发：original`): an item that is
    // only the post (`转发：original`) adds nothing, whatever its analysis says.
    if (story.items === 1) story.rootNegative = a.policeNegative;
    const r = a.reaction && isReaction(item.text, item.parentId != null) ? a.reaction : null;
    if (r) this.tallyReaction(topic, story, r, 1);
    story.policeNegative = story.rootNegative || this.negativeByReactions(story);
    this.tallyStory(topic, story, 1);
    if (a.sentiment === 'negative') topic.negative++;
    if (a.jurisdictionHits.length) topic.jurisdictionHits++;
    if (item.hotList) topic.hotList = withPlacing(topic.hotList, item.hotList);
    topic.reach += weight;
    if (item.source && topic.sources.size < 1000) topic.sources.add(item.source);
    for (const p of a.places) topic.places.set(p, (topic.places.get(p) ?? 0) + 1);
    for (const c of a.categories) topic.categories.set(c, (topic.categories.get(c) ?? 0) + 1);
    addToSeries(topic.series, t);
  }

  /** Counts (sign 1) or takes back (sign −1, a revision) one reaction in its story's and topic's tallies and cues. */
  private tallyReaction(topic: Topic, story: Story, r: Reaction, sign: 1 | -1): void {
    // A reaction never counted cannot be taken back (state stored before reactions were counted).
    if (sign < 0 && (story.reactions.reactions <= 0 || topic.reactions.reactions <= 0)) return;
    const score = clampScore(r.score);
    if (story.reactions === NO_REACTIONS) story.reactions = noReactions();
    if (topic.reactions === NO_REACTIONS) topic.reactions = noReactions();
    for (const tally of [story.reactions, topic.reactions]) {
      tally.reactions += sign;
      if (r.policeNegative) tally.negative = Math.max(0, tally.negative + sign);
      tally.scoreSum += sign * score;
      // No rounding residue left behind by taking back the last one.
      if (tally.reactions === 0) tally.scoreSum = 0;
    }
    if (!r.policeNegative || !r.cues?.length) return;
    if (sign > 0) {
      if (topic.reactionCues === NO_CUES) topic.reactionCues = new Map();
      for (const c of r.cues) if (topic.reactionCues.has(c) || topic.reactionCues.size < 50) topic.reactionCues.set(c, (topic.reactionCues.get(c) ?? 0) + 1);
    } else if (topic.reactionCues !== NO_CUES) {
      for (const c of r.cues) {
        const n = topic.reactionCues.get(c);
        if (n === undefined) continue;
        if (n > 1) topic.reactionCues.set(c, n - 1);
        else topic.reactionCues.delete(c);
      }
    }
  }

  /** Whether a story's reactions make it police-negative: enough of them, a large enough share, about the police. */
  private negativeByReactions(s: Story): boolean {
    const r = s.reactions;
    return r.reactions >= this.cfg.reactionMinCount && r.negative >= this.cfg.reactionNegativeShare * r.reactions && s.policeRelated >= this.cfg.policeShare * s.items;
  }

  /** Adds (sign 1) or removes (sign −1) a story's part of its topic's police-negative counts. */
  private tallyStory(topic: Topic, story: Story, sign: 1 | -1): void {
    if (!story.policeNegative) return;
    topic.policeNegative += sign * story.items;
    if (story.rootNegative) return;
    if (topic.reactionStories === NO_REACTION_STORIES) topic.reactionStories = { ...NO_REACTION_STORIES };
    const rs = topic.reactionStories;
    rs.stories += sign;
    rs.items += sign * story.items;
    rs.reactions += sign * story.reactions.reactions;
    rs.negative += sign * story.reactions.negative;
    rs.scoreSum += sign * story.reactions.scoreSum;
  }

  private evaluate(topic: Topic, t: number): TopicEvent[] {
    const events: TopicEvent[] = [];
    const now = Math.max(t, this.clock);
    advanceSeries(topic.series, now, this.cfg.baselineAlpha);
    const ind = this.indicators(topic, now);
    const stage = decideStage({
      previous: topic.stage,
      items: topic.items,
      rate1h: ind.rate1h,
      acceleration: ind.acceleration,
      peakRate: topic.series.peakRate,
      burst: ind.burst,
      reopened: topic.reopened,
    });
    if (stage !== topic.stage) {
      events.push({ type: 'stage', topicId: String(topic.id), stage, previous: topic.stage, at: now });
      topic.stage = stage;
      ind.stage = stage;
    }
    topic.reopened = false;
    events.push(...this.raiseLevel(topic, now, ind));
    return events;
  }

  /** The level event when the indicators call for a higher automatic level than the topic has; `cause` opens the reasons. */
  private raiseLevel(topic: Topic, now: number, ind: Indicators, cause?: string): TopicEvent[] {
    const decision = decideLevel(ind, this.cfg);
    // While a topic is live its automatic level only rises: a warning that flickers down and up
    // with every lull is noise. It drops when the topic goes quiet (sweep).
    if (levelRank(decision.level) <= levelRank(topic.autoLevel)) return [];
    const previousAuto = topic.autoLevel;
    topic.autoLevel = decision.level;
    const reason = `${previousAuto} → ${decision.level}: ${cause ? `${cause}：` : ''}${decision.reasons.join('；')}`;
    if (topic.manualLevel !== null) {
      // Recorded, not applied: a person's level stands until a person changes it.
      return [{ type: 'level', topicId: String(topic.id), level: decision.level, previous: topic.level, at: now, indicators: ind, reason: `${reason}（人工定级 ${topic.manualLevel}，未自动覆盖）`, automatic: true, applied: false }];
    }
    const previous = topic.level;
    topic.level = decision.level;
    return [{ type: 'level', topicId: String(topic.id), level: decision.level, previous, at: now, indicators: ind, reason, automatic: true, applied: true }];
  }

  private merge(fromId: number, intoId: number, at: number): TopicEvent[] {
    const from = this.topics.get(fromId);
    const into = this.topics.get(intoId);
    if (!from || !into || fromId === intoId) return [];
    // The bigger topic survives, so ids people have seen stay valid as long as possible.
    const [a, b] = from.items > into.items ? [into, from] : [from, into];
    for (const sid of a.storyIds) {
      const s = this.stories.get(sid);
      if (s) s.topicId = b.id;
      b.storyIds.add(sid);
    }
    b.items += a.items;
    b.stories += a.stories;
    b.policeRelated += a.policeRelated;
    b.policeNegative += a.policeNegative;
    b.negative += a.negative;
    if (a.reactions.reactions > 0) {
      if (b.reactions === NO_REACTIONS) b.reactions = noReactions();
      addTally(b.reactions, a.reactions);
    }
    if (a.reactionStories.stories > 0) {
      if (b.reactionStories === NO_REACTION_STORIES) b.reactionStories = { ...NO_REACTION_STORIES };
      addTally(b.reactionStories, a.reactionStories);
      b.reactionStories.stories += a.reactionStories.stories;
      b.reactionStories.items += a.reactionStories.items;
    }
    if (a.reactionCues.size > 0) {
      if (b.reactionCues === NO_CUES) b.reactionCues = new Map();
      for (const [k, v] of a.reactionCues) b.reactionCues.set(k, (b.reactionCues.get(k) ?? 0) + v);
    }
    b.reach += a.reach;
    b.jurisdictionHits += a.jurisdictionHits;
    if (a.hotList) for (const list of a.hotList.lists) b.hotList = withPlacing(b.hotList, { list, rank: a.hotList.bestRank, national: a.hotList.national });
    for (const s of a.sources) if (b.sources.size < 1000) b.sources.add(s);
    for (const [k, v] of a.places) b.places.set(k, (b.places.get(k) ?? 0) + v);
    for (const [k, v] of a.categories) b.categories.set(k, (b.categories.get(k) ?? 0) + v);
    for (const [k, v] of a.series.buckets) b.series.buckets.set(k, (b.series.buckets.get(k) ?? 0) + v);
    b.series.baseline += a.series.baseline;
    b.createdAt = Math.min(a.createdAt, b.createdAt);
    if (a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.firstItemId < b.firstItemId)) {
      b.firstItemId = a.firstItemId;
      b.firstSource = a.firstSource;
    }
    b.lastAt = Math.max(a.lastAt, b.lastAt);
    if (levelRank(a.autoLevel) > levelRank(b.autoLevel)) b.autoLevel = a.autoLevel;
    this.topicIndex.merge(a.id, b.id);
    this.topics.delete(a.id);
    if (this.trackChanges) {
      this.removedTopics.add(a.id);
      this.touchedTopics.delete(a.id);
      this.touchedTopics.add(b.id);
      for (const sid of a.storyIds) this.touchedStories.add(sid);
    }
    return [{ type: 'merge', from: String(a.id), into: String(b.id), at }];
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A reaction's stance score as counted: in [0, 1], 0 when not a number. */
function clampScore(score: number): number {
  return Number.isFinite(score) ? Math.min(Math.max(score, 0), 1) : 0;
}

/** Whether two reactions count the same (stance, score as counted, cues). */
function sameReaction(x: Reaction | null, y: Reaction | null): boolean {
  if (!x || !y) return x === y;
  const cx = x.cues ?? [];
  const cy = y.cues ?? [];
  return x.policeNegative === y.policeNegative && clampScore(x.score) === clampScore(y.score) && cx.length === cy.length && cx.every((c, i) => c === cy[i]);
}

/** True when the text quotes a post after words of its own (a repost marker with a post behind it). */
/** Words of an item that react to another: a repost's comment in front of what it quotes, or a reply to its parent. */
function isReaction(text: string, reply: boolean): boolean {
  return reply || quotesAPost(text);
}

function quotesAPost(text: string): boolean {
  return rootCandidates(text).length > 1;
}

function addTally(into: ReactionTally, from: ReactionTally): void {
  into.reactions += from.reactions;
  into.negative += from.negative;
  into.scoreSum += from.scoreSum;
}

/** The k most frequent cues, ties by name (so the same counts give the same explanation). */
function topCues(cues: Map<string, number>, k: number): string[] {
  return [...cues].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).slice(0, k).map(([c]) => c);
}
