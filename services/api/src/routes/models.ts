/**
 * The learning loop's models (模型版本):
 * - GET  /api/models                   the stored models, newest first: status, trigger, who, the gate's figures;
 * - GET  /api/models/:version          one model: the gate's rule, both models' figures and the decision (never the weights);
 * - POST /api/models/retrain {activate?}  queue a training now (the analyzer's model worker runs it; the gate decides), 202;
 * - POST /api/models/:version/activate {reason?}  make a version the running model — a roll-back, or
 *                                      overriding the gate; the analyzers reload it and re-analyse recent items.
 *
 * Roles: analysts (whose corrections train the models) and admins read and ask for a training;
 * only admins choose which model runs. Every change is audited: model.retrain, model.activate.
 */
import type { Config } from '@yuqing/config';
import { activateModelAudited, getModel, listModels, MODEL_STATUSES, recordAudit, type ModelSummary, type Pool } from '@yuqing/db';
import { announceModelActivation, createModelQueue, MODEL_TRIGGERS } from '@yuqing/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError } from '../errors';

const READ = { roles: ['admin', 'analyst'] } as const;
const RETRAIN = { roles: ['admin', 'analyst'] } as const;
const ACTIVATE = { roles: ['admin'] } as const;

/** A stored model as the API shows it: everything but the weights. */
export const modelOut = z.object({
  version: z.number(),
  modelVersion: z.string(),
  status: z.enum(MODEL_STATUSES),
  trainedAt: z.date(),
  /** Corrections it was trained on (beside the shipped corpus), and the police-negative ones among them. */
  examples: z.number(),
  policeNegativeExamples: z.number(),
  trigger: z.enum(MODEL_TRIGGERS),
  triggeredBy: z.string(),
  /** The gate's decision in words. */
  decisionReason: z.string(),
  /** The gate's record: rule, folds, threshold, both models' figures, decision. */
  metrics: z.looseObject({}),
  activatedAt: z.date().nullable(),
  activatedBy: z.string().nullable(),
  reanalysisQueuedAt: z.date().nullable(),
  reanalysisItems: z.number().nullable(),
  createdAt: z.date(),
});

const out = (m: ModelSummary): z.infer<typeof modelOut> => ({
  version: m.version,
  modelVersion: m.modelVersion,
  status: m.status,
  trainedAt: m.trainedAt,
  examples: m.examples,
  policeNegativeExamples: m.policeNegativeExamples,
  trigger: m.trigger,
  triggeredBy: m.triggeredBy,
  decisionReason: m.decisionReason,
  metrics: (m.metrics ?? {}) as Record<string, unknown>,
  activatedAt: m.activatedAt,
  activatedBy: m.activatedBy,
  reanalysisQueuedAt: m.reanalysisQueuedAt,
  reanalysisItems: m.reanalysisItems,
  createdAt: m.createdAt,
});

const versionParams = z.object({ version: z.coerce.number().int().positive() });

export const modelListQuery = z
  .object({
    status: z.enum(MODEL_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const modelRetrainBody = z
  .object({
    /** false: a candidate that passes the gate is kept as `candidate` for an admin to activate. */
    activate: z.boolean().default(true),
  })
  .strict();

export const modelActivateBody = z
  .object({
    /** Why (a roll-back, an override of the gate): kept in the audit log. */
    reason: z.string().trim().max(500).optional(),
  })
  .strict();

/** GET /api/models[/:version], POST /api/models/retrain, POST /api/models/:version/activate. */
export const modelRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool; redis: Redis }> = async (app, { cfg, db, redis }) => {
  // The model queue, made on first use (most API processes never train).
  let modelQueue: ReturnType<typeof createModelQueue> | null = null;
  const queue = (): ReturnType<typeof createModelQueue> => (modelQueue ??= createModelQueue(redis, cfg.QUEUE_PREFIX));
  app.addHook('onClose', async () => {
    await modelQueue?.close();
  });

  app.get('/api/models', { config: READ, schema: { querystring: modelListQuery, response: { 200: z.object({ models: z.array(modelOut) }) } } }, async (req) => ({
    models: (await listModels(db, { limit: req.query.limit, ...(req.query.status ? { status: req.query.status } : {}) })).map(out),
  }));

  app.get('/api/models/:version', { config: READ, schema: { params: versionParams, response: { 200: modelOut } } }, async (req) => {
    const m = await getModel(db, req.params.version);
    if (!m) throw new ApiError(404, 'MODEL_NOT_FOUND', `模型版本 ${req.params.version} 不存在`);
    return out(m);
  });

  app.post(
    '/api/models/retrain',
    { config: RETRAIN, schema: { body: modelRetrainBody.default({ activate: true }), response: { 202: z.object({ jobId: z.string(), trigger: z.literal('manual'), activate: z.boolean() }) } } },
    async (req, reply) => {
      const actor = auditActor(req);
      const job = await queue().add('retrain', {
        kind: 'retrain',
        trigger: 'manual',
        by: actor.actorName,
        byId: actor.actorId,
        requestId: actor.requestId ?? null,
        activate: req.body.activate,
      });
      const jobId = String(job.id);
      await recordAudit(db, { ...actor, action: 'model.retrain', entity: 'model', entityId: null, after: { jobId, activate: req.body.activate } });
      return reply.code(202).send({ jobId, trigger: 'manual', activate: req.body.activate });
    },
  );

  app.post(
    '/api/models/:version/activate',
    {
      config: ACTIVATE,
      schema: {
        params: versionParams,
        body: modelActivateBody.default({}),
        response: { 200: z.object({ model: modelOut, previous: modelOut.nullable(), changed: z.boolean() }) },
      },
    },
    async (req) => {
      const a = await activateModelAudited(db, req.params.version, auditActor(req), req.body.reason ? { reason: req.body.reason } : {});
      if (!a) throw new ApiError(404, 'MODEL_NOT_FOUND', `模型版本 ${req.params.version} 不存在`);
      if (a.changed) {
        await announceModelActivation({ redis, queue: queue(), prefix: cfg.QUEUE_PREFIX }, { version: a.model.version, modelVersion: a.model.modelVersion, activatedAt: a.model.activatedAt! }).catch((err: unknown) => {
          // Committed: the analyzers' periodic check (MODEL_CHECK_MS) finds it and queues its re-analysis.
          req.log.warn({ err: err instanceof Error ? err.message : String(err), version: a.model.version }, 'could not announce the model activation');
        });
      }
      return { model: out(a.model), previous: a.previous ? out(a.previous) : null, changed: a.changed };
    },
  );
};
