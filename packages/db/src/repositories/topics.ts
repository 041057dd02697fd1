/**
 * Raw SQL of the topic stage: what it reads for each item, and one transaction per batch that
 * stores assignments (with what was counted of each item), revisions of re-analysed items, topics,
 * stories, series, level and stage changes, merges and bursts together — so a crash leaves either
 * all of a batch or none of it.
 */
import type { PoolClient, Queryable } from '../pool';
import { reactionOf, type StoredReaction } from './analysis';

/** An analysed item as the topic stage reads it. */
export interface TopicStageItem {
  id: number;
  title: string | null;
  text: string;
  publishedAt: Date;
  sourceName: string | null;
  url: string;
  parentId: number | null;
  metrics: { reposts?: number; comments?: number; likes?: number } | null;
  authorInfo: { followers?: number; verified?: boolean } | null;
  authority: number | null;
  policeRelated: boolean;
  policeNegative: boolean;
  sentiment: 'negative' | 'neutral' | 'positive';
  keywords: string[];
  places: string[];
  jurisdictionHits: string[];
  categories: string[];
  /** What a repost's own words say about the police (null: no reaction). */
  reaction: StoredReaction | null;
  /** A hot-list entry: its list, its rank when stored, and whether the list is national (items.extra.hotList). */
  hotList: { list: string; rank: number; national: boolean } | null;
}

/**
 * What the topic stage counted of an item's analysis (story_items.counted_*, migration 020): the
 * fields a re-analysis may change. A revision counts the difference to the new analysis, once.
 */
export interface CountedRow {
  policeRelated: boolean;
  policeNegative: boolean;
  /** Sentiment negative. */
  negative: boolean;
  reaction: StoredReaction | null;
}

/** What the topic stage counts of an item as read (TopicStageItem or a new analysis). */
export function countedRowOf(a: Pick<TopicStageItem, 'policeRelated' | 'policeNegative' | 'sentiment' | 'reaction'>): CountedRow {
  return { policeRelated: a.policeRelated, policeNegative: a.policeNegative, negative: a.sentiment === 'negative', reaction: a.reaction };
}

/** A placed item to revise: where it was placed, what was counted of it, and its analysis now. */
export interface TopicRevisionItem {
  id: number;
  storyId: number;
  text: string;
  counted: CountedRow;
  current: CountedRow;
  /** The model of its analysis now (null: the built-in default). */
  modelVersion: string | null;
  /** It answers a stored parent (a forum reply): its reaction counted though it quotes nothing. */
  reply: boolean;
}

/**
 * Loads the placed items of these ids whose counted values are known, with their analysis now, in
 * event-time order. Items not placed yet are left out: their placement reads the analysis now.
 */
export async function loadItemsToRevise(db: Queryable, ids: number[]): Promise<TopicRevisionItem[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `SELECT si.item_id, si.story_id, i.text, si.counted_police_related, si.counted_police_negative, si.counted_negative,
            si.counted_reaction_police_negative, si.counted_reaction_score, si.counted_reaction_cues,
            a.police_related, a.police_negative, a.sentiment, a.reaction_police_negative, a.reaction_score, a.reaction_cues, a.model_version,
            EXISTS (SELECT 1 FROM items p WHERE p.url_hash = i.parent_url_hash) AS reply
     FROM story_items si
     JOIN items i ON i.id = si.item_id
     JOIN item_analysis a ON a.item_id = si.item_id
     WHERE si.item_id = ANY($1::bigint[]) AND si.counted_police_related IS NOT NULL
     ORDER BY i.published_at, i.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: Number(r.item_id),
    storyId: Number(r.story_id),
    text: r.text,
    counted: {
      policeRelated: r.counted_police_related,
      policeNegative: r.counted_police_negative,
      negative: r.counted_negative,
      reaction: reactionOf({ reaction_police_negative: r.counted_reaction_police_negative, reaction_score: r.counted_reaction_score, reaction_cues: r.counted_reaction_cues }),
    },
    current: { policeRelated: r.police_related, policeNegative: r.police_negative, negative: r.sentiment === 'negative', reaction: reactionOf(r) },
    modelVersion: r.model_version ?? null,
    reply: r.reply === true,
  }));
}

/** Loads analysed items not yet placed in a story, in event-time order. */
export async function loadItemsForTopics(db: Queryable, ids: number[]): Promise<TopicStageItem[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(
    `SELECT i.id, i.title, i.text, i.published_at, i.source_name, i.url, p.id AS parent_id, i.metrics, i.author_info,
            s.authority, a.police_related, a.police_negative, a.sentiment, a.keywords, a.places, a.jurisdiction_hits, a.categories,
            a.reaction_police_negative, a.reaction_score, a.reaction_cues, i.extra->'hotList' AS hot_list
     FROM items i
     JOIN item_analysis a ON a.item_id = i.id
     LEFT JOIN sources s ON s.id = i.source_id
     LEFT JOIN items p ON p.url_hash = i.parent_url_hash
     WHERE i.id = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM story_items si WHERE si.item_id = i.id)
     ORDER BY i.published_at, i.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    text: r.text,
    publishedAt: r.published_at,
    sourceName: r.source_name,
    url: r.url,
    parentId: r.parent_id,
    metrics: r.metrics,
    authorInfo: r.author_info,
    authority: r.authority,
    policeRelated: r.police_related,
    policeNegative: r.police_negative,
    sentiment: r.sentiment,
    keywords: r.keywords,
    places: r.places,
    jurisdictionHits: r.jurisdiction_hits,
    categories: r.categories,
    reaction: reactionOf(r),
    hotList: hotListOf(r.hot_list),
  }));
}

/** The hot-list placing the crawler stored with an item, if it is a well-formed one. */
function hotListOf(v: unknown): TopicStageItem['hotList'] {
  const h = v as { list?: unknown; rank?: unknown; scope?: unknown } | null;
  if (!h || typeof h.list !== 'string' || typeof h.rank !== 'number' || !(h.rank >= 1)) return null;
  return { list: h.list, rank: h.rank, national: h.scope === 'national' };
}

/** A topic row as the topic stage writes it (engine state in `state`). */
export interface TopicRow {
  id: number;
  status: 'open' | 'closed';
  title: string;
  keywords: string[];
  firstItemId: number | null;
  firstSource: string | null;
  createdAt: Date;
  lastAt: Date;
  items: number;
  stories: number;
  policeRelated: number;
  policeNegative: number;
  negative: number;
  /** Reactions of the topic's stories (reposts' own words about the police), police-negative ones, sum of their scores. */
  reactions: number;
  reactionsNegative: number;
  reactionScoreSum: number;
  /** Items of stories that count as police-negative only because of their reactions (part of policeNegative). */
  reactionNegativeItems: number;
  reach: number;
  jurisdictionHits: number;
  sources: string[];
  places: Record<string, number>;
  categories: Record<string, number>;
  stage: string | null;
  level: string;
  autoLevel: string;
  manualLevel: string | null;
  state: unknown;
}

export interface StoryRow {
  id: number;
  topicId: number;
  root: string;
  rootHash: number;
  simhash: string;
  firstItemId: number | null;
  firstAt: Date;
  firstSource: string | null;
  lastAt: Date;
  items: number;
  /** The story counts as police-negative: its root does (rootNegative) or its reactions do. */
  policeNegative: boolean;
  rootNegative: boolean;
  policeRelated: number;
  reactions: number;
  reactionsNegative: number;
  reactionScoreSum: number;
  amplifiers: unknown;
}

export interface LevelChangeRow {
  topicId: number;
  at: Date;
  level: string;
  previous: string;
  automatic: boolean;
  applied: boolean;
  indicators: unknown;
  reason: string;
  actor?: string | null;
}

/** A topic's stage change (topic_stage_changes, migration 015). */
export interface StageChangeRow {
  topicId: number;
  at: Date;
  stage: string;
  /** null: the topic's first stage, or a close. */
  previous: string | null;
  /** The topic's level when its stage changed. */
  level: string;
  /** The topic closed (recorded here only when its level did not drop to none: see 015). */
  closed: boolean;
  reason: string;
}

/** A level or stage change of a topic. */
export type TopicChangeRow = ({ kind: 'level' } & LevelChangeRow) | ({ kind: 'stage' } & StageChangeRow);

export interface TopicBatch {
  /** Items placed, with what was counted of them (absent: not known, the item is never revised). */
  links: Array<{ itemId: number; storyId: number; topicId: number; counted?: CountedRow }>;
  /** Placed items revised (a re-analysis): what is counted of them now. */
  revisions?: Array<{ itemId: number; counted: CountedRow }>;
  topics: TopicRow[];
  stories: StoryRow[];
  mergedTopics: Array<{ from: number; into: number; at: Date }>;
  series: Array<{ topicId: number; bucketStart: Date; items: number }>;
  /**
   * Level and stage changes in the order the engine reported them. They are stored in this order
   * and take their ids from one sequence, so the alerter reads them in it (see migration 015).
   */
  changes: TopicChangeRow[];
  termBursts: Array<{ term: string; count: number; baseline: number; at: Date }>;
  clock: Date;
  nextStoryId: number;
  nextTopicId: number;
}

/** Stores one batch of the topic stage; returns the ids of the changes written, in the order of `b.changes`. */
export async function persistTopicBatch(client: PoolClient, b: TopicBatch): Promise<number[]> {
  for (const t of b.topics) {
    await client.query(
      `INSERT INTO topics (id, status, title, keywords, first_item_id, first_source, created_at, last_at, items, stories,
         police_related, police_negative, negative, reach, jurisdiction_hits, sources, places, categories, stage, level,
         auto_level, manual_level, state, reactions, reactions_negative, reaction_score_sum, reaction_negative_items, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27, now())
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, keywords = EXCLUDED.keywords,
         first_item_id = EXCLUDED.first_item_id, first_source = EXCLUDED.first_source, created_at = EXCLUDED.created_at,
         last_at = EXCLUDED.last_at, items = EXCLUDED.items, stories = EXCLUDED.stories, police_related = EXCLUDED.police_related,
         police_negative = EXCLUDED.police_negative, negative = EXCLUDED.negative, reach = EXCLUDED.reach,
         jurisdiction_hits = EXCLUDED.jurisdiction_hits, sources = EXCLUDED.sources, places = EXCLUDED.places,
         categories = EXCLUDED.categories, stage = EXCLUDED.stage, level = EXCLUDED.level, auto_level = EXCLUDED.auto_level,
         manual_level = EXCLUDED.manual_level, state = EXCLUDED.state, reactions = EXCLUDED.reactions,
         reactions_negative = EXCLUDED.reactions_negative, reaction_score_sum = EXCLUDED.reaction_score_sum,
         reaction_negative_items = EXCLUDED.reaction_negative_items, updated_at = now()`,
      [
        t.id, t.status, t.title, t.keywords, t.firstItemId, t.firstSource, t.createdAt, t.lastAt, t.items, t.stories,
        t.policeRelated, t.policeNegative, t.negative, t.reach, t.jurisdictionHits, t.sources, JSON.stringify(t.places),
        JSON.stringify(t.categories), t.stage, t.level, t.autoLevel, t.manualLevel, JSON.stringify(t.state),
        t.reactions, t.reactionsNegative, t.reactionScoreSum, t.reactionNegativeItems,
      ],
    );
  }
  for (const m of b.mergedTopics) {
    await client.query(`UPDATE topics SET status = 'merged', merged_into = $2, updated_at = now() WHERE id = $1`, [m.from, m.into]);
    await client.query('UPDATE stories SET topic_id = $2 WHERE topic_id = $1', [m.from, m.into]);
    await client.query('INSERT INTO topic_merges (from_topic, into_topic, at) VALUES ($1, $2, $3)', [m.from, m.into, m.at]);
  }
  for (const s of b.stories) {
    await client.query(
      `INSERT INTO stories (id, topic_id, root, root_hash, simhash, first_item_id, first_at, first_source, last_at, items, police_negative, amplifiers,
         root_negative, police_related, reactions, reactions_negative, reaction_score_sum)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)
       ON CONFLICT (id) DO UPDATE SET topic_id = EXCLUDED.topic_id, last_at = EXCLUDED.last_at, items = EXCLUDED.items,
         police_negative = EXCLUDED.police_negative, amplifiers = EXCLUDED.amplifiers, root_negative = EXCLUDED.root_negative,
         police_related = EXCLUDED.police_related, reactions = EXCLUDED.reactions, reactions_negative = EXCLUDED.reactions_negative,
         reaction_score_sum = EXCLUDED.reaction_score_sum`,
      [
        s.id, s.topicId, s.root, s.rootHash, s.simhash, s.firstItemId, s.firstAt, s.firstSource, s.lastAt, s.items, s.policeNegative, JSON.stringify(s.amplifiers),
        s.rootNegative, s.policeRelated, s.reactions, s.reactionsNegative, s.reactionScoreSum,
      ],
    );
  }
  if (b.links.length) {
    await client.query(
      `INSERT INTO story_items (item_id, story_id, topic_id, counted_police_related, counted_police_negative, counted_negative,
         counted_reaction_police_negative, counted_reaction_score, counted_reaction_cues)
       SELECT u.item_id, u.story_id, u.topic_id, u.pr, u.pn, u.neg, u.rpn, u.rs,
              CASE WHEN u.rpn IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.rc)) END
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::boolean[], $5::boolean[], $6::boolean[], $7::boolean[], $8::real[], $9::jsonb[])
         AS u(item_id, story_id, topic_id, pr, pn, neg, rpn, rs, rc)
       ON CONFLICT (item_id) DO NOTHING`,
      [
        b.links.map((l) => l.itemId), b.links.map((l) => l.storyId), b.links.map((l) => l.topicId),
        ...countedColumns(b.links.map((l) => l.counted ?? null)),
      ],
    );
  }
  if (b.revisions?.length) {
    // After the links: an item placed and revised in one batch ends with what it was revised to.
    await client.query(
      `UPDATE story_items si SET counted_police_related = u.pr, counted_police_negative = u.pn, counted_negative = u.neg,
         counted_reaction_police_negative = u.rpn, counted_reaction_score = u.rs,
         counted_reaction_cues = CASE WHEN u.rpn IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.rc)) END
       FROM unnest($1::bigint[], $2::boolean[], $3::boolean[], $4::boolean[], $5::boolean[], $6::real[], $7::jsonb[])
         AS u(item_id, pr, pn, neg, rpn, rs, rc)
       WHERE si.item_id = u.item_id`,
      [b.revisions.map((r) => r.itemId), ...countedColumns(b.revisions.map((r) => r.counted))],
    );
  }
  if (b.series.length) {
    await client.query(
      `INSERT INTO topic_series (topic_id, bucket_start, items)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::int[])
       ON CONFLICT (topic_id, bucket_start) DO UPDATE SET items = topic_series.items + EXCLUDED.items`,
      [b.series.map((s) => s.topicId), b.series.map((s) => s.bucketStart), b.series.map((s) => s.items)],
    );
  }
  const ids: number[] = [];
  for (const c of b.changes) {
    const { rows } =
      c.kind === 'level'
        ? await client.query<{ id: number }>(
            `INSERT INTO topic_level_changes (topic_id, at, level, previous, automatic, applied, indicators, reason, actor)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
            [c.topicId, c.at, c.level, c.previous, c.automatic, c.applied, JSON.stringify(c.indicators), c.reason, c.actor ?? null],
          )
        : await client.query<{ id: number }>(
            `INSERT INTO topic_stage_changes (topic_id, at, stage, previous, level, closed, reason)
             VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
            [c.topicId, c.at, c.stage, c.previous, c.level, c.closed, c.reason],
          );
    ids.push(rows[0]!.id);
  }
  for (const t of b.termBursts) {
    await client.query('INSERT INTO term_bursts (term, count, baseline, at) VALUES ($1, $2, $3, $4)', [t.term, t.count, t.baseline, t.at]);
  }
  await client.query(
    `INSERT INTO topic_stage_state (id, clock, next_story_id, next_topic_id, updated_at) VALUES (true, $1, $2, $3, now())
     ON CONFLICT (id) DO UPDATE SET clock = GREATEST(topic_stage_state.clock, EXCLUDED.clock),
       next_story_id = EXCLUDED.next_story_id, next_topic_id = EXCLUDED.next_topic_id, updated_at = now()`,
    [b.clock, b.nextStoryId, b.nextTopicId],
  );
  return ids;
}

/** The counted_* columns of rows (null: not known), as unnest parameters (cues as JSON). */
function countedColumns(rows: Array<CountedRow | null>): unknown[][] {
  const col = (f: (r: CountedRow) => unknown) => rows.map((r) => (r ? f(r) : null));
  return [
    col((r) => r.policeRelated),
    col((r) => r.policeNegative),
    col((r) => r.negative),
    col((r) => r.reaction?.policeNegative ?? null),
    col((r) => r.reaction?.score ?? null),
    col((r) => JSON.stringify(r.reaction?.cues ?? [])),
  ];
}

/** What the topic stage needs to continue after a restart. */
export interface StoredTopicState {
  clock: Date | null;
  nextStoryId: number;
  nextTopicId: number;
  topics: Array<TopicRow>;
  stories: StoryRow[];
  itemLinks: Array<{ itemId: number; storyId: number; at: Date }>;
  dormant: Array<{ rootHash: number; storyId: number; topicId: number }>;
}

/**
 * Loads the state of topics active within `windowMs` of the stage's clock (open ones and those
 * closed recently enough to reopen), their stories and recent item links, plus the roots of older
 * stories (dormant), at most `maxDormant`.
 */
export async function loadTopicState(db: Queryable, windowMs: number, maxDormant: number): Promise<StoredTopicState> {
  const st = await db.query<{ clock: Date; next_story_id: number; next_topic_id: number }>('SELECT clock, next_story_id, next_topic_id FROM topic_stage_state');
  const head = st.rows[0];
  if (!head) return { clock: null, nextStoryId: 1, nextTopicId: 1, topics: [], stories: [], itemLinks: [], dormant: [] };
  const since = new Date(head.clock.getTime() - windowMs);
  const topics = await db.query(
    `SELECT * FROM topics WHERE status IN ('open', 'closed') AND last_at >= $1 ORDER BY id`,
    [since],
  );
  const ids = topics.rows.map((r) => r.id as number);
  const stories = await db.query('SELECT * FROM stories WHERE topic_id = ANY($1::bigint[]) ORDER BY id', [ids]);
  const links = await db.query<{ item_id: number; story_id: number; published_at: Date }>(
    `SELECT si.item_id, si.story_id, i.published_at FROM story_items si JOIN items i ON i.id = si.item_id
     WHERE si.topic_id = ANY($1::bigint[]) AND i.published_at >= $2`,
    [ids, since],
  );
  const dormant = await db.query<{ root_hash: number; id: number; topic_id: number }>(
    `SELECT s.root_hash, s.id, s.topic_id FROM stories s WHERE NOT (s.topic_id = ANY($1::bigint[])) ORDER BY s.last_at DESC LIMIT $2`,
    [ids, maxDormant],
  );
  return {
    clock: head.clock,
    nextStoryId: head.next_story_id,
    nextTopicId: head.next_topic_id,
    topics: topics.rows.map((r) => ({
      id: r.id,
      status: r.status,
      title: r.title,
      keywords: r.keywords,
      firstItemId: r.first_item_id,
      firstSource: r.first_source,
      createdAt: r.created_at,
      lastAt: r.last_at,
      items: r.items,
      stories: r.stories,
      policeRelated: r.police_related,
      policeNegative: r.police_negative,
      negative: r.negative,
      reactions: r.reactions,
      reactionsNegative: r.reactions_negative,
      reactionScoreSum: r.reaction_score_sum,
      reactionNegativeItems: r.reaction_negative_items,
      reach: r.reach,
      jurisdictionHits: r.jurisdiction_hits,
      sources: r.sources,
      places: r.places,
      categories: r.categories,
      stage: r.stage,
      level: r.level,
      autoLevel: r.auto_level,
      manualLevel: r.manual_level,
      state: r.state,
    })),
    stories: stories.rows.map((r) => ({
      id: r.id,
      topicId: r.topic_id,
      root: r.root,
      rootHash: r.root_hash,
      simhash: r.simhash,
      firstItemId: r.first_item_id,
      firstAt: r.first_at,
      firstSource: r.first_source,
      lastAt: r.last_at,
      items: r.items,
      policeNegative: r.police_negative,
      rootNegative: r.root_negative,
      policeRelated: r.police_related,
      reactions: r.reactions,
      reactionsNegative: r.reactions_negative,
      reactionScoreSum: r.reaction_score_sum,
      amplifiers: r.amplifiers,
    })),
    itemLinks: links.rows.map((r) => ({ itemId: r.item_id, storyId: r.story_id, at: r.published_at })),
    dormant: dormant.rows.map((r) => ({ rootHash: r.root_hash, storyId: r.id, topicId: r.topic_id })),
  };
}

/** Analysed items never placed by the topic stage (their job was lost): oldest first. */
export async function findUnplacedItems(db: Queryable, staleMs: number, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT i.id FROM items i
     WHERE i.analyzed_at IS NOT NULL
       AND (i.topic_enqueued_at IS NULL OR i.topic_enqueued_at < now() - make_interval(secs => $1::double precision / 1000))
       AND NOT EXISTS (SELECT 1 FROM story_items si WHERE si.item_id = i.id)
     ORDER BY i.id LIMIT $2`,
    [staleMs, limit],
  );
  return rows.map((r) => r.id);
}

/** A topic's level history, oldest first. */
export async function listLevelChanges(db: Queryable, topicId: number): Promise<LevelChangeRow[]> {
  const { rows } = await db.query('SELECT * FROM topic_level_changes WHERE topic_id = $1 ORDER BY id', [topicId]);
  return rows.map((r) => ({
    topicId: r.topic_id,
    at: r.at,
    level: r.level,
    previous: r.previous,
    automatic: r.automatic,
    applied: r.applied,
    indicators: r.indicators,
    reason: r.reason,
    actor: r.actor,
  }));
}

/** A topic's stage history, oldest first. */
export async function listStageChanges(db: Queryable, topicId: number): Promise<Array<StageChangeRow & { id: number }>> {
  const { rows } = await db.query('SELECT * FROM topic_stage_changes WHERE topic_id = $1 ORDER BY id', [topicId]);
  return rows.map((r) => ({ id: r.id, topicId: r.topic_id, at: r.at, stage: r.stage, previous: r.previous, level: r.level, closed: r.closed, reason: r.reason }));
}
