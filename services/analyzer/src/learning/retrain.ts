/**
 * One turn of the learning loop: read the analysts' corrections, train a candidate and judge it
 * against the running model (candidate.ts, in a worker thread), store it with the gate's figures
 * (models table, audited `model.train`), and when it passes, activate it (audited
 * `model.activate`) and announce it: engine threads reload, recent items are re-analysed.
 *
 * The analyzer's model worker runs it for scheduled trainings, after N corrections and on an API
 * request; `yuqing models retrain` runs the same function in the CLI process.
 */
import { Worker } from 'node:worker_threads';
import type { Config, Logger } from '@yuqing/config';
import {
  activateModelAudited,
  ActiveModelChangedError,
  countCorrectionsSince,
  databaseNow,
  insertModelAudited,
  lastTrainingAt,
  type ModelAuditActor,
  type ModelSummary,
  type Pool,
} from '@yuqing/db';
import type { ModelTrigger } from '@yuqing/queue';
import { runningModel } from '../model-source';
import type { CandidateInput, CandidateOutput } from './candidate';
import { readCorrections } from './labels';
import type { TrainThreadResult } from './train-thread';

export type RetrainSettings = Pick<Config, 'MODEL_CV_FOLDS' | 'MODEL_MIN_CORRECTIONS' | 'POLICE_NEGATIVE_THRESHOLD' | 'ANALYZER_MODEL_FILE' | 'ANALYZER_MAX_CHARS'>;

export interface RetrainDeps {
  cfg: RetrainSettings;
  db: Pool;
  /**
   * After a committed activation: tell the analyzers and queue the re-analysis (announceModelActivation
   * of @yuqing/queue). A failure is logged, not thrown: the analyzers' periodic check finds the model.
   */
  announce: (m: { version: number; modelVersion: string; activatedAt: Date }) => Promise<void>;
  log?: Logger;
  /** Runs the candidate evaluation; default: in a worker thread. */
  evaluate?: (input: CandidateInput) => Promise<CandidateOutput>;
}

export interface RetrainRequest {
  trigger: ModelTrigger;
  /** Who asked: a user's name, 'system' or 'cli:<os user>'. */
  by: string;
  byId?: number | null;
  requestId?: string | null;
  /** false: a candidate that passes is kept as `candidate`, not activated (default true). */
  activate?: boolean;
  /** Train only when a correction was made or changed since the last training (scheduled runs). */
  onlyIfNew?: boolean;
}

export interface RetrainResult {
  /** The stored model; null when nothing was trained (`skipped` says why). */
  model: ModelSummary | null;
  activated: boolean;
  skipped?: string;
}

const TRAIN_THREAD = new URL('./train-thread-boot.mjs', import.meta.url);

/** Runs candidate.ts in a worker thread of its own and resolves with its output. */
export function evaluateInThread(input: CandidateInput): Promise<CandidateOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(TRAIN_THREAD, { workerData: input });
    let settled = false;
    worker.once('message', (m: TrainThreadResult) => {
      settled = true;
      if (m.ok) resolve(m.output);
      else reject(new Error(`training failed: ${m.error}`));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`training thread exited (${code}) without a result`));
      settled = true;
    });
  });
}

/** Trains, judges, stores and (when it passes) activates a candidate; see the module comment. */
export async function retrain(deps: RetrainDeps, req: RetrainRequest): Promise<RetrainResult> {
  const { cfg, db, log } = deps;
  const actor: ModelAuditActor = { actorId: req.byId ?? null, actorName: req.by, requestId: req.requestId ?? null };
  // The snapshot time: corrections labelled after it count towards the next training.
  const trainedAt = await databaseNow(db);
  if (req.onlyIfNew) {
    const since = await lastTrainingAt(db);
    if ((await countCorrectionsSince(db, since)) === 0) return { model: null, activated: false, skipped: since ? '上次训练后没有新的人工校正' : '还没有人工校正' };
  }
  const { lines } = await readCorrections(db);
  const current = await runningModel(db, cfg.ANALYZER_MODEL_FILE);
  const started = Date.now();
  const out = await (deps.evaluate ?? evaluateInThread)({
    lines,
    current,
    folds: cfg.MODEL_CV_FOLDS,
    minCorrections: cfg.MODEL_MIN_CORRECTIONS,
    threshold: cfg.POLICE_NEGATIVE_THRESHOLD,
    maxChars: cfg.ANALYZER_MAX_CHARS,
    createdAt: trainedAt.toISOString(),
  });
  const activate = out.accepted && req.activate !== false;
  const stored = await insertModelAudited(
    db,
    {
      modelVersion: out.model.modelVersion,
      model: out.model,
      trainedAt,
      examples: out.examples,
      trainedOn: out.trainedOn,
      metrics: { ...out.metrics, trainingMs: Date.now() - started },
      decisionReason: out.accepted && !activate ? `${out.reason}（按要求未启用，保留为候选）` : out.reason,
      trigger: req.trigger,
      triggeredBy: req.by,
      triggeredById: req.byId ?? null,
      status: out.accepted ? 'candidate' : 'rejected',
    },
    actor,
  );
  log?.info({ version: stored.version, trigger: req.trigger, by: req.by, accepted: out.accepted, reason: out.reason, ms: Date.now() - started }, 'model trained');
  if (!activate) return { model: stored, activated: false };
  try {
    // Only over the model it was judged against: an admin's roll-back meanwhile wins.
    const a = await activateModelAudited(db, stored.version, actor, { expectActive: current.version, reason: out.reason });
    if (!a) return { model: stored, activated: false };
    await deps.announce({ version: a.model.version, modelVersion: a.model.modelVersion, activatedAt: a.model.activatedAt! }).catch(
      (err: unknown) => {
        // Committed: the analyzers' periodic checks reload it and queue its re-analysis.
        log?.warn({ err: err instanceof Error ? err.message : String(err), version: a.model.version }, 'could not announce the activation (the periodic check will find it)');
      },
    );
    return { model: a.model, activated: true };
  } catch (err) {
    if (!(err instanceof ActiveModelChangedError)) throw err;
    log?.warn({ version: stored.version, expected: err.expected, actual: err.actual }, 'the active model changed during training; the candidate stays a candidate');
    return { model: stored, activated: false };
  }
}
