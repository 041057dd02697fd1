/**
 * The learning loop's models (migration 018): trained candidates with the gate's figures, the one
 * active model the analyzer runs, activations and roll-backs. Listing never reads the weights
 * (`model`, about 1.4 MB of JSON); only the analyzer and the gate load them, one version at a time.
 */
import { withTransaction, type Pool, type PoolClient, type Queryable } from '../pool';
import { recordAudit, type AuditEntry } from './audit';

export const MODEL_STATUSES = ['active', 'candidate', 'rejected', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];
export type ModelTriggerKind = 'schedule' | 'corrections' | 'manual';

/** A police-negative correction a model learnt from: item id and label (1 police-negative, 0 not). */
export type TrainedOn = [itemId: number, policeNegative: 0 | 1];

/** A stored model without its weights. */
export interface ModelSummary {
  version: number;
  modelVersion: string;
  trainedAt: Date;
  examples: number;
  /** How many police-negative corrections it learnt from. */
  policeNegativeExamples: number;
  metrics: unknown;
  decisionReason: string;
  trigger: ModelTriggerKind;
  triggeredBy: string;
  triggeredById: number | null;
  status: ModelStatus;
  activatedAt: Date | null;
  activatedBy: string | null;
  activatedById: number | null;
  reanalysisQueuedAt: Date | null;
  reanalysisItems: number | null;
  createdAt: Date;
}

/** A trained model to store (the gate decided its status: a passing one is stored as candidate, then activated). */
export interface NewModel {
  modelVersion: string;
  model: unknown;
  trainedAt: Date;
  examples: number;
  trainedOn: TrainedOn[];
  metrics: unknown;
  decisionReason: string;
  trigger: ModelTriggerKind;
  triggeredBy: string;
  triggeredById: number | null;
  status: 'candidate' | 'rejected';
}

/** Who activates a model. */
export interface ModelActor {
  name: string;
  id: number | null;
}

const SUMMARY_COLUMNS = `version, model_version, trained_at, examples, jsonb_array_length(trained_on) AS police_negative_examples, metrics,
  decision_reason, trigger, triggered_by, triggered_by_id, status, activated_at, activated_by, activated_by_id,
  reanalysis_queued_at, reanalysis_items, created_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const summaryOf = (r: any): ModelSummary => ({
  version: r.version,
  modelVersion: r.model_version,
  trainedAt: r.trained_at,
  examples: r.examples,
  policeNegativeExamples: r.police_negative_examples,
  metrics: r.metrics,
  decisionReason: r.decision_reason,
  trigger: r.trigger,
  triggeredBy: r.triggered_by,
  triggeredById: r.triggered_by_id,
  status: r.status,
  activatedAt: r.activated_at,
  activatedBy: r.activated_by,
  activatedById: r.activated_by_id,
  reanalysisQueuedAt: r.reanalysis_queued_at,
  reanalysisItems: r.reanalysis_items,
  createdAt: r.created_at,
});

/** Stores a trained model; returns it (without weights). */
export async function insertModel(db: Queryable, m: NewModel): Promise<ModelSummary> {
  const { rows } = await db.query(
    `INSERT INTO models (model_version, model, trained_at, examples, trained_on, metrics, decision_reason, trigger, triggered_by, triggered_by_id, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT id FROM users WHERE id = $10), $11)
     RETURNING ${SUMMARY_COLUMNS}`,
    [m.modelVersion, JSON.stringify(m.model), m.trainedAt, m.examples, JSON.stringify(m.trainedOn), JSON.stringify(m.metrics), m.decisionReason, m.trigger, m.triggeredBy, m.triggeredById, m.status],
  );
  return summaryOf(rows[0]);
}

/** Stored models, newest first, without weights. */
export async function listModels(db: Queryable, opts: { limit?: number; status?: ModelStatus } = {}): Promise<ModelSummary[]> {
  const { rows } = await db.query(
    `SELECT ${SUMMARY_COLUMNS} FROM models WHERE ($1::text IS NULL OR status = $1) ORDER BY version DESC LIMIT $2`,
    [opts.status ?? null, opts.limit ?? 100],
  );
  return rows.map(summaryOf);
}

/** One model without its weights, or null. */
export async function getModel(db: Queryable, version: number): Promise<ModelSummary | null> {
  const { rows } = await db.query(`SELECT ${SUMMARY_COLUMNS} FROM models WHERE version = $1`, [version]);
  return rows[0] ? summaryOf(rows[0]) : null;
}

/** What identifies the active model (cheap: what the analyzer polls), or null when none is active. */
export interface ActiveModelRef {
  version: number;
  modelVersion: string;
  activatedAt: Date;
  reanalysisQueuedAt: Date | null;
}

/** The active model's identity, or null. */
export async function getActiveModelRef(db: Queryable): Promise<ActiveModelRef | null> {
  const { rows } = await db.query(`SELECT version, model_version, activated_at, reanalysis_queued_at FROM models WHERE status = 'active'`);
  const r = rows[0];
  return r ? { version: r.version, modelVersion: r.model_version, activatedAt: r.activated_at, reanalysisQueuedAt: r.reanalysis_queued_at } : null;
}

/** A model with its weights and what it was trained on. */
export interface LoadedModel {
  version: number;
  modelVersion: string;
  status: ModelStatus;
  model: unknown;
  trainedOn: TrainedOn[];
}

/** A model with its weights (version given), or the active one (no version); null when there is none. */
export async function loadModelRow(db: Queryable, version?: number): Promise<LoadedModel | null> {
  const { rows } = await db.query(
    version === undefined
      ? `SELECT version, model_version, status, model, trained_on FROM models WHERE status = 'active'`
      : `SELECT version, model_version, status, model, trained_on FROM models WHERE version = $1`,
    version === undefined ? [] : [version],
  );
  const r = rows[0];
  return r ? { version: r.version, modelVersion: r.model_version, status: r.status, model: r.model, trainedOn: r.trained_on } : null;
}

/** The outcome of an activation. */
export interface Activation {
  /** The model activated, after the change. */
  model: ModelSummary;
  /** The model it replaced (now retired), or null when none was active. */
  previous: ModelSummary | null;
  /** False when the version was active already (nothing changed). */
  changed: boolean;
}

// Serialises activations: two at once would each retire the other's choice.
const ACTIVATE_LOCK = 0x6d6f646c; // "modl"

/** Thrown when an activation expected another model to be active (it changed while a candidate was judged). */
export class ActiveModelChangedError extends Error {
  constructor(
    readonly expected: number | null,
    readonly actual: number | null,
  ) {
    super(`the active model changed (expected ${expected ?? 'none'}, found ${actual ?? 'none'})`);
    this.name = 'ActiveModelChangedError';
  }
}

/**
 * Makes `version` the active model in the caller's transaction: the active one is retired, this
 * one is active (whatever its status: an admin may roll back to a retired model or override the
 * gate). Null when there is no such version; `changed: false` when it was active already. With
 * `expectActive` (a version, or null for none), throws ActiveModelChangedError when another is active.
 */
export async function activateModel(client: PoolClient, version: number, actor: ModelActor, opts: { at?: Date; expectActive?: number | null } = {}): Promise<Activation | null> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [ACTIVATE_LOCK]);
  if (opts.expectActive !== undefined) {
    const { rows: active } = await client.query<{ version: number }>(`SELECT version FROM models WHERE status = 'active'`);
    const actual = active[0]?.version ?? null;
    if (actual !== opts.expectActive) throw new ActiveModelChangedError(opts.expectActive, actual);
  }
  const { rows } = await client.query(`SELECT ${SUMMARY_COLUMNS} FROM models WHERE version = $1 FOR UPDATE`, [version]);
  if (!rows[0]) return null;
  const target = summaryOf(rows[0]);
  if (target.status === 'active') return { model: target, previous: null, changed: false };
  const at = opts.at ?? new Date();
  const retired = await client.query(`UPDATE models SET status = 'retired' WHERE status = 'active' RETURNING ${SUMMARY_COLUMNS}`);
  const { rows: updated } = await client.query(
    `UPDATE models SET status = 'active', activated_at = $2, activated_by = $3, activated_by_id = (SELECT id FROM users WHERE id = $4),
       reanalysis_queued_at = NULL, reanalysis_items = NULL
     WHERE version = $1 RETURNING ${SUMMARY_COLUMNS}`,
    [version, at, actor.name, actor.id],
  );
  return { model: summaryOf(updated[0]), previous: retired.rows[0] ? summaryOf(retired.rows[0]) : null, changed: true };
}

/** Who an audited activation names (as audit entries do). */
export type ModelAuditActor = Pick<AuditEntry, 'actorId' | 'actorName' | 'requestId'>;

/**
 * Activates `version` and records `model.activate` in the audit log, in one transaction (nothing
 * is recorded when it was active already). The caller announces it after the commit
 * (announceModelActivation in @yuqing/queue): threads reload, recent items are re-analysed.
 */
export async function activateModelAudited(
  pool: Pool,
  version: number,
  actor: ModelAuditActor,
  opts: { expectActive?: number | null; reason?: string } = {},
): Promise<Activation | null> {
  return withTransaction(pool, async (c) => {
    const a = await activateModel(c, version, { name: actor.actorName, id: actor.actorId }, opts.expectActive !== undefined ? { expectActive: opts.expectActive } : {});
    if (a?.changed) {
      await recordAudit(c, {
        ...actor,
        action: 'model.activate',
        entity: 'model',
        entityId: version,
        before: a.previous ? { activeVersion: a.previous.version, modelVersion: a.previous.modelVersion } : { activeVersion: null },
        after: { activeVersion: a.model.version, modelVersion: a.model.modelVersion, ...(opts.reason ? { reason: opts.reason } : {}) },
      });
    }
    return a;
  });
}

/** Stores a trained model and records `model.train` in the audit log, in one transaction. */
export async function insertModelAudited(pool: Pool, m: NewModel, actor: ModelAuditActor): Promise<ModelSummary> {
  return withTransaction(pool, async (c) => {
    const stored = await insertModel(c, m);
    await recordAudit(c, {
      ...actor,
      action: 'model.train',
      entity: 'model',
      entityId: stored.version,
      after: { version: stored.version, modelVersion: stored.modelVersion, trigger: stored.trigger, status: stored.status, examples: stored.examples, decision: stored.decisionReason },
    });
    return stored;
  });
}

/**
 * Records that the re-analysis after the activation at `activatedAt` was queued (`items` items).
 * False when the model is no longer active or was activated again since (that activation queues its own).
 */
export async function markReanalysisQueued(db: Queryable, version: number, activatedAt: Date, items: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE models SET reanalysis_queued_at = now(), reanalysis_items = $3
     WHERE version = $1 AND status = 'active' AND activated_at = $2 AND reanalysis_queued_at IS NULL`,
    [version, activatedAt, items],
  );
  return (rowCount ?? 0) > 0;
}

/** When the latest training read the corrections (any status), or null before the first. */
export async function lastTrainingAt(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>('SELECT max(trained_at) AS at FROM models');
  return rows[0]?.at ?? null;
}

/** Corrections that can train something (police-negative or sentiment) made or changed after `since` (all with null). */
export async function countCorrectionsSince(db: Queryable, since: Date | null): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM item_labels
     WHERE (police_negative IS NOT NULL OR sentiment IS NOT NULL) AND ($1::timestamptz IS NULL OR labelled_at > $1)`,
    [since],
  );
  return rows[0]?.n ?? 0;
}

/** The database's clock (training snapshots use it, so that "since" compares like with like). */
export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
  return rows[0]!.now;
}

/** Ids of analysed items published at or after `since`, in id order after `afterId` (keyset pages). */
export async function analysedItemIdsSince(db: Queryable, since: Date, opts: { afterId?: number; limit?: number } = {}): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT i.id FROM items i JOIN item_analysis a ON a.item_id = i.id
     WHERE i.published_at >= $1 AND i.id > $2 ORDER BY i.id LIMIT $3`,
    [since, opts.afterId ?? 0, opts.limit ?? 1000],
  );
  return rows.map((r) => Number(r.id));
}
