/**
 * The live topic stage: one writer at a time, across every analyzer process. Leadership is a
 * PostgreSQL session advisory lock held on a dedicated connection — if the leader dies, its
 * session ends, the lock is free, and another process takes over after restoring the engine from
 * the tables. Only the leader consumes the topics queue, so one story can never be split into two
 * topics by two writers racing.
 *
 * Each batch: items (in event time) → engine → one transaction with everything the batch changed
 * → level and stage changes announced on Redis pub/sub after the commit. A batch also carries
 * revisions (jobs with `revise`: items analysed again with a new model): the engine keeps each where
 * it was placed and moves its story's and topic's counts by the difference between what was counted
 * (story_items.counted_*) and the analysis now, judges the topic again going forward, and the batch
 * stores the new counts and counted values with everything else. Batches run one at a time, so a
 * revision always finds the placements before it stored.
 */
import type { Config, Logger } from '@yuqing/config';
import {
  countedRowOf,
  findUnplacedItems,
  loadItemsForTopics,
  loadItemsToRevise,
  loadTopicState,
  markTopicEnqueued,
  persistTopicBatch,
  withTransaction,
  type Pool,
  type PoolClient,
  type CountedRow,
  type StoredTopicState,
  type TopicBatch,
  type TopicRevisionItem,
  type TopicStageItem,
} from '@yuqing/db';
import { metrics } from '@yuqing/metrics';
import { QUEUE_NAMES, createRedis, enqueueTopics, topicLevelChannel, topicPayload, type TopicLevelMessage, type TopicPayload } from '@yuqing/queue';
import { TopicEngine, type EngineState, type ItemRevision, type Level, type Stage, type TopicConfig, type TopicEvent, type TopicItem, type TopicSnapshot } from '@yuqing/topics';
import { Worker, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createBatcher } from './batcher';

// The leadership lock, in the two-int form with the schema as its second half: one leader per
// installation (schema), so installations sharing a database — and test schemas running side by
// side — do not wait behind each other's leader.
const LOCK_KEY = 0x746f7069; // "topi"

/** One topic-stage job: place an item, or revise one placed before. */
interface TopicJob {
  itemId: number;
  revise: boolean;
}

export interface TopicStage {
  isLeader(): boolean;
  close(): Promise<void>;
}

export interface TopicStageDeps {
  cfg: Config;
  db: Pool;
  log: Logger;
  topicQueue: Queue<TopicPayload>;
  publisher: Redis;
  overrides?: Partial<TopicConfig>;
}

/** Converts stored state into the engine's state. */
export function toEngineState(s: StoredTopicState): EngineState {
  return {
    clock: s.clock?.getTime() ?? 0,
    nextStoryId: s.nextStoryId,
    nextTopicId: s.nextTopicId,
    // The engine's own snapshot is stored whole in topics.state; the columns beside it serve
    // queries. Status and levels come from the columns: a person may have changed them.
    topics: s.topics.map((t) => ({
      ...(t.state as TopicSnapshot),
      status: t.status,
      level: t.level as Level,
      manualLevel: t.manualLevel as Level | null,
    })),
    stories: s.stories.map((r) => ({
      id: r.id,
      topicId: r.topicId,
      root: r.root,
      rootHash: r.rootHash,
      simhash: r.simhash,
      firstItemId: String(r.firstItemId ?? ''),
      firstAt: r.firstAt.getTime(),
      firstSource: r.firstSource,
      lastAt: r.lastAt.getTime(),
      items: r.items,
      policeNegative: r.policeNegative,
      rootNegative: r.rootNegative,
      policeRelated: r.policeRelated,
      reactions: { reactions: r.reactions, negative: r.reactionsNegative, scoreSum: r.reactionScoreSum },
      amplifiers: r.amplifiers as never,
    })),
    itemLinks: s.itemLinks.map((l) => [String(l.itemId), l.storyId, l.at.getTime()]),
    dormant: s.dormant.map((d) => [d.rootHash, d.storyId, d.topicId]),
  };
}

function toTopicItem(i: TopicStageItem): TopicItem {
  return {
    id: String(i.id),
    publishedAt: i.publishedAt.getTime(),
    text: i.text,
    title: i.title,
    source: i.sourceName,
    url: i.url,
    parentId: i.parentId != null ? String(i.parentId) : null,
    authority: i.authority ?? 1,
    metrics: i.metrics,
    author: i.authorInfo,
    hotList: i.hotList,
    analysis: {
      policeRelated: i.policeRelated,
      policeNegative: i.policeNegative,
      sentiment: i.sentiment,
      keywords: i.keywords,
      places: i.places,
      jurisdictionHits: i.jurisdictionHits,
      categories: i.categories,
      reaction: i.reaction,
    },
  };
}

/** A revision as the engine takes it: where the item was placed, what was counted of it, and its analysis now. */
function toRevision(r: TopicRevisionItem): ItemRevision {
  return { itemId: String(r.id), storyId: r.storyId, text: r.text, reply: r.reply, before: r.counted, after: r.current, model: r.modelVersion };
}

/** Why a topic's stage changed, in words for the alert's history. */
export function stageReason(stage: Stage, previous: Stage | null): string {
  if (stage === '消散期') return '话题进入消散期';
  if (stage === '次生') return '话题再度升温（次生）';
  return previous ? `话题由${previous}进入${stage}` : `话题进入${stage}`;
}

/**
 * Gives each stage row the level its topic had at that moment: the level at the end of the batch,
 * walked back through the batch's applied level changes. A topic merged away in the batch has no
 * end level; its rows keep 'none' (the alerter acts on no merged topic's flare).
 */
function fillStageLevels(batch: TopicBatch, topics: TopicSnapshot[]): void {
  const level = new Map(topics.map((t) => [t.id, t.level as string]));
  for (let k = batch.changes.length - 1; k >= 0; k--) {
    const c = batch.changes[k]!;
    if (c.kind === 'level') {
      if (c.applied) level.set(c.topicId, c.previous);
    } else {
      c.level = level.get(c.topicId) ?? 'none';
    }
  }
}

/**
 * Turns the events and changes of one batch into the rows to store. `counted`: what was counted of
 * the items placed (their analysis as read) and revised (their analysis now), by item id; a link
 * without it is stored as not known (never revised).
 */
export function batchRows(engine: TopicEngine, events: TopicEvent[], counted: { placed?: Map<string, CountedRow>; revised?: Map<string, CountedRow> } = {}): TopicBatch {
  const changes = engine.takeChanges();
  const bucketMs = engine.cfg.bucketMs;
  const series = new Map<string, { topicId: number; bucketStart: Date; items: number }>();
  const batch: TopicBatch = {
    links: [],
    topics: changes.topics.map((t) => ({
      id: t.id,
      status: t.status,
      title: t.title,
      keywords: t.keywords,
      firstItemId: Number(t.firstItemId) || null,
      firstSource: t.firstSource,
      createdAt: new Date(t.createdAt),
      lastAt: new Date(t.lastAt),
      items: t.items,
      stories: t.stories,
      policeRelated: t.policeRelated,
      policeNegative: t.policeNegative,
      negative: t.negative,
      reactions: t.reactions?.reactions ?? 0,
      reactionsNegative: t.reactions?.negative ?? 0,
      reactionScoreSum: t.reactions?.scoreSum ?? 0,
      reactionNegativeItems: t.reactionStories?.items ?? 0,
      reach: t.reach,
      jurisdictionHits: t.jurisdictionHits,
      sources: t.sources,
      places: t.places,
      categories: t.categories,
      stage: t.stage,
      level: t.level,
      autoLevel: t.autoLevel,
      manualLevel: t.manualLevel,
      state: t,
    })),
    stories: changes.stories.map((s) => ({
      id: s.id,
      topicId: s.topicId,
      root: s.root,
      rootHash: s.rootHash,
      simhash: s.simhash,
      firstItemId: Number(s.firstItemId) || null,
      firstAt: new Date(s.firstAt),
      firstSource: s.firstSource,
      lastAt: new Date(s.lastAt),
      items: s.items,
      policeNegative: s.policeNegative,
      rootNegative: s.rootNegative ?? s.policeNegative,
      policeRelated: s.policeRelated ?? 0,
      reactions: s.reactions?.reactions ?? 0,
      reactionsNegative: s.reactions?.negative ?? 0,
      reactionScoreSum: s.reactions?.scoreSum ?? 0,
      amplifiers: s.amplifiers,
    })),
    revisions: [],
    mergedTopics: [],
    series: [],
    changes: [],
    termBursts: [],
    clock: new Date(engine.now),
    ...engine.nextIds,
  };
  for (const e of events) {
    if (e.type === 'assign') {
      const c = counted.placed?.get(e.itemId);
      batch.links.push({ itemId: Number(e.itemId), storyId: Number(e.storyId), topicId: Number(e.topicId), ...(c ? { counted: c } : {}) });
      const bucketStart = Math.floor(e.at / bucketMs) * bucketMs;
      const key = `${e.topicId}:${bucketStart}`;
      const row = series.get(key) ?? { topicId: Number(e.topicId), bucketStart: new Date(bucketStart), items: 0 };
      row.items++;
      series.set(key, row);
    } else if (e.type === 'level') {
      batch.changes.push({ kind: 'level', topicId: Number(e.topicId), at: new Date(e.at), level: e.level, previous: e.previous, automatic: e.automatic, applied: e.applied, indicators: e.indicators, reason: e.reason });
    } else if (e.type === 'stage') {
      batch.changes.push({ kind: 'stage', topicId: Number(e.topicId), at: new Date(e.at), stage: e.stage, previous: e.previous, level: 'none', closed: false, reason: stageReason(e.stage, e.previous) });
    } else if (e.type === 'close') {
      // Told to the alerter once: by the drop to none when there is one (level rows), else here.
      const drops = events.some((d) => d.type === 'level' && d.applied && d.level === 'none' && d.topicId === e.topicId);
      if (!drops) batch.changes.push({ kind: 'stage', topicId: Number(e.topicId), at: new Date(e.at), stage: '消散期', previous: null, level: 'none', closed: true, reason: `事件已平息：${Math.round(engine.cfg.closeAfterMs / 3600_000)} 小时无新增，话题关闭` });
    } else if (e.type === 'revise') {
      // Counted from now on: the analysis the engine revised the item to (changed or not, so a
      // difference the engine does not count, e.g. a non-root's own flag, is not revised again).
      const c = counted.revised?.get(e.itemId);
      if (c) batch.revisions!.push({ itemId: Number(e.itemId), counted: c });
    } else if (e.type === 'merge') {
      batch.mergedTopics.push({ from: Number(e.from), into: Number(e.into), at: new Date(e.at) });
      // Links already written point at the merged topic; story_items is corrected by topic id.
    } else if (e.type === 'term_burst') {
      batch.termBursts.push({ term: e.term, count: e.count, baseline: e.baseline, at: new Date(e.at) });
    }
  }
  batch.series = [...series.values()];
  fillStageLevels(batch, changes.topics);
  // An item assigned to a topic that was merged away in the same batch belongs to the survivor.
  const into = new Map(batch.mergedTopics.map((m) => [m.from, m.into]));
  for (const l of batch.links) while (into.has(l.topicId)) l.topicId = into.get(l.topicId)!;
  return batch;
}

/** Starts competing for leadership; the leader restores the engine and consumes the topics queue. */
export function startTopicStage(deps: TopicStageDeps): TopicStage {
  const { cfg, db, log } = deps;
  let closed = false;
  let leader: {
    client: PoolClient;
    worker: Worker<TopicPayload>;
    reconcile: NodeJS.Timeout;
    connection: Redis;
    batcher: { drain(): Promise<void> };
  } | null = null;
  let retry: NodeJS.Timeout | undefined;

  const lead = async (client: PoolClient) => {
    const restore = async () => TopicEngine.restore(toEngineState(await loadTopicState(db, 30 * 86400_000, 1_000_000)), deps.overrides);
    let engine = await restore();
    log.info({ topics: engine.topics.size, stories: engine.stories.size }, 'topic stage: leader, state restored');
    const handle = async (jobs: TopicJob[]): Promise<string[]> => {
      const place = [...new Set(jobs.filter((j) => !j.revise).map((j) => j.itemId))];
      const revise = [...new Set(jobs.filter((j) => j.revise).map((j) => j.itemId))];
      const items = await loadItemsForTopics(db, place);
      // Items placed in this very batch are not in story_items yet and are left out: their
      // revision job was queued after their analysis changed, so their placement read the new one.
      const revisions = await loadItemsToRevise(db, revise);
      const events: TopicEvent[] = [];
      for (const i of items) events.push(...engine.process(toTopicItem(i)));
      if (revisions.length) events.push(...engine.revise(revisions.map(toRevision)));
      const rows = batchRows(engine, events, {
        placed: new Map(items.map((i) => [String(i.id), countedRowOf(i)])),
        revised: new Map(revisions.map((r) => [String(r.id), r.current])),
      });
      let changeIds: number[];
      try {
        changeIds = await withTransaction(db, (c) => persistTopicBatch(c, rows));
      } catch (err) {
        // The engine moved ahead of the database: start again from what is stored.
        engine = await restore();
        throw err;
      }
      // What the alerter acts on: applied level changes and stage changes.
      const announced = rows.changes.map((c, k) => ({ c, id: changeIds[k]! })).filter((x) => x.c.kind === 'stage' || x.c.applied);
      const m = metrics();
      m.topicItemsPlaced.inc(rows.links.length);
      for (const { c } of announced) if (c.kind === 'level') m.topicLevelChanges.inc({ level: c.level });
      for (const { c, id } of announced) {
        // A stage change goes out on the same channel with the level unchanged (the alerter only
        // takes a message as a hint to read its cursor); `kind` and `stage` tell it apart.
        const body: TopicLevelMessage =
          c.kind === 'level'
            ? { id, topicId: c.topicId, level: c.level as Level, previous: c.previous as Level, at: c.at.toISOString() }
            : { id, topicId: c.topicId, level: c.level as Level, previous: c.level as Level, at: c.at.toISOString(), kind: 'stage', stage: c.stage, closed: c.closed };
        await deps.publisher.publish(topicLevelChannel(cfg.QUEUE_PREFIX), JSON.stringify(body)).catch((err: unknown) => {
          log.warn({ err: String(err) }, 'could not announce a topic change (it is stored)');
        });
      }
      return jobs.map((j) => (j.revise ? 'revised' : 'placed'));
    };
    // One batch at a time: a revision must find the placements before it stored (story_items); a
    // batch's topic rows must not be overwritten by an older batch committing after it; and
    // overlapping batch transactions deadlock on the same rows (6,000 items queued at once: 1,623
    // jobs failed with 'deadlock detected' when batches overlapped; one at a time, none, in ~12 s).
    let previous: Promise<unknown> = Promise.resolve();
    const serial = (jobs: TopicJob[]): Promise<string[]> => {
      const run = previous.then(() => handle(jobs));
      previous = run.catch(() => undefined);
      return run;
    };
    const batcher = createBatcher<TopicJob, string>(serial, { maxSize: 500, maxWaitMs: 20 });
    const connection = createRedis(cfg.REDIS_URL, 'worker');
    const worker = new Worker<TopicPayload>(QUEUE_NAMES.topics, async (job) => {
      const p = topicPayload.parse(job.data);
      return batcher.submit({ itemId: p.itemId, revise: p.revise === true });
    }, {
      connection,
      prefix: cfg.QUEUE_PREFIX,
      concurrency: 1000,
    });
    worker.on('error', (err) => log.error({ err: err.message }, 'topic worker error'));
    // Ready before leadership is taken: a worker closed while its connection still initialises
    // rejects that initialisation after its listeners are gone (an unhandled 'Connection is closed').
    await worker.waitUntilReady();
    const reconcile = setInterval(() => {
      findUnplacedItems(db, cfg.RECONCILE_AFTER_MS, 1000)
        .then(async (ids) => {
          if (!ids.length) return;
          await enqueueTopics(deps.topicQueue, ids);
          await markTopicEnqueued(db, ids);
        })
        .catch((err: unknown) => log.warn({ err: String(err) }, 'topic reconciler failed'));
    }, cfg.RECONCILE_EVERY_MS);
    leader = { client, worker, reconcile, connection, batcher };
  };

  const tryLead = async () => {
    if (closed || leader) return;
    let client: PoolClient;
    try {
      client = await db.connect();
    } catch (err) {
      // PostgreSQL unreachable (restarting, a failover): not a crash — the loop tries again in 2 s.
      log.warn({ err: String(err) }, 'topic stage: database unreachable, will try to take leadership again');
      return;
    }
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS ok', [LOCK_KEY]);
      if (!rows[0]?.ok) {
        client.release();
        return;
      }
      // Losing this connection is losing leadership: stop consuming at once.
      client.on('error', () => void stepDown('lock connection lost'));
      await lead(client);
    } catch (err) {
      log.error({ err: String(err) }, 'topic stage could not take leadership');
      await client.query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [LOCK_KEY]).catch(() => undefined);
      client.release();
    }
  };

  const stepDown = async (why: string) => {
    const l = leader;
    leader = null;
    if (!l) return;
    log.warn({ why }, 'topic stage: stepping down');
    clearInterval(l.reconcile);
    const closing = l.worker.close().catch(() => undefined);
    await l.batcher.drain();
    await closing;
    await l.connection.quit().catch(() => undefined);
    await l.client.query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [LOCK_KEY]).catch(() => undefined);
    l.client.release(true);
  };

  // The attempt in progress, so that close() waits for a takeover that is half-way through
  // (restoring state) instead of leaving a worker running behind it.
  let attempt: Promise<void> = Promise.resolve();
  const loop = () => {
    if (closed) return;
    attempt = tryLead().finally(() => {
      if (!closed) retry = setTimeout(loop, 2000);
    });
  };
  loop();

  return {
    isLeader: () => leader !== null,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await attempt.catch(() => undefined);
      await stepDown('closing');
    },
  };
}
