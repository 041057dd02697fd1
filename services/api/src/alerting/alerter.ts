/**
 * The live alerter: topic level changes and source health events in, alerts, alert events and
 * notifications out. One writer at a time across every API process — leadership is a PostgreSQL
 * session advisory lock on a dedicated connection (as the topic stage's); if that connection is
 * lost the leader stops at once, and standbys try again every ALERTER_RETRY_MS.
 *
 * As leader:
 * - reads `topic_level_changes` with `topic_stage_changes` (one id sequence, one cursor: see
 *   migration 015) and `source_health_events` by id after its cursor, when the topic stage
 *   announces a change on Redis, every ALERTER_POLL_MS (pub/sub is a hint only) and at start;
 * - for each change, in ONE transaction: the alert of each matching rule (upsert by dedup key),
 *   its events (appendAlertEvent keeps their ids in commit order) and the cursor, moved only if it
 *   still is where this leader read it (a second writer would fail rather than double). Event ids
 *   are published after the commit;
 * - feeds the NotificationScheduler (Alertmanager's group_wait / group_interval / repeat_interval,
 *   silences, inhibition, quiet hours at flush time) and, every ALERTER_TICK_MS, turns due batches
 *   into one delivery per receiver with the dedup key `batch:<group>:<flush time>:<receiver>`:
 *   the same batch can never be sent twice;
 * - picks up changes made by people (acknowledge, resolve through the API) from the event log;
 * - every INCIDENT_OVERDUE_CHECK_MS, raises the alert of each incident whose response is overdue
 *   (one per incident and due time: alert, firing event, the incident's 'overdue' timeline entry
 *   and overdue_alerted_at in one transaction) and resolves the overdue alerts of incidents that
 *   were responded to, closed, or given another due time. They reach INCIDENT_OVERDUE_RECEIVERS.
 *
 * After a restart (or a change of leader) the scheduler is rebuilt from the open alerts and the
 * batch log (the `batch:` deliveries): each group is replayed up to its last batch, so neither a
 * restart re-announces what was announced, nor does it reset the repeat timer. What can still be
 * early or late:
 * - an alert changed after its group's last batch (escalated, but also merely updated: same level)
 *   is announced again at the group's next flush, as new (early, at most once);
 * - a batch that was due while no alerter ran goes out at the new leader's first tick after its
 *   group_wait/group_interval (late by the outage);
 * - a repeat that fell due during the replay of another group's history is counted as sent and
 *   comes one repeat_interval later (late);
 * - a batch decided but not yet stored when the process died is decided again after the restart,
 *   at a new flush time (not lost; possibly worded as new).
 */
import type { Config, Logger } from '@yuqing/config';
import {
  NotificationScheduler,
  defaultGroupKey,
  incidentOverdueAlert,
  incidentOverdueKey,
  incidentOverdueResolution,
  incidentOverdueSummary,
  inputForLevelChange,
  inputForStageChange,
  isOverdue,
  nextAlertState,
  nextSourceHealthState,
  parseIncidentOverdueKey,
  resolve,
  stageConcernsAlerts,
  type AlertState,
  type AlertTransition,
  type Batch,
  type RouteTarget,
  type StoredRule,
} from '@yuqing/alerting';
import {
  advanceAlerterCursor,
  alertsChangedAfter,
  appendAlertEvent,
  deliveryKeysSince,
  getAlertRecord,
  getAlertRecordByKey,
  getAlertRecords,
  getIncident,
  getTopicsForRules,
  incidentsOverdueToAlert,
  lastAlertEventId,
  listActiveSilences,
  listAlertRules,
  listOpenAlertRecords,
  lockTopicAlertRecords,
  markIncidentOverdueAlerted,
  openIncidentAlerts,
  sourceHealthEventsAfter,
  topicChangesAfter,
  upsertAlertRecord,
  withTransaction,
  type AlerterStream,
  type Pool,
  type PoolClient,
  type StoredLevelChange,
  type StoredSourceHealthEvent,
  type StoredStageChange,
  type TopicForRules,
} from '@yuqing/db';
import { metrics } from '@yuqing/metrics';
import { createRedis, publishAlertEvents, topicLevelChannel } from '@yuqing/queue';
import type { Redis } from 'ioredis';
import { enqueueNotification, UnknownReceiverError, type NotifierDeps } from '../receivers';
import { asLevel, batchDedupKey, batchNotification, parseBatchDedupKey, toAlertRecord, toAlertState, toSilence, toStoredRule, toTopicView, topicSummary } from './convert';

/** Key of the session advisory lock (two-int form; the second half is the schema, so test schemas do not compete). */
const LOCK_KEY = 0x616c7274; // "alrt"
const BATCH = 200;

export interface AlerterDeps {
  cfg: Config;
  db: Pool;
  log: Logger;
  /** Publishes alert event ids (alertEventsChannel) after each commit. */
  publisher: Pick<Redis, 'publish'>;
  /** Where notifications are queued (the deliver queue). */
  notifier: NotifierDeps;
  /** The clock (ms); tests may move it. */
  now?: () => number;
}

export interface Alerter {
  isLeader(): boolean;
  /** Resolves when every pending input has been processed (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Leadership {
  client: PoolClient;
  /** Unlocks and gives the lock connection back (once, whoever calls it first). */
  release(): Promise<void>;
  pid: number;
  sub: Redis;
  timers: NodeJS.Timeout[];
  scheduler: NotificationScheduler;
  /** Every rule by id (disabled ones too: their open alerts still route until they resolve). */
  rules: Map<number, StoredRule>;
  /** Summary and heat of the alerts the scheduler holds (notifications show them). */
  details: Map<string, { summary: string; heat: number | null }>;
  seenEventId: number;
  /** Batches that could not be stored yet (PostgreSQL down); tried again each tick. */
  unsent: Array<{ batch: Batch }>;
  stopped: boolean;
}

/** What one step stored: its alert events (ids, types) and the alerts' new states. */
interface StoredSteps {
  eventIds: number[];
  eventTypes: string[];
  states: Array<{ alert: AlertState; summary: string; heat: number | null }>;
}

const NOTHING_STORED: StoredSteps = { eventIds: [], eventTypes: [], states: [] };

/** Starts competing for leadership; the leader runs the alerter. */
export function startAlerter(deps: AlerterDeps): Alerter {
  const { cfg, db, log } = deps;
  const now = deps.now ?? Date.now;
  let closed = false;
  let leader: Leadership | null = null;
  let retry: NodeJS.Timeout | undefined;
  // Everything a leader does runs one step at a time, in this chain.
  let chain: Promise<void> = Promise.resolve();
  let inputsQueued = false;
  let incidentsQueued = false;

  const exclusive = (what: string, fn: (l: Leadership) => Promise<void>, starting?: () => void): Promise<void> => {
    chain = chain.then(async () => {
      starting?.();
      const l = leader;
      if (!l || l.stopped) return;
      try {
        await fn(l);
      } catch (err) {
        log.error({ err: String(err), what }, 'alerter step failed');
      }
    });
    return chain;
  };

  /** Reads new inputs (coalescing wake-ups that arrive while a read is queued). */
  const wake = (): Promise<void> => {
    if (inputsQueued) return chain;
    inputsQueued = true;
    return exclusive(
      'inputs',
      async (l) => {
        await loadRules(l);
        await processLevelChanges(l);
        await processSourceHealth(l);
      },
      // Reset whether or not the step runs (no leader, stepped down), or wake-ups would stay coalesced forever.
      () => {
        inputsQueued = false;
      },
    );
  };

  const loadRules = async (l: Leadership) => {
    const rows = await listAlertRules(db);
    l.rules = new Map();
    for (const r of rows) {
      const rule = toStoredRule(r);
      if (rule) l.rules.set(r.id, rule);
      else log.error({ ruleId: r.id }, 'alert rule does not parse; ignored');
    }
  };

  const route = (l: () => Leadership | null) => (alert: AlertState): RouteTarget[] => {
    if (alert.kind === 'source_health') return cfg.ALERT_SOURCE_HEALTH_RECEIVERS.map((receiver) => ({ receiver }));
    if (alert.kind === 'incident') return cfg.INCIDENT_OVERDUE_RECEIVERS.map((receiver) => ({ receiver, groupKey: 'incident' }));
    const rule = alert.ruleId === null ? undefined : l()?.rules.get(alert.ruleId);
    if (!rule || !rule.enabled) return [];
    return rule.receivers.map((receiver) => ({ receiver, quietHours: rule.quietHours }));
  };

  /**
   * Runs `fn` in a transaction that first checks this process still holds the lock and that the
   * stream's cursor is still `expected` (locked until commit). Returns null when it is not.
   */
  const fenced = async <T>(l: Leadership, stream: AlerterStream, expected: number, fn: (c: PoolClient) => Promise<T>): Promise<T | null> =>
    leaderTx(l, async (c) => {
      const { rows } = await c.query<{ last_id: number }>('SELECT last_id FROM alerter_cursors WHERE stream = $1 FOR UPDATE', [stream]);
      if ((rows[0]?.last_id ?? 0) !== expected) return null;
      return fn(c);
    });

  /** Runs `fn` in a transaction that first checks this process still holds the lock (else it steps down and throws). */
  const leaderTx = async <T>(l: Leadership, fn: (c: PoolClient) => Promise<T>): Promise<T> =>
    withTransaction(db, async (c) => {
      const { rows: lock } = await c.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1) AS ok`, [l.pid]);
      if (!lock[0]?.ok) {
        void stepDown('lock lost');
        throw new Error('alerter lost its lock');
      }
      return fn(c);
    });

  const cursorOf = async (stream: AlerterStream): Promise<number> => {
    await db.query('INSERT INTO alerter_cursors (stream, last_id) VALUES ($1, 0) ON CONFLICT (stream) DO NOTHING', [stream]);
    const { rows } = await db.query<{ last_id: number }>('SELECT last_id FROM alerter_cursors WHERE stream = $1', [stream]);
    return rows[0]?.last_id ?? 0;
  };

  /** Stores transitions (alert + events) on `c`; returns the stored states and event ids. */
  const store = async (c: PoolClient, steps: Array<{ t: AlertTransition; summary: string; heat: number | null }>) => {
    const eventIds: number[] = [];
    const eventTypes: string[] = [];
    const states: Array<{ alert: AlertState; summary: string; heat: number | null }> = [];
    for (const { t, summary, heat } of steps) {
      if (!t.changed || !t.alert) continue;
      const rec = await upsertAlertRecord(c, toAlertRecord(t.alert, { summary, heat }));
      for (const e of t.events) {
        const ev = await appendAlertEvent(c, { alertId: rec.id, type: e.type, level: e.level, payload: e.payload, audienceRoles: e.audienceRoles });
        eventIds.push(ev.id);
        eventTypes.push(e.type);
      }
      states.push({ alert: toAlertState(rec), summary, heat });
    }
    return { eventIds, eventTypes, states };
  };

  const afterCommit = async (l: Leadership, result: StoredSteps) => {
    for (const type of result.eventTypes) metrics().alertEvents.inc({ type });
    if (result.eventIds.length) {
      await publishAlertEvents(deps.publisher, cfg.QUEUE_PREFIX, result.eventIds).catch((err: unknown) => {
        log.warn({ err: String(err) }, 'could not announce alert events (they are stored; streams poll)');
      });
    }
    const at = now();
    for (const s of result.states) {
      l.details.set(s.alert.key, { summary: s.summary, heat: s.heat });
      l.scheduler.observe(s.alert, at);
    }
  };

  const processLevelChanges = async (l: Leadership) => {
    for (;;) {
      if (l.stopped) return;
      const cursor = await cursorOf('topic_level_changes');
      // Level and stage changes, in the order the topic stage wrote them (one id sequence, one cursor).
      const changes = await topicChangesAfter(db, cursor, BATCH);
      if (!changes.length) return;
      const topics = new Map((await getTopicsForRules(db, [...new Set(changes.map((c) => c.topicId))])).map((t) => [t.id, t]));
      let expected = cursor;
      for (const change of changes) {
        if (l.stopped) return;
        const result = await fenced(l, 'topic_level_changes', expected, async (c) => {
          const topic = topics.get(change.topicId);
          const stored =
            change.kind === 'stage' ? await decideStageChange(c, l, change, topic) : change.applied ? await decideLevelChange(c, l, change, topic) : NOTHING_STORED;
          await advanceAlerterCursor(c, 'topic_level_changes', change.id);
          return stored;
        });
        if (!result) return; // someone else moved the cursor: read again from where it is
        expected = change.id;
        // Wall clock against the stored row's recorded_at (not the injectable clock, not event time).
        if (result.eventIds.length) metrics().alertLatency.observe(Math.max(0, Date.now() - change.recordedAt.getTime()) / 1000);
        await afterCommit(l, result);
      }
    }
  };

  const decideLevelChange = async (c: PoolClient, l: Leadership, change: StoredLevelChange, topic: TopicForRules | undefined) => {
    const at = now();
    const current = new Map((await lockTopicAlertRecords(c, change.topicId)).map((r) => [r.dedupKey, toAlertState(r)]));
    const level = asLevel(change.level);
    const steps: Array<{ t: AlertTransition; summary: string; heat: number | null }> = [];
    const opts = { autoResolve: cfg.ALERT_AUTO_RESOLVE };
    if (level === 'none') {
      // The topic closed: every open alert of it hears, whatever became of its rule.
      for (const a of current.values()) steps.push({ t: nextAlertState(a, { type: 'faded', closed: true, reason: change.reason }, at, opts), summary: '', heat: null });
      const fill = topic ? { summary: topicSummary(topic), heat: topic.reach } : null;
      return store(c, steps.map((s) => (fill ? { ...s, ...fill } : s)));
    }
    if (!topic || topic.status === 'merged') return NOTHING_STORED;
    const view = toTopicView(topic);
    const summary = topicSummary(topic);
    for (const rule of l.rules.values()) {
      if (!rule.enabled) continue;
      const input = inputForLevelChange(rule, view, { topicId: change.topicId, level, previous: asLevel(change.previous), at: change.at.getTime(), reason: change.reason, applied: change.applied, indicators: change.indicators });
      if (!input) continue;
      const key = `rule:${rule.id}:topic:${topic.id}`;
      steps.push({ t: nextAlertState(current.get(key) ?? null, input, at, opts), summary, heat: topic.reach });
    }
    return store(c, steps);
  };

  /**
   * A stage change: what it means for each alert of the topic is inputForStageChange's to say (the
   * decision previewRule replays too): 消散期 reaches every open alert of the topic, whatever
   * became of its rule, as a drop to none does; 次生 reaches the alerts of the enabled rules that
   * match the topic now. Other stages are nothing to alerts. The lifecycle decides by
   * ALERT_AUTO_RESOLVE.
   */
  const decideStageChange = async (c: PoolClient, l: Leadership, change: StoredStageChange, topic: TopicForRules | undefined) => {
    const opts = { autoResolve: cfg.ALERT_AUTO_RESOLVE };
    if (!stageConcernsAlerts(change.stage)) return NOTHING_STORED;
    const stage = { topicId: change.topicId, stage: change.stage, level: asLevel(change.level), closed: change.closed, at: change.at.getTime(), reason: change.reason };
    // A merged (or unknown) topic has no view: nothing flares up in it, but its alerts still fade.
    const view = topic && topic.status !== 'merged' ? toTopicView(topic) : null;
    const at = now();
    const steps: Array<{ t: AlertTransition; summary: string; heat: number | null }> = [];
    for (const r of await lockTopicAlertRecords(c, change.topicId)) {
      const rule = r.ruleId === null ? undefined : l.rules.get(r.ruleId);
      const current = toAlertState(r);
      const input = inputForStageChange(rule?.enabled ? rule : null, view, stage, current);
      if (!input) continue;
      steps.push({ t: nextAlertState(current, input, at, opts), summary: topic ? topicSummary(topic) : r.summary, heat: topic ? topic.reach : r.heat });
    }
    return store(c, steps);
  };

  const processSourceHealth = async (l: Leadership) => {
    for (;;) {
      if (l.stopped) return;
      const cursor = await cursorOf('source_health_events');
      const events = await sourceHealthEventsAfter(db, cursor, BATCH);
      if (!events.length) return;
      let expected = cursor;
      for (const e of events) {
        if (l.stopped) return;
        const result = await fenced(l, 'source_health_events', expected, async (c) => {
          const stored = await decideSourceHealth(c, e);
          await advanceAlerterCursor(c, 'source_health_events', e.id);
          return stored;
        });
        if (!result) return;
        expected = e.id;
        await afterCommit(l, result);
      }
    }
  };

  const decideSourceHealth = async (c: PoolClient, e: StoredSourceHealthEvent) => {
    const rec = await getAlertRecordByKey(c, `source:${e.sourceId}`, { forUpdate: true });
    const name = e.sourceName ?? `#${e.sourceId}`;
    const t = nextSourceHealthState(rec ? toAlertState(rec) : null, { type: e.kind, sourceId: e.sourceId, sourceName: name, consecutiveErrors: e.consecutiveErrors, error: e.error }, now());
    const summary = e.kind === 'failing' ? `连续失败 ${e.consecutiveErrors} 次${e.error ? `：${e.error.slice(0, 300)}` : ''}` : '信源已恢复';
    return store(c, [{ t, summary, heat: null }]);
  };

  /** Raises the alerts of overdue incidents and resolves those no longer standing (see the header). */
  const processIncidents = async (l: Leadership) => {
    const at = now();
    for (const found of await incidentsOverdueToAlert(db, new Date(at))) {
      if (l.stopped) return;
      const result = await leaderTx(l, async (c) => {
        // Decided again on the locked row: it may have been responded to since it was listed.
        const inc = await getIncident(c, found.id, { forUpdate: true });
        if (!inc || inc.overdueAlertedAt || !isOverdue(inc, at)) return NOTHING_STORED;
        const key = incidentOverdueKey(inc.id, inc.dueAt);
        const rec = await getAlertRecordByKey(c, key, { forUpdate: true });
        const t = incidentOverdueAlert(rec ? toAlertState(rec) : null, inc, at);
        const stored = await store(c, [{ t, summary: incidentOverdueSummary(inc), heat: null }]);
        const alert = rec ?? (await getAlertRecordByKey(c, key));
        if (alert) await markIncidentOverdueAlerted(c, inc.id, inc.dueAt, alert.id, new Date(at));
        return stored;
      });
      await afterCommit(l, result);
    }
    for (const open of await openIncidentAlerts(db)) {
      if (l.stopped) return;
      if (!incidentOverdueResolution(open.dedupKey, open.incident)) continue;
      const result = await leaderTx(l, async (c) => {
        const rec = await getAlertRecord(c, open.alertId, { forUpdate: true });
        if (!rec || rec.state === 'resolved') return NOTHING_STORED;
        const incidentId = parseIncidentOverdueKey(rec.dedupKey)?.incidentId;
        const inc = incidentId === undefined ? null : await getIncident(c, incidentId);
        const reason = incidentOverdueResolution(rec.dedupKey, inc);
        if (!reason) return NOTHING_STORED;
        const t = resolve(toAlertState(rec), null, at, { auto: true, reason, incidentId: incidentId ?? null });
        return store(c, [{ t, summary: rec.summary, heat: rec.heat }]);
      });
      await afterCommit(l, result);
    }
  };

  /** Checks incidents (coalescing checks that arrive while one is queued). */
  const checkIncidents = (): Promise<void> => {
    if (incidentsQueued) return chain;
    incidentsQueued = true;
    return exclusive('incidents', processIncidents, () => {
      incidentsQueued = false;
    });
  };

  /** Alerts changed by others (people acknowledging or resolving through the API) since we last looked. */
  const refreshFromEventLog = async (l: Leadership) => {
    const { alertIds, lastEventId } = await alertsChangedAfter(db, l.seenEventId);
    l.seenEventId = lastEventId;
    if (!alertIds.length) return;
    const at = now();
    for (const rec of await getAlertRecords(db, alertIds)) {
      l.details.set(rec.dedupKey, { summary: rec.summary, heat: rec.heat });
      l.scheduler.observe(toAlertState(rec), at);
    }
  };

  const send = async (l: Leadership, batch: Batch): Promise<boolean> => {
    const note = batchNotification(batch, (key) => l.details.get(key));
    try {
      await enqueueNotification(deps.notifier, batch.receiver, note, batchDedupKey(batch));
      return true;
    } catch (err) {
      if (err instanceof UnknownReceiverError) {
        log.warn({ receiver: batch.receiver, group: batch.groupKey }, 'notification for a receiver that no longer exists dropped');
        return true;
      }
      log.error({ err: String(err), receiver: batch.receiver }, 'could not store a notification; will try again');
      return false;
    }
  };

  const tick = () =>
    exclusive('tick', async (l) => {
      await refreshFromEventLog(l);
      const retrying = l.unsent.splice(0);
      for (const u of retrying) if (!(await send(l, u.batch))) l.unsent.push(u);
      const at = now();
      const next = l.scheduler.nextWakeAt();
      if (next === null || next > at) return;
      l.scheduler.setSilences((await listActiveSilences(db, new Date(at))).map(toSilence).filter((s) => s !== null));
      for (const batch of l.scheduler.due(at)) if (!(await send(l, batch))) l.unsent.push({ batch });
    });

  /** Rebuilds the scheduler from the open alerts and the batch log (see the header). */
  const rebuild = async (l: Leadership) => {
    const open = (await listOpenAlertRecords(db)).map((r) => {
      l.details.set(r.dedupKey, { summary: r.summary, heat: r.heat });
      return toAlertState(r);
    });
    const t = l.scheduler.timings;
    const since = new Date(now() - t.repeatIntervalMs - t.groupIntervalMs - t.groupWaitMs);
    const lastBatch = new Map<string, { receiver: number; groupKey: string; at: number }>();
    for (const key of await deliveryKeysSince(db, 'batch:', since)) {
      const b = parseBatchDedupKey(key);
      if (!b) continue;
      const id = `${b.receiver}\u0000${b.groupKey}`;
      if ((lastBatch.get(id)?.at ?? -Infinity) < b.at) lastBatch.set(id, b);
    }
    const base = route(() => l);
    for (const b of [...lastBatch.values()].sort((x, y) => x.at - y.at)) {
      const members = open.filter((a) => a.updatedAt <= b.at && base(a).some((r) => r.receiver === b.receiver && (r.groupKey ?? defaultGroupKey(a)) === b.groupKey));
      if (!members.length) continue;
      only = b;
      for (const a of members) l.scheduler.observe(a, b.at - t.groupWaitMs);
      l.scheduler.due(b.at); // already sent: replayed only to restore what was announced and when
      only = null;
    }
    const at = now();
    for (const a of open) l.scheduler.observe(a, at);
    log.info({ open: open.length, groups: l.scheduler.groupCount }, 'alerter: scheduler rebuilt');
  };
  // During the replay of one group's last batch, routes lead to that group only.
  let only: { receiver: number; groupKey: string } | null = null;

  const lead = async (client: PoolClient, pid: number, release: () => Promise<void>) => {
    const sub = createRedis(cfg.REDIS_URL, 'worker');
    sub.on('error', (err) => log.warn({ err: err.message }, 'redis (alerter subscriber) error'));
    const l: Leadership = {
      client,
      release,
      pid,
      sub,
      timers: [],
      scheduler: undefined as unknown as NotificationScheduler,
      rules: new Map(),
      details: new Map(),
      seenEventId: 0,
      unsent: [],
      stopped: false,
    };
    const base = route(() => leader);
    l.scheduler = new NotificationScheduler({
      route: (a) => {
        const targets = base(a);
        const o = only;
        return o ? targets.filter((r) => r.receiver === o.receiver && (r.groupKey ?? defaultGroupKey(a)) === o.groupKey) : targets;
      },
      timings: { groupWaitMs: cfg.ALERT_GROUP_WAIT_MS, groupIntervalMs: cfg.ALERT_GROUP_INTERVAL_MS, repeatIntervalMs: cfg.ALERT_REPEAT_INTERVAL_MS },
    });
    leader = l;
    try {
      l.seenEventId = await lastAlertEventId(db);
      await loadRules(l);
      await rebuild(l);
    } catch (err) {
      // tryLead gives the lock and the connection back.
      l.stopped = true;
      leader = null;
      sub.disconnect();
      throw err;
    }
    await sub.subscribe(topicLevelChannel(cfg.QUEUE_PREFIX));
    // Stepped down (closing, lock lost) while starting: start nothing.
    if (l.stopped) return;
    sub.on('message', () => void wake());
    l.timers.push(setInterval(() => void wake(), cfg.ALERTER_POLL_MS));
    l.timers.push(setInterval(() => void tick(), cfg.ALERTER_TICK_MS));
    l.timers.push(setInterval(() => void checkIncidents(), cfg.INCIDENT_OVERDUE_CHECK_MS));
    log.info('alerter: leader');
    void wake();
    void checkIncidents();
  };

  const tryLead = async () => {
    if (closed || leader) return;
    let client: PoolClient;
    try {
      client = await db.connect();
    } catch (err) {
      // PostgreSQL unreachable (restarting, a failover): not a crash — the loop tries again.
      log.warn({ err: String(err) }, 'alerter: database unreachable, will try to take leadership again');
      return;
    }
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await client.query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [LOCK_KEY]).catch(() => undefined);
      // Not back into the pool: a session that held the lock is not reused.
      client.release(true);
    };
    try {
      const { rows } = await client.query<{ ok: boolean; pid: number }>('SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS ok, pg_backend_pid() AS pid', [LOCK_KEY]);
      if (!rows[0]?.ok) {
        released = true;
        client.release();
        return;
      }
      if (closed) {
        await release();
        return;
      }
      // Losing this connection is losing leadership: stop at once.
      client.on('error', () => void stepDown('lock connection lost'));
      await lead(client, rows[0].pid, release);
    } catch (err) {
      log.error({ err: String(err) }, 'alerter could not take leadership');
      await release();
    }
  };

  const stepDown = async (why: string) => {
    const l = leader;
    if (!l) return;
    l.stopped = true;
    leader = null;
    log.warn({ why }, 'alerter: stepping down');
    for (const t of l.timers) clearInterval(t);
    l.sub.disconnect();
    // The step in progress ends (its transactions are fenced by the lock); then the lock goes.
    await chain;
    await l.release();
  };

  let trying: Promise<void> = Promise.resolve();
  const loop = () => {
    if (closed) return;
    trying = tryLead();
    void trying.finally(() => {
      if (!closed) retry = setTimeout(loop, cfg.ALERTER_RETRY_MS);
    });
  };
  loop();

  return {
    isLeader: () => leader !== null,
    async idle() {
      await wake();
      await checkIncidents();
      await tick();
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await trying;
      await stepDown('closing');
    },
  };
}
